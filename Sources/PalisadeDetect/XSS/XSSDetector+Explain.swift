extension XSSDetector {
    /// One line per reading (tags, injected attributes, URL schemes, script contexts) with the
    /// rule, confidence and matched excerpt — for `palisade scan --explain`.
    public static func explain(_ value: ArraySlice<UInt8>) -> [String] {
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
