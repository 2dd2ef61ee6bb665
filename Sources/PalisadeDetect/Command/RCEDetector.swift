/// OS command injection (`rce`): reads the value as a shell command line — Unix `sh` and Windows
/// `cmd.exe` — finding every command position (the start, after `;` `|` `||` `&&` `&` newline, inside
/// `$(…)` and backticks, brace lists `{cat,/etc/passwd}`), reading the command word after quote
/// removal (`ShellReader`) and its arguments, and judging the command by what it is (shell,
/// network client, reconnaissance tool, a command that is also an English word) and how its
/// arguments look (flags, paths, hosts, redirections vs. plain words). Reverse-shell idioms and
/// PowerShell download/encoded-command forms are read separately (`RCEDetector+PowerShell`).
public struct RCEDetector: Detector {
    public let name = "rce"

    public init() {}

    public struct Finding: Sendable, Equatable {
        public var confidence: Double
        public var rule: String
        public var range: Range<Int>
    }

    public func detect(_ value: ArraySlice<UInt8>, context: DetectionContext, hits: inout [Hit]) {
        let bytes = context.bytes(of: value)
        var finding = Self.analyze(value, commandField: context.field.command, bytes: bytes)
        if let inPath = RawPath.strongerReading(
            value, context: context, bytes: bytes, than: finding?.confidence ?? 0,
            { Self.analyze($0, commandField: false, bytes: $1).map { ($0.confidence, $0.rule) } })
        {
            // A wildcard route hands the decoded rest of the path to the application
            // (`/items/%0a/bin/cat%20/etc/passwd`); the evidence is cut from the raw path.
            finding = Finding(confidence: inPath.confidence, rule: inPath.rule, range: value.indices)
        }
        guard let finding else { return }
        hits.append(
            Hit(
                attackClass: .rce, point: -1, confidence: finding.confidence,
                evidence: Evidence.excerpt(value, around: finding.range, fieldName: context.fieldName),
                rule: finding.rule))
    }

    /// Bytes that open a command position or hide a command name.
    static let triggers = ByteSet(";|&\n\r$`(){}<>^%\\'\"")

    /// PowerShell readings need a flag, a call or a pipe.
    static let powerShellBytes = ByteSet("-(|")

    /// Command positions examined per value.
    static let maxPositions = 256

    enum Position { case start, separator, pipe, substitution, group }

    /// `commandField`: the value sits in a field named for a command line (`cmd`, `exec`, `shell`…;
    /// `FieldProfile.isCommand`), so a command line as the whole value needs less evidence.
    public static func analyze(_ value: ArraySlice<UInt8>, commandField: Bool = false) -> Finding? {
        analyze(value, commandField: commandField, bytes: ByteSet(presentIn: value))
    }

