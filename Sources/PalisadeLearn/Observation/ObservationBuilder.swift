import PalisadeCore

/// Turns a capture record and its decoded tree into an `EndpointObservation`.
///
/// Which points become parameters (docs/LEARNING.md, "Observation"):
/// - every scalar field reached through roots and container decoders (`query.id`,
///   `body.json.items[].sku`, `header.user-agent`, `cookie.session`), array indices collapsed;
/// - a field whose value was found wrapped (`query.data>base64>json…`) counts once, at the field,
///   with the wrapping recorded in `encodings`; what was unwrapped inside is not a parameter;
/// - containers, JSON keys, the path root (its segments are described by `segments` and
///   `path.{…}` parameters) and the noise headers below are left out.
public struct ObservationBuilder: Sendable {
    /// Limits and lists; defaults in the property initializers.
    public struct Config: Sendable {
        /// Parameters per observation; the rest are counted in `droppedParams`.
        public var maxParams: Int = 64
        /// Longer (normalized) locations are dropped and counted.
        public var maxLocationBytes: Int = 256
        /// Path segments considered; deeper paths keep the first ones.
        public var maxSegments: Int = 32
        /// Headers that say nothing about the API (tracing, framing, proxies, caches), lowercase.
        public var noiseHeaders: Set<String> = ObservationBuilder.defaultNoiseHeaders
        /// Header name prefixes treated as noise.
        public var noiseHeaderPrefixes: [String] = ObservationBuilder.defaultNoiseHeaderPrefixes

        public init() {}
    }

    /// The documented noise-header list (docs/LEARNING.md).
    public static let defaultNoiseHeaders: Set<String> = [
        "host", "date", "content-length", "content-type", "accept-encoding", "connection", "keep-alive", "te",
        "transfer-encoding", "upgrade", "x-request-id", "x-correlation-id", "request-id", "traceparent",
        "tracestate", "baggage", "b3", "x-amzn-trace-id", "x-cloud-trace-context", "forwarded", "via", "x-real-ip",
        "true-client-ip", "cdn-loop", "cache-control", "pragma", "if-none-match", "if-modified-since", "if-match",
        "if-unmodified-since", "upgrade-insecure-requests", "dnt", "priority",
    ]

    public static let defaultNoiseHeaderPrefixes: [String] = [
        "x-b3-", "x-forwarded-", "sec-ch-", "sec-fetch-", "x-envoy-", "x-kong-", "cf-",
    ]

    public var config: Config {
        didSet {
            noise = NoiseHeaderTable(config.noiseHeaders, prefixes: config.noiseHeaderPrefixes)
            noiseListsID = UInt64.random(in: 1...UInt64.max)
        }
    }
    /// `config.noiseHeaders` and `noiseHeaderPrefixes` as bytes, for ``isNoise(headerLocation:)``.
    private var noise: NoiseHeaderTable
    /// Names this builder's noise lists for `locations` (which keeps what they said of each
    /// location): new with every change of `config`.
    private var noiseListsID: UInt64

    /// Recent values' shapes and sensitive kinds (nil: computed for every value). Shared by the
    /// builder's copies.
    public let shapes: ValueShapeCache?
    /// Recent parameter locations (nil: each point's location is built). Shared by the builder's
    /// copies.
    public let locations: LocationCache?

    /// `shapes`, `locations`: the caches of value shapes and of locations, or nil for none (the
    /// default, for callers that build an observation now and then; the worker gives each
    /// processor its own).
    public init(config: Config = Config(), shapes: ValueShapeCache? = nil, locations: LocationCache? = nil) {
        self.config = config
        self.noise = NoiseHeaderTable(config.noiseHeaders, prefixes: config.noiseHeaderPrefixes)
        self.noiseListsID = UInt64.random(in: 1...UInt64.max)
        self.shapes = shapes
        self.locations = locations
    }

    public func observe(record: CaptureRecord, decoded: DecodedRequest) -> EndpointObservation {
        observe(record: record, decoded: decoded, template: PathTemplate.template(forRawPath: record.rawPath))
    }

