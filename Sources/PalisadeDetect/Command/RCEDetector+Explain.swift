extension RCEDetector {
    /// Why the value reads as a command line — for `palisade scan --explain`: the verdict, then the
    /// value as `sh`/`cmd.exe` tokens (command words after quote removal and whether each names a
    /// known binary, argument shapes, separators, pipes, substitutions, groups, redirections), then
    /// the reverse-shell and PowerShell readings when they found something.
    /// `fieldName`: the field holding the value (a command field needs less evidence). `source`,
    /// `depth`: where the value was found — the raw path is also read decoded (`RawPath`), as
    /// detection does.
    public static func explain(
        _ value: ArraySlice<UInt8>, fieldName: String? = nil, source: Source = .query, depth: Int = 1
    ) -> [String] {
        let finding = analyze(value, commandField: FieldRoles.of(fieldName).command)
        if let decoded = RawPath.decoded(value, source: source, depth: depth, bytes: ByteSet(presentIn: value)),
            (analyze(decoded[...])?.confidence ?? 0) > (finding?.confidence ?? 0)
        {
            var lines = explain(decoded[...])
            lines.insert(RawPath.explainLine(decoded), at: 1)
            return lines
        }
        var lines = [ExplainText.verdict("rce", finding, in: value)]
        lines.append("shell tokens: " + shellTokens(value.prefix(4096)).joined(separator: " "))
        return lines
            + ExplainText.readings(
                [("reverse-shell reading", scanReverseShell), ("powershell reading", scanPowerShell)], in: value)
    }

    /// The value as shell tokens, in order (at most 48): `command(cat)=word` names a known binary of
    /// that kind, `command(foo)=unknown` does not; arguments carry their shape (`arg(/etc/passwd)=path`);
    /// quote splitting, escapes and `$IFS` are marked `+evasion`, `+ifs`, `+glob`.
    static func shellTokens(_ value: ArraySlice<UInt8>) -> [String] {
        var tokens: [String] = []
        var i = value.startIndex
        let end = value.endIndex
        var expectCommand = true
        var backticks = 0
        var braceList = false
        while i < end, tokens.count < 48 {
            let byte = value[i]
            let next: UInt8 = i + 1 < end ? value[i + 1] : 0
            switch byte {
            case 0x20, 0x09, 0x0B, 0x0C:
                i += 1
                continue
            case UInt8(ascii: ";"), 0x0A, 0x0D:
                tokens.append("separator(\(ExplainText.show([byte], limit: 1).dropFirst().dropLast()))")
                expectCommand = true
                i += 1
                continue
            case UInt8(ascii: "|"):
                tokens.append(next == UInt8(ascii: "|") ? "separator(||)" : "pipe(|)")
                expectCommand = true
                i += next == UInt8(ascii: "|") ? 2 : 1
                continue
            case UInt8(ascii: "&"):
                if next == UInt8(ascii: ">") {
                    tokens.append("redirection(&>)")
                    i += 2
                } else {
                    tokens.append(next == UInt8(ascii: "&") ? "separator(&&)" : "separator(&)")
                    expectCommand = true
                    i += next == UInt8(ascii: "&") ? 2 : 1
                }
                continue
            case UInt8(ascii: "$") where next == UInt8(ascii: "("):
                tokens.append("substitution($()")
                expectCommand = true
                i += 2
                continue
            case UInt8(ascii: "`"):
                backticks += 1
                tokens.append(backticks % 2 == 1 ? "substitution(`)" : "end(`)")
                expectCommand = backticks % 2 == 1
                i += 1
                continue
            case UInt8(ascii: "("), UInt8(ascii: "{"):
                if byte == UInt8(ascii: "{") {
                    var k = i + 1
                    braceList = false
                    while k < end, k - i < 128, value[k] != UInt8(ascii: "}"), value[k] != 0x20 {
                        if value[k] == UInt8(ascii: ",") { braceList = true }
                        k += 1
                    }
                }
                tokens.append(braceList ? "brace-list({)" : "group(\(Character(Unicode.Scalar(byte))))")
                expectCommand = true
                i += 1
                continue
            case UInt8(ascii: ")"), UInt8(ascii: "}"):
                tokens.append("end(\(Character(Unicode.Scalar(byte))))")
                braceList = false
                i += 1
                continue
            case UInt8(ascii: ",") where braceList:
                i += 1
                continue
            case UInt8(ascii: ">"), UInt8(ascii: "<"):
                var k = i + 1
                while k < end, k - i < 2, value[k] == UInt8(ascii: ">") || value[k] == UInt8(ascii: "&") { k += 1 }
                tokens.append("redirection(\(String(decoding: value[i..<k], as: UTF8.self)))")
                i = k
                continue
            case let digit where (0x30...0x32).contains(digit) && next == UInt8(ascii: ">"):
                var k = i + 2
                if k < end, value[k] == UInt8(ascii: "&") || value[k] == UInt8(ascii: ">") { k += 1 }
                tokens.append("redirection(\(String(decoding: value[i..<k], as: UTF8.self)))")
                i = k
                continue
            case UInt8(ascii: "#") where !expectCommand:
                tokens.append("comment(#…)")
                i = end
                continue
            default: break
            }
            let word = ShellReader.word(value, from: i, braceList: braceList)
            if word.unclosed || word.end <= i {
                // An opening quote that never closes: the application's string, ended by the value.
                tokens.append("quote(\(Character(Unicode.Scalar(byte))))")
                i += 1
                continue
            }
            var text = ExplainText.show(word.text, limit: 32)
            text = String(text.dropFirst().dropLast())
            var marks = ""
            if word.evasion { marks += "+evasion" }
            if word.glob { marks += "+glob" }
            if word.ifs { marks += "+ifs" }
            if expectCommand {
                let (name, _) = ShellReader.basename(word.text)
                var kind = ShellVocabulary.lookup(name).map { "\($0.kind)" }
                if kind == nil, word.glob, name.count >= 2, let entry = ShellVocabulary.globMatch(name) {
                    kind = "\(entry.kind) (glob)"
                }
                tokens.append("command(\(text))=\(kind ?? "unknown")\(marks)")
            } else {
                tokens.append("arg(\(text))=\(shape(word))\(marks)")
            }
            expectCommand = false
            i = max(word.end, i + 1)
        }
        if i < end { tokens.append("…") }
        return tokens
    }
}
