/// Turns a capture record into its tree of points, unwrapping every value recursively within
/// `DecodeLimits`. Synchronous, no I/O; safe to share across threads.
public struct RequestDecoder: Sendable {
    public var limits: DecodeLimits
    public var registry: DecoderRegistry {
        didSet { headerValues = HeaderValueCache(table: registry.table) }
    }
    /// Recent header values (`HeaderValueCache`), with the gates of `registry`'s table.
    var headerValues: HeaderValueCache

    public init(limits: DecodeLimits = .default, registry: DecoderRegistry = .standard) {
        self.limits = limits
        self.registry = registry
        self.headerValues = HeaderValueCache(table: registry.table)
    }

    /// Keeps what an analyzer concluded of remembered header values (`HeaderValueCache.remember`).
    package func remember(_ analyses: [(RememberedHeader, RememberedAnalysis)]) {
        headerValues.remember(analyses)
    }

    public func decode(_ record: CaptureRecord) -> DecodedRequest {
        let start = ContinuousClock.now
        var run = Run(limits: limits, table: registry.table, start: start)
        run.addRoots(record, headerValues: headerValues)
        run.expandAll()
        var result = run.result
        result.contexts = run.contexts
        result.limitHits = run.budget.hits.union(run.extraHits)
        for limit in result.limitHits.sorted(by: { $0.rawValue < $1.rawValue })
        where !result.annotations.contains(where: { $0.code == limit.annotationCode }) {
            result.annotations.append(Annotation(limit.annotationCode, detail: "limit reached"))
        }
        let elapsed = ContinuousClock.now - start
        result.elapsedNanos =
            elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000
        return result
    }

    /// Where to find the decoder for a declared content type (any case, parameters allowed).
    public static func decoderName(forContentType contentType: String) -> String? {
        var contentType = contentType
        return contentType.withUTF8 { decoderName(forContentTypeBytes: $0) }
    }

    /// `decoderName(forContentType:)` over the header's bytes: the media type before any `;`,
    /// without surrounding spaces and tabs, compared ASCII case-insensitively.
    static func decoderName(forContentTypeBytes bytes: UnsafeBufferPointer<UInt8>) -> String? {
        var start = 0
        var end = bytes.firstIndex(of: UInt8(ascii: ";")) ?? bytes.count
        while start < end, bytes[start] == 0x20 || bytes[start] == 0x09 { start += 1 }
        while end > start, bytes[end - 1] == 0x20 || bytes[end - 1] == 0x09 { end -= 1 }
        let essence = UnsafeBufferPointer(rebasing: bytes[start..<end])
        func matches(_ literal: StaticString, suffix: Bool = false) -> Bool {
            let count = literal.utf8CodeUnitCount
            guard suffix ? essence.count >= count : essence.count == count else { return false }
            let offset = essence.count - count
            let expected = literal.utf8Start
            for index in 0..<count where Bytes.lower(essence[offset + index]) != expected[index] { return false }
            return true
        }
        if matches("application/x-www-form-urlencoded") { return "form" }
        if matches("multipart/form-data") || matches("multipart/mixed") || matches("multipart/related")
            || matches("multipart/alternative")
        {
            return "multipart"
        }
        if matches("application/graphql") { return "graphql" }
        if matches("application/grpc") || matches("application/grpc+proto") || matches("application/grpc-web")
            || matches("application/grpc-web+proto")
        {
            return "grpc"
        }
        if matches("application/x-protobuf") || matches("application/protobuf")
            || matches("application/vnd.google.protobuf")
        {
            return "protobuf"
        }
        if matches("application/json") || matches("+json", suffix: true) || matches("text/json")
            || matches("application/x-ndjson") || matches("application/jsonl")
        {
            return "json"
        }
        if matches("application/xml") || matches("text/xml") || matches("+xml", suffix: true) { return "xml" }
        return nil
    }
}

extension Substring {
    func trimmingSpaces() -> String {
        var start = startIndex
        var end = endIndex
        while start < end, self[start] == " " || self[start] == "\t" { start = index(after: start) }
        while end > start, self[index(before: end)] == " " || self[index(before: end)] == "\t" {
            end = index(before: end)
        }
        return String(self[start..<end])
    }
}