    /// `bytes`: the bytes present in `value` (`DetectionContext.bytes(of:)`).
    static func analyze(_ value: ArraySlice<UInt8>, commandField: Bool, bytes: ByteSet) -> Finding? {
        guard value.count >= 2 else { return nil }
        let triggered = bytes.intersects(triggers)
        // Without a trigger, the value must start with a command name and a space.
        guard triggered || (bytes.contains(0x20) && startsWithCommand(value)) else { return nil }
        var best = ExecBest()
        let prose = ExecBytes.proseWords(value, limit: 8)
        var positions = 0
        var state = ReadState()
        state.commandField = commandField
        judge(value, at: value.startIndex, position: .start, prose: prose, &state, &best)
        if triggered {
            var i = value.startIndex
            let end = value.endIndex
            var backticks = 0
            while i < end, positions < maxPositions {
                let byte = value[i]
                var next = i + 1
                var position: Position? = nil
                switch byte {
                case UInt8(ascii: ";"), UInt8(ascii: "\n"), UInt8(ascii: "\r"):
                    position = .separator
                case UInt8(ascii: "|"):
                    if next < end, value[next] == UInt8(ascii: "|") {
                        next += 1
                        position = .separator
                    } else {
                        position = .pipe
                    }
                case UInt8(ascii: "&"):
                    if next < end, value[next] == UInt8(ascii: "&") { next += 1 }
                    // `>&` and `&>` are redirections, not separators.
                    if i > value.startIndex, value[i - 1] == UInt8(ascii: ">") { break }
                    if next < end, value[next] == UInt8(ascii: ">") { break }
                    position = .separator
                case UInt8(ascii: "$"):
                    if next < end, value[next] == UInt8(ascii: "("),
                        !(next + 1 < end && value[next + 1] == UInt8(ascii: "("))
                    {
                        next += 1
                        position = .substitution
                        // `$(<file)`: bash reads the file into the command line.
                        if next < end, value[next] == UInt8(ascii: "<"), next + 1 < end,
                            value[next + 1] == UInt8(ascii: "/") || value[next + 1] == UInt8(ascii: "~")
                        {
                            best.consider(0.9, "rce.substitution", i..<min(end, next + 24))
                        }
                    }
                case UInt8(ascii: "`"):
                    backticks += 1
                    if backticks % 2 == 1 { position = .substitution }
                case UInt8(ascii: "("), UInt8(ascii: "{"):
                    // Subshells and brace groups only open where a command could start.
                    if byte == UInt8(ascii: "{"), i > value.startIndex, value[i - 1] == UInt8(ascii: "$") { break }
                    if let p = ExecBytes.previousNonSpace(value, i) {
                        switch value[p] {
                        case UInt8(ascii: ";"), UInt8(ascii: "|"), UInt8(ascii: "&"), UInt8(ascii: "\n"),
                            UInt8(ascii: "("), UInt8(ascii: "'"), UInt8(ascii: "\""), UInt8(ascii: "`"):
                            position = .group
                        default: break
                        }
                    } else {
                        position = .group
                    }
                default: break
                }
                if let position {
                    positions += 1
                    judge(value, at: next, position: position, prose: prose, &state, &best)
                }
                i = max(next, i + 1)
            }
        }
        if best.confidence < 0.95, bytes.contains(UInt8(ascii: "/")) || bytes.contains(UInt8(ascii: "(")) {
            scanReverseShell(value, &best)
        }
        if best.confidence < 0.95, bytes.intersects(Self.powerShellBytes) { scanPowerShell(value, &best) }
        guard best.confidence >= 0.3 else { return nil }
        return Finding(confidence: best.confidence, rule: best.rule, range: best.range)
    }

    /// Pre-filter for values without any trigger byte: does the first word name a command?
    static func startsWithCommand(_ value: ArraySlice<UInt8>) -> Bool {
        var end = value.startIndex
        while end < value.endIndex, end - value.startIndex < 24, value[end] != UInt8(ascii: " ") { end += 1 }
        guard end < value.endIndex, value[end] == UInt8(ascii: " ") else { return false }
        var nameStart = value.startIndex
        for index in value.startIndex..<end where value[index] == UInt8(ascii: "/") { nameStart = index + 1 }
        return ShellVocabulary.lookup(value[nameStart..<end]) != nil
    }

    enum ArgShape { case flag, path, url, number, variable, quoted, host, plain, command, other }

    /// What earlier commands in the value looked like.
    struct ReadState {
        /// The value itself starts with a command and arguments (`ls -la | grep x`): a command line
        /// typed as the value, whose later pipes are part of it rather than an injection.
        var commandLine = false
        /// The previous command was a network client (`curl …|sh`).
        var previousNetwork = false
        /// The field's name says it holds a command line (`cmd=ls -la /tmp`).
        var commandField = false
    }

    static func shape(_ w: ShellWord) -> ArgShape {
        let t = w.text
        guard let first = t.first else { return .other }
        if w.unclosed { return .plain }
        if w.quoted { return .quoted }
        if first == UInt8(ascii: "-") { return .flag }
        if first == UInt8(ascii: "$") || (first == UInt8(ascii: "%") && t.dropFirst().contains(UInt8(ascii: "%"))) {
            return t.contains(UInt8(ascii: "\\")) || t.contains(UInt8(ascii: "/")) ? .path : .variable
        }
        if ExecBytes.contains(t[...], "://") { return .url }
        if first == UInt8(ascii: "/"), t.count <= 4, t.dropFirst().allSatisfy({ ExecBytes.isAlpha($0) }) {
            return .flag
        }
        if t.count == 1, !ExecBytes.isDigit(first) { return .other }
        if first == UInt8(ascii: "/") || first == UInt8(ascii: "~") || first == UInt8(ascii: ".")
            || t.contains(UInt8(ascii: "/")) || t.contains(UInt8(ascii: "\\"))
            || (t.count >= 2 && t[1] == UInt8(ascii: ":") && ExecBytes.isAlpha(first))
        {
            return .path
        }
        var digits = 0
        var letters = 0
        var dots = 0
        var other = 0
        for byte in t {
            if ExecBytes.isDigit(byte) {
                digits += 1
            } else if ExecBytes.isAlpha(byte) {
                letters += 1
            } else if byte == UInt8(ascii: ".") {
                dots += 1
            } else {
                other += 1
            }
        }
        // A dotted quad (`nc 10.0.0.5 4444`) is a host, not a number.
        if letters == 0, other == 0, dots == 3, digits >= 4, t.first != UInt8(ascii: "."),
            t.last != UInt8(ascii: ".")
        {
            return .host
        }
        if letters == 0, digits > 0 { return .number }
        if dots > 0, letters > 0, other == 0, t.last != UInt8(ascii: ".") { return .host }
        if letters > 0, digits == 0, other == 0, dots == 0 { return .plain }
        if letters > 0, other == 0, dots == 0 { return .other }
        // Trailing punctuation of prose (`food,` `well.` `it's`).
        if letters > 0, digits == 0, other + dots <= 1,
            t.last == UInt8(ascii: ",") || t.last == UInt8(ascii: ".") || t.last == UInt8(ascii: "!")
                || t.contains(UInt8(ascii: "'"))
        {
            return .plain
        }
        return .other
    }

