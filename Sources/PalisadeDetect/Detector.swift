/// What a detector knows about the value it judges.
public struct DetectionContext: Sendable {
    public var source: Source
    public var kind: ValueKind
    /// The name of the field holding the value (`q`, `comment`, `user-agent`), if any.
    public var fieldName: String?
    /// Decoders applied on the way here (0 for a raw query value).
    public var depth: Int
    public var sensitivity: Sensitivity

    public init(source: Source, kind: ValueKind, fieldName: String?, depth: Int, sensitivity: Sensitivity) {
        self.source = source
        self.kind = kind
        self.fieldName = fieldName
        self.depth = depth
        self.sensitivity = sensitivity
    }
}

/// A detector judges one decoded value for one family of attacks.
///
/// Contract: a cheap pre-filter first (most values are benign words and must cost next to
/// nothing); parse the attack language rather than match keywords; never trap; bounded time in
/// the value's length. Append hits with `point` left at -1 and `location` empty: the analyzer
/// fills both.
public protocol Detector: Sendable {
    /// Registry name (`sqli`, `xss`, …).
    var name: String { get }
    func detect(_ value: ArraySlice<UInt8>, context: DetectionContext, hits: inout [Hit])
}