/// How a decoder's name shows up in the location of its children.
enum Rendering {
    /// Implied by the root (`query.id`, `cookie.session`, `path[1]`).
    case silent
    /// Chosen by a declared content type (`body.json.q`).
    case declared
    /// Found by sniffing (`>base64`).
    case sniffed
}

/// The state of decoding one request.
private struct Run {
    /// The decoder's limits and table, not the decoder: copying it retained every field of its
    /// registry.
    let limits: DecodeLimits
    let deadline: ContinuousClock.Instant
    /// `decoder.registry.table`, held once per request.
    let table: DecoderTable
    var budget: DecodeBudget
    var result = DecodedRequest()
    var extraHits: Set<LimitKind> = []
    /// Per point: what the expansion needs to know of it (`Pending`).
    var pending: [Pending] = []
    /// Per point: the context a decoder sees.
    var contexts: [DecodeContext] = []
    var timeChecks = 0

    /// A point's expansion state, in one array of plain values (an append per point, no
    /// release when the run ends).
    struct Pending {
        /// A decoder the point must be decoded with (by position or content type), by its
        /// interned name (`DecoderName`): a `String` here made every element a release when the
        /// run ended, and each expansion a search of the standard names.
        var declared: (id: UInt16, rendering: Rendering)?
        /// Already decoded while building the roots (the body under Content-Encoding).
        var expanded = false
        /// `DecoderTable.admitted` of the value, when known already (a header's, from
        /// `HeaderValueCache`).
        var admitted: UInt64? = nil
    }

    init(limits: DecodeLimits, table: DecoderTable, start: ContinuousClock.Instant) {
        self.limits = limits
        self.budget = DecodeBudget(limits: limits)
        self.table = table
        self.deadline = start.advanced(by: .microseconds(limits.timeBudgetMicros))
        // Typical requests have 10–200 points: start there instead of growing each array 5–6 times.
        let capacity = min(64, limits.maxPoints)
        result.points.reserveCapacity(capacity)
        pending.reserveCapacity(capacity)
        contexts.reserveCapacity(capacity)
    }

    /// Adds a point if the point budget allows; returns its index. Takes the point's parts
    /// rather than a `Point`: appending a finished one copied it (a retain per string and array,
    /// released again with the caller's copy); built inside the append, nothing is copied.
    @discardableResult
    mutating func add(
        parent: Int32, segment: consuming String, marker: UInt8 = 0, value: consuming [UInt8], kind: ValueKind = .text,
        depth: UInt8, decoderID: UInt16 = 0, hints: UInt8? = nil, context: consuming DecodeContext,
        declared: (id: UInt16, rendering: Rendering)? = nil
    ) -> Int? {
        guard result.points.count < limits.maxPoints else {
            budget.hit(.points)
            return nil
        }
        result.points.append(
            Point(
                parent: parent, key: consume segment, marker: marker, value: consume value, kind: kind, depth: depth,
                decoderID: decoderID, hints: hints))
        pending.append(Pending(declared: declared))
        contexts.append(consume context)
        return result.points.count - 1
    }

    /// The interned names of the roots' decoders.
    static let rootDecoders = (
        path: DecoderName.id(for: "path"), form: DecoderName.id(for: "form"), cookie: DecoderName.id(for: "cookie")
    )

    /// `Point.hints` of the fixed root segments, worked out once.
    static let rootHints = (
        path: Point.hints(key: "path", marker: 0, decoderID: 0),
        query: Point.hints(key: "query", marker: 0, decoderID: 0),
        cookie: Point.hints(key: "cookie", marker: 0, decoderID: 0),
        body: Point.hints(key: "body", marker: 0, decoderID: 0)
    )

