extension XSSDetector {
    /// One line per reading (tags, injected attributes, URL schemes, script contexts) with the
    /// rule, confidence and matched excerpt — for `palisade scan --explain`. `source`, `depth`:
    /// where the value was found — the raw path is also read decoded (`RawPath`), as detection does.
    public static func explain(_ value: ArraySlice<UInt8>, source: Source = .query, depth: Int = 1) -> [String] {
        if let decoded = RawPath.decoded(value, source: source, depth: depth, bytes: ByteSet(presentIn: value)),
            (analyze(decoded[...])?.confidence ?? 0) > (analyze(value)?.confidence ?? 0)
        {
            return [RawPath.explainLine(decoded)] + explain(decoded[...])
        }
        if source == .query, depth == 0, let reading = XSSRawQueryDetector.reading(value) {
            return [
                "raw query decoded once and read whole, as a page reflecting its URL or a script reading "
                    + "location.search receives it (the form split cut the markup at an `&` that starts a "
                    + "character reference): " + ExplainText.show(reading.decoded[...], limit: 96)
            ] + explain(reading.decoded[...])
        }
        if let unwrapped = withoutCDATAWrappers(value) {
            var plain = Best()
            scanTags(value, &plain)
            var joined = Best()
            scanTags(unwrapped[...], &joined)
            if joined.confidence > plain.confidence {
                return [
                    "CDATA section markers removed, as the XML's text is written out as HTML: "
                        + ExplainText.show(unwrapped[...], limit: 96)
                ] + explain(unwrapped[...])
            }
        }
        var lines: [String] = []
        func line(_ name: String, _ best: Best) {
            guard best.confidence > 0 else {
                lines.append("xss \(name): nothing")
                return
            }
            let excerpt = Evidence.excerpt(value, around: best.range, fieldName: nil)
            lines.append("xss \(name): \(best.rule) \(best.confidence) — \(excerpt)")
        }
        var tags = Best()
        scanTags(value, &tags)
        line("html tags", tags)
        var handlers = Best()
        scanInjectedHandlers(value, &handlers)
        line("injected attributes", handlers)
        var schemes = Best()
        scanSchemes(value, &schemes)
        line("url schemes", schemes)
        var script = Best()
        scanScript(value, quote: true, brace: true, &script)
        line("script contexts", script)
        return lines
    }
}
