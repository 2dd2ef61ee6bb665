import PalisadeCore

/// A JSON snapshot of a whole catalog (trees, sketches, stats, overrides, pinned endpoints) so
/// the aggregator can persist its learning (SQLite) and restore it after a restart. Internal
/// state, versioned (`"v": 1`); not a published contract. Values are not in it (only safe path
/// literals, as in observations).
extension EndpointCatalog {
    public static let snapshotVersion = 1

    public func snapshot() -> String { snapshot(trees: true) }

    /// The snapshot without the trees (overrides, pinned endpoints, counters); with
    /// ``treeSnapshot(of:)`` for each host+method this persists a catalog in parts, so a writer
    /// rewrites only the trees that changed. ``init(snapshot:trees:config:)`` reads the parts back.
    public func snapshotHeader() -> String { snapshot(trees: false) }

    /// One host+method's tree (`{"host","method","overflow","root"}`), nil when there is none.
    public func treeSnapshot(of hm: HostMethod) -> String? {
        guard let tree = trees[hm] else { return nil }
        var w = JSONWriter()
        Self.write(hm, tree, to: &w)
        return w.output
    }

    /// Adds or replaces one host+method tree from a part written by ``treeSnapshot(of:)`` (another
    /// aggregator learned it); returns its host+method.
    @discardableResult
    public mutating func replaceTree(part: some Collection<UInt8>) throws(WireError) -> HostMethod {
        let (hm, tree) = try Self.readTree(try Self.parse(part))
        trees[hm] = tree
        return hm
    }

    /// Removes one host+method tree (another aggregator learns it now).
    public mutating func removeTree(_ hm: HostMethod) {
        trees[hm] = nil
    }

    private static func write(_ hm: HostMethod, _ tree: Tree, to w: inout JSONWriter) {
        w.beginObject()
        w.key("host")
        w.string(hm.host)
        w.key("method")
        w.string(hm.method)
        w.key("overflow")
        w.int(tree.overflow)
        w.key("root")
        tree.root.write(to: &w)
        w.endObject()
    }

    private static func readTree(_ t: JSONValue) throws(WireError) -> (HostMethod, Tree) {
        var tree = Tree()
        tree.root = try CatalogNode(wire: t.field("root"), depth: 0)
        tree.overflow = try t.int("overflow")
        tree.nodes = tree.root.nodeCount()
        tree.endpoints = tree.root.endpointCount()
        return (HostMethod(host: try t.string("host"), method: try t.string("method")), tree)
    }

    private func snapshot(trees includeTrees: Bool) -> String {
        var w = JSONWriter()
        w.beginObject()
        w.key("v")
        w.int(Self.snapshotVersion)
        w.key("host_overflow")
        w.int(hostOverflow)
        w.key("overrides")
        w.beginArray()
        for o in overrides {
            w.beginObject()
            w.key("host")
            w.optionalString(o.host)
            w.key("method")
            w.optionalString(o.method)
            w.key("template")
            w.string(o.template)
            w.endObject()
        }
        w.endArray()
        w.key("pinned")
        w.beginArray()
        for (key, stats) in pinned.sorted(by: { $0.key < $1.key }) {
            w.beginObject()
            w.key("endpoint")
            key.write(to: &w)
            w.key("stats")
            stats.write(to: &w)
            w.endObject()
        }
        w.endArray()
        w.key("trees")
        w.beginArray()
        for (hm, tree) in trees.sorted(by: { $0.key < $1.key }) where includeTrees { Self.write(hm, tree, to: &w) }
        w.endArray()
        w.endObject()
        return w.output
    }

    /// Restores a snapshot — a whole one, or a header with the tree parts (a part replaces a tree
    /// of the same host+method in the header); `config` is the current configuration (thresholds
    /// may have changed).
    public init(
        snapshot bytes: some Collection<UInt8>, trees parts: [[UInt8]] = [], config: CatalogConfig = CatalogConfig()
    ) throws(WireError) {
        let v = try Self.parse(bytes)
        let version = try v.int("v")
        guard version == Self.snapshotVersion else { throw WireError("unsupported snapshot version \(version)") }
        self.init(config: config)
        hostOverflow = try v.int("host_overflow")
        for o in try v.array("overrides", max: 100_000) {
            addOverride(
                TemplateOverride(
                    host: try o.optionalString("host"), method: try o.optionalString("method"),
                    template: try o.string("template")))
        }
        for p in try v.array("pinned", max: 1_000_000) {
            pinned[try EndpointKey(wire: p.field("endpoint"))] = try EndpointStats(wire: p.field("stats"))
        }
        for t in try v.array("trees", max: 1_000_000) {
            let (hm, tree) = try Self.readTree(t)
            trees[hm] = tree
        }
        for part in parts {
            let (hm, tree) = try Self.readTree(try Self.parse(part))
            trees[hm] = tree
        }
    }

