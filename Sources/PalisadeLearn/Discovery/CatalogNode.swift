/// A node of a host+method's path tree: one path position below its parent. Literal children
/// by text; identifier children by kind (`{id}`, `{uuid}`, …, and `{param}` once the literal
/// children were folded for their cardinality); the stats of the endpoint ending here.
struct CatalogNode: Sendable, Equatable {
    /// Path position of this node's children (0: the first segment).
    var depth = 0
    var requests = 0
    var lastSeen: Int64 = .min
    var children: [String: CatalogNode] = [:]
    var params: [SegmentKind: CatalogNode] = [:]
    /// Literal children were folded into `params[.param]`; unknown literals go there too.
    var folded = false
    /// Values that reached this node as a parameter position.
    var sketch = SegmentSketch()
    var endpoint: EndpointStats?
    /// Once folded: heavy hitters among the literals sent to `{param}` (space-saving, capped), so
    /// a real resource name first seen after the fold is promoted to a literal child.
    var heavy: [String: HeavyHitter] = [:]
    static let heavyCapacity = 16

    struct HeavyHitter: Sendable, Equatable {
        var count: Int
        var error: Int
    }

    enum Route: Hashable {
        case literal(String)
        case param(SegmentKind)
    }

    /// Where a segment goes from this node (read-only; the same rule `insert` follows).
    func route(_ segment: PathSegmentObservation) -> Route {
        guard segment.kind == .literal else { return .param(segment.kind) }
        guard let literal = segment.literal else { return .param(.param) }
        if children[literal] != nil { return .literal(literal) }
        return folded ? .param(.param) : .literal(literal)
    }

    func child(_ route: Route) -> CatalogNode? {
        switch route {
        case .literal(let text): children[text]
        case .param(let kind): params[kind]
        }
    }

    /// Nodes this observation would add, and whether its endpoint already exists.
    func probe(_ segments: ArraySlice<PathSegmentObservation>) -> (newNodes: Int, existing: Bool) {
        guard let first = segments.first else { return (0, endpoint != nil) }
        guard let next = child(route(first)) else { return (segments.count, false) }
        return next.probe(segments.dropFirst())
    }

    mutating func insert(
        _ segments: ArraySlice<PathSegmentObservation>, _ observation: EndpointObservation, config: CatalogConfig,
        didFold: inout Bool
    ) {
        requests += 1
        lastSeen = max(lastSeen, observation.ts)
        guard let first = segments.first else {
            if endpoint == nil { endpoint = EndpointStats(maxParams: config.maxParamsPerEndpoint) }
            endpoint!.add(observation)
            return
        }
        switch route(first) {
        case .literal(let text):
            children[text, default: CatalogNode(depth: depth + 1)].insert(
                segments.dropFirst(), observation, config: config, didFold: &didFold)
        case .param(let kind):
            if kind == .param, let literal = first.literal, promote(literal, config: config) {
                children[literal, default: CatalogNode(depth: depth + 1)].insert(
                    segments.dropFirst(), observation, config: config, didFold: &didFold)
                didFold = true  // the tree changed shape: recount
                return
            }
            params[kind, default: CatalogNode(depth: depth + 1)].sketch.add(hash: first.hash, literal: first.literal)
            params[kind]!.insert(segments.dropFirst(), observation, config: config, didFold: &didFold)
        }
        if !folded {
            foldIfNeeded(config)
            if folded { didFold = true }
        }
    }