    mutating func addRoots(_ record: CaptureRecord, headerValues: HeaderValueCache) {
        let hints = Self.rootHints
        // path and query, split in one pass over the raw path's bytes
        var rawPath = record.rawPath
        let (path, query) = rawPath.withUTF8 { bytes in
            let (pathEnd, query) = CaptureRecord.pathAndQuery(bytes)
            return (
                Array(UnsafeBufferPointer(rebasing: bytes[..<pathEnd])),
                query.map { Array(UnsafeBufferPointer(rebasing: bytes[$0])) }
            )
        }
        if !path.isEmpty {
            add(
                parent: -1, segment: "path", value: path, depth: 0, hints: hints.path,
                context: DecodeContext(source: .path, fieldName: "path"), declared: (Self.rootDecoders.path, .silent))
        }
        if let query, !query.isEmpty {
            add(
                parent: -1, segment: "query", value: query, depth: 0, hints: hints.query,
                context: DecodeContext(source: .query, fieldName: "query"), declared: (Self.rootDecoders.form, .silent))
        }
        // headers and cookies; the first Content-Type and Content-Encoding noted on the way
        // (`record.header(_:)` would compare every name again)
        var contentType: String?? = nil
        var contentEncoding: String?? = nil
        let roots = HeaderRoots.standard
        result.headerPoints = Array(filling: -1, count: record.headers.count)
        // At most one a header: room made once (growing from empty reallocated 4–5 times).
        result.rememberedHeaders.reserveCapacity(record.headers.count)
        // By position, each header read in place: iterating the headers copied each one (a retain
        // and a release of its name and value). The known ones' values through the cache, under
        // one lock for all of them.
        headerValues.withSlots { values in
            for position in record.headers.indices {
                guard let known = roots.index(for: record.headers[position].name) else {
                    if record.headers[position].value.isEmpty { continue }
                    let name = Bytes.lowercased(record.headers[position].name)
                    if let index = add(
                        parent: -1, segment: LocationPath.appending(key: name, to: "header"),
                        value: Array(record.headers[position].value.utf8), depth: 0,
                        context: DecodeContext(source: .header, fieldName: name))
                    {
                        result.headerPoints[position] = index
                    }
                    continue
                }
                if position < 64, roots.entries[known].role != .skipped {
                    result.knownHeaderNames |= 1 << UInt64(position)
                }
                switch roots.entries[known].role {
                case .cookie:
                    add(
                        parent: -1, segment: "cookie",
                        value: values.bytes(of: record.headers[position].value, header: known).bytes,
                        depth: 0, hints: hints.cookie,
                        context: DecodeContext(source: .cookie, fieldName: "cookie"),
                        declared: (Self.rootDecoders.cookie, .silent))
                case .skipped:
                    continue
                case .root:
                    switch roots.entries[known].noted {
                    case .contentType where contentType == nil: contentType = .some(record.headers[position].value)
                    case .contentEncoding where contentEncoding == nil:
                        contentEncoding = .some(record.headers[position].value)
                    default: break
                    }
                    if record.headers[position].value.isEmpty { continue }
                    let (value, admitted, slot) = values.bytes(of: record.headers[position].value, header: known)
                    if let index = add(
                        parent: -1, segment: roots.entries[known].segment, value: value, depth: 0,
                        hints: roots.entries[known].hints,
                        context: DecodeContext(source: .header, fieldName: roots.entries[known].name))
                    {
                        result.headerPoints[position] = index
                        pending[index].admitted = admitted
                        if slot >= 0 { result.rememberedHeaders.append(values.reference(slot: slot, point: index)) }
                    }
                }
            }
        }
        // body
        guard !record.body.isEmpty else { return }
        var body = record.body
        if body.count > limits.maxBodyBytes {
            body.removeSubrange(limits.maxBodyBytes...)
            extraHits.insert(.bodyBytes)
        }
        // Kept as sent: parameters such as a multipart boundary are case-sensitive.
        let declaredType = contentType ?? nil
        guard
            let bodyIndex = add(
                parent: -1, segment: "body", value: body, depth: 0, hints: hints.body,
                context: DecodeContext(source: .body, contentType: declaredType, fieldName: "body"))
        else { return }
        var current = bodyIndex
        // Content-Encoding first (gzip/deflate), then the content type.
        if let encoding = (contentEncoding ?? nil).map(Bytes.lowercased) {
            for coding in encoding.split(separator: ",").map({ $0.trimmingSpaces() }).reversed()
            where coding == "gzip" || coding == "x-gzip" || coding == "deflate" {
                let name = coding == "deflate" ? "deflate" : "gzip"
                guard let next = applyDeclared(name, rendering: .sniffed, to: current, transformOnly: true) else {
                    break
                }
                pending[current].expanded = true
                current = next
            }
        }
        if let declaredType, let name = RequestDecoder.decoderName(forContentType: declaredType) {
            pending[current].declared = (DecoderName.id(for: name), .declared)
        }
    }

