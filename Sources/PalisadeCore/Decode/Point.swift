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
    /// This point's piece of the location: `query`, `.id`, `[0]`, `>base64`, `.json.q`, `;jsessionid`.
    /// Rendered on demand from `segmentKey` and the decoder's name (`>base64` + `.q`): the engine
    /// does not build one string per point. `withSegmentUTF8` reads it without building it.
    public var segment: String {
        get {
            guard segmentMarker != 0 else { return segmentKey }
            return LocationPath.joined(segmentMarker == Self.sniffed ? ">" : ".", decoder ?? "", segmentKey)
        }
        set {
            segmentKey = newValue
            segmentMarker = 0
        }
    }
    /// `segment` after the decoder's `.name`/`>name` (the decoder's child path: `.q`, `[0]`, ``),
    /// or all of it when `segmentMarker` is 0.
    @usableFromInline var segmentKey: String
    /// Whether `segment` starts with the decoder's name: 0 no, `declared` (`.json`), `sniffed` (`>json`).
    @usableFromInline var segmentMarker: UInt8
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
        set {
            // The rendered segment stays what it was.
            if segmentMarker != 0 { segment = segment }
            decoderID = DecoderName.id(for: newValue)
        }
    }
    /// `decoder` interned (`DecoderName`): a `String?` field here made every point be built in a
    /// temporary and copied into the points array.
    @usableFromInline var decoderID: UInt16

    /// `segmentMarker` values.
    static let declared: UInt8 = 1
    static let sniffed: UInt8 = 2

    public init(
        parent: Int32, segment: String, value: [UInt8], kind: ValueKind, depth: UInt8,
        isContainer: Bool = false, decoder: String? = nil
    ) {
        self.init(
            parent: parent, key: segment, marker: 0, value: value, kind: kind, depth: depth, isContainer: isContainer,
            decoderID: DecoderName.id(for: decoder))
    }

    /// The engine's initializer: the decoder already interned, the segment as its parts.
    init(
        parent: Int32, key: String, marker: UInt8, value: [UInt8], kind: ValueKind, depth: UInt8,
        isContainer: Bool = false, decoderID: UInt16
    ) {
        self.parent = parent
        self.segmentKey = key
        self.segmentMarker = marker
        self.value = value
        self.kind = kind
        self.depth = depth
        self.isContainer = isContainer
        self.decoderID = decoderID
    }

    /// The first byte of `segment` (`>` for a sniffed decoder's output), without rendering it.
    public var segmentFirstByte: UInt8? {
        switch segmentMarker {
        case 0: segmentKey.utf8.first
        case Self.sniffed: UInt8(ascii: ">")
        default: UInt8(ascii: ".")
        }
    }

    /// Whether `segment` contains `byte`, without rendering it.
    public func segmentContains(_ byte: UInt8) -> Bool {
        Self.segment(key: segmentKey, marker: segmentMarker, decoderID: decoderID, contains: byte)
    }

    /// The number of UTF-8 bytes in `segment`, without rendering it.
    public var segmentUTF8Count: Int {
        Self.segmentUTF8Count(key: segmentKey, marker: segmentMarker, decoderID: decoderID)
    }

    // The segment readers over the stored parts: `DecodedRequest` calls them with a point's fields
    // so that the point is not copied (calling a method on `points[i]` copies it).

    static func segment(key: String, marker: UInt8, decoderID: UInt16, contains byte: UInt8) -> Bool {
        if marker != 0 {
            if byte == (marker == sniffed ? UInt8(ascii: ">") : UInt8(ascii: ".")) { return true }
            if let name = DecoderName.name(of: decoderID), Bytes.contains(name, byte) { return true }
        }
        return Bytes.contains(key, byte)
    }

    /// Calls `body` with the UTF-8 bytes of the segment made of these parts: the key's own storage
    /// when there is no decoder name in front, else the segment rendered on the stack.
    static func withSegmentUTF8(
        key: String, marker: UInt8, decoderID: UInt16, _ body: (UnsafeBufferPointer<UInt8>) -> Bool
    ) -> Bool {
        if marker == 0, let result = key.utf8.withContiguousStorageIfAvailable(body) { return result }
        let name = marker == 0 ? "" : DecoderName.name(of: decoderID) ?? ""
        let first = marker == sniffed ? UInt8(ascii: ">") : UInt8(ascii: ".")
        let rendered: Bool? =
            name.utf8.withContiguousStorageIfAvailable { name in
                key.utf8.withContiguousStorageIfAvailable { key in
                    let count = (marker == 0 ? 0 : 1 + name.count) + key.count
                    return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: count) { buffer in
                        var at = 0
                        if marker != 0 {
                            buffer[0] = first
                            at = 1
                            if let base = name.baseAddress {
                                (buffer.baseAddress! + at).update(from: base, count: name.count)
                            }
                            at += name.count
                        }
                        if let base = key.baseAddress {
                            (buffer.baseAddress! + at).update(from: base, count: key.count)
                        }
                        return body(UnsafeBufferPointer(buffer))
                    }
                }
            } ?? nil
        if let rendered { return rendered }
        // Bridged or otherwise non-contiguous strings: render the plain way.
        var segment = marker == 0 ? key : LocationPath.joined(first == UInt8(ascii: ">") ? ">" : ".", name, key)
        return segment.withUTF8(body)
    }

    static func segmentUTF8Count(key: String, marker: UInt8, decoderID: UInt16) -> Int {
        guard marker != 0 else { return key.utf8.count }
        return key.utf8.count + 1 + (DecoderName.name(of: decoderID)?.utf8.count ?? 0)
    }

    /// The bytes of `segment` appended to `out`.
    func appendSegment(to out: inout [UInt8]) {
        if segmentMarker != 0 {
            out.append(segmentMarker == Self.sniffed ? UInt8(ascii: ">") : UInt8(ascii: "."))
            out.append(contentsOf: (decoder ?? "").utf8)
        }
        out.append(contentsOf: segmentKey.utf8)
    }

    /// Equal points render the same segment, however it is stored.
    public static func == (lhs: Point, rhs: Point) -> Bool {
        lhs.parent == rhs.parent && lhs.value == rhs.value && lhs.kind == rhs.kind && lhs.depth == rhs.depth
            && lhs.isContainer == rhs.isContainer && lhs.decoderID == rhs.decoderID
            && ((lhs.segmentKey == rhs.segmentKey && lhs.segmentMarker == rhs.segmentMarker)
                || lhs.segment == rhs.segment)
    }

    /// The value as a string (invalid UTF-8 repaired), for display and tests.
    public var text: String { String(decoding: value, as: UTF8.self) }
}
