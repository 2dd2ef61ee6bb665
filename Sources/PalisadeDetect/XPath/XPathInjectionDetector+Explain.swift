extension XPathInjectionDetector {
    /// Why the value reads as XPath injection — for `palisade scan --explain`: the verdict; the value
    /// as XPath tokens (string literals, names, operators, brackets, paths, axes); the tautology,
    /// XPath function and axis found, if any.
    public static func explain(_ value: ArraySlice<UInt8>) -> [String] {
        let finding = analyze(value)
        var lines = [ExplainText.verdict("xpathi", finding, in: value)]
        lines.append("xpath tokens: " + xpathTokens(value.prefix(1024)).joined(separator: " "))
        let readings: [(String, Range<Int>?)] = [
            ("tautology", tautology(value)), ("xpath function", xpathFunction(value)), ("axis", axis(value)),
        ]
        for (name, range) in readings {
            if let range { lines.append("\(name): " + ExplainText.show(ExplainText.slice(value, range), limit: 64)) }
        }
        return lines
    }

    /// At most 40 tokens: the value is read as the rest of an expression whose string literal it
    /// sits in, so the first quote is `breakout(')` (the text before it stays inside the literal);
    /// then `string('x')`, `name(or)`, `number(1)`, `op(=)`, `path(//)`, `(`, `]`…
    static func xpathTokens(_ value: ArraySlice<UInt8>) -> [String] {
        var tokens: [String] = []
        var i = value.startIndex
        let end = value.endIndex
        if let quote = value.firstIndex(where: { $0 == UInt8(ascii: "'") || $0 == UInt8(ascii: "\"") }) {
            if quote > i {
                tokens.append("inside-literal(" + String(decoding: value[i..<quote].prefix(24), as: UTF8.self) + ")")
            }
            tokens.append("breakout(" + String(Character(Unicode.Scalar(value[quote]))) + ")")
            i = quote + 1
        }
        while i < end, tokens.count < 40 {
            let byte = value[i]
            var j = i + 1
            switch byte {
            case 0x20, 0x09, 0x0A, 0x0D:
                i += 1
                continue
            case UInt8(ascii: "'"), UInt8(ascii: "\""):
                while j < end, value[j] != byte { j += 1 }
                let closed = j < end
                if closed { j += 1 }
                tokens.append(
                    (closed ? "string" : "open-string") + "(" + String(decoding: value[i..<j].prefix(24), as: UTF8.self)
                        + ")")
            case UInt8(ascii: "/"):
                if j < end, value[j] == UInt8(ascii: "/") { j += 1 }
                tokens.append("path(" + String(decoding: value[i..<j], as: UTF8.self) + ")")
            case UInt8(ascii: "="), UInt8(ascii: "!"), UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "|"),
                UInt8(ascii: "+"), UInt8(ascii: "*"), UInt8(ascii: ","), UInt8(ascii: "@"):
                if j < end, value[j] == UInt8(ascii: "=") { j += 1 }
                tokens.append("op(" + String(decoding: value[i..<j], as: UTF8.self) + ")")
            case UInt8(ascii: ":") where j < end && value[j] == UInt8(ascii: ":"):
                j += 1
                tokens.append("axis(::)")
            case UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "["), UInt8(ascii: "]"):
                tokens.append(String(Character(Unicode.Scalar(byte))))
            default:
                if ExecBytes.isIdentStart(byte) || ExecBytes.isDigit(byte) {
                    while j < end,
                        ExecBytes.isIdent(value[j]) || value[j] == UInt8(ascii: "-")
                            || value[j] == UInt8(ascii: ".")
                    {
                        j += 1
                    }
                    let text = String(decoding: value[i..<j].prefix(24), as: UTF8.self)
                    tokens.append((ExecBytes.isDigit(byte) ? "number(" : "name(") + text + ")")
                } else {
                    tokens.append("other(" + ExplainText.show([byte]).dropFirst().dropLast() + ")")
                }
            }
            i = j
        }
        if i < end { tokens.append("…") }
        return tokens
    }
}