    /// Applies a transformation decoder to a point right away; returns the child's index.
    mutating func applyDeclared(_ name: String, rendering: Rendering, to index: Int, transformOnly: Bool) -> Int? {
        guard let (valueDecoder, decoderID) = table.entry(named: name)
        else { return nil }
        var context = contexts[index]
        context.declared = true
        let input = result.points[index].value[...]
        guard let decoded = valueDecoder.decode(input, context, &budget),
            decoded.children.count == 1 || !transformOnly
        else { return nil }
        let before = result.points.count
        attach(decoded, isContainer: valueDecoder.isContainer, id: decoderID, rendering: rendering, to: index)
        return result.points.count > before ? before : nil
    }

    mutating func expandAll() {
        var index = 0
        while index < result.points.count {
            defer { index += 1 }
            if overTime() { return }
            let kind = result.points[index].kind
            guard kind == .text || kind == .binary, !result.points[index].value.isEmpty, !pending[index].expanded
            else { continue }
            if let (id, rendering) = pending[index].declared {
                if expand(index, with: id, rendering: rendering) { continue }
                if contexts[index].source == .body {
                    let name = DecoderName.name(of: id) ?? ""
                    result.annotations.append(
                        Annotation(.contentTypeMismatch, point: Int32(index), detail: "not valid \(name)"))
                } else {
                    continue  // roots: nothing to split is fine
                }
            }
            sniff(index)
        }
    }

    mutating func overTime() -> Bool {
        timeChecks += 1
        guard timeChecks & 7 == 0 else { return false }
        if ContinuousClock.now > deadline {
            budget.hit(.time)
            return true
        }
        return false
    }

    /// Decodes a point with a decoder (its interned name); false if it did not apply.
    mutating func expand(_ index: Int, with id: UInt16, rendering: Rendering) -> Bool {
        guard let (valueDecoder, decoderID) = table.entry(id: id)
        else { return false }
        // Field by field: a copy of the point would retain its strings and value.
        let depth = result.points[index].depth
        if Int(depth) >= limits.maxDepth {
            budget.hit(.depth)
            return true
        }
        var context = contexts[index]
        context.depth = Int(depth)
        context.declared = rendering != .sniffed
        let input = result.points[index].value[...]
        guard let decoded = valueDecoder.decode(input, context, &budget) else {
            return false
        }
        attach(decoded, isContainer: valueDecoder.isContainer, id: decoderID, rendering: rendering, to: index)
        return true
    }

    mutating func sniff(_ index: Int) {
        // The gates first, before anything is copied: most values are plain words no sniffer
        // takes, and calling through the existential for each of them costs more than the gates.
        let admitted =
            pending[index].admitted
            ?? result.points.withUnsafeBufferPointer { points in
                points[index].value.withUnsafeBufferPointer { table.admitted($0) }
            }
        if admitted == 0, table.count <= 64 { return }
        sniff(index, admitted: admitted)
    }

    /// `sniff(_:)` past the gates, apart so that the values no sniffer takes (most) do not pay
    /// for what it copies: the context, the value's slice.
    @inline(never)
    mutating func sniff(_ index: Int, admitted: UInt64) {
        let count = table.count
        let depth = result.points[index].depth
        var context = contexts[index]
        context.depth = Int(depth)
        context.declared = false
        let input = result.points[index].value[...]
        for position in 0..<count {
            if position < 64, admitted & (1 << UInt64(position)) == 0 { continue }
            guard let decoded = table.decode(at: position, input, context: context, budget: &budget) else {
                continue
            }
            let valueDecoder = table.sniffer(at: position)
            if Int(depth) >= limits.maxDepth {
                budget.hit(.depth)
                result.annotations.append(
                    Annotation(
                        .limitDepth, point: Int32(index), detail: "\(valueDecoder.decoder.name) not applied",
                        value: limits.maxDepth))
                return
            }
            attach(
                decoded, isContainer: valueDecoder.isContainer, id: table.id(at: position), rendering: .sniffed,
                to: index)
            return
        }
    }

