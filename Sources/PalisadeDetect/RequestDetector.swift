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
    /// Per point of `decoded` (same indices): what the analyzer already knows of the value for the
    /// request-level detectors (`ValueFacts`); empty, or `[]` for a point, when nothing is known.
    var valueFacts: [ValueFacts] = []

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

    /// What the analyzer knows of point `index`'s value (`ValueFacts`); `[]` when nothing.
    @inline(__always)
    func facts(ofPoint index: Int) -> ValueFacts {
        index < valueFacts.count ? valueFacts[index] : []
    }

    /// What the analyzer knows of the value of the record's header `position` (`ValueFacts`, through
    /// `DecodedRequest.headerPoints`); `[]` when nothing.
    @inline(__always)
    func facts(ofHeader position: Int) -> ValueFacts {
        guard position < decoded.headerPoints.count else { return [] }
        let point = decoded.headerPoints[position]
        return point >= 0 ? facts(ofPoint: point) : []
    }

    /// Every byte: the summary of a point the analyzer did not summarize (no gate turns it away).
    static let everyByte = ByteSet(where: { _ in true })
}

/// What the analyzer found out about a value for the request-level detectors, alongside the value
/// detectors, and remembers with their results (`DetectionMemo`): readings that are pure functions
/// of the value's bytes, so that a repeated value does not pay for them in every request.
struct ValueFacts: OptionSet, Sendable, Hashable {
    let rawValue: UInt8

    /// NoSQLi's JavaScript readings find nothing in this text value
    /// (`NoSQLiDetector.javaScriptReading` is nil).
    static let javaScriptFree = ValueFacts(rawValue: 1 << 0)

    /// The scanner's three readings of a header value (shellshock, the tool fingerprint for the
    /// header's name, an OAST domain: `ScannerDetector.read`) find nothing. Worked out for text
    /// values at depth 0 under a header (the header roots, `DecodedRequest.headerPoints`).
    static let scannerHeaderFree = ValueFacts(rawValue: 1 << 1)

    /// The facts of a value of `kind` at `depth` under `source` and `fieldName` (the memo's key
    /// holds all of these), whose bytes present are `bytes`.
    static func of(
        _ value: ArraySlice<UInt8>, kind: ValueKind, source: Source, fieldName: String?, depth: Int, bytes: ByteSet
    ) -> ValueFacts {
        guard kind == .text else { return [] }
        var facts: ValueFacts = []
        if NoSQLiDetector.javaScriptReading(value, bytes: bytes) == nil { facts.insert(.javaScriptFree) }
        if source == .header, depth == 0, let fieldName {
            let role = ScannerDetector.role(ofHeader: fieldName)
            if role != .skipped {
                let found = value.withUnsafeBufferPointer {
                    ScannerDetector.read($0, role: role, shellshock: true, tool: true, oast: true)
                }
                if found.shellshock == nil, found.tool == nil, found.oast == nil { facts.insert(.scannerHeaderFree) }
            }
        }
        return facts
    }
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
