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

    /// The reading of this view when it is stronger than `confidence` (itself below 0.9): the
    /// value is the whole raw path holding a `%` and `analyze` judges the decoded path higher.
    /// For detectors whose language spans `/` or `;` (rce, xss).
    @inline(__always)
    static func strongerReading(
        _ value: ArraySlice<UInt8>, context: DetectionContext, bytes: ByteSet, than confidence: Double,
        _ analyze: (ArraySlice<UInt8>, ByteSet) -> (confidence: Double, rule: String)?
    ) -> (confidence: Double, rule: String)? {
        guard confidence < 0.9,
            let decoded = decoded(value, source: context.source, depth: context.depth, bytes: bytes),
            let reading = analyze(decoded[...], ByteSet(presentIn: decoded[...])), reading.confidence > confidence
        else { return nil }
        return reading
    }

    /// The explain line for a hit found in this view.
    static func explainLine(_ decoded: [UInt8]) -> String {
        "raw path decoded once, as a wildcard route receives it: " + ExplainText.show(decoded[...], limit: 96)
    }
}
