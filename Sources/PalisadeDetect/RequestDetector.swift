/// What a request-level detector sees: the record as captured, its decoded tree and the
/// sensitivity.
public struct RequestContext: Sendable {
    public var record: CaptureRecord
    public var decoded: DecodedRequest
    public var sensitivity: Sensitivity
    /// Per point of `decoded` (same indices): the bytes present in its value, as the analyzer
    /// summarized them for the value detectors (`DetectionContext.bytes(of:)`); every byte for the
    /// points it did not judge (containers, numbers…). Empty when the context was made without them.
    var valueBytes: [ByteSet] = []

    public init(record: CaptureRecord, decoded: DecodedRequest, sensitivity: Sensitivity) {
        self.record = record
        self.decoded = decoded
        self.sensitivity = sensitivity
    }

    /// The bytes present in the value of point `index`, or a superset of them: the analyzer's
    /// summary when there is one, else one pass over the value. Request-level detectors gate on it
    /// instead of walking every value again.
    @inline(__always)
    func bytes(ofPoint index: Int) -> ByteSet {
        if index < valueBytes.count { return valueBytes[index] }
        return ByteSet(presentIn: decoded.points[index].value[...])
    }

    /// Every byte: the summary of a point the analyzer did not summarize (no gate turns it away).
    static let everyByte = ByteSet(where: { _ in true })
}

/// A detector that judges the request as a whole rather than one value: decoder annotations
/// (GraphQL counts, duplicate keys, encodings), header combinations (request smuggling, tool
/// fingerprints), the method and raw path, and where values sit (a `__proto__` key is a location,
/// not a value).
///
/// `Analyzer.analyze` calls `detect` once per request, after the per-value detectors. Contract:
/// linear in the request's size, no allocation for requests that cannot match, never trap. A hit
/// on a point sets `point` to its index and may leave `location` empty (the analyzer fills it and
/// weighs the hit by the point's context with `Scoring.adjust`); a hit on the request as a whole
/// keeps `point` -1 and names its location itself (`header.user-agent`, `method`, `request`).
public protocol RequestDetector: Sendable {
    /// Registry name (`nosqli`, `scanner`, …).
    var name: String { get }
    func detect(_ request: RequestContext, hits: inout [Hit])
}

extension ByteSet {
    /// Whether every byte of `other` is present.
    @inline(__always)
    func holds(_ other: ByteSet) -> Bool { union(other) == self }
}