    /// Judges the command at `index`.
    static func judge(
        _ value: ArraySlice<UInt8>, at index: Int, position: Position, prose: Int, _ state: inout ReadState,
        _ best: inout ExecBest
    ) {
        let wasNetwork = state.previousNetwork
        state.previousNetwork = false
        let end = value.endIndex
        var start = ExecBytes.skipSpaces(value, index)
        if position == .start {
            // A value opening with a line break starts with a separator: the loop judges the
            // command after it (`\n/bin/ls -al\n` is no command line typed as the value).
            if value[index..<start].contains(0x0A) || value[index..<start].contains(0x0D) { return }
            // Leading quotes close the application's string: `';id` is read from the `;`.
            while start < end, value[start] == UInt8(ascii: "'") || value[start] == UInt8(ascii: "\"") { start += 1 }
        }
        guard start < end else { return }
        var braceList = false
        if position == .group, start > value.startIndex, value[start - 1] == UInt8(ascii: "{") {
            // `{cat,/etc/passwd}`: a comma before the closing brace, no spaces.
            var k = start
            while k < end, k - start < 128, value[k] != UInt8(ascii: "}"), value[k] != UInt8(ascii: " ") {
                if value[k] == UInt8(ascii: ",") { braceList = true }
                k += 1
            }
        }
        let command = ShellReader.word(value, from: start, braceList: braceList)
        guard !command.text.isEmpty else { return }
        let (name, dir) = ShellReader.basename(command.text)
        var entry = ShellVocabulary.lookup(name)
        var viaGlob = false
        if entry == nil, command.glob, name.count >= 2 {
            entry = ShellVocabulary.globMatch(name)
            viaGlob = entry != nil
        }
        guard let entry else {
            // cmd's `set` (it lists the environment) is an ordinary word and stays out of the
            // vocabulary; only the probe's own shape counts: between two identical separators with
            // nothing before or after (`&set&`, `|set|`), as `;read;` is for `read`.
            if position == .separator || position == .pipe, dir.isEmpty, !command.evasion, command.end < end,
                name.count == 3, ExecBytes.matches(name, at: name.startIndex, "set"),
                enclosedProbe(value, separatorAt: index - 1, commandEnd: command.end, terminator: value[command.end])
                    == true
            {
                best.consider(0.88 * 0.75, "rce.chained_command", (index - 1)..<(command.end + 1))
            }
            return
        }
        let binDir = ShellReader.isBinDirectory(dir)
        if !dir.isEmpty, !binDir, !command.glob { return }  // `docs/cat` is a file, not a command
        // Arguments up to the end of this command.
        var i = command.end
        var args: [ArgShape] = []
        var flags: [ArraySlice<UInt8>] = []
        var evasion = command.evasion || viaGlob || (binDir && command.glob) || command.ifs
        var redirect = false
        var firstArg: [UInt8] = []
        var terminator: UInt8 = 0
        while args.count < 10 {
            i = ExecBytes.skipSpaces(value, i)
            // Tabs and vertical spaces are separators too; newlines end the command.
            if i < end, value[i] == 0x0A || value[i] == 0x0D {
                terminator = 0x0A
                break
            }
            guard i < end else { break }
            let byte = value[i]
            if byte == UInt8(ascii: ">") || byte == UInt8(ascii: "<") {
                redirect = true
                i += 1
                if i < end, value[i] == UInt8(ascii: "&") { i += 1 }
                continue
            }
            if byte == UInt8(ascii: ";") || byte == UInt8(ascii: "|") || byte == UInt8(ascii: "&")
                || byte == UInt8(ascii: ")") || byte == UInt8(ascii: "`") || byte == UInt8(ascii: "#")
                || byte == UInt8(ascii: "}")
            {
                if byte == UInt8(ascii: "&"), i + 1 < end, value[i + 1] == UInt8(ascii: ">") {
                    redirect = true
                    i += 2
                    continue
                }
                terminator = byte
                break
            }
            if byte == UInt8(ascii: ","), braceList {
                i += 1
                continue
            }
            if byte == UInt8(ascii: "2") || byte == UInt8(ascii: "1") || byte == UInt8(ascii: "0"),
                i + 1 < end, value[i + 1] == UInt8(ascii: ">")
            {
                redirect = true
                i += 2
                continue
            }
            let arg = ShellReader.word(value, from: i, braceList: braceList)
            if arg.end <= i { break }
            if arg.ifs || (arg.glob && arg.text.first == UInt8(ascii: "/")) { evasion = true }
            var s = shape(arg)
            // Wrappers (`timeout 5 cat …`, `$(which python3)`): a command name as an argument is
            // not a word of prose.
            if s == .plain || s == .other, isWrapper(name), ShellVocabulary.lookup(arg.text[...]) != nil {
                s = .command
            }
            if args.isEmpty { firstArg = arg.text }
            args.append(s)
            if s == .flag { flags.append(arg.text[...]) }
            i = arg.end
            if arg.ifs { continue }
        }
        // `ps aux`, `tar xzf x.tgz`: BSD-style option bundles without a dash are flags.
        if let shapeOfFirst = args.first, shapeOfFirst == .plain || shapeOfFirst == .other,
            dashlessOptions(name, firstArg)
        {
            args[0] = .flag
        }
        // A single command word as the whole value (`id`, `cat`, `sleep`) is a word, not a payload;
        // `{id}` and `(cat)` are placeholders and asides.
        if position == .start || position == .group, args.isEmpty, !redirect, !evasion { return }
        if entry.kind == .network { state.previousNetwork = true }
        let plain = args.contains(.plain)
        let cleanEnd = i >= end || terminator != 0
        let strongArg =
            args.contains(.flag) || args.contains(.path) || args.contains(.url) || args.contains(.host)
            || args.contains(.variable) || args.contains(.command)
        let execFlag = flags.contains { isExecFlag($0) }
        var strength: Double
        var enclosedCommand = false
        switch entry.kind {
        case .shell:
            strength = execFlag || strongArg || redirect ? 1.0 : (args.isEmpty ? (cleanEnd ? 0.95 : 0.5) : 0.45)
            // `curl …|sh`: a download piped into a shell.
            if position == .pipe, wasNetwork || args.isEmpty || execFlag {
                best.consider(0.95, "rce.pipe_to_shell", max(value.startIndex, index - 1)..<max(i, index))
            }
        case .network:
            strength = args.isEmpty ? 0.75 : (strongArg ? 1.0 : 0.4)
            if execFlag, args.contains(.path) || args.contains(.host) || args.contains(.number) {
                best.consider(0.93, "rce.reverse_shell", max(value.startIndex, index - 1)..<max(i, index))
            }
        case .recon:
            strength = args.isEmpty ? (cleanEnd ? 1.0 : 0.5) : (strongArg ? 1.0 : 0.45)
        case .tool:
            strength = args.isEmpty ? 0.6 : (strongArg ? 1.0 : 0.45)
        case .word:
            if name.count == 3, ExecBytes.matches(name, at: name.startIndex, "net"), netSubcommand(firstArg) {
                strength = 1.0
                break
            }
            if args.isEmpty {
                // `set` and `read` are ordinary words too: bare, they need the enclosed probe shape
                // with nothing before it (`&set&`, `;read;`).
                let bare: [StaticString] = [
                    "id", "ls", "pwd", "whoami", "env", "ps", "w", "dir", "ver", "history",
                ]
                let isBare = bare.contains {
                    $0.utf8CodeUnitCount == name.count && ExecBytes.matches(name, at: name.startIndex, $0)
                }
                // `| id |` is a table cell; `;id` or `|id` ending the value is the probe.
                strength = cleanEnd && terminator != UInt8(ascii: "|") ? (isBare ? 0.95 : 0.55) : 0.3
                // `;read;`, `|id|`, `a;env;`: the command closed by the separator that opened it,
                // ending the value — the probe's own shape, not a list or a table row.
                if let leading = enclosedProbe(value, separatorAt: index - 1, commandEnd: i, terminator: terminator) {
                    strength = max(strength, isBare ? 0.95 : (leading ? 0.75 : strength))
                    enclosedCommand = isBare || leading
                }
            } else {
                strength =
                    plain
                    ? 0.3
                    : (redirect || args.contains(.path) || args.contains(.flag) || args.contains(.number)
                        || args.contains(.host) || args.contains(.url) || args.contains(.variable)
                        || args.contains(.quoted) || args.contains(.command) ? 1.0 : 0.6)
            }
        }
        if redirect, !plain { strength = max(strength, 0.9) }
        // `fields=name;id`, `title,uname`: a bare command word at the end of a list of field names.
        if args.isEmpty, !evasion, !enclosedCommand, listLike(value, separatorAt: index - 1) { strength *= 0.3 }
        var base: Double
        switch position {
        case .substitution: base = 0.92
        case .separator: base = 0.88
        case .pipe: base = 0.86
        case .group: base = braceList ? 0.9 : 0.6
        case .start: base = 0.5
        }
        if position == .start {
            // A command line as the whole value: only flagged with strong shapes.
            if entry.kind == .shell, flags.contains(where: { isExecFlag($0) }) { base = 0.85 }
            if entry.kind == .network, args.contains(.url) || args.contains(.host),
                redirect || flags.contains(where: { isOutputFlag($0) })
            {
                base = 0.8
            }
            if entry.kind == .word || entry.kind == .recon, args.contains(.path), sensitivePath(value) { base = 0.7 }
            // In a command field a known command with real arguments is the payload itself; plain
            // words (`run tests now`) keep `strength` low, so prose stays quiet.
            if state.commandField, !args.isEmpty || redirect { base = max(base, 0.8) }
        }
        if position == .start, !args.isEmpty { state.commandLine = true }
        if state.commandLine, position == .pipe || position == .separator { base = min(base, 0.55) }
        var confidence = base * strength
        if evasion, strength >= 0.55 {
            confidence = max(confidence, 0.85) + 0.07
        }
        // Prose around the separator: instructions in a comment, not a payload.
        if prose >= 6, !evasion, position != .substitution || prose >= 8 { confidence *= 0.7 }
        if position == .substitution, !evasion {
            // Markdown inline code (`` Run `ls -la` to list ``) is a backtick pair between words.
            let markdown =
                index >= value.startIndex + 1 && value[index - 1] == UInt8(ascii: "`")
                && (index - 1 == value.startIndex || Bytes.isSpace(value[index - 2])
                    || value[index - 2] == UInt8(ascii: "("))
            if prose >= 3, markdown { confidence *= 0.45 } else if prose >= 4 { confidence *= 0.7 }
        }
        let rule: String
        switch position {
        case .substitution: rule = "rce.substitution"
        case .start: rule = "rce.command_line"
        default: rule = evasion ? "rce.evasion" : "rce.chained_command"
        }
        best.consider(
            confidence, evasion && position != .start ? "rce.evasion" : rule,
            max(value.startIndex, index - 1)..<max(i, index))
    }