    /// The same observation, with the endpoint template the caller already computed (the
    /// worker's verdict has it): `template` must be `PathTemplate.template(for: record.path)`;
    /// computing it is a large part of an observation's cost.
    public func observe(record: CaptureRecord, decoded: DecodedRequest, template: String) -> EndpointObservation {
        let key = EndpointKey.normalized(
            host: record.host ?? record.header("host"), method: record.method, template: template)
        var params: [ParamObservation] = []
        var dropped = 0
        // The value-shape cache's table, taken once for the whole observation (nil: no cache, or
        // another observation has it; the facts are computed then). Used in place: through a
        // local function it was boxed and every use checked for exclusive access at run time.
        var shapeTable = shapes?.take()
        defer { if let shapes, let shapeTable { shapes.put(shapeTable) } }

        // Path segments and their placeholder parameters. The segment kinds are read off the
        // template when it lines up with the path (it was made by the same classification).
        var segments: [PathSegmentObservation] = []
        var placeholders = PlaceholderCounts()
        // Both read in place, piece by piece between `/`s (empty pieces count for the alignment):
        // splitting them into arrays of `UTF8View` slices cost ~5k instructions a request.
        // (The path's bytes straight from the raw path: `record.path` made a `Substring` first.)
        var templateText = template
        record.withPathUTF8 { path in
            templateText.withUTF8 { template in
                var slashes = 0
                for byte in path where byte == UInt8(ascii: "/") { slashes += 1 }
                var templateSlashes = 0
                for byte in template where byte == UInt8(ascii: "/") { templateSlashes += 1 }
                let aligned = slashes == templateSlashes
                segments.reserveCapacity(min(slashes, config.maxSegments))
                var start = 0
                var templateStart = 0
                while start <= path.count {
                    var end = start
                    while end < path.count, path[end] != UInt8(ascii: "/") { end += 1 }
                    var templateEnd = templateStart
                    if aligned {
                        while templateEnd < template.count, template[templateEnd] != UInt8(ascii: "/") {
                            templateEnd += 1
                        }
                    }
                    defer {
                        start = end + 1
                        templateStart = templateEnd + 1
                    }
                    guard end > start else { continue }
                    guard segments.count < config.maxSegments else { break }
                    let raw = UnsafeBufferPointer(rebasing: path[start..<end])
                    let bytes = Array(raw)
                    let kind =
                        (aligned
                            ? SegmentKind(
                                templateSegment: UnsafeBufferPointer(rebasing: template[templateStart..<templateEnd]),
                                segment: raw) : nil)
                        ?? SegmentKind(segment: bytes)
                    let segment = PathSegmentObservation(
                        bytes: bytes, kind: kind,
                        facts: ValueShapeCache.Table.facts(
                            in: &shapeTable, of: bytes[...], kind: .text, fieldName: nil))
                    if segment.kind.isIdentifier {
                        let location = "path.{" + placeholders.next(segment.kind) + "}"
                        params.append(
                            ParamObservation(
                                location: location, source: .path, shape: segment.shape, sensitive: segment.sensitive))
                    }
                    // Appended last, so the segment moves into the array (appending it first and
                    // reading it after copied it).
                    segments.append(segment)
                }
            }
        }

        // Pass 1: which points are derived (below a sniffed decoder) and which fields were wrapped.
        // Points are read in place by index (binding `point` copied each one: a retain and
        // release of its strings and value).
        let points = decoded.points
        var roles = [PointRole](filling: PointRole(), count: points.count)
        for i in points.indices {
            let parent = Int(points[i].parent)
            guard parent >= 0, parent < i else { continue }
            let sniffed = points[i].segmentFirstByte == UInt8(ascii: ">")
            roles[i].derived = roles[parent].derived || sniffed
            if sniffed, !roles[parent].derived {
                roles[parent].wrapped.insert(EncodingSet(ValueEncoding(decoderName: points[i].decoder ?? "")))
            }
        }

        // Pass 2: parameters. Each point's location comes from `locations` (found by its parent's
        // node and its segment) or is built and normalized in two reused byte buffers; a
        // parameter seen before in this request is found by the FNV-1a of its normalized location
        // (then compared). Building one location string, normalizing it into another and hashing
        // it into a dictionary cost ~5k instructions a parameter.
        var locationHashes: [UInt64] = []
        var raw: [UInt8] = []
        var normalized: [UInt8] = []
        if !points.isEmpty {
            params.reserveCapacity(params.count + min(points.count, config.maxParams))
            locationHashes.reserveCapacity(params.count + min(points.count, config.maxParams))
            for param in params { locationHashes.append(FNV1a.hash(param.location.utf8)) }
        }
        var tree = locations?.take(noiseListsID: noiseListsID)
        defer { if let locations, let tree { locations.put(tree) } }
        // Per point, its node in `tree` (-1: none).
        var nodes: [Int32] = tree == nil ? [] : Array(filling: -1, count: points.count)

        /// Point `i`'s location, built from the decoded tree.
        func built(_ i: Int) -> LocationCache.Node {
            // Room made on the first miss only: with the location cache most requests have none.
            if raw.capacity == 0 {
                raw.reserveCapacity(128)
                normalized.reserveCapacity(128)
            }
            raw.removeAll(keepingCapacity: true)
            decoded.appendLocation(of: i, to: &raw)
            normalized.removeAll(keepingCapacity: true)
            raw.withUnsafeBufferPointer { Self.normalize($0, into: &normalized) }
            return normalized.withUnsafeBufferPointer { location in
                let source = ParamSource(locationBytes: location)
                return LocationCache.Node(
                    location: String(decoding: location, as: UTF8.self), hash: FNV1a.hash(location), source: source,
                    noise: source == .header && isNoise(headerLocation: location))
            }
        }

        /// Point `i`'s location from the tree, or built and kept there when its parent is in it;
        /// nil when it is not `needed` (a container's, for its children) and cannot be kept.
        func located(_ i: Int, needed: Bool) -> LocationCache.Node? {
            guard tree != nil else { return needed ? built(i) : nil }
            let parent = Int(points[i].parent)
            var parentNode: Int32 = -1
            if parent >= 0 {
                guard parent < i, nodes[parent] >= 0 else { return needed ? built(i) : nil }
                parentNode = nodes[parent]
            }
            let segment = decoded.segmentIdentity(of: i)
            guard segment.key.utf8.count <= LocationCache.maxSegmentBytes else { return needed ? built(i) : nil }
            let key = tree!.key(parent: parentNode, segment: segment)
            if let id = tree!.find(key) {
                tree!.counts.hits += 1
                nodes[i] = id
                return tree!.nodes[Int(id)]
            }
            tree!.counts.misses += 1
            let node = built(i)
            guard node.location.utf8.count <= LocationCache.maxLocationBytes else { return node }
            nodes[i] = tree!.insert(node, at: key)
            return node
        }

        for i in points.indices {
            let wrapped = roles[i].wrapped
            guard !roles[i].derived, points[i].kind != .key else { continue }
            if decoded.source(of: i) == .path { continue }
            // Containers are not parameters (unless wrapped), but have nodes: their children's
            // hang below theirs.
            let parameter = !points[i].isContainer || !wrapped.isEmpty
            guard let node = located(i, needed: parameter), parameter else { continue }
            guard node.location.utf8.count <= config.maxLocationBytes else {
                dropped += 1
                continue
            }
            if node.noise { continue }
            let value = points[i].value[...]
            let kind = points[i].kind
            let fieldName = decoded.fieldName(of: i)
            let found = ValueShapeCache.Table.facts(in: &shapeTable, of: value, kind: kind, fieldName: fieldName)
            let (shape, sensitive) = (found.shape, found.sensitive)
            let type = ValueType(kind)
            if let existing = locationHashes.indices.first(where: {
                locationHashes[$0] == node.hash && Bytes.sameUTF8(params[$0].location, node.location)
            }) {
                params[existing].fold(shape, type: type, sensitive: sensitive)
                params[existing].encodings.formUnion(wrapped)
                continue
            }
            guard params.count < config.maxParams else {
                dropped += 1
                continue
            }
            locationHashes.append(node.hash)
            params.append(
                ParamObservation(
                    location: node.location, source: node.source, shape: shape, type: type,
                    sensitive: sensitive, encodings: wrapped, point: Int32(i)))
        }

        // The parts moved in (built in place, the observation was copied whole once and the
        // first copy destroyed: a retain and release of every string and array in it).
        let auth = AuthScheme.detect(record)
        let contentType = Self.contentTypeEssence(record.header("content-type"))
        return EndpointObservation(
            endpoint: consume key, requestID: record.id, ts: record.ts, status: record.status, auth: auth,
            contentType: consume contentType, bodyBytes: record.body.count, segments: consume segments,
            params: consume params, droppedParams: dropped)
    }

