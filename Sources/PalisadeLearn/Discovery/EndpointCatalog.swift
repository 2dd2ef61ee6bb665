import PalisadeCore

/// An endpoint as discovered: its learned template and its statistics.
public struct DiscoveredEndpoint: Sendable {
    public var key: EndpointKey
    public var segments: [TemplateSegment]
    public var stats: EndpointStats
    /// Came from an operator override rather than learning.
    public var pinned: Bool

    public init(key: EndpointKey, segments: [TemplateSegment], stats: EndpointStats, pinned: Bool) {
        self.key = key
        self.segments = segments
        self.stats = stats
        self.pinned = pinned
    }
}

/// An operator's template override: requests matching it are counted under it, before learning.
/// A template with parameters *pins* a grouping (`/tenants/{tenant}/items`); a literal template
/// *splits* one out of a learned parameter (`/users/admin` next to `/users/{param}`).
public struct TemplateOverride: Sendable, Hashable {
    /// Nil matches every host.
    public var host: String?
    /// Nil matches every method.
    public var method: String?
    public var template: String
    public var segments: [TemplateSegment]

    public init(host: String? = nil, method: String? = nil, template: String) {
        self.host = host.map(Bytes.lowercased)
        self.method = method.map { $0.uppercased() }
        self.segments = TemplateSegment.parse(template)
        self.template = TemplateSegment.render(segments)
    }

    func matches(host: String, method: String, segments observed: [PathSegmentObservation]) -> Bool {
        if let h = self.host, h != host { return false }
        if let m = self.method, m != method { return false }
        guard observed.count == segments.count else { return false }
        for (pattern, segment) in zip(segments, observed) {
            if case .literal(let text) = pattern, segment.literal != text { return false }
        }
        return true
    }

    /// More literal segments, earlier, wins.
    var specificity: [Bool] { segments.map { !$0.isParam } }
}

/// What happened to an observation in the catalog.
public enum CatalogOutcome: Sendable, Equatable {
    /// Learned under this (current) template.
    case learned(EndpointKey)
    /// Counted under an operator override.
    case pinned(EndpointKey)
    /// Not kept: the host+method reached its endpoint/node cap, or too many host+methods.
    case overflow
}

/// API discovery: per host+method, a tree of path positions learned from observations
/// (docs/LEARNING.md, "Discovery"), with each endpoint's stats at its leaf. A value type: the
/// aggregator owns one per partition set, and two catalogs merge.
public struct EndpointCatalog: Sendable, Equatable {
    public struct HostMethod: Sendable, Hashable, Comparable {
        public var host: String
        public var method: String
        public init(host: String, method: String) {
            self.host = host
            self.method = method
        }
        public static func < (a: HostMethod, b: HostMethod) -> Bool { (a.host, a.method) < (b.host, b.method) }
    }

    struct Tree: Sendable, Equatable {
        var root = CatalogNode()
        var nodes = 1
        var endpoints = 0
        var overflow = 0
    }

    public var config: CatalogConfig
    public internal(set) var overrides: [TemplateOverride] = []
    var trees: [HostMethod: Tree] = [:]
    var pinned: [EndpointKey: EndpointStats] = [:]
    /// Observations for host+method pairs beyond `maxHostMethods`.
    public internal(set) var hostOverflow = 0

    public init(config: CatalogConfig = CatalogConfig()) {
        self.config = config
    }

    // MARK: Overrides

    public mutating func addOverride(_ override: TemplateOverride) {
        overrides.removeAll {
            $0.host == override.host && $0.method == override.method && $0.template == override.template
        }
        overrides.append(override)
        overrides.sort { $0.specificity.lexicographicallyPrecedes($1.specificity) { $0 && !$1 } }
    }

    public mutating func removeOverride(host: String? = nil, method: String? = nil, template: String) {
        let t = TemplateSegment.render(TemplateSegment.parse(template))
        overrides.removeAll {
            $0.host == host.map(Bytes.lowercased) && $0.method == method.map { $0.uppercased() } && $0.template == t
        }
    }

    func override(for observation: EndpointObservation) -> TemplateOverride? {
        let key = observation.endpoint
        return overrides.first { $0.matches(host: key.host, method: key.method, segments: observation.segments) }
    }

    // MARK: Learning

    @discardableResult
    public mutating func learn(_ observation: EndpointObservation) -> CatalogOutcome {
        let hm = HostMethod(host: observation.endpoint.host, method: observation.endpoint.method)
        if let o = override(for: observation) {
            let key = EndpointKey(host: hm.host, method: hm.method, template: o.template)
            pinned[key, default: EndpointStats(maxParams: config.maxParamsPerEndpoint)].add(observation)
            return .pinned(key)
        }
        if trees[hm] == nil {
            guard trees.count < config.maxHostMethods else {
                hostOverflow += 1
                return .overflow
            }
            trees[hm] = Tree()
        }
        guard observation.segments.count <= config.maxSegments else {
            trees[hm]!.overflow += 1
            return .overflow
        }
        let segments = observation.segments[...]
        let probe = trees[hm]!.root.probe(segments)
        if !probe.existing {
            let tree = trees[hm]!
            if tree.endpoints >= config.maxEndpointsPerHostMethod
                || tree.nodes + probe.newNodes > config.maxNodesPerHostMethod
            {
                trees[hm]!.overflow += 1
                return .overflow
            }
        }
        var didFold = false
        trees[hm]!.root.insert(segments, observation, config: config, didFold: &didFold)
        if didFold {
            trees[hm]!.nodes = trees[hm]!.root.nodeCount()
            trees[hm]!.endpoints = trees[hm]!.root.endpointCount()
        } else {
            trees[hm]!.nodes += probe.newNodes
            if !probe.existing { trees[hm]!.endpoints += 1 }
        }
        return .learned(
            template(host: hm.host, method: hm.method, segments: observation.segments) ?? observation.endpoint)
    }

