extension SQLiDetector {
    /// One line per reading of `value` (as-is, then after each quote it contains): the tokens,
    /// what the walk saw and the resulting confidence — for `palisade scan --explain`.
    /// `source`, `depth`: where the value was found — the raw path is also read from the segment
    /// its first `;`, `/*` or `*/` ends, decoded (`rawPathReading`), as detection does.
    public static func explain(_ value: ArraySlice<UInt8>, source: Source, depth: Int) -> [String] {
        let confidence = analyze(value)?.confidence ?? 0
        if confidence < 0.9, source == .path, depth == 0,
            let inPath = rawPathReading(value, bytes: ByteSet(presentIn: value)), inPath.finding.confidence > confidence
        {
            return [
                "sqli raw path read from the segment the decoder cut, decoded once, as a wildcard route receives it: "
                    + ExplainText.show(inPath.suffix[...], limit: 96)
            ] + explain(inPath.suffix[...]) + probeLine(value, best: inPath.finding.confidence)
        }
        return explain(value) + probeLine(value, best: confidence)
    }

    /// The injection-probe reading (`SQLProbe`), when it is the one that counts at `high`: only
    /// when no stronger reading (`best`) won, as in `detect`.
    static func probeLine(_ value: ArraySlice<UInt8>, best: Double) -> [String] {
        guard best < SQLProbe.confidence, let shape = SQLProbe.shape(value, bytes: ByteSet(presentIn: value)) else {
            return []
        }
        return [
            "sqli probe (read at high sensitivity only): \(shape.rawValue) — sqli.injection_probe \(SQLProbe.confidence)"
        ]
    }

    public static func explain(_ value: ArraySlice<UInt8>) -> [String] {
        var lines: [String] = []
        var tokens: [SQLToken] = []
        var facts = SQLLexFacts()
        for opening: UInt8? in [nil, UInt8(ascii: "'"), UInt8(ascii: "\""), UInt8(ascii: "`")] {
            if let opening, !value.contains(opening) { continue }
            SQLTokenizer.tokenize(value, opening: opening, into: &tokens, facts: &facts)
            let name = opening.map { "after \(Character(Unicode.Scalar($0)))" } ?? "as-is"
            var rendered: [String] = []
            for token in tokens.prefix(24) {
                let text = String(decoding: value[Int(token.start)..<Int(token.end)].prefix(16), as: UTF8.self)
                rendered.append("\(token.kind)(\(text))")
            }
            if tokens.count > 24 { rendered.append("…") }
            let finding = judge(tokens: tokens, facts: facts, value: value, opening: opening)
            let verdict = finding.map { "\($0.rule) \($0.confidence)" } ?? "below \(reportFloor)"
            lines.append("sqli \(name): \(verdict) — \(rendered.joined(separator: " "))")
        }
        return lines
    }
}