    /// Appends a decoder's children as points under point `index`. Takes the result over: each
    /// child's path, value and field name move into its point (iterating the children copied
    /// them, a retain each, released again with the result).
    mutating func attach(
        _ decoded: consuming Decoded, isContainer: Bool, id decoderID: UInt16, rendering: Rendering, to index: Int
    ) {
        let parentDepth = result.points[index].depth
        if isContainer { result.points[index].isContainer = true }
        for var annotation in decoded.annotations {
            if annotation.point < 0 { annotation.point = Int32(index) }
            result.annotations.append(annotation)
        }
        // The segment is the child's path; the decoder's `.name`/`>name` in front is rendered from
        // the point's decoder when asked for (`Point.segment`).
        let marker: UInt8
        switch rendering {
        case .silent: marker = 0
        case .declared: marker = Point.declared
        case .sniffed: marker = Point.sniffed
        }
        let placement = Placement(
            parent: index, marker: marker, depth: parentDepth &+ (rendering == .silent ? 0 : 1),
            decoderID: decoderID, hints: Point.hintsReader(marker: marker, decoderID: decoderID),
            source: contexts[index].source, contextDepth: contexts[index].depth, declared: contexts[index].declared)
        if decoded.childrenShared {
            // A remembered result (the JWT cache's): its array is shared, so moving children out
            // would first copy it whole; each child is copied instead.
            for position in decoded.children.indices {
                var child = decoded.children[position]
                guard place(&child, placement) else { return }
            }
            return
        }
        var children: [Child] = []
        swap(&children, &decoded.children)
        let count = children.count
        children.withUnsafeMutableBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            for position in 0..<count {
                // Moved out, an empty child left in its place for the array to release.
                var child = (base + position).move()
                (base + position).initialize(to: Child(path: "", value: []))
                guard place(&child, placement) else { return }
            }
        }
    }

    /// What all of one decoder's children share when they become points.
    struct Placement {
        let parent: Int
        let marker: UInt8
        let depth: UInt8
        let decoderID: UInt16
        /// The segment hints reader after the marker and the decoder's name.
        let hints: SegmentHints.Reader
        /// The parent's context: the children's source, depth and declaration.
        let source: Source
        let contextDepth: Int
        let declared: Bool
    }

    /// Makes `child` a point under `placement.parent`, taking its path, value and field name
    /// over; false when the point budget is spent.
    mutating func place(_ child: inout Child, _ placement: Placement) -> Bool {
        // Plain identifiers as keys cannot carry a payload; do not spend points on them.
        if child.kind == .key, LocationPath.isBenignIdentifier(child.value) { return true }
        var fieldName: String? = nil
        swap(&fieldName, &child.fieldName)
        if fieldName == nil, !child.path.isEmpty { fieldName = DecodedRequest.lastKey(in: child.path) }
        if fieldName == nil { fieldName = contexts[placement.parent].fieldName }
        let contentType = child.contentType
        let childDeclared = contentType.flatMap(RequestDecoder.decoderName(forContentType:))
        var path = ""
        swap(&path, &child.path)
        var value: [UInt8] = []
        swap(&value, &child.value)
        let context = DecodeContext(
            source: placement.source, contentType: contentType, fieldName: consume fieldName,
            depth: placement.contextDepth, declared: placement.declared)
        let hints = Point.hints(key: path, after: placement.hints)
        // Each part moved into the point: passed as they were, they were copied (a retain each)
        // and the locals released after.
        return add(
            parent: Int32(placement.parent), segment: consume path, marker: placement.marker, value: consume value,
            kind: child.kind, depth: placement.depth, decoderID: placement.decoderID, hints: hints,
            context: consume context, declared: childDeclared.map { (DecoderName.id(for: $0), .declared) }) != nil
    }
}
