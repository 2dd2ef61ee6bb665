/// What kind of value a point holds; detectors choose which kinds they read.
public enum ValueKind: UInt8, Sendable, Hashable, CustomStringConvertible {
    /// Text (UTF-8, possibly invalid): the usual case.
    case text
    /// A JSON/GraphQL/protobuf number, kept as its source text.
    case number
    case boolean
    case null
    /// A key or parameter name (only emitted when it is not a plain identifier).
    case key
    /// A file name from multipart or similar.
    case filename
    /// Bytes that are not text (decompressed or Base64-decoded binary, protobuf payloads).
    case binary
    /// Structural markup worth judging as a whole (an XML DOCTYPE, a processing instruction).
    case markup

    public var description: String {
        switch self {
        case .text: "text"
        case .number: "number"
        case .boolean: "boolean"
        case .null: "null"
        case .key: "key"
        case .filename: "filename"
        case .binary: "binary"
        case .markup: "markup"
        }
    }
}

/// One node of a decoded request: a value and how it was reached.
///
/// Points form a tree through `parent`; the location of a point is the concatenation of the
/// segments from its root (see `DecodedRequest.location(of:)`), e.g.
/// `body.json.items[0].filter>base64>json.q`.
public struct Point: Sendable, Equatable {
    /// Index of the parent point, or -1 for a root (path, query, header.x, cookie, body).
    public var parent: Int32
    /// This point's piece of the location: `query`, `.id`, `[0]`, `>base64`, `;jsessionid`.
    public var segment: String
    /// The decoded bytes.
    public var value: [UInt8]
    public var kind: ValueKind
    /// Number of decoders applied on the way from the root (the matryoshka depth).
    public var depth: UInt8
    /// Set when a container decoder (JSON, XML, form, …) parsed this value into children;
    /// the raw text is then structure, not a payload, and most detectors skip it.
    public var isContainer: Bool
    /// Name of the decoder whose output this point is (nil for roots).
    public var decoder: String? {
        @inlinable get { DecoderName.name(of: decoderID) }
        set { decoderID = DecoderName.id(for: newValue) }
    }
    /// `decoder` interned (`DecoderName`): a `String?` field here made every point be built in a
    /// temporary and copied into the points array.
    @usableFromInline var decoderID: UInt16

    public init(
        parent: Int32, segment: String, value: [UInt8], kind: ValueKind, depth: UInt8,
        isContainer: Bool = false, decoder: String? = nil
    ) {
        self.init(
            parent: parent, segment: segment, value: value, kind: kind, depth: depth, isContainer: isContainer,
            decoderID: DecoderName.id(for: decoder))
    }

    /// The engine's initializer: the decoder already interned.
    init(
        parent: Int32, segment: String, value: [UInt8], kind: ValueKind, depth: UInt8, isContainer: Bool = false,
        decoderID: UInt16
    ) {
        self.parent = parent
        self.segment = segment
        self.value = value
        self.kind = kind
        self.depth = depth
        self.isContainer = isContainer
        self.decoderID = decoderID
    }

    /// The value as a string (invalid UTF-8 repaired), for display and tests.
    public var text: String { String(decoding: value, as: UTF8.self) }
}
