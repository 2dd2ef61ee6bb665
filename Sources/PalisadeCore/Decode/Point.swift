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

/// Facts about a point's `segment` that request-level detectors gate on, worked out when the
/// point is made (`DecodedRequest.segmentHints(of:)`). Each is exact, not a guess.
public struct SegmentHints: OptionSet, Sendable, Hashable {
    public let rawValue: UInt8
    @inlinable public init(rawValue: UInt8) { self.rawValue = rawValue }

    // Computed and inlinable, not `static let`: read once per point by detectors in another
    // module, a stored constant cost a lazy-initialization check each time.

    /// The segment contains a `$` (a Mongo-style operator key such as `$where` or `[$ne]`).
    @inlinable public static var dollar: SegmentHints { SegmentHints(rawValue: 1 << 0) }
    /// The segment is at least 9 bytes long and contains `__p` or `cto`: what a `__proto__` or a
    /// `constructor…prototype` component needs (prototype pollution's pre-filter).
    @inlinable public static var protoTrigram: SegmentHints { SegmentHints(rawValue: 1 << 1) }

    /// Reads a segment's bytes in order, in pieces (the marker, the decoder's name, the key).
    struct Reader {
        private var count = 0
        /// The two bytes before the next one (0 before the segment starts).
        private var a: UInt8 = 0
        private var b: UInt8 = 0
        private var trigram = false
        private var dollar = false

        mutating func read(_ byte: UInt8) {
            withUnsafePointer(to: byte) { read(UnsafeBufferPointer(start: $0, count: 1)) }
        }

        /// Only `$`, `p` and `o` need a look: `__p` and `cto` end in the last two.
        mutating func read(_ bytes: UnsafeBufferPointer<UInt8>) {
            let n = bytes.count
            guard n > 0 else { return }
            for i in 0..<n {
                let byte = bytes[i]
                if byte == UInt8(ascii: "$") {
                    dollar = true
                } else if byte == UInt8(ascii: "p") || byte == UInt8(ascii: "o") {
                    let first = i >= 2 ? bytes[i - 2] : (i == 1 ? b : a)
                    let second = i >= 1 ? bytes[i - 1] : b
                    if byte == UInt8(ascii: "p") {
                        if first == UInt8(ascii: "_"), second == UInt8(ascii: "_") { trigram = true }
                    } else if first == UInt8(ascii: "c"), second == UInt8(ascii: "t") {
                        trigram = true
                    }
                }
            }
            a = n >= 2 ? bytes[n - 2] : b
            b = bytes[n - 1]
            count += n
        }

        /// A string's bytes, from its contiguous storage (iterating `String.UTF8View` byte by byte
        /// costs several times more).
        mutating func read(_ text: String) {
            let done: Void? = text.utf8.withContiguousStorageIfAvailable { read($0) }
            if done == nil {
                for byte in text.utf8 { read(byte) }
            }
        }

        var hints: SegmentHints {
            var hints: SegmentHints = []
            if dollar { hints.insert(.dollar) }
            if trigram, count >= 9 { hints.insert(.protoTrigram) }
            return hints
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
            segmentHints = Self.hints(key: newValue, marker: 0, decoderID: decoderID)
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
    /// `SegmentHints` of `segment`, raw: worked out once when the point is made, so that
    /// request-level detectors' pre-filters do not read every point's segment. Stored here, in
    /// what was padding, so `Point` does not grow.
    @usableFromInline var segmentHints: UInt8
    /// Name of the decoder whose output this point is (nil for roots).
    public var decoder: String? {
        @inlinable get { DecoderName.name(of: decoderID) }
        set {
            // The rendered segment stays what it was.
            if segmentMarker != 0 { segment = segment }
            decoderID = DecoderName.id(for: newValue)
            segmentHints = Self.hints(key: segmentKey, marker: segmentMarker, decoderID: decoderID)
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

    /// The engine's initializer: the decoder already interned, the segment as its parts, and its
    /// hints when known already (`Point.hints(key:marker:decoderID:)` of these parts).
    init(
        parent: Int32, key: String, marker: UInt8, value: [UInt8], kind: ValueKind, depth: UInt8,
        isContainer: Bool = false, decoderID: UInt16, hints: UInt8? = nil
    ) {
        self.parent = parent
        self.segmentKey = key
        self.segmentMarker = marker
        self.value = value
        self.kind = kind
        self.depth = depth
        self.isContainer = isContainer
        self.decoderID = decoderID
        self.segmentHints = hints ?? Self.hints(key: key, marker: marker, decoderID: decoderID)
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

    /// The `SegmentHints` of the segment made of these parts, in one pass over its bytes (the
    /// decoder's name, when rendered in front, included) without rendering it.
    static func hints(key: String, marker: UInt8, decoderID: UInt16) -> UInt8 {
        hints(key: key, after: hintsReader(marker: marker, decoderID: decoderID))
    }

    /// A hints reader that has read the part of a segment before its key (the marker and the
    /// decoder's name): the same for all of one decoder's children, so read once for them.
    static func hintsReader(marker: UInt8, decoderID: UInt16) -> SegmentHints.Reader {
        var reader = SegmentHints.Reader()
        if marker != 0 {
            reader.read(marker == sniffed ? UInt8(ascii: ">") : UInt8(ascii: "."))
            if let name = DecoderName.name(of: decoderID) { reader.read(name) }
        }
        return reader
    }

    /// The hints of a segment: `key` read after `prefix` (`hintsReader(marker:decoderID:)`).
    static func hints(key: String, after prefix: SegmentHints.Reader) -> UInt8 {
        var reader = prefix
        reader.read(key)
        return reader.hints.rawValue
    }

    static func segmentUTF8Count(key: String, marker: UInt8, decoderID: UInt16) -> Int {
        guard marker != 0 else { return key.utf8.count }
        return key.utf8.count + 1 + (DecoderName.name(of: decoderID)?.utf8.count ?? 0)
    }

    /// The bytes of `segment` appended to `out`.
    func appendSegment(to out: inout [UInt8]) {
        Self.appendSegment(key: segmentKey, marker: segmentMarker, decoderID: decoderID, to: &out)
    }

    /// The bytes of the segment made of these parts appended to `out`; strings with contiguous
    /// UTF-8 (all native ones) are copied in one piece.
    static func appendSegment(key: String, marker: UInt8, decoderID: UInt16, to out: inout [UInt8]) {
        func append(_ text: String) {
            let copied: Void? = text.utf8.withContiguousStorageIfAvailable { out.append(contentsOf: $0) }
            if copied == nil { out.append(contentsOf: text.utf8) }
        }
        if marker != 0 {
            out.append(marker == Self.sniffed ? UInt8(ascii: ">") : UInt8(ascii: "."))
            append(DecoderName.name(of: decoderID) ?? "")
        }
        append(key)
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
