extension SSTIDetector {
    /// Why the value reads as template injection — for `palisade scan --explain`: the verdict, then
    /// each template expression found (at most 8) with its delimiters, the engine syntax they belong
    /// to, the body, the interpreter-reaching markers in it and an arithmetic probe's reading.
    public static func explain(_ value: ArraySlice<UInt8>) -> [String] {
        let finding = analyze(value)
        var lines = [ExplainText.verdict("ssti", finding, in: value)]
        var i = value.startIndex
        var expressions = 0
        while i + 1 < value.endIndex, expressions < 8 {
            guard let opener = explainOpener(value, at: i) else {
                i += 1
                continue
            }
            expressions += 1
            let (bodyRange, after, closed) = body(value, at: i, opener)
            let body = normalize(value[bodyRange])[...]
            var line =
                "expression " + ExplainText.show(value[i..<after], limit: 64) + " syntax \(ruleName(opener))"
                + (closed ? "" : " (unclosed)") + " body " + ExplainText.show(body, limit: 64)
            var markers: [String] = []
            for marker in TemplateMarkers.strong where ExecBytes.findExactly(body, marker) != nil {
                markers.append("`\(marker)`")
            }
            if !markers.isEmpty { line += "; markers " + markers.joined(separator: " ") }
            if let probe = arithmeticProbe(body) { line += "; arithmetic probe \(probe)" }
            var reading = ExecBest()
            judge(value, bodyRange: bodyRange, opener: opener, closed: closed, start: i, after: after, &reading)
            line += reading.confidence > 0 ? " → \(reading.rule) \(reading.confidence)" : " → plain"
            lines.append(line)
            i = opener == .smarty || opener == .dollarBrace ? i + 2 : max(after, i + 2)
        }
        return lines
    }

    /// The delimiter opening an expression at `i`, from the table of engine openers.
    static func explainOpener(_ value: ArraySlice<UInt8>, at i: Int) -> Delimiter? {
        let openers: [(StaticString, Delimiter)] = [
            ("{{", .doubleBrace), ("{%", .statement), ("${", .dollarBrace), ("#{", .dollarBrace),
            ("*{", .dollarBrace), ("@{", .dollarBrace), ("~{", .dollarBrace), ("<%", .percent),
            ("#set(", .velocity), ("#set (", .velocity), ("#evaluate(", .velocity), ("#foreach(", .velocity),
            ("@(", .razor),
        ]
        for (text, delimiter) in openers where ExecBytes.matchesExactly(value, at: i, text) { return delimiter }
        guard i + 2 < value.endIndex else { return nil }
        let next = value[i + 1]
        if value[i] == UInt8(ascii: "{"), ExecBytes.isIdentStart(next) || next == UInt8(ascii: "$") { return .smarty }
        if value[i] == UInt8(ascii: "<"), next == UInt8(ascii: "#"), ExecBytes.isAlpha(value[i + 2]) {
            return .freemarker
        }
        return nil
    }
}
