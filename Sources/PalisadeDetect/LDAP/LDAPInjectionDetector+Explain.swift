extension LDAPInjectionDetector {
    /// Why the value reads as LDAP filter injection — for `palisade scan --explain`: the verdict,
    /// then the value as RFC 4515 filter tokens: `)` that closes nothing opened in the value (a
    /// breakout of the application's filter), compound operators, and each assertion with what makes
    /// it telling (a known attribute, a wildcard, a match-everything presence test, an absolute filter).
    public static func explain(_ value: ArraySlice<UInt8>, fieldName: String? = nil) -> [String] {
        let finding = analyze(value, fieldName: fieldName)
        var lines = [ExplainText.verdict("ldapi", finding, in: value)]
        var tokens: [String] = []
        var depth = 0
        var i = value.startIndex
        while i < value.endIndex, tokens.count < 32 {
            let byte = value[i]
            if byte == UInt8(ascii: ")") {
                tokens.append(depth == 0 ? "breakout())" : "close())")
                depth = max(0, depth - 1)
                i += 1
                continue
            }
            guard byte == UInt8(ascii: "(") else {
                var k = i
                while k < value.endIndex, value[k] != UInt8(ascii: "("), value[k] != UInt8(ascii: ")") { k += 1 }
                tokens.append("text(" + ExplainText.show(value[i..<k], limit: 24).dropFirst().dropLast() + ")")
                i = k
                continue
            }
            depth += 1
            var j = i + 1
            while j < value.endIndex, value[j] == 0x20 { j += 1 }
            if j < value.endIndex,
                value[j] == UInt8(ascii: "&") || value[j] == UInt8(ascii: "|") || value[j] == UInt8(ascii: "!")
            {
                let op = Character(Unicode.Scalar(value[j]))
                if let item = item(value, at: i), item.absolute, item.end == j + 2 {
                    tokens.append("absolute((\(op)))")
                    depth -= 1
                    i = item.end
                } else {
                    tokens.append(op == "!" ? "not((!)" : (op == "&" ? "and((&)" : "or((|)"))
                    i = j + 1
                }
                continue
            }
            guard let item = item(value, at: i) else {
                tokens.append("open(()")
                i += 1
                continue
            }
            var marks: [String] = []
            if item.known { marks.append("known attribute") }
            if item.presence { marks.append("presence") } else if item.wildcard { marks.append("wildcard") }
            if !item.valid { marks.append("invalid") }
            let text = ExplainText.show(value[i..<item.end], limit: 40).dropFirst().dropLast()
            tokens.append("assertion(\(text))" + (marks.isEmpty ? "" : "=" + marks.joined(separator: "+")))
            if item.end > i, value[item.end - 1] == UInt8(ascii: ")") { depth -= 1 }
            i = max(item.end, i + 1)
        }
        if i < value.endIndex { tokens.append("…") }
        lines.append("filter tokens: " + tokens.joined(separator: " "))
        return lines
    }
}