    func isNoise(headerLocation location: String) -> Bool {
        var location = location
        return location.withUTF8 { isNoise(headerLocation: $0) }
    }

    /// Whether a normalized `header.<name>` location (UTF-8) names a noise header.
    func isNoise(headerLocation location: UnsafeBufferPointer<UInt8>) -> Bool {
        guard Bytes.hasPrefix(location, "header.") else { return false }
        let name = UnsafeBufferPointer(rebasing: location[7...])
        // ASCII names (all real ones) compare bytes; others keep `Set<String>`'s and
        // `hasPrefix`'s character reading.
        guard !name.contains(where: { $0 >= 0x80 }) else {
            let text = String(decoding: name, as: UTF8.self)
            if config.noiseHeaders.contains(text) { return true }
            for prefix in config.noiseHeaderPrefixes where text.hasPrefix(prefix) { return true }
            return false
        }
        if let listed = noise.contains(name) {
            if listed { return true }
        } else if config.noiseHeaders.contains(String(decoding: name, as: UTF8.self)) {
            return true
        }
        return noise.hasPrefix(name)
    }

    /// `body.json.items[0].sku` → `body.json.items[].sku`: numeric indices collapse to `[]`; keys
    /// that are identifiers by their looks (numbers, UUIDs, long hex, dates, e-mails, tokens:
    /// maps keyed by ids, `{"prices":{"8412":…}}`) collapse to `[*]` outside headers, so such
    /// maps make one parameter instead of one per id. Other quoted keys stay verbatim.
    public static func normalize(_ location: String) -> String {
        // Read in place; a location that normalizes to itself (most) is returned as it is.
        var text = location
        return text.withUTF8 { utf8 in
            var out: [UInt8] = []
            normalize(utf8, into: &out)
            guard out.count != utf8.count || !out.elementsEqual(utf8) else { return location }
            return String(decoding: out, as: UTF8.self)
        }
    }