    /// Whether `arg` is a dash-less option bundle of `ps` (`aux`, `axjf`) or `tar` (`xzf`, `cvf`):
    /// 2–5 letters, all from the command's option letters, none repeated.
    static func dashlessOptions(_ name: ArraySlice<UInt8>, _ arg: [UInt8]) -> Bool {
        let letters: StaticString
        if name.count == 2, ExecBytes.matches(name, at: name.startIndex, "ps") {
            letters = "auxejfwlgr"
        } else if name.count == 3, ExecBytes.matches(name, at: name.startIndex, "tar") {
            letters = "cxtzjvfpJ"
        } else {
            return false
        }
        guard (2...5).contains(arg.count) else { return false }
        var seen: UInt64 = 0
        for byte in arg {
            guard let k = (0..<letters.utf8CodeUnitCount).first(where: { letters.utf8Start[$0] == byte }),
                seen & (1 << UInt64(k)) == 0
            else { return false }
            seen |= 1 << UInt64(k)
        }
        return true
    }

    /// Commands that run the command named in their arguments (`timeout 5 cat …`, `which python3`).
    static func isWrapper(_ name: ArraySlice<UInt8>) -> Bool {
        let names: [StaticString] = [
            "timeout", "nohup", "sudo", "which", "env", "su", "xargs", "nice", "busybox", "cmd", "cmd.exe", "sh",
            "bash",
        ]
        return names.contains { $0.utf8CodeUnitCount == name.count && ExecBytes.matches(name, at: name.startIndex, $0) }
    }

