/// A decoder unwraps one value into children: a transformation (Base64, percent, gzip, …) yields
/// one child with an empty `path`; a container (JSON, form, XML, …) yields one child per field.
///
/// Contract (docs/DECODERS.md):
/// - Reject cheaply: look at a few bytes first and return nil when the input is not yours.
///   Most values are plain words; they must cost next to nothing.
/// - Never trap, never loop without progress, whatever the bytes.
/// - Respect `budget`: do not produce more than `budget.remainingBytes`, do not nest past
///   `budget.limits.maxStructureDepth`; record what you cut with `budget.hit(_:)`.
/// - Return nil when nothing was decoded (a transformation that changed nothing is nil too).
public protocol ValueDecoder: Sendable {
    /// Stable name, used in locations (`>base64`, `.json`) and the registry.
    var name: String { get }
    /// Whether the container's raw text becomes structure once decoded (JSON, XML, form…):
    /// detectors then skip the raw text and judge the children. Transformations return false.
    var isContainer: Bool { get }
    func decode(_ input: ArraySlice<UInt8>, context: DecodeContext, budget: inout DecodeBudget) -> Decoded?
    /// What a value must look like for `decode` to possibly accept it when sniffed (see
    /// `SniffGate`); the default admits every value.
    var sniffGate: SniffGate { get }
}

/// What the engine knows about a value when it asks a decoder to unwrap it.
public struct DecodeContext: Sendable {
    /// Where the value sits: `.body`, `.query`, `.header`, … (the root it descends from).
    public var source: Source
    /// The declared content type for this value (body or multipart part) as sent, with parameters.
    /// Compare media types case-insensitively; parameter values (a boundary) are case-sensitive.
    public var contentType: String?
    /// The name of the field holding the value, if any (`filter`, `user-agent`, `session`).
    public var fieldName: String?
    /// How many decoders were applied before this one.
    public var depth: Int
    /// Whether the decoder was chosen by declaration (content type) rather than sniffed.
    public var declared: Bool

    public init(
        source: Source, contentType: String? = nil, fieldName: String? = nil, depth: Int = 0,
        declared: Bool = false
    ) {
        self.source = source
        self.contentType = contentType
        self.fieldName = fieldName
        self.depth = depth
        self.declared = declared
    }
}

/// The roots of a request's value tree.
public enum Source: String, Sendable, Hashable, CaseIterable {
    case path, query, header, cookie, body
}

/// A decoder's result.
public struct Decoded: Sendable {
    public var children: [Child]
    /// Findings about the input (declarations, malformations, counts). Their `point` is filled
    /// in by the engine when left at -1: it is the decoded input's point.
    public var annotations: [Annotation]
    /// Set on a remembered result handed out again (`JWTCache`): its children array is shared
    /// with the cache, so the engine copies children out of it rather than moving them.
    var childrenShared = false

    public init(children: [Child], annotations: [Annotation] = []) {
        self.children = children
        self.annotations = annotations
    }

    /// A transformation's result: the whole value, unwrapped.
    public static func transformed(_ bytes: [UInt8], kind: ValueKind = .text, annotations: [Annotation] = [])
        -> Decoded
    {
        Decoded(children: [Child(path: "", value: bytes, kind: kind)], annotations: annotations)
    }
}

/// One value a decoder produced.
public struct Child: Sendable, Equatable {
    /// Location relative to the decoded value: `.q`, `.items[0].filter`, `[2]`, `;jsessionid`,
    /// `` (empty) for a transformation. Keys go in as written; see `LocationPath` for escaping.
    public var path: String
    public var value: [UInt8]
    public var kind: ValueKind
    /// A content type declared for this child (a multipart part's `Content-Type`).
    public var contentType: String? {
        get { declaredType?.value }
        set { declaredType = newValue.map(DeclaredType.init) }
    }
    /// The child's own field name (last key of `path`), used as context for further decoding.
    public var fieldName: String?
    /// `contentType`, boxed: rare, and with a second `String?` stored inline `Child` was large
    /// enough that Swift built each child in a temporary and copied it into the array.
    private var declaredType: DeclaredType?

    public init(
        path: String, value: [UInt8], kind: ValueKind = .text, contentType: String? = nil,
        fieldName: String? = nil
    ) {
        self.path = path
        self.value = value
        self.kind = kind
        self.declaredType = contentType.map(DeclaredType.init)
        self.fieldName = fieldName
    }
}

extension Child {
    /// Appends `name` as a `.key` child at `path`, unless it is a plain identifier
    /// (`LocationPath.isBenignIdentifier`): such a name cannot carry a payload, and the engine
    /// makes no point of it (`ValueKind.key`). Returns false when it left the name out; decoders
    /// that charge keys to the byte budget still charge its bytes.
    @discardableResult
    static func appendKey(_ name: [UInt8], path: String, fieldName: String?, to children: inout [Child]) -> Bool {
        if LocationPath.isBenignIdentifier(name) { return false }
        children.append(Child(path: path, value: name, kind: .key, fieldName: fieldName))
        return true
    }
}