    /// ``normalize(_:)`` over UTF-8, appended to `out`.
    static func normalize(_ utf8: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) {
        let collapseKeys = !Bytes.hasPrefix(utf8, "header")
        // Bytes kept as they are are copied when something replaces what follows them, or at the
        // end: a location that normalizes to itself (most) is one copy. Appending byte by byte
        // checked the array's uniqueness and capacity each time.
        var kept = 0
        func replace(_ start: Int, resumingAt end: Int, with replacement: StaticString) {
            if start > kept { out.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[kept..<start])) }
            out.append(
                contentsOf: UnsafeBufferPointer(start: replacement.utf8Start, count: replacement.utf8CodeUnitCount))
            kept = end
        }
        var i = 0
        var first = true  // the root name itself (`query`, `body`) is never collapsed
        while i < utf8.count {
            let byte = utf8[i]
            if byte == UInt8(ascii: "."), collapseKeys, !first {
                var j = i + 1
                while j < utf8.count, utf8[j] != UInt8(ascii: "."), utf8[j] != UInt8(ascii: "["),
                    utf8[j] != UInt8(ascii: ">")
                {
                    j += 1
                }
                if j > i + 1, isIdentifierKey(utf8[(i + 1)..<j]) {
                    replace(i, resumingAt: j, with: "[*]")
                    i = j
                    continue
                }
            }
            if byte == UInt8(ascii: "."), first { first = false }
            if byte == UInt8(ascii: "[") {
                first = false
                var j = i + 1
                while j < utf8.count, utf8[j] >= 0x30, utf8[j] <= 0x39 { j += 1 }
                if j > i + 1, j < utf8.count, utf8[j] == UInt8(ascii: "]") {
                    replace(i, resumingAt: j + 1, with: "[]")
                    i = j + 1
                    continue
                }
                if j < utf8.count, utf8[j] == UInt8(ascii: "\"") {
                    // Quoted key: find the closing `"]`, honouring escapes.
                    var k = j + 1
                    var escaped = false
                    var closed = false
                    while k < utf8.count {
                        if utf8[k] == UInt8(ascii: "\\"), k + 1 < utf8.count {
                            escaped = true
                            k += 2
                            continue
                        }
                        if utf8[k] == UInt8(ascii: "\""), k + 1 < utf8.count, utf8[k + 1] == UInt8(ascii: "]") {
                            closed = true
                            break
                        }
                        k += 1
                    }
                    let end = closed ? k + 2 : utf8.count
                    if closed, collapseKeys, !escaped, isIdentifierKey(utf8[(j + 1)..<k]) {
                        replace(i, resumingAt: end, with: "[*]")
                    }
                    i = end
                    continue
                }
            }
            i += 1
        }
        if utf8.count > kept { out.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[kept...])) }
    }

    static func isIdentifierKey(_ key: ArraySlice<UInt8>) -> Bool {
        key.withUnsafeBufferPointer { isIdentifierKey($0) }
    }

    static func isIdentifierKey(_ key: Slice<UnsafeBufferPointer<UInt8>>) -> Bool {
        isIdentifierKey(UnsafeBufferPointer(rebasing: key))
    }

    /// The key lies between ASCII delimiters of a location (a `String`): valid UTF-8 as it is.
    static func isIdentifierKey(_ key: UnsafeBufferPointer<UInt8>) -> Bool {
        guard !key.isEmpty, key.count <= 254 else { return false }
        return PathTemplate.placeholder(bytes: key) != nil
    }

    /// ``contentTypeEssence(_:)`` for the common case, without copying a value that is its own
    /// essence (`application/json`): an ASCII first part not starting with `;`. `.none` leaves
    /// the rest to the general path.
    static func asciiContentTypeEssence(_ header: String) -> String?? {
        var text = header
        // Over the bytes in place: indexing the UTF-8 view cost ~2.5k instructions a header.
        return text.withUTF8 { bytes -> String?? in
            let count = bytes.count
            var end = 0
            while end < count, bytes[end] != UInt8(ascii: ";") { end += 1 }
            guard end != 0 else { return .none }
            for index in 0..<end where bytes[index] >= 0x80 { return .none }
            if end + 1 < count, bytes[end + 1] >= 0x80 { return .none }
            func isBlank(_ byte: UInt8) -> Bool { byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }
            var start = 0
            while start < end, isBlank(bytes[start]) { start += 1 }
            while end > start, isBlank(bytes[end - 1]) { end -= 1 }
            guard start != end else { return .some(nil) }
            // ASCII: the first 100 bytes of the lowercased part are the lowercased first 100.
            let part = UnsafeBufferPointer(rebasing: bytes[start..<min(end, start + 100)])
            var upper = false
            for byte in part where byte >= 0x41 && byte <= 0x5A { upper = true }
            if !upper, start == 0, end == count, count <= 100 { return .some(header) }
            guard upper else { return .some(String(decoding: part, as: UTF8.self)) }
            return .some(String(decoding: part.map(Bytes.lower), as: UTF8.self))
        }
    }

    /// `Application/JSON; charset=utf-8` → `application/json`, capped at 100 bytes.
    public static func contentTypeEssence(_ header: String?) -> String? {
        guard let header else { return nil }
        if let essence = asciiContentTypeEssence(header) { return essence }
        return generalContentTypeEssence(header)
    }

    static func generalContentTypeEssence(_ header: String) -> String? {
        let essence = Bytes.lowercased((header.split(separator: ";", maxSplits: 1).first ?? "").trimmingSpacesLearn())
        guard !essence.isEmpty else { return nil }
        return essence.utf8.count <= 100 ? essence : String(decoding: essence.utf8.prefix(100), as: UTF8.self)
    }
}