    /// A bare command between two identical separators (`;` `|` `&`, no spaces) where the second
    /// ends the value and at most one token comes before the first: `;read;`, `|id|`, `&set&`
    /// (true: nothing before), `a;env;`, `/index.html|id|` (false). Nil otherwise: lists
    /// (`name;id;email`) and table rows (`| id | name |`) have more items or spaces.
    static func enclosedProbe(
        _ value: ArraySlice<UInt8>, separatorAt separator: Int, commandEnd: Int, terminator: UInt8
    ) -> Bool? {
        guard separator >= value.startIndex, separator < value.endIndex, commandEnd < value.endIndex,
            value.count <= 256
        else { return nil }
        let open = value[separator]
        guard open == terminator, open == UInt8(ascii: ";") || open == UInt8(ascii: "|") || open == UInt8(ascii: "&"),
            value[commandEnd] == terminator, separator + 1 < commandEnd, !Bytes.isSpace(value[separator + 1])
        else { return nil }
        // Only spaces after the closing separator.
        guard ExecBytes.skipSpaces(value, commandEnd + 1) == value.endIndex else { return nil }
        // The prefix: nothing, or one token without spaces or separators.
        var start = value.startIndex
        while start < separator, value[start] == UInt8(ascii: "'") || value[start] == UInt8(ascii: "\"") { start += 1 }
        for byte in value[start..<separator] {
            if Bytes.isSpace(byte) || byte == UInt8(ascii: ";") || byte == UInt8(ascii: "|")
                || byte == UInt8(ascii: "&")
                || byte == UInt8(ascii: ",")
            {
                return nil
            }
        }
        return start == separator
    }

