/// Files an attacker reads through a traversal or an absolute path, written normalized (lowercase,
/// `/` separators, no leading slash). `strong` targets are system files no API value names
/// legitimately; `weak` ones are application secrets (`.env`, `.git/config`) whose names also
/// appear in documentation and file pickers.
enum SensitiveTargets {
    static let strong: [StaticString] = [
        "etc/passwd", "etc/shadow", "etc/group", "etc/hosts", "etc/issue", "etc/hostname", "etc/sudoers",
        "etc/crontab", "etc/fstab", "etc/master.passwd", "etc/security/", "etc/mysql/", "etc/httpd/",
        "etc/apache2/", "etc/nginx/", "etc/ssh/", "etc/profile", "etc/motd", "etc/resolv.conf", "etc/os-release",
        "etc/php", "etc/redis", "etc/environment", "etc/init.d/", "etc/kubernetes/", "etc/ld.so",
        // System databases and release files only a file-read probe asks for.
        "etc/services", "etc/protocols", "etc/networks", "etc/inittab", "etc/shells", "etc/gshadow",
        "etc/login.defs", "etc/lsb-release", "etc/debian_version", "etc/redhat-release", "etc/machine-id",
        "etc/exports", "etc/inetd.conf", "etc/pam.d/", "etc/sysctl.conf", "etc/mtab",
        "proc/self/", "proc/version", "proc/1/", "proc/mounts", "proc/net/", "proc/sched_debug", "proc/cmdline",
        "var/run/secrets/", "var/lib/mysql", "var/mail/", "var/spool/cron",
        "windows/win.ini", "windows/system.ini", "windows/system32/", "windows/repair/", "windows/panther/",
        "windows/debug/", "winnt/", "win.ini", "boot.ini", "system.ini", "inetpub/", "autoexec.bat",
        "web-inf/", "meta-inf/", ".ssh/", "id_rsa", "id_dsa", "id_ecdsa", "id_ed25519", "authorized_keys",
        "known_hosts", ".bash_history", ".zsh_history", ".mysql_history", ".aws/credentials", ".aws/config",
        ".docker/config.json", ".kube/config", ".npmrc", ".netrc", ".pgpass", "dev/tcp/", "sys/class/", "sys/kernel/",
        "applicationhost.config", "boot/grub/", "private/etc/", "system32/config/sam",
    ]
    static let weak: [StaticString] = [
        ".env", ".git/", ".svn/", ".hg/", ".htaccess", ".htpasswd", "web.config", "wp-config.php", "config.php",
        "appsettings.json", "database.yml", "settings.py", "local.settings.json", "credentials.json",
        "secrets.yml", "config/database.yml", "composer.json", "package.json", "docker-compose.yml", "etc/",
        ".ds_store", "phpinfo.php", "server.xml", "tomcat-users.xml", "standalone.xml", "log4j.properties",
        "root/", "usr/local/", "usr/share/", "usr/lib/", "opt/", "var/www/", "var/log/", "bin/sh", "bin/bash",
        "bin/busybox", "dev/null",
    ]

    /// Bytes that may follow a target name (end of a file name).
    static func isBoundary(_ v: ArraySlice<UInt8>, at i: Int) -> Bool {
        guard i < v.endIndex else { return true }
        let b = v[i]
        return b == 0 || b == 0x2F || b == 0x3F || b == 0x23 || b == 0x26 || b == 0x20 || b == 0x22 || b == 0x27
            || b == 0x3B || b == 0x25 || b == 0x2E || b == 0x7E || b == 0x0A || b == 0x0D || b == 0x29 || b == 0x3E
            || b == 0x2C || b == 0x3C
    }

    /// The target starting at `i` (just after a separator), if any: (strong, end index).
    static func match(_ v: ArraySlice<UInt8>, at i: Int) -> (strong: Bool, end: Int)? {
        guard i < v.endIndex else { return nil }
        // Only the targets starting with this byte, strong ones first, each list in its order: the
        // same first match as walking both lists, without reading ~130 targets at every segment.
        for target in byFirstByte[Int(Bytes.lower(v[i]))] {
            let n = target.bytes.count
            guard i + n <= v.endIndex, hasPrefixIgnoringCase(v, at: i, target.bytes) else { continue }
            // A directory target (`etc/security/`) ends at its slash; files need a boundary.
            if target.bytes[n - 1] == UInt8(ascii: "/") || isBoundary(v, at: i + n) {
                // `.envrc`, `sample` are not `.env`, `sam`.
                return (target.strong, i + n)
            }
        }
        return nil
    }

    /// A target's lowercase bytes and strength.
    struct Target {
        let bytes: [UInt8]
        let strong: Bool
    }

    /// Per first byte: the targets starting with it, `strong` before `weak`, in list order.
    static let byFirstByte: [[Target]] = {
        var table = [[Target]](repeating: [], count: 256)
        for (list, strong) in [(strong, true), (weak, false)] {
            for target in list {
                let bytes = (0..<target.utf8CodeUnitCount).map { Bytes.lower(target.utf8Start[$0]) }
                table[Int(bytes[0])].append(Target(bytes: bytes, strong: strong))
            }
        }
        return table
    }()

    /// Whether `v` holds `lowercase` at `i`, ASCII-case-insensitively (`i + lowercase.count` is
    /// within `v`).
    @inline(__always)
    static func hasPrefixIgnoringCase(_ v: ArraySlice<UInt8>, at i: Int, _ lowercase: [UInt8]) -> Bool {
        for offset in 0..<lowercase.count where Bytes.lower(v[i + offset]) != lowercase[offset] { return false }
        return true
    }
}