/// Per point, for ``ObservationBuilder/observe(record:decoded:template:)``: whether it lies below
/// a sniffed decoder, and how the field was found wrapped.
private struct PointRole {
    var derived = false
    var wrapped: EncodingSet = []
}

/// Unique placeholder names of one observed path, by segment kind: `id`, `id_2`, `id_3` (as
/// ``PlaceholderNames``, without a dictionary).
struct PlaceholderCounts {
    private var counts = InlineArray<8, Int>(repeating: 0)

    mutating func next(_ kind: SegmentKind) -> String {
        let slot: Int
        switch kind {
        case .literal: slot = 0
        case .number: slot = 1
        case .uuid: slot = 2
        case .hex: slot = 3
        case .date: slot = 4
        case .email: slot = 5
        case .token: slot = 6
        case .param: slot = 7
        }
        counts[slot] += 1
        let n = counts[slot]
        return n == 1 ? kind.placeholderName : kind.placeholderName + "_" + String(n)
    }
}

/// Unique placeholder names within one template: `id`, `id_2`, `id_3`.
struct PlaceholderNames {
    private var used: [String: Int] = [:]

    mutating func next(_ base: String) -> String {
        let n = used[base, default: 0] + 1
        used[base] = n
        return n == 1 ? base : base + "_" + String(n)
    }
}