    /// Whether the value is a space-free list of names (`name;id`, `a|b|ls`) and the separator at
    /// `separator` follows a word rather than a parameter value like `127.0.0.1`.
    static func listLike(_ value: ArraySlice<UInt8>, separatorAt separator: Int) -> Bool {
        guard separator > value.startIndex, separator < value.endIndex, value.count <= 256 else { return false }
        let sep = value[separator]
        guard sep == UInt8(ascii: ";") || sep == UInt8(ascii: "|") || sep == UInt8(ascii: ","),
            ExecBytes.isAlpha(value[separator - 1])
        else { return false }
        for byte in value {
            guard
                ExecBytes.isIdent(byte) || byte == UInt8(ascii: ";") || byte == UInt8(ascii: ",")
                    || byte == UInt8(ascii: "|") || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".")
                    || byte == UInt8(ascii: "=") || byte == UInt8(ascii: "&")
            else { return false }
        }
        return true
    }

    /// `net user`, `net localgroup administrators`: Windows account and share reconnaissance.
    static func netSubcommand(_ arg: [UInt8]) -> Bool {
        let names: [StaticString] = [
            "user", "users", "localgroup", "group", "view", "share", "use", "session", "accounts", "config", "start",
        ]
        return names.contains { $0.utf8CodeUnitCount == arg.count && ExecBytes.matches(arg[...], at: 0, $0) }
    }

    static func isExecFlag(_ flag: ArraySlice<UInt8>) -> Bool {
        guard flag.count >= 2 else { return false }
        let c = Bytes.lower(flag[flag.startIndex + 1])
        return flag.count == 2
            && (c == UInt8(ascii: "c") || c == UInt8(ascii: "e") || c == UInt8(ascii: "i") || c == UInt8(ascii: "k"))
    }

    static func isOutputFlag(_ flag: ArraySlice<UInt8>) -> Bool {
        flag.count == 2 && (flag.last == UInt8(ascii: "O") || flag.last == UInt8(ascii: "o"))
    }

    static func sensitivePath(_ value: ArraySlice<UInt8>) -> Bool {
        ExecBytes.contains(value, "/etc/passwd") || ExecBytes.contains(value, "/etc/shadow")
            || ExecBytes.contains(value, "/proc/self") || ExecBytes.contains(value, "win.ini")
            || ExecBytes.contains(value, "/etc/hosts") || ExecBytes.contains(value, "boot.ini")
    }
}
