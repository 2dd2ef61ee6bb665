import PalisadeCore

/// Finds the learned template of an incoming path (workers need it to find the baseline).
/// Per host+method a trie of template segments; literal segments win over parameters, position
/// by position, with backtracking (`/users/me` before `/users/{id}`). Parameters match any
/// non-empty segment: the scorer judges its shape.
public struct TemplateMatcher: Sendable {
    struct Node: Sendable {
        var literals: [String: Node] = [:]
        /// Zero or one child (an array keeps the recursive value type simple).
        var param: [Node] = []
        var key: EndpointKey?
    }

    private var roots: [EndpointCatalog.HostMethod: Node] = [:]
    /// Templates registered for any host (host ""), consulted when the host has none.
    public private(set) var count = 0

    public init() {}

    public init<S: Sequence>(templates: S) where S.Element == EndpointKey {
        for key in templates { insert(key) }
    }

    public mutating func insert(_ key: EndpointKey) {
        let hm = EndpointCatalog.HostMethod(host: key.host, method: key.method)
        var root = roots[hm] ?? Node()
        Self.insert(TemplateSegment.parse(key.template)[...], key: key, into: &root, added: &count)
        roots[hm] = root
    }

    private static func insert(
        _ segments: ArraySlice<TemplateSegment>, key: EndpointKey, into node: inout Node, added: inout Int
    ) {
        guard let first = segments.first else {
            if node.key == nil { added += 1 }
            node.key = key
            return
        }
        switch first {
        case .literal(let text):
            insert(segments.dropFirst(), key: key, into: &node.literals[text, default: Node()], added: &added)
        case .param:
            if node.param.isEmpty { node.param.append(Node()) }
            insert(segments.dropFirst(), key: key, into: &node.param[0], added: &added)
        }
    }

    /// The template matching a path (query ignored), or nil.
    public func match(host: String, method: String, path: Substring) -> EndpointKey? {
        guard let root = roots[EndpointCatalog.HostMethod(host: host, method: method)] else { return nil }
        let end = path.firstIndex(where: { $0 == "?" || $0 == "#" }) ?? path.endIndex
        let segments = path[..<end].split(separator: "/")
        return Self.match(segments[...], root)
    }

    public func match(_ record: CaptureRecord) -> EndpointKey? {
        let key = EndpointKey.normalized(
            host: record.host ?? record.header("host"), method: record.method, template: "")
        return match(host: key.host, method: key.method, path: record.path)
    }

    private static func match(_ segments: ArraySlice<Substring>, _ node: Node) -> EndpointKey? {
        guard let first = segments.first else { return node.key }
        if let next = node.literals[String(first)], let key = match(segments.dropFirst(), next) { return key }
        if let next = node.param.first { return match(segments.dropFirst(), next) }
        return nil
    }
}

/// A worker's view of `palisade.baselines`: the newest version per endpoint, and a matcher to
/// find the baseline of a request.
public struct BaselineSet: Sendable {
    public private(set) var baselines: [EndpointKey: EndpointBaseline] = [:]
    public private(set) var matcher = TemplateMatcher()

    public init() {}

    /// Applies a published baseline; older or equal versions are ignored. Returns whether it applied.
    @discardableResult
    public mutating func apply(_ baseline: EndpointBaseline) -> Bool {
        if let current = baselines[baseline.endpoint], current.version >= baseline.version { return false }
        let isNew = baselines[baseline.endpoint] == nil
        baselines[baseline.endpoint] = baseline
        if isNew { matcher.insert(baseline.endpoint) }
        return true
    }

    /// A tombstone on the compacted topic: the endpoint is gone.
    public mutating func remove(_ key: EndpointKey) {
        guard baselines.removeValue(forKey: key) != nil else { return }
        matcher = TemplateMatcher(templates: baselines.keys.sorted())
    }

    public func baseline(for record: CaptureRecord) -> EndpointBaseline? {
        matcher.match(record).flatMap { baselines[$0] }
    }

    public func baseline(host: String, method: String, path: Substring) -> EndpointBaseline? {
        matcher.match(host: host, method: method, path: path).flatMap { baselines[$0] }
    }
}
