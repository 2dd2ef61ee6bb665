extension LineBreaks {
    /// The injected lines of a value, for `--explain`: each line break (at most 8) as written, and
    /// the line after it, with the lowercased header name when the line is `Name: value`.
    static func explainLines(_ value: ArraySlice<UInt8>) -> [(text: String, header: String?)] {
        var out: [(String, String?)] = []
        let breaks = scan(value, limit: 8)
        for (index, b) in breaks.enumerated() {
            var text = "break " + ExplainText.show(value[b.start..<b.next], limit: 24)
            var notes: [String] = []
            if b.encoded { notes.append(b.unicode ? "Unicode look-alike" : "encoded") }
            if b.count >= 2 { notes.append("blank line") }
            if !notes.isEmpty { text += " (" + notes.joined(separator: ", ") + ")" }
            let line = value[b.next..<(index + 1 < breaks.count ? breaks[index + 1].start : value.endIndex)]
            text += " then line " + ExplainText.show(line, limit: 64)
            var header: String? = nil
            if b.next < value.endIndex, let (name, _) = headerName(value, at: b.next) {
                header = String(decoding: value[name].map { Bytes.lower($0) }, as: UTF8.self)
            }
            out.append((text, header))
        }
        return out
    }
}

extension CRLFDetector {
    /// Why the value reads as CRLF injection — for `palisade scan --explain`: the verdict, then each
    /// line break and the line it starts (a header, and whether that header sets cookies, redirects
    /// or is otherwise dangerous; a status line; markup after a blank line).
    public static func explain(_ value: ArraySlice<UInt8>, fieldName: String? = nil, source: Source = .query)
        -> [String]
    {
        let finding = analyze(value, fieldName: fieldName, source: source)
        var lines = [ExplainText.verdict("crlf", finding, in: value)]
        for (text, header) in LineBreaks.explainLines(value) {
            guard let header else {
                lines.append(text)
                continue
            }
            let kind =
                dangerousHeaders.contains(header)
                ? "dangerous header" : (commonWords.contains(header) ? "common word" : "header")
            lines.append(text + " — \(kind) `\(header)`")
        }
        return lines
    }
}