/// A child's declared content type (`Child.contentType`), compared by value.
final class DeclaredType: Sendable, Equatable {
    let value: String

    init(_ value: String) { self.value = value }

    static func == (lhs: DeclaredType, rhs: DeclaredType) -> Bool { lhs.value == rhs.value }
}

/// The per-request allowance decoders draw from. Passed `inout` down the decode of one request.
public struct DecodeBudget: Sendable {
    public let limits: DecodeLimits
    /// Bytes decoders may still produce for this request.
    public private(set) var remainingBytes: Int
    /// Limits hit so far (each reported once per request).
    public private(set) var hits: Set<LimitKind> = []

    public init(limits: DecodeLimits) {
        self.limits = limits
        self.remainingBytes = limits.maxDecodedBytes
    }

    /// Takes `count` bytes from the allowance; false (and `limit.bytes` recorded) if not available.
    public mutating func consume(_ count: Int) -> Bool {
        if count <= remainingBytes {
            remainingBytes -= count
            return true
        }
        hits.insert(.bytes)
        return false
    }

    /// The most a decompressor may produce from `inputCount` bytes: bounded by the expansion
    /// ratio and by what is left of the byte allowance.
    public func decompressionCap(inputCount: Int) -> Int {
        let (byRatio, overflow) = inputCount.multipliedReportingOverflow(by: limits.maxExpansionRatio)
        return min(overflow ? Int.max : byRatio, remainingBytes)
    }

    /// Records that a limit was hit.
    public mutating func hit(_ limit: LimitKind) {
        hits.insert(limit)
    }
}

/// A cheap necessary condition for a sniffer to accept a value, checked by the engine before it
/// calls `decode` (most values are plain words that no sniffer takes; asking all of them costs
/// more than the whole decode of a typical request).
///
/// Contract: when `admits` is false for a value, the decoder's `decode` with `declared == false`
/// must return nil for it. A gate may admit values the decoder then rejects; it must never
/// reject one the decoder would accept (the tests check every standard sniffer).
public struct SniffGate: Sendable {
    /// Bytes the value may start with (nil: any).
    public var first: ByteSet?
    /// Bytes the value may start with once leading ASCII whitespace (`Bytes.isSpace`) is skipped.
    public var firstNonSpace: ByteSet?
    /// A byte the value must contain somewhere (`%` for percent escapes).
    public var contains: UInt8?
    /// Bytes of which the value must contain at least one somewhere (protobuf: a byte that is
    /// not printable ASCII, since a sniffed message is never mostly text).
    public var containsAny: ByteSet?
    /// The value's minimum length.
    public var minCount: Int
    /// The bytes the value may consist of (nil: any), unless it starts with a byte of
    /// `onlyUnlessFirst`: Base64's alphabets, except for a `data:` URI.
    public var only: ByteSet?
    /// First bytes that exempt a value from `only`.
    public var onlyUnlessFirst: ByteSet?

    public init(
        first: ByteSet? = nil, firstNonSpace: ByteSet? = nil, contains: UInt8? = nil, containsAny: ByteSet? = nil,
        minCount: Int = 1, only: ByteSet? = nil, onlyUnlessFirst: ByteSet? = nil
    ) {
        self.first = first
        self.firstNonSpace = firstNonSpace
        self.contains = contains
        self.containsAny = containsAny
        self.minCount = minCount
        self.only = only
        self.onlyUnlessFirst = onlyUnlessFirst
    }

    /// No condition beyond a non-empty value.
    public static let any = SniffGate()

    /// Whether the value may be the decoder's.
    @inline(__always)
    public func admits(_ value: UnsafeBufferPointer<UInt8>) -> Bool {
        guard value.count >= minCount, value.count > 0 else { return false }
        if let first, !first.contains(value[0]) { return false }
        if let firstNonSpace {
            var index = 0
            while index < value.count, Bytes.isSpace(value[index]) { index += 1 }
            guard index < value.count, firstNonSpace.contains(value[index]) else { return false }
        }
        if let contains {
            var found = false
            for byte in value where byte == contains {
                found = true
                break
            }
            guard found else { return false }
        }
        if let containsAny {
            var found = false
            for byte in value where containsAny.contains(byte) {
                found = true
                break
            }
            guard found else { return false }
        }
        if let only, onlyUnlessFirst?.contains(value[0]) != true {
            for byte in value where !only.contains(byte) { return false }
        }
        return true
    }
}

extension ValueDecoder {
    /// No gate: the engine asks `decode` for every value.
    public var sniffGate: SniffGate { .any }
}
