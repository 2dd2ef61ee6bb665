extension ScannerDetector {
    /// Which tool fingerprint a value carries — for `palisade scan --explain`. `location` says what
    /// the value is: `header.<name>` (a header value), `path` (the request path) or a decoded point.
    public static func explain(_ value: ArraySlice<UInt8>, location: String) -> [String] {
        var lines: [String] = []
        if location.hasPrefix("header.") {
            let name = String(location.dropFirst(7))
            if ScannerVocabulary.headerNames.contains(name) {
                lines.append("header `\(name)` is sent only by scanners")
            }
            if name == "user-agent" {
                if let range = find(tools, in: value) {
                    lines.append("user-agent names the tool " + ExplainText.show(ExplainText.slice(value, range)))
                } else if let range = find(surveys, in: value) {
                    lines.append(
                        "user-agent names the survey crawler " + ExplainText.show(ExplainText.slice(value, range)))
                }
            }
        }
        if location == "path" {
            if let (range, _, rule) = probe(value) {
                let kind = rule == "scanner.probe_sensitive" ? "sensitive file" : "well-known application"
                lines.append("path probes a \(kind): " + ExplainText.show(ExplainText.slice(value, range)))
            }
            return lines
        }
        if let range = shellshock(value) {
            lines.append("shellshock function prefix " + ExplainText.show(ExplainText.slice(value, range)))
        }
        if let range = find(oastDomains, in: value, wordStart: false) {
            lines.append("out-of-band callback domain " + ExplainText.show(ExplainText.slice(value, range)))
        }
        return lines
    }
}
