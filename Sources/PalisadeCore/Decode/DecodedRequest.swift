/// A request unwrapped into its tree of points.
public struct DecodedRequest: Sendable {
    public var points: [Point] = []
    public var annotations: [Annotation] = []
    /// Limits this request ran into (each also present as a `limit.*` annotation).
    public var limitHits: Set<LimitKind> = []
    /// Time spent decoding, in nanoseconds.
    public var elapsedNanos: Int64 = 0
    /// Per point (same indices as `points`): the context its value was decoded in — the root
    /// source and the field name it belongs to. Filled by `RequestDecoder`.
    public var contexts: [DecodeContext] = []
    /// Per header of the record (same indices as `CaptureRecord.headers`): the index of the root
    /// point holding its value, or -1 when it has none (an empty value, `Cookie`, a framing header,
    /// or the point budget spent). Filled by `RequestDecoder`.
    public var headerPoints: [Int] = []
    /// Bit `i` set: header `i` of the record (of the first 64) has a name the engine knows
    /// (`HeaderRoots`, any ASCII case) and made a root or the cookie — a valid token that is no
    /// framing field, which the framing checks then need not read again. Filled by `RequestDecoder`.
    public var knownHeaderNames: UInt64 = 0
    /// The root points whose values the decoder's `HeaderValueCache` holds, in point order, with
    /// what an analyzer had concluded of them (`RememberedHeader`). Filled by `RequestDecoder`.
    package var rememberedHeaders: [RememberedHeader] = []

    public init() {}

    /// The full location of a point, e.g. `body.json.items[0].filter>base64>json.q`.
    public func location(of index: Int) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(64)
        appendLocation(of: index, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The UTF-8 of ``location(of:)`` appended to `bytes`: callers that read many locations
    /// reuse one buffer instead of building a string each.
    public func appendLocation(of index: Int, to bytes: inout [UInt8]) {
        // The chain's length first (a cycle stops after every point), then its indices root first
        // in temporary space, then the segments' bytes: no array, no string per point.
        var length = 0
        var current = index
        while current >= 0, current < points.count, length <= points.count {
            length += 1
            current = Int(points[current].parent)
        }
        withUnsafeTemporaryAllocation(of: Int.self, capacity: length) { chain in
            var current = index
            for slot in stride(from: length - 1, through: 0, by: -1) {
                chain[slot] = current
                current = Int(points[current].parent)
            }
            // In place: `points[i].appendSegment` copied each point (a retain and release of its
            // strings and value).
            points.withUnsafeBufferPointer { points in
                for index in chain {
                    let point = points.baseAddress! + index
                    Point.appendSegment(
                        key: point.pointee.segmentKey, marker: point.pointee.segmentMarker,
                        decoderID: point.pointee.decoderID, to: &bytes)
                }
            }
        }
    }

    /// What point `index`'s segment is rendered from (`Point.segment`): points with equal
    /// identities have equal segments, so a chain of identities from a root names a location
    /// exactly (`ObservationBuilder`'s location cache keys on it). Read in place.
    public func segmentIdentity(of index: Int) -> SegmentIdentity {
        precondition(index >= 0 && index < points.count, "point index out of range")
        return points.withUnsafeBufferPointer { points in
            let point = points.baseAddress! + index
            return SegmentIdentity(
                key: point.pointee.segmentKey, marker: point.pointee.segmentMarker, decoderID: point.pointee.decoderID)
        }
    }

    // Segment readers for detectors' pre-filters: they read a point's fields in place (calling a
    // method on `points[i]` copies the point) and do not build the segment string.

    /// Point `index`'s `SegmentHints`, worked out when the point was made. Read in place:
    /// `points[index].segmentHints` from another module copied the point (a retain and release
    /// of its strings and value).
    @inlinable
    public func segmentHints(of index: Int) -> SegmentHints {
        precondition(index >= 0 && index < points.count, "point index out of range")
        return points.withUnsafeBufferPointer { SegmentHints(rawValue: $0[index].segmentHints) }
    }

    /// Whether point `index`'s segment contains `byte` (`Point.segmentContains`); a `$` is
    /// answered from the point's `SegmentHints`.
    public func segment(of index: Int, contains byte: UInt8) -> Bool {
        precondition(index >= 0 && index < points.count, "point index out of range")
        if byte == UInt8(ascii: "$") { return segmentHints(of: index).contains(.dollar) }
        return points.withUnsafeBufferPointer { points in
            let point = points.baseAddress! + index
            return Point.segment(
                key: point.pointee.segmentKey, marker: point.pointee.segmentMarker,
                decoderID: point.pointee.decoderID, contains: byte)
        }
    }

    /// The number of UTF-8 bytes in point `index`'s segment (`Point.segmentUTF8Count`).
    public func segmentUTF8Count(of index: Int) -> Int {
        precondition(index >= 0 && index < points.count, "point index out of range")
        return points.withUnsafeBufferPointer { points in
            let point = points.baseAddress! + index
            return Point.segmentUTF8Count(
                key: point.pointee.segmentKey, marker: point.pointee.segmentMarker,
                decoderID: point.pointee.decoderID)
        }
    }

    /// `body` applied to the UTF-8 bytes of point `index`'s segment, rendered on the stack when it
    /// starts with the decoder's name (no allocation).
    public func withSegmentUTF8(of index: Int, _ body: (UnsafeBufferPointer<UInt8>) -> Bool) -> Bool {
        precondition(index >= 0 && index < points.count, "point index out of range")
        return points.withUnsafeBufferPointer { points in
            let point = points.baseAddress! + index
            return Point.withSegmentUTF8(
                key: point.pointee.segmentKey, marker: point.pointee.segmentMarker,
                decoderID: point.pointee.decoderID, body)
        }
    }

    /// Indices of the points whose location is exactly `location`.
    public func points(at location: String) -> [Int] {
        points.indices.filter { self.location(of: $0) == location }
    }

    /// The text of the first point at `location`, for tests and tools.
    public func value(at location: String) -> String? {
        points(at: location).first.map { points[$0].text }
    }

    /// All annotations with a given code.
    public func annotations(_ code: AnnotationCode) -> [Annotation] {
        annotations.filter { $0.code == code }
    }
}

extension DecodedRequest {
    /// The root source a point descends from.
    public func source(of index: Int) -> Source {
        if index >= 0, index < contexts.count { return contexts[index].source }
        var current = index
        var steps = 0
        while current >= 0, current < points.count, steps <= points.count {
            let parent = Int(points[current].parent)
            if parent < 0 {
                let segment = points[current].segment
                if segment.hasPrefix("header") { return .header }
                return Source(rawValue: segment) ?? .body
            }
            current = parent
            steps += 1
        }
        return .body
    }