    /// Combines another catalog (another aggregator's partial view) into this one.
    public mutating func merge(_ other: EndpointCatalog) {
        for o in other.overrides where !overrides.contains(o) { addOverride(o) }
        for (key, stats) in other.pinned.sorted(by: { $0.key < $1.key }) {
            pinned[key, default: EndpointStats(maxParams: config.maxParamsPerEndpoint)].merge(stats)
        }
        hostOverflow += other.hostOverflow
        for (hm, tree) in other.trees.sorted(by: { $0.key < $1.key }) {
            if trees[hm] == nil {
                guard trees.count < config.maxHostMethods else {
                    hostOverflow += tree.root.requests
                    continue
                }
                trees[hm] = Tree()
            }
            trees[hm]!.root.merge(tree.root, config: config)
            trees[hm]!.overflow += tree.overflow
            trees[hm]!.nodes = trees[hm]!.root.nodeCount()
            trees[hm]!.endpoints = trees[hm]!.root.endpointCount()
        }
    }

    // MARK: Reading

    public var hostMethods: [HostMethod] { trees.keys.sorted() }

    /// Endpoints of a host+method (or all), learned and pinned, sorted by template.
    public func endpoints(host: String? = nil, method: String? = nil) -> [DiscoveredEndpoint] {
        var out: [DiscoveredEndpoint] = []
        for (hm, tree) in trees.sorted(by: { $0.key < $1.key }) {
            if let host, hm.host != host { continue }
            if let method, hm.method != method { continue }
            var path: [TemplateSegment] = []
            var names = PlaceholderNames()
            collect(tree.root, hm: hm, path: &path, names: &names, into: &out)
        }
        for (key, stats) in pinned.sorted(by: { $0.key < $1.key }) {
            if let host, key.host != host { continue }
            if let method, key.method != method { continue }
            out.append(
                DiscoveredEndpoint(key: key, segments: TemplateSegment.parse(key.template), stats: stats, pinned: true))
        }
        return out.sorted { $0.key < $1.key }
    }

    private func collect(
        _ node: CatalogNode, hm: HostMethod, path: inout [TemplateSegment], names: inout PlaceholderNames,
        into out: inout [DiscoveredEndpoint]
    ) {
        if let stats = node.endpoint {
            out.append(
                DiscoveredEndpoint(
                    key: EndpointKey(host: hm.host, method: hm.method, template: TemplateSegment.render(path)),
                    segments: path, stats: stats, pinned: false))
        }
        for (text, child) in node.children.sorted(by: { $0.key < $1.key }) {
            path.append(.literal(text))
            collect(child, hm: hm, path: &path, names: &names, into: &out)
            path.removeLast()
        }
        for (kind, child) in node.params.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            var branchNames = names
            path.append(segment(for: child, kind: kind, names: &branchNames))
            collect(child, hm: hm, path: &path, names: &branchNames, into: &out)
            path.removeLast()
        }
    }

    /// A parameter position's rendering: a stable single number becomes a literal.
    private func segment(for node: CatalogNode, kind: SegmentKind, names: inout PlaceholderNames) -> TemplateSegment {
        if kind == .number, node.requests >= config.numericLiteralMinSamples, let literal = node.sketch.singleLiteral {
            return .literal(literal)
        }
        return .param(name: names.next(kind.placeholderName), kind: kind)
    }

    /// The current learned template for a path, or nil when the path is unknown.
    public func template(host: String, method: String, segments: [PathSegmentObservation]) -> EndpointKey? {
        guard let tree = trees[HostMethod(host: host, method: method)] else { return nil }
        var node = tree.root
        var path: [TemplateSegment] = []
        var names = PlaceholderNames()
        for segment in segments {
            let route = node.route(segment)
            guard let next = node.child(route) else { return nil }
            switch route {
            case .literal(let text): path.append(.literal(text))
            case .param(let kind): path.append(self.segment(for: next, kind: kind, names: &names))
            }
            node = next
        }
        guard node.endpoint != nil else { return nil }
        return EndpointKey(host: host, method: method, template: TemplateSegment.render(path))
    }

    /// The endpoint an observation belongs to now (override first, then the learned tree).
    public func endpoint(for observation: EndpointObservation) -> EndpointKey? {
        if let o = override(for: observation) {
            return EndpointKey(
                host: observation.endpoint.host, method: observation.endpoint.method, template: o.template)
        }
        return template(
            host: observation.endpoint.host, method: observation.endpoint.method, segments: observation.segments)
    }

    // MARK: Bounds

    /// Endpoints learned for a host+method.
    public func endpointCount(host: String, method: String) -> Int {
        trees[HostMethod(host: host, method: method)]?.endpoints ?? 0
    }
    /// Tree nodes for a host+method.
    public func nodeCount(host: String, method: String) -> Int {
        trees[HostMethod(host: host, method: method)]?.nodes ?? 0
    }
    /// Observations refused for a host+method by the caps (the overflow bucket).
    public func overflowCount(host: String, method: String) -> Int {
        trees[HostMethod(host: host, method: method)]?.overflow ?? 0
    }
    public var totalOverflow: Int { trees.values.reduce(hostOverflow) { $0 + $1.overflow } }
}