    private static func parse(_ bytes: some Collection<UInt8>) throws(WireError) -> JSONValue {
        do {
            return try JSONReader(maxDepth: 512).parse(bytes)
        } catch {
            throw WireError("invalid JSON: \(error)")
        }
    }
}

extension CatalogNode {
    func write(to w: inout JSONWriter) {
        w.beginObject()
        w.key("requests")
        w.int(requests)
        w.key("last_seen")
        w.int(Int(lastSeen))
        w.key("folded")
        w.bool(folded)
        w.key("sketch")
        w.beginObject()
        w.key("hashes")
        w.strings(sketch.hashes.sorted().map(EndpointObservation.hex))
        w.key("saturated")
        w.bool(sketch.saturated)
        w.key("first_literal")
        w.optionalString(sketch.firstLiteral)
        w.key("first_hash")
        w.optionalString(sketch.firstHash.map(EndpointObservation.hex))
        w.endObject()
        w.key("endpoint")
        if let endpoint { endpoint.write(to: &w) } else { w.null() }
        w.key("heavy")
        w.beginArray()
        for (literal, h) in heavy.sorted(by: { $0.key < $1.key }) {
            w.beginArray()
            w.string(literal)
            w.int(h.count)
            w.int(h.error)
            w.endArray()
        }
        w.endArray()
        w.key("children")
        w.beginObject()
        for (text, child) in children.sorted(by: { $0.key < $1.key }) {
            w.key(text)
            child.write(to: &w)
        }
        w.endObject()
        w.key("params")
        w.beginObject()
        for (kind, child) in params.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            w.key(kind.rawValue)
            child.write(to: &w)
        }
        w.endObject()
        w.endObject()
    }

    init(wire v: JSONValue, depth: Int) throws(WireError) {
        guard depth <= 128 else { throw WireError("tree deeper than 128") }
        self.init(depth: depth)
        requests = try v.int("requests")
        lastSeen = Int64(try v.int("last_seen"))
        folded = try v.bool("folded")
        let s = try v.field("sketch")
        for h in try s.strings("hashes", max: SegmentSketch.capacity) {
            guard let hash = UInt64(h, radix: 16) else { throw WireError("bad sketch hash") }
            sketch.hashes.insert(hash)
        }
        sketch.saturated = try s.bool("saturated")
        sketch.firstLiteral = try s.optionalString("first_literal")
        if let h = try s.optionalString("first_hash") {
            guard let hash = UInt64(h, radix: 16) else { throw WireError("bad sketch hash") }
            sketch.firstHash = hash
        }
        if let e = v["endpoint"], e != .null { endpoint = try EndpointStats(wire: e) }
        for entry in try v.array("heavy", max: Self.heavyCapacity) {
            guard let parts = entry.arrayValues, parts.count == 3, let literal = parts[0].stringValue,
                case .number(let c) = parts[1], let count = Int(c), case .number(let e) = parts[2], let error = Int(e)
            else { throw WireError("bad heavy hitter") }
            heavy[literal] = HeavyHitter(count: count, error: error)
        }
        guard let children = try v.field("children").objectMembers, let params = try v.field("params").objectMembers
        else {
            throw WireError("`children`/`params` are not objects")
        }
        for m in children { self.children[m.key] = try CatalogNode(wire: m.value, depth: depth + 1) }
        for m in params {
            guard let kind = SegmentKind(rawValue: m.key) else { throw WireError("unknown segment kind") }
            self.params[kind] = try CatalogNode(wire: m.value, depth: depth + 1)
        }
    }
}

extension LengthHistogram {
    func write(to w: inout JSONWriter) {
        w.beginObject()
        w.key("counts")
        w.beginArray()
        for c in counts { w.int(Int(c)) }
        w.endArray()
        w.key("total")
        w.int(total)
        w.key("min")
        w.int(min)
        w.key("max")
        w.int(max)
        w.endObject()
    }

    init(wire v: JSONValue) throws(WireError) {
        self.init()
        let values = try v.array("counts", max: Self.bucketCount)
        guard values.count == Self.bucketCount else { throw WireError("histogram needs \(Self.bucketCount) counts") }
        for (i, value) in values.enumerated() {
            guard case .number(let text) = value, let c = UInt32(text) else { throw WireError("bad histogram count") }
            counts[i] = c
        }
        total = try v.int("total")
        min = try v.int("min")
        max = try v.int("max")
    }
}

extension ParameterStats {
    func write(to w: inout JSONWriter) {
        w.beginObject()
        w.key("location")
        w.string(location)
        w.key("source")
        w.string(source.rawValue)
        w.key("requests")
        w.int(requests)
        w.key("values")
        w.int(values)
        for (key, counts) in [
            ("format_counts", formatCounts), ("charset_counts", charsetCounts), ("type_counts", typeCounts),
        ] {
            w.key(key)
            w.beginArray()
            for c in counts { w.int(Int(c)) }
            w.endArray()
        }
        w.key("charset")
        w.int(Int(charset.rawValue))
        w.key("lengths")
        lengths.write(to: &w)
        w.key("sensitive")
        w.int(Int(sensitive.rawValue))
        w.key("encoded_requests")
        w.int(encodedRequests)
        w.key("encodings")
        w.int(Int(encodings.rawValue))
        w.key("first_seen")
        w.int(Int(firstSeen))
        w.key("last_seen")
        w.int(Int(lastSeen))
        w.endObject()
    }

