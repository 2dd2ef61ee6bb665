import PalisadeCore

/// What a worker publishes on `palisade.observations` for every request (key: `endpoint.partitionKey`):
/// the endpoint, the response, the auth scheme and the *shape* of every parameter. Values are
/// never included, except path segments that are safe to keep (short words and numbers, needed
/// to tell `/api/2024/stats` from `/users/{id}`). Contract: docs/LEARNING.md.
public struct EndpointObservation: Sendable, Hashable {
    /// Record schema version; bump on any incompatible change.
    public static let schemaVersion = 1

    /// Host, method and the stateless template (`PathTemplate`).
    public var endpoint: EndpointKey
    public var requestID: String
    /// Milliseconds since the Unix epoch (from the capture).
    public var ts: Int64
    public var status: Int?
    public var auth: AuthScheme
    /// Content-type essence, lowercased (`application/json`), nil without a body or header.
    public var contentType: String?
    public var bodyBytes: Int
    /// The path, one entry per segment (the leading empty segment excluded).
    public var segments: [PathSegmentObservation]
    /// Parameters (path placeholders, query, headers, cookies, body fields), at most
    /// `ObservationBuilder.Config.maxParams`, each location once.
    public var params: [ParamObservation]
    /// Parameters left out because of the cap.
    public var droppedParams: Int

    public init(
        endpoint: EndpointKey, requestID: String, ts: Int64, status: Int?, auth: AuthScheme, contentType: String?,
        bodyBytes: Int, segments: [PathSegmentObservation], params: [ParamObservation], droppedParams: Int = 0
    ) {
        self.endpoint = endpoint
        self.requestID = requestID
        self.ts = ts
        self.status = status
        self.auth = auth
        self.contentType = contentType
        self.bodyBytes = bodyBytes
        self.segments = segments
        self.params = params
        self.droppedParams = droppedParams
    }
}

/// Where a parameter lives (OpenAPI's `in`, plus the body).
public enum ParamSource: String, Sendable, Hashable, CaseIterable {
    case path, query, header, cookie, body

    /// From a normalized location's first component.
    public init(location: String) {
        var location = location
        self = location.withUTF8 { ParamSource(locationBytes: $0) }
    }

    /// ``init(location:)`` over the location's UTF-8.
    init(locationBytes utf8: UnsafeBufferPointer<UInt8>) {
        if Bytes.hasPrefix(utf8, "query") {
            self = .query
        } else if Bytes.hasPrefix(utf8, "header") {
            self = .header
        } else if Bytes.hasPrefix(utf8, "cookie") {
            self = .cookie
        } else if Bytes.hasPrefix(utf8, "path") {
            self = .path
        } else {
            self = .body
        }
    }
}

/// One path segment of an observed request.
public struct PathSegmentObservation: Sendable, Hashable {
    /// What the segment looks like (`PathTemplate` classes).
    public var kind: SegmentKind
    /// The segment text when it is safe to keep: literal words and numbers up to 64 bytes.
    /// Nil for UUIDs, hex, e-mails, tokens (identifiers that may be personal or secret).
    public var literal: String?
    /// FNV-1a of the raw segment: cardinality without keeping values.
    public var hash: UInt64
    public var shape: ValueShape
    /// Sensitive kinds in the segment (an e-mail address in the path is an exposure finding).
    public var sensitive: SensitiveSet

    public init(kind: SegmentKind, literal: String?, hash: UInt64, shape: ValueShape, sensitive: SensitiveSet = []) {
        self.kind = kind
        self.literal = literal
        self.hash = hash
        self.shape = shape
        self.sensitive = sensitive
    }

    /// Classifies a raw segment.
    public init<S: StringProtocol>(_ segment: S) {
        let bytes = Array(segment.utf8)
        self.init(bytes: bytes, kind: SegmentKind(segment: bytes))
    }

    /// A raw segment whose kind is known (`SegmentKind(segment: bytes)`).
    init(bytes: [UInt8], kind: SegmentKind) {
        self.init(bytes: bytes, kind: kind, facts: ValueShapeCache.compute(bytes[...], kind: .text, fieldName: nil))
    }

    /// The same with the segment's facts as text without a field name (`ValueShapeCache`).
    init(bytes: [UInt8], kind: SegmentKind, facts: ValueShapeCache.Facts) {
        let literal: String?
        switch kind {
        case .literal, .number, .date: literal = bytes.count <= 64 ? String(decoding: bytes, as: UTF8.self) : nil
        default: literal = nil
        }
        // Through the memberwise initializer: assigning field by field made a copy of the whole
        // value (a retain and release of `literal`).
        self.init(
            kind: kind, literal: literal, hash: FNV1a.hash(bytes), shape: facts.shape,
            sensitive: kind.isIdentifier ? facts.sensitive : [])
    }
}

/// The shape of one parameter in one request. When a location repeats (array elements
/// `items[].sku`), the values are folded: `shape` is the first value's format with the longest
/// length and the union of character classes; `formats` and `minLength` cover all of them.
public struct ParamObservation: Sendable, Hashable {
    /// Normalized location: indices collapsed (`body.json.items[].sku`), `query.id`,
    /// `header.user-agent`, `cookie.session`, `path.{id}`.
    public var location: String
    public var source: ParamSource
    public var shape: ValueShape
    public var formats: FormatSet
    public var minLength: Int
    public var type: ValueType
    public var sensitive: SensitiveSet
    /// How it was found wrapped (`>base64`, `>json`), empty when plain.
    public var encodings: EncodingSet
    /// Values folded into this entry (array elements, repeated query keys).
    public var occurrences: Int
    /// Index of the first point in the worker's decoded request; -1 when not from a decode.
    /// Worker-local (not meaningful after transport).
    public var point: Int32

    public init(
        location: String, source: ParamSource, shape: ValueShape, formats: FormatSet? = nil, minLength: Int? = nil,
        type: ValueType = .string, sensitive: SensitiveSet = [], encodings: EncodingSet = [], occurrences: Int = 1,
        point: Int32 = -1
    ) {
        self.location = location
        self.source = source
        self.shape = shape
        self.formats = formats ?? FormatSet(shape.format)
        self.minLength = minLength ?? shape.length
        self.type = type
        self.sensitive = sensitive
        self.encodings = encodings
        self.occurrences = occurrences
        self.point = point
    }

    /// Folds another value at the same location into this entry.
    mutating func fold(_ other: ValueShape, type: ValueType, sensitive: SensitiveSet) {
        formats.insert(FormatSet(other.format))
        shape.length = max(shape.length, other.length)
        minLength = min(minLength, other.length)
        shape.charset.formUnion(other.charset)
        self.sensitive.formUnion(sensitive)
        occurrences += 1
    }
}

/// 64-bit FNV-1a, for segment cardinality sketches. Not cryptographic.
public enum FNV1a {
    public static func hash<C: Collection<UInt8>>(_ bytes: C) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            h ^= UInt64(byte)
            h = h &* 0x0000_0100_0000_01b3
        }
        return h
    }
}