extension SegmentKind {
    /// The kind of a path segment read off the stateless template made from the same path
    /// (`PathTemplate.template`, which classified the segment the same way): a segment kept
    /// verbatim is a literal, a placeholder names its kind. Nil when `templateSegment` is
    /// neither (the template does not belong to this path).
    init?(templateSegment: UnsafeBufferPointer<UInt8>, segment: UnsafeBufferPointer<UInt8>) {
        if Bytes.equal(templateSegment, segment) {
            self = .literal
            return
        }
        guard templateSegment.first == UInt8(ascii: "{") else { return nil }
        self.init(placeholder: Substring(String(decoding: templateSegment, as: UTF8.self)))
    }
}

/// A set of ASCII header names looked up by bytes: FNV-1a into an open-addressed table, then
/// compared. `contains` answers nil when the set holds a non-ASCII name (`Set<String>` compares
/// by canonical equivalence, under which some non-ASCII text equals ASCII text: the Kelvin sign
/// and `K`); the caller asks the set itself then.
struct NoiseHeaderTable: Sendable {
    private var names: [[UInt8]] = []
    private var hashes: [UInt64] = []
    /// Indices into `names` + 1 (0 = empty), a power of two at least twice the names.
    private var slots: [Int32] = []
    private var asciiOnly = true
    /// The prefixes' UTF-8, compared with ASCII names byte for byte.
    private var prefixes: [[UInt8]] = []

    init(_ set: Set<String>, prefixes: [String]) {
        self.prefixes = prefixes.map { Array($0.utf8) }
        for name in set {
            let bytes = Array(name.utf8)
            if bytes.contains(where: { $0 >= 0x80 }) { asciiOnly = false }
            names.append(bytes)
            hashes.append(FNV1a.hash(bytes))
        }
        var size = 8
        while size < names.count * 2 { size *= 2 }
        slots = [Int32](repeating: 0, count: size)
        for (index, hash) in hashes.enumerated() {
            var slot = Int(truncatingIfNeeded: hash) & (size - 1)
            while slots[slot] != 0 { slot = (slot + 1) & (size - 1) }
            slots[slot] = Int32(index + 1)
        }
    }

    /// Whether the ASCII `name` starts with one of the prefixes.
    func hasPrefix(_ name: UnsafeBufferPointer<UInt8>) -> Bool {
        for prefix in prefixes where prefix.count <= name.count {
            var i = 0
            while i < prefix.count, prefix[i] == name[i] { i += 1 }
            if i == prefix.count { return true }
        }
        return false
    }

    /// Whether the ASCII `name` is in the set; nil when only the set itself can tell.
    func contains(_ name: UnsafeBufferPointer<UInt8>) -> Bool? {
        guard asciiOnly else { return nil }
        let hash = FNV1a.hash(name)
        var slot = Int(truncatingIfNeeded: hash) & (slots.count - 1)
        while slots[slot] != 0 {
            let index = Int(slots[slot] - 1)
            if hashes[index] == hash, names[index].elementsEqual(name) { return true }
            slot = (slot + 1) & (slots.count - 1)
        }
        return false
    }
}