    /// Folds the literal children into `{param}` when there are too many of them for real
    /// resource names; stable ones (a large share of the traffic) stay literal.
    mutating func foldIfNeeded(_ config: CatalogConfig) {
        guard !folded else { return }
        let count = children.count
        guard count > config.cardinalityThreshold || count >= config.maxLiteralChildren else { return }
        var singletons = 0
        for child in children.values where child.requests == 1 { singletons += 1 }
        // Values (slugs, names) have a long tail of one-off requests; resource names repeat.
        let overCardinality =
            requests >= config.cardinalityMinSamples && depth >= config.foldMinDepth
            && Double(singletons) >= config.foldMinSingletonShare * Double(count)
        guard overCardinality || count >= config.maxLiteralChildren else { return }
        var total = 0
        for child in children.values { total += child.requests }
        let mean = Double(total) / Double(max(count, 1))
        var target = params[.param] ?? CatalogNode(depth: depth + 1)
        for (text, child) in children.sorted(by: { $0.key < $1.key }) {
            let share = Double(child.requests) / Double(max(total, 1))
            let stable =
                child.requests >= config.stableMinCount && share >= config.stableMinShare
                && Double(child.requests) >= config.stableMeanFactor * mean
            if stable { continue }
            var absorbed = child
            absorbed.sketch = SegmentSketch()
            let hash = FNV1a.hash(Array(text.utf8))
            target.sketch.add(hash: hash, literal: text)
            target.merge(absorbed, config: config)
            children[text] = nil
        }
        params[.param] = target
        folded = true
    }

    /// Counts a literal that went to `{param}`; true when it is now stable enough to be its own
    /// literal child (the traffic before stays in `{param}`). Space-saving: a newcomer replaces
    /// the smallest counter and inherits its count as possible error; decisions use the
    /// guaranteed count (count − error), so a stream of one-off values never promotes.
    mutating func promote(_ literal: String, config: CatalogConfig) -> Bool {
        if let entry = heavy[literal] {
            heavy[literal] = HeavyHitter(count: entry.count + 1, error: entry.error)
        } else if heavy.count < Self.heavyCapacity {
            heavy[literal] = HeavyHitter(count: 1, error: 0)
        } else if let (victim, entry) = heavy.min(by: {
            $0.value.count < $1.value.count || ($0.value.count == $1.value.count && $0.key < $1.key)
        }) {
            heavy[victim] = nil
            heavy[literal] = HeavyHitter(count: entry.count + 1, error: entry.count)
        }
        guard let entry = heavy[literal], let folded = params[.param] else { return false }
        let count = entry.count - entry.error
        guard count >= 2 * config.stableMinCount else { return false }
        let total = max(folded.requests, 1)
        let mean = Double(total) / Double(max(folded.sketch.distinct, 1))
        guard Double(count) / Double(total) >= config.stableMinShare, Double(count) >= config.stableMeanFactor * mean
        else { return false }
        heavy[literal] = nil
        return true
    }

    /// Merges another subtree into this one (folding and catalog merge).
    mutating func merge(_ other: CatalogNode, config: CatalogConfig) {
        requests += other.requests
        lastSeen = max(lastSeen, other.lastSeen)
        sketch.merge(other.sketch)
        if let stats = other.endpoint {
            if endpoint == nil { endpoint = EndpointStats(maxParams: config.maxParamsPerEndpoint) }
            endpoint!.merge(stats)
        }
        for (kind, child) in other.params.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            params[kind, default: CatalogNode(depth: depth + 1)].merge(child, config: config)
        }
        if other.folded, !folded {
            // Literal children that are not stable here follow the other side's fold.
            foldIfNeeded(CatalogConfig(forcingFoldFrom: config))
        }
        for (text, child) in other.children.sorted(by: { $0.key < $1.key }) {
            if children[text] == nil, folded {
                var absorbed = child
                absorbed.sketch = SegmentSketch()
                params[.param, default: CatalogNode(depth: depth + 1)].sketch.add(
                    hash: FNV1a.hash(Array(text.utf8)), literal: text)
                params[.param]!.merge(absorbed, config: config)
            } else {
                children[text, default: CatalogNode(depth: depth + 1)].merge(child, config: config)
            }
        }
        foldIfNeeded(config)
    }

    /// Nodes in this subtree, itself included.
    func nodeCount() -> Int {
        var n = 1
        for child in children.values { n += child.nodeCount() }
        for child in params.values { n += child.nodeCount() }
        return n
    }

    /// Endpoints in this subtree.
    func endpointCount() -> Int {
        var n = endpoint == nil ? 0 : 1
        for child in children.values { n += child.endpointCount() }
        for child in params.values { n += child.endpointCount() }
        return n
    }
}

extension CatalogConfig {
    /// The same thresholds, but folding as soon as asked (merging into a folded position).
    init(forcingFoldFrom config: CatalogConfig) {
        self = config
        self.maxLiteralChildren = 0
    }
}
