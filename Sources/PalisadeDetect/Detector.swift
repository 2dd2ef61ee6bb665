/// What a detector knows about the value it judges.
public struct DetectionContext: Sendable {
    public var source: Source
    public var kind: ValueKind
    /// The name of the field holding the value (`q`, `comment`, `user-agent`), if any.
    public var fieldName: String? {
        didSet { field = FieldRoles.of(fieldName) }
    }
    /// Decoders applied on the way here (0 for a raw query value).
    public var depth: Int
    public var sensitivity: Sensitivity
    /// What the field's name says (network roles, profile, command line), read once per value
    /// instead of once per detector.
    public private(set) var field: FieldRoles
    /// The decode chain above the value holds an encoding no ordinary client sends — overlong
    /// UTF-8, `%u` escapes — in the container or transformation the value came out of, or
    /// above it (`DecodeChain`). Read by `Scoring.adjust`, not by detectors (their results are
    /// remembered without it, `DetectionMemo`).
    public var evasiveChain = false
    /// The host the request was sent to (`Host`), when the analyzer knows it and the field names a
    /// redirect target: a target on another site is told from one on this site by it.
    public var requestHost: String? = nil
    /// The bytes present in the value the context was made for (`init(value:…)`), with the
    /// value's length: every detector's pre-filter tests it instead of scanning the value again.
    private var summary: (bytes: ByteSet, count: Int)?

    public init(source: Source, kind: ValueKind, fieldName: String?, depth: Int, sensitivity: Sensitivity) {
        self.init(
            source: source, kind: kind, fieldName: fieldName, field: FieldRoles.of(fieldName), depth: depth,
            sensitivity: sensitivity)
    }

    /// `field`: `FieldRoles.of(fieldName)`, read before (the analyzer keeps names' readings).
    init(
        source: Source, kind: ValueKind, fieldName: String?, field: FieldRoles, depth: Int, sensitivity: Sensitivity
    ) {
        self.source = source
        self.kind = kind
        self.fieldName = fieldName
        self.depth = depth
        self.sensitivity = sensitivity
        self.field = field
    }

    /// The context of one value, with the value's byte summary computed once for all detectors
    /// (the analyzer's path). Pass it only with that value.
    public init(
        value: ArraySlice<UInt8>, source: Source, kind: ValueKind, fieldName: String?, depth: Int,
        sensitivity: Sensitivity, requestHost: borrowing String? = nil
    ) {
        self.init(
            value: value, source: source, kind: kind, fieldName: fieldName, field: FieldRoles.of(fieldName),
            depth: depth, sensitivity: sensitivity, requestHost: requestHost)
    }

    /// As above, with `field` (`FieldRoles.of(fieldName)`) read before.
    init(
        value: ArraySlice<UInt8>, source: Source, kind: ValueKind, fieldName: String?, field: FieldRoles, depth: Int,
        sensitivity: Sensitivity, requestHost: borrowing String? = nil
    ) {
        self.init(
            source: source, kind: kind, fieldName: fieldName, field: field, depth: depth, sensitivity: sensitivity)
        summary = (ByteSet(presentIn: value), value.count)
        // Kept only where a detector reads it (redirect fields): a string stored per value costs
        // a retain and a release on every value.
        if field.net.redirect { self.requestHost = copy requestHost }
    }

    /// The summary made with the context (`init(value:…)`), if any.
    var valueBytes: ByteSet? { summary?.bytes }

    /// The bytes present in `value`: the summary made with the context when it is this value's
    /// (same length), else one pass over `value`.
    @inline(__always)
    public func bytes(of value: ArraySlice<UInt8>) -> ByteSet {
        if let summary, summary.count == value.count { return summary.bytes }
        return ByteSet(presentIn: value)
    }
}

/// A detector judges one decoded value for one family of attacks.
///
/// Contract: a cheap pre-filter first (most values are benign words and must cost next to
/// nothing); parse the attack language rather than match keywords; never trap; bounded time in
/// the value's length. Append hits with `point` left at -1 and `location` empty: the analyzer
/// fills both. Deterministic: the hits depend only on the value and the context (the analyzer
/// replays the standard detectors' hits for repeated values, `DetectionMemo`).
public protocol Detector: Sendable {
    /// Registry name (`sqli`, `xss`, …).
    var name: String { get }
    func detect(_ value: ArraySlice<UInt8>, context: DetectionContext, hits: inout [Hit])
}
