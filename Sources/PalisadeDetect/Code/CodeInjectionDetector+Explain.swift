extension CodeInjectionDetector {
    /// Why the value reads as code — for `palisade scan --explain`: the verdict; each call in the
    /// value with its callee chain and whether the last segment is an execution sink (and which
    /// rule it belongs to); then each reading (calls, statement breakout, code-only markers, server
    /// directives) with
    /// what it matched.
    public static func explain(_ value: ArraySlice<UInt8>) -> [String] {
        let finding = analyze(value)
        var lines = [ExplainText.verdict("code_injection", finding, in: value)]
        let calls = callees(value.prefix(4096))
        if !calls.isEmpty { lines.append("calls: " + calls.joined(separator: ", ")) }
        return lines
            + ExplainText.readings(
                [
                    ("sink calls", scanCalls), ("statement breakout", statementBreakout), ("code markers", scanMarkers),
                    ("server directives", { ServerDirectives.read($0, bytes: ByteSet(presentIn: $0), &$1) }),
                ],
                in: value)
    }

    /// `chain( → sink` for every call (at most 12) whose last segment names a known execution sink
    /// (`sink (generic name)` for names like `system` that need a code-shaped argument), `chain( → call`
    /// otherwise.
    static func callees(_ value: ArraySlice<UInt8>) -> [String] {
        var out: [String] = []
        var open = value.startIndex
        while open < value.endIndex, out.count < 12 {
            defer { open += 1 }
            guard value[open] == UInt8(ascii: "(") else { continue }
            var last = open
            while last > value.startIndex, value[last - 1] == 0x20 { last -= 1 }
            var segmentStart = last
            while segmentStart > value.startIndex, ExecBytes.isIdent(value[segmentStart - 1]) { segmentStart -= 1 }
            guard segmentStart < last else { continue }
            var chainStart = segmentStart
            while chainStart > value.startIndex, last - chainStart < 96 {
                let byte = value[chainStart - 1]
                guard
                    ExecBytes.isIdent(byte) || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "$")
                        || byte == UInt8(ascii: ":") || byte == UInt8(ascii: ">") || byte == UInt8(ascii: "-")
                        || byte == UInt8(ascii: "(") && chainStart - 1 > value.startIndex
                            && value[chainStart] == UInt8(ascii: ")")
                        || byte == UInt8(ascii: ")") && chainStart - 2 >= value.startIndex
                            && value[chainStart - 2] == UInt8(ascii: "(")
                else { break }
                chainStart -= 1
            }
            let chain = ExplainText.show(value[chainStart..<last], limit: 64).dropFirst().dropLast()
            if let sink = sinks[WordHash.of(value[segmentStart..<last])] {
                out.append("\(chain)( → sink" + (sink.generic ? " (generic name)" : ""))
            } else {
                out.append("\(chain)( → call")
            }
        }
        return out
    }
}
