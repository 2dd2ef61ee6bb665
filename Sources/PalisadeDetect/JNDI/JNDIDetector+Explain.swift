extension JNDIDetector {
    /// Why the value reads as a Log4j lookup attack — for `palisade scan --explain`: the verdict,
    /// then each top-level `${…}` lookup (at most 8) as written, how many nested lookups and
    /// obfuscation steps (`lower:`, `::-` defaults, `date:'x'`) its evaluation resolved, and what it
    /// resolved to: `jndi:<resource>` when its resolved name is `jndi`.
    public static func explain(_ value: ArraySlice<UInt8>) -> [String] {
        let finding = analyze(value)
        var lines = [ExplainText.verdict("jndi", finding, in: value)]
        var i = value.startIndex
        while i + 1 < value.endIndex, lines.count < 9 {
            guard value[i] == UInt8(ascii: "$"), value[i + 1] == UInt8(ascii: "{") else {
                i += 1
                continue
            }
            var evaluator = Evaluator(value: value)
            evaluator.topStart = i
            let result = evaluator.lookup(at: i, depth: 0)
            var nested = 0
            var k = i + 2
            while k + 1 < result.end {
                if value[k] == UInt8(ascii: "$"), value[k + 1] == UInt8(ascii: "{") { nested += 1 }
                k += 1
            }
            var line = "lookup " + ExplainText.show(value[i..<result.end], limit: 80)
            line += result.closed ? "" : " (unclosed)"
            line += "; \(nested) nested, \(evaluator.obfuscated) obfuscation steps"
            if evaluator.exfilEnv + evaluator.exfilLog4j > 0 {
                line += ", \(evaluator.exfilEnv + evaluator.exfilLog4j) environment lookups"
            }
            if evaluator.jndi {
                line += " → jndi:" + evaluator.resource + (evaluator.jndiScheme ? " (directory scheme)" : "")
            } else {
                line += " → " + ExplainText.show(result.text, limit: 64)
            }
            lines.append(line)
            i = max(result.end, i + 2)
        }
        if finding?.rule == "jndi.bare_uri", let j = ExecBytes.find(value, "jndi:") {
            lines.append("bare uri " + ExplainText.show(value[j..<min(value.endIndex, j + 48)]))
        }
        return lines
    }
}
