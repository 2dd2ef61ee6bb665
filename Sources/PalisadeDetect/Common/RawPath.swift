/// The raw request path read the way a wildcard route hands it to the application: the path
/// decoder judges segments split on `/` and `;`, but a route like `/files/*` or `/items/{rest:.*}`
/// receives the rest of the path percent-decoded in one piece, `/` and `;` included — so
/// `/items/%0a/bin/cat%20/etc/passwd` or `/items/%3Cimg%20src=&%23106;…%3E` reach the application
/// whole. Detectors whose language spans `/` or `;` read this view too.
enum RawPath {
    /// The whole raw path (source `path`, not a decoded segment) decoded once, when it holds a
    /// `%`; nil otherwise. `depth`: decoders applied on the way to the value (0: the raw path).
    static func decoded(_ value: ArraySlice<UInt8>, source: Source, depth: Int, bytes: ByteSet) -> [UInt8]? {
        guard source == .path, depth == 0, value.first == UInt8(ascii: "/"),
            bytes.contains(UInt8(ascii: "%")), value.count <= 8192
        else { return nil }
        var findings: Percent.Findings = []
        return Percent.decodeComponent(value, plusAsSpace: false, findings: &findings)
    }

    /// The explain line for a hit found in this view.
    static func explainLine(_ decoded: [UInt8]) -> String {
        "raw path decoded once, as a wildcard route receives it: " + ExplainText.show(decoded[...], limit: 96)
    }
}
