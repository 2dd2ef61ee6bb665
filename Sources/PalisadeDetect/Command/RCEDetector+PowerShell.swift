extension RCEDetector {
    /// Every reverse-shell reading starts from one of these (ASCII case-insensitively).
    static let reverseShellNeedles = NeedleSet([
        "/dev/tcp/", "/dev/udp/", "mkfifo ", "socket.socket(", "socat ", "fsockopen(",
    ])

    /// Reverse-shell idioms that are attacks wherever they sit: `/dev/tcp/host/port` sockets,
    /// interactive shells bound to a descriptor, `nc -e`, `mkfifo` pipes.
    static func scanReverseShell(_ value: ArraySlice<UInt8>, _ best: inout ExecBest) {
        guard reverseShellNeedles.occurs(in: value) else { return }
        if let d = ExecBytes.find(value, "/dev/tcp/") ?? ExecBytes.find(value, "/dev/udp/") {
            best.consider(0.95, "rce.reverse_shell", d..<min(value.endIndex, d + 24))
        }
        if let m = ExecBytes.find(value, "mkfifo "), ExecBytes.contains(value, "/tmp/") {
            best.consider(0.9, "rce.reverse_shell", m..<min(value.endIndex, m + 24))
        }
        if let s = ExecBytes.find(value, "socket.socket("), ExecBytes.contains(value, "connect(") {
            best.consider(0.93, "rce.reverse_shell", s..<min(value.endIndex, s + 24))
        }
        if let s = ExecBytes.find(value, "socat "),
            ExecBytes.contains(value, "exec:") || ExecBytes.contains(value, "system:")
        {
            best.consider(0.93, "rce.reverse_shell", s..<min(value.endIndex, s + 24))
        }
        if let s = ExecBytes.find(value, "fsockopen("),
            ExecBytes.contains(value, "/bin/") || ExecBytes.contains(value, "exec")
        {
            best.consider(0.93, "rce.reverse_shell", s..<min(value.endIndex, s + 24))
        }
    }

    /// Every PowerShell reading starts from one of these (ASCII case-insensitively).
    static let powerShellNeedles = NeedleSet([
        "powershell", "pwsh", "iex", "invoke-expression", "downloadstring(", "downloadfile(", "downloaddata(",
        ".downloadstring (", "frombase64string(", "start-process", "net.webclient",
    ])

    /// PowerShell: encoded commands, `IEX`/`Invoke-Expression` on a string or download, web
    /// clients, hidden windows.
    static func scanPowerShell(_ value: ArraySlice<UInt8>, _ best: inout ExecBest) {
        guard value.count >= 8, powerShellNeedles.occurs(in: value) else { return }
        // `powershell … -enc <base64>` / `-e` / `-EncodedCommand`.
        var from = value.startIndex
        var examined = 0
        while examined < 16,
            let p = ExecBytes.find(value, "powershell", from: from) ?? ExecBytes.find(value, "pwsh", from: from)
        {
            examined += 1
            from = p + 4
            let window = value[p..<min(value.endIndex, p + 200)]
            var i = p
            while let dash = window[i...].firstIndex(of: UInt8(ascii: "-")) {
                var j = dash + 1
                while j < window.endIndex, ExecBytes.isAlpha(window[j]) { j += 1 }
                let flag = window[(dash + 1)..<j]
                let isEnc =
                    flag.count >= 1 && flag.count <= 14
                    && (ExecBytes.matches(flag, at: flag.startIndex, "e")
                        && (flag.count == 1
                            || ExecBytes.matches(flag, at: flag.startIndex, "en")
                            || ExecBytes.matches(flag, at: flag.startIndex, "ec")))
                if isEnc {
                    let k = ExecBytes.skipSpaces(value, j)
                    var run = 0
                    var e = k
                    while e < value.endIndex,
                        ExecBytes.isIdent(value[e]) || value[e] == UInt8(ascii: "+")
                            || value[e] == UInt8(ascii: "/") || value[e] == UInt8(ascii: "=")
                    {
                        run += 1
                        e += 1
                    }
                    if run >= 16 {
                        best.consider(0.95, "rce.powershell_encoded", p..<min(value.endIndex, e))
                        return
                    }
                }
                if ExecBytes.matches(flag, at: flag.startIndex, "w"), ExecBytes.contains(window, "hidden") {
                    best.consider(0.85, "rce.powershell", p..<min(value.endIndex, p + 40))
                }
                if (flag.count == 3 && ExecBytes.matches(flag, at: flag.startIndex, "nop"))
                    || ExecBytes.matches(flag, at: flag.startIndex, "noprofile")
                    || ExecBytes.matches(flag, at: flag.startIndex, "executionpolicy")
                    || (flag.count == 2 && ExecBytes.matches(flag, at: flag.startIndex, "ep"))
                    || (flag.count == 1 && ExecBytes.matches(flag, at: flag.startIndex, "c"))
                    || (flag.count == 7 && ExecBytes.matches(flag, at: flag.startIndex, "command"))
                {
                    best.consider(0.8, "rce.powershell", p..<min(value.endIndex, p + 40))
                }
                i = max(j, dash + 1)
                if i >= window.endIndex { break }
            }
        }
        // `IEX (…)`, `| iex`, `Invoke-Expression $x`.
        var start = value.startIndex
        examined = 0
        while examined < 32, let x = ExecBytes.find(value, "iex", from: start) {
            examined += 1
            start = x + 3
            let before = x > value.startIndex ? value[x - 1] : UInt8(ascii: " ")
            let after = x + 3 < value.endIndex ? value[x + 3] : UInt8(ascii: " ")
            guard !ExecBytes.isIdent(before), !ExecBytes.isIdent(after), before != UInt8(ascii: "-") else { continue }
            let k = ExecBytes.skipSpaces(value, x + 3)
            let next = k < value.endIndex ? value[k] : 0
            let piped = ExecBytes.previousNonSpace(value, x).map { value[$0] == UInt8(ascii: "|") } ?? false
            if next == UInt8(ascii: "(") || next == UInt8(ascii: "$") || next == UInt8(ascii: "'")
                || next == UInt8(ascii: "\"") || piped
            {
                best.consider(0.9, "rce.powershell_iex", x..<min(value.endIndex, x + 40))
            }
        }
        if let x = ExecBytes.find(value, "invoke-expression") {
            let k = ExecBytes.skipSpaces(value, x + 17)
            let next = k < value.endIndex ? value[k] : 0
            if next == UInt8(ascii: "(") || next == UInt8(ascii: "$") || next == UInt8(ascii: "'")
                || next == UInt8(ascii: "\"")
                || next == UInt8(ascii: "-")
            {
                best.consider(0.9, "rce.powershell_iex", x..<min(value.endIndex, x + 40))
            }
        }
        for sink: StaticString in ["downloadstring(", "downloadfile(", "downloaddata(", ".downloadstring ("] {
            if let d = ExecBytes.find(value, sink) {
                let client = ExecBytes.contains(value, "webclient")
                best.consider(client ? 0.95 : 0.8, "rce.powershell_download", d..<min(value.endIndex, d + 40))
            }
        }
        if let d = ExecBytes.find(value, "frombase64string("),
            ExecBytes.contains(value, "iex")
                || ExecBytes.contains(value, "invoke-expression") || ExecBytes.contains(value, "::load(")
        {
            best.consider(0.9, "rce.powershell_encoded", d..<min(value.endIndex, d + 40))
        }
        if let d = ExecBytes.find(value, "start-process"),
            ExecBytes.contains(value, ".exe") || ExecBytes.contains(value, "cmd")
                || ExecBytes.contains(value, "powershell")
        {
            best.consider(0.8, "rce.powershell", d..<min(value.endIndex, d + 40))
        }
        if let d = ExecBytes.find(value, "net.webclient"), ExecBytes.contains(value, "new-object") {
            best.consider(0.85, "rce.powershell_download", d..<min(value.endIndex, d + 40))
        }
    }
}
