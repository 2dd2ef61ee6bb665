/// Binaries and built-ins the shell reading knows, with how telling each is at a command position.
enum ShellVocabulary {
    enum Kind: UInt8 {
        /// Shells and interpreters: a shell after a separator is the attack.
        case shell
        /// Network clients that fetch or connect back.
        case network
        /// Reconnaissance commands that are not English words (`whoami`, `uname`, `ipconfig`).
        case recon
        /// Commands that are also English words (`cat`, `id`, `ping`, `sleep`, `type`): need
        /// shell-shaped arguments or a clean end.
        case word
        /// Living-off-the-land Windows binaries and other tools only attackers chain in.
        case tool
    }

    struct Entry {
        var kind: Kind
        /// Windows names are case-insensitive; Unix names must be written in lowercase.
        var windows: Bool
    }

    static let table = WordTable(entries)

    static let entries: [UInt64: Entry] = {
        var table: [UInt64: Entry] = [:]
        func add(_ names: [String], _ kind: Kind, windows: Bool = false) {
            for name in names { table[WordHash.of(name)] = Entry(kind: kind, windows: windows) }
        }
        add(
            [
                "sh", "bash", "zsh", "dash", "ksh", "csh", "tcsh", "ash", "busybox", "python", "python2", "python3",
                "perl", "ruby", "php", "node", "lua", "irb", "tclsh", "awk", "gawk", "xterm",
            ], .shell)
        add(["powershell", "pwsh", "cmd", "powershell.exe", "cmd.exe", "pwsh.exe"], .shell, windows: true)
        add(
            ["nc", "ncat", "netcat", "socat", "telnet", "wget", "curl", "tftp", "ftp", "scp", "ssh", "lynx", "fetch"],
            .network)
        add(
            [
                "whoami", "uname", "ifconfig", "hostname", "netstat", "getent", "nslookup", "uptime", "lsb_release",
                "printenv", "groups", "last", "lsof",
            ], .recon)
        add(
            ["ipconfig", "systeminfo", "tasklist", "whoami.exe", "ipconfig.exe", "ver", "netstat.exe"], .recon,
            windows: true)
        add(
            [
                "cat", "id", "ls", "ping", "sleep", "echo", "head", "tail", "kill", "env", "who",
                "ps", "pwd", "rm", "cp", "mv", "touch", "chmod", "chown", "mkdir", "which", "find", "grep", "sed",
                "dig", "tac", "xxd", "base64", "sudo", "su", "nohup",
                "timeout", "expr", "printf", "crontab", "mkfifo", "sh.exe", "wc", "df", "du", "read",
            ], .word)
        add(
            ["dir", "type", "net", "findstr", "echo.", "timeout.exe", "ping.exe"],
            .word, windows: true)
        add(
            [
                "certutil", "bitsadmin", "wmic", "reg", "mshta", "rundll32", "regsvr32", "cscript", "wscript",
                "msiexec", "schtasks", "wevtutil", "vssadmin", "bcdedit", "icacls", "certutil.exe", "bitsadmin.exe",
                "mshta.exe", "rundll32.exe", "regsvr32.exe", "wmic.exe", "net1", "net.exe", "sc.exe",
            ], .tool, windows: true)
        return table
    }()

    static func lookup(_ name: ArraySlice<UInt8>) -> Entry? {
        guard !name.isEmpty, name.count <= 24 else { return nil }
        guard let entry = table[WordHash.of(name)] else { return nil }
        if !entry.windows {
            for byte in name where byte >= 0x41 && byte <= 0x5A { return nil }
        }
        return entry
    }

    /// Names a glob (`c?t`, `/???/n?`, `w*ami`) could stand for, with the strongest kind matched.
    static let globCandidates: [String] = [
        "cat", "nc", "ncat", "bash", "sh", "id", "whoami", "uname", "wget", "curl", "python", "python3", "perl",
        "ls", "ping", "sleep", "echo", "netcat", "ifconfig", "hostname", "socat", "telnet", "base64", "head", "tail",
    ]

    static func globMatch(_ pattern: ArraySlice<UInt8>) -> Entry? {
        for candidate in globCandidates where matches(pattern, Array(candidate.utf8)[...]) {
            return table[WordHash.of(candidate)]
        }
        return nil
    }

    /// Shell glob (`?`, `*`, `[…]`) against a name; bounded by the short lengths involved.
    static func matches(_ pattern: ArraySlice<UInt8>, _ name: ArraySlice<UInt8>) -> Bool {
        guard pattern.count <= 32 else { return false }
        var p = pattern.startIndex
        var n = name.startIndex
        var starP = -1
        var starN = -1
        while n < name.endIndex {
            if p < pattern.endIndex, pattern[p] == UInt8(ascii: "[") {
                var close = p + 1
                var hit = false
                while close < pattern.endIndex, pattern[close] != UInt8(ascii: "]") {
                    if pattern[close] == name[n] { hit = true }
                    close += 1
                }
                if hit, close < pattern.endIndex {
                    p = close + 1
                    n += 1
                    continue
                }
            } else if p < pattern.endIndex, pattern[p] == UInt8(ascii: "?") || pattern[p] == name[n] {
                p += 1
                n += 1
                continue
            } else if p < pattern.endIndex, pattern[p] == UInt8(ascii: "*") {
                starP = p
                starN = n
                p += 1
                continue
            }
            if starP >= 0 {
                p = starP + 1
                starN += 1
                n = starN
                continue
            }
            return false
        }
        while p < pattern.endIndex, pattern[p] == UInt8(ascii: "*") { p += 1 }
        return p == pattern.endIndex
    }
}