    init(wire v: JSONValue) throws(WireError) {
        self.init(location: try v.string("location"), source: try v.enumValue("source", as: ParamSource.self))
        requests = try v.int("requests")
        values = try v.int("values")
        formatCounts = try Self.counts(v, "format_counts", formatCounts.count)
        charsetCounts = try Self.counts(v, "charset_counts", charsetCounts.count)
        typeCounts = try Self.counts(v, "type_counts", typeCounts.count)
        charset = CharsetClass(rawValue: UInt8(truncatingIfNeeded: try v.int("charset")))
        lengths = try LengthHistogram(wire: v.field("lengths"))
        sensitive = SensitiveSet(rawValue: UInt8(truncatingIfNeeded: try v.int("sensitive")))
        encodedRequests = try v.int("encoded_requests")
        encodings = EncodingSet(rawValue: UInt16(truncatingIfNeeded: try v.int("encodings")))
        firstSeen = Int64(try v.int("first_seen"))
        lastSeen = Int64(try v.int("last_seen"))
    }

    static func counts(_ v: JSONValue, _ key: String, _ n: Int) throws(WireError) -> [UInt32] {
        let values = try v.array(key, max: n)
        guard values.count == n else { throw WireError("`\(key)` needs \(n) counts") }
        var out: [UInt32] = []
        for value in values {
            guard case .number(let text) = value, let c = UInt32(text) else { throw WireError("bad count in `\(key)`") }
            out.append(c)
        }
        return out
    }
}

extension EndpointStats {
    func write(to w: inout JSONWriter) {
        w.beginObject()
        w.key("max_params")
        w.int(maxParams)
        w.key("max_content_types")
        w.int(maxContentTypes)
        w.key("requests")
        w.int(requests)
        w.key("first_seen")
        w.int(Int(firstSeen))
        w.key("last_seen")
        w.int(Int(lastSeen))
        w.key("status_counts")
        w.beginObject()
        for (code, count) in statusCounts.sorted(by: { $0.key < $1.key }) {
            w.key(String(code))
            w.int(count)
        }
        w.endObject()
        w.key("auth_counts")
        w.beginArray()
        for c in authCounts { w.int(c) }
        w.endArray()
        w.key("content_types")
        w.beginObject()
        for (ct, count) in contentTypes.sorted(by: { $0.key < $1.key }) {
            w.key(ct)
            w.int(count)
        }
        w.endObject()
        w.key("other_content_types")
        w.int(otherContentTypes)
        w.key("body_bytes")
        bodyBytes.write(to: &w)
        w.key("segment_stats")
        w.beginArray()
        for s in segmentStats { s.write(to: &w) }
        w.endArray()
        w.key("params")
        w.beginArray()
        for p in params.values.sorted(by: { $0.location < $1.location }) { p.write(to: &w) }
        w.endArray()
        w.key("dropped_params")
        w.int(droppedParams)
        w.endObject()
    }

    init(wire v: JSONValue) throws(WireError) {
        self.init(maxParams: try v.int("max_params"), maxContentTypes: try v.int("max_content_types"))
        requests = try v.int("requests")
        firstSeen = Int64(try v.int("first_seen"))
        lastSeen = Int64(try v.int("last_seen"))
        for m in try v.field("status_counts").objectMembers ?? [] {
            guard let code = Int(m.key), case .number(let text) = m.value, let count = Int(text) else {
                throw WireError("bad status count")
            }
            statusCounts[code] = count
        }
        let auth = try v.array("auth_counts", max: authCounts.count)
        guard auth.count == authCounts.count else { throw WireError("`auth_counts` needs \(authCounts.count) counts") }
        for (i, value) in auth.enumerated() {
            guard case .number(let text) = value, let c = Int(text) else { throw WireError("bad auth count") }
            authCounts[i] = c
        }
        for m in try v.field("content_types").objectMembers ?? [] {
            guard case .number(let text) = m.value, let count = Int(text) else {
                throw WireError("bad content type count")
            }
            contentTypes[m.key] = count
        }
        otherContentTypes = try v.int("other_content_types")
        bodyBytes = try LengthHistogram(wire: v.field("body_bytes"))
        for s in try v.array("segment_stats", max: 256) { segmentStats.append(try ParameterStats(wire: s)) }
        for p in try v.array("params", max: 100_000) {
            let stats = try ParameterStats(wire: p)
            params[stats.location] = stats
        }
        droppedParams = try v.int("dropped_params")
    }
}