    /// The field name a point's value belongs to: the last key in its location.
    public func fieldName(of index: Int) -> String? {
        if index >= 0, index < contexts.count { return contexts[index].fieldName }
        var current = index
        var steps = 0
        while current >= 0, current < points.count, steps <= points.count {
            let segment = points[current].segment
            if let name = Self.lastKey(in: segment) { return name }
            current = Int(points[current].parent)
            steps += 1
        }
        return nil
    }

    /// The last `.key` or `["key"]` component of a segment (`.json.items[0].filter` → `filter`).
    static func lastKey(in segment: String) -> String? {
        // Fast path: a plain `.key` tail (the common case) needs no copy of the segment.
        let view = segment.utf8
        if let last = view.last, last != UInt8(ascii: "]"),
            let separator = view.lastIndex(where: { $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: ">") })
        {
            guard view[separator] == UInt8(ascii: "."), view.index(after: separator) != view.endIndex else {
                return nil
            }
            return String(segment[view.index(after: separator)...])
        }
        // Index-only segments (`[1]`, `[0][2]`: path segments, array elements) have no key; the
        // loop below would strip every index and find no separator.
        if segment.utf8.withContiguousStorageIfAvailable({ isIndexOnly($0) }) == true { return nil }
        return lastKeyStrippingIndices(segment)
    }

    /// `lastKey` the plain way, for any segment: trailing indices stripped, then the last key.
    static func lastKeyStrippingIndices(_ segment: String) -> String? {
        var utf8 = Array(segment.utf8)
        // Drop trailing indices: `[0]`.
        while utf8.last == UInt8(ascii: "]"), let open = utf8.lastIndex(of: UInt8(ascii: "[")) {
            let inner = utf8[(open + 1)..<(utf8.count - 1)]
            if inner.first == UInt8(ascii: "\"") {
                return String(decoding: inner.dropFirst().dropLast(), as: UTF8.self)
            }
            utf8.removeSubrange(open...)
        }
        guard let dot = utf8.lastIndex(where: { $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: ">") }) else {
            return nil
        }
        if utf8[dot] == UInt8(ascii: ">") { return nil }
        let name = utf8[(dot + 1)...]
        return name.isEmpty ? nil : String(decoding: name, as: UTF8.self)
    }

    /// Whether `bytes` is one or more `[n]` groups, `n` decimal digits.
    static func isIndexOnly(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var index = 0
        guard !bytes.isEmpty else { return false }
        while index < bytes.count {
            guard bytes[index] == UInt8(ascii: "[") else { return false }
            index += 1
            let digits = index
            while index < bytes.count, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") {
                index += 1
            }
            guard index > digits, index < bytes.count, bytes[index] == UInt8(ascii: "]") else { return false }
            index += 1
        }
        return true
    }
}

/// The parts a point's segment is rendered from (``DecodedRequest/segmentIdentity(of:)``): the key,
/// whether the decoder's name comes first (and how), and the decoder. Equal when the segments'
/// bytes are: keys compare as UTF-8, not as `String`s (whose equality is canonical equivalence:
/// `"café"` written precomposed and decomposed are two fields).
public struct SegmentIdentity: Hashable, Sendable {
    public let key: String
    public let marker: UInt8
    public let decoderID: UInt16

    public init(key: String, marker: UInt8, decoderID: UInt16) {
        self.key = key
        self.marker = marker
        self.decoderID = decoderID
    }

    public static func == (lhs: SegmentIdentity, rhs: SegmentIdentity) -> Bool {
        lhs.marker == rhs.marker && lhs.decoderID == rhs.decoderID && Bytes.sameUTF8(lhs.key, rhs.key)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(marker)
        hasher.combine(decoderID)
        var key = key
        key.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
    }
}
