import PalisadeCore

/// Compares discovered traffic with an uploaded OpenAPI 3.x document (DESIGN §4):
/// - **shadow** endpoints: in traffic, not in the spec;
/// - **zombie** endpoints: in the spec but deprecated, or without traffic within a window;
/// - **undocumented parameters**: seen on a documented operation but not in its parameters or
///   request body schema.
///
/// Matching is positional: spec parameter names do not matter (`/users/{userId}` documents
/// learned `/users/{id}`); a spec parameter also documents learned literals at that position
/// (`/users/me`), but a spec literal does not document a learned parameter.
public struct SpecComparison: Sendable, Equatable {
    public struct Shadow: Sendable, Equatable {
        public var endpoint: EndpointKey
        public var requests: Int
        public var lastSeen: Int64
    }

    public struct Zombie: Sendable, Equatable {
        public enum Reason: String, Sendable, Equatable {
            /// `deprecated: true` in the spec (traffic or not: see `requests`).
            case deprecated
            /// No traffic within the window.
            case noTraffic = "no_traffic"
        }
        public var method: String
        public var path: String
        public var reason: Reason
        /// Requests matched within the window.
        public var requests: Int
        public var lastSeen: Int64?
    }

    public struct Undocumented: Sendable, Equatable {
        public var endpoint: EndpointKey
        /// The spec path it was compared with.
        public var specPath: String
        public var location: String
        public var source: ParamSource
        public var requests: Int
    }

    public var shadow: [Shadow] = []
    public var zombies: [Zombie] = []
    public var undocumented: [Undocumented] = []

    /// Headers every client sends or that OpenAPI says not to document (`Accept`,
    /// `Content-Type`, `Authorization`), lowercase; never reported as undocumented.
    public static let ignoredHeaders: Set<String> = [
        "accept", "accept-language", "accept-charset", "user-agent", "authorization", "cookie", "referer", "origin",
        "content-type", "content-encoding", "x-requested-with", "proxy-authorization",
    ]

    /// Compares. `now` and `windowMs` (ms) bound "traffic within the window"; `host` restricts
    /// the discovered endpoints to one host.
    public static func compare(
        spec: JSONValue, endpoints: [DiscoveredEndpoint], host: String? = nil, now: Int64, windowMs: Int64
    ) -> SpecComparison {
        let operations = SpecOperation.all(in: spec)
        let chosen = endpoints.filter { host == nil || $0.key.host == host }
        var result = SpecComparison()
        var matchedRequests = [Int](repeating: 0, count: operations.count)
        var matchedLastSeen = [Int64?](repeating: nil, count: operations.count)
        let since = now - windowMs

        for e in chosen {
            let candidates = operations.indices.filter { operations[$0].matches(e) }
            guard let best = candidates.max(by: { operations[$0].literalCount < operations[$1].literalCount }) else {
                result.shadow.append(Shadow(endpoint: e.key, requests: e.stats.requests, lastSeen: e.stats.lastSeen))
                continue
            }
            if e.stats.lastSeen >= since { matchedRequests[best] += e.stats.requests }
            matchedLastSeen[best] = max(matchedLastSeen[best] ?? .min, e.stats.lastSeen)
            let op = operations[best]
            for p in e.stats.params.values.sorted(by: { $0.location < $1.location }) where !op.documents(p.location) {
                result.undocumented.append(
                    Undocumented(
                        endpoint: e.key, specPath: op.path, location: p.location, source: p.source, requests: p.requests
                    ))
            }
        }
        for (i, op) in operations.enumerated() {
            let recent = (matchedLastSeen[i] ?? .min) >= since
            if op.deprecated {
                result.zombies.append(
                    Zombie(
                        method: op.method, path: op.path, reason: .deprecated, requests: matchedRequests[i],
                        lastSeen: matchedLastSeen[i]))
            } else if !recent {
                result.zombies.append(
                    Zombie(
                        method: op.method, path: op.path, reason: .noTraffic, requests: 0, lastSeen: matchedLastSeen[i])
                )
            }
        }
        result.shadow.sort { $0.endpoint < $1.endpoint }
        result.zombies.sort { ($0.path, $0.method) < ($1.path, $1.method) }
        return result
    }

    /// Parses the spec text (JSON or YAML) and compares.
    public static func compare(
        specText: String, endpoints: [DiscoveredEndpoint], host: String? = nil, now: Int64, windowMs: Int64
    ) throws(SpecError) -> SpecComparison {
        let spec = try SpecDocument.parse(specText)
        guard spec["openapi"]?.stringValue?.hasPrefix("3.") == true else {
            throw SpecError("not an OpenAPI 3.x document (missing or other `openapi` version)")
        }
        return compare(spec: spec, endpoints: endpoints, host: host, now: now, windowMs: windowMs)
    }
}

/// One operation of a spec, reduced to what comparison needs.
struct SpecOperation {
    var method: String
    /// As written in the spec (without the server base path).
    var path: String
    var segments: [TemplateSegment]
    var deprecated: Bool
    /// Documented `in` + name (header names lowercased).
    var parameters: Set<String>
    /// Documented body locations (`body.json.items[].sku`) and prefixes under which anything goes.
    var bodyLocations: Set<String>
    var bodyOpenPrefixes: [String]
    var apiKeyNames: Set<String>

    var literalCount: Int { segments.filter { !$0.isParam }.count }

    static let methods = ["get", "put", "post", "delete", "options", "head", "patch", "trace"]

    static func all(in spec: JSONValue) -> [SpecOperation] {
        var resolver = RefResolver(root: spec)
        let base = basePath(spec)
        var apiKeys: Set<String> = []
        for member in spec["components"]?["securitySchemes"]?.objectMembers ?? [] {
            let scheme = resolver.resolve(member.value)
            if scheme["type"]?.stringValue == "apiKey", let name = scheme["name"]?.stringValue {
                apiKeys.insert(Bytes.lowercased(scheme["in"]?.stringValue ?? "header") + "." + Bytes.lowercased(name))
            }
        }
        var out: [SpecOperation] = []
        for pathMember in spec["paths"]?.objectMembers ?? [] {
            let item = resolver.resolve(pathMember.value)
            let shared = item["parameters"]?.arrayValues ?? []
            for member in item.objectMembers ?? [] where methods.contains(member.key) {
                let operation = resolver.resolve(member.value)
                var params: Set<String> = []
                for p in shared + (operation["parameters"]?.arrayValues ?? []) {
                    let p = resolver.resolve(p)
                    guard let name = p["name"]?.stringValue, let location = p["in"]?.stringValue else { continue }
                    params.insert(location == "header" ? "header." + Bytes.lowercased(name) : location + "." + name)
                }
                var body = BodyLocations()
                if let content = resolver.resolve(operation["requestBody"] ?? .null)["content"]?.objectMembers {
                    for media in content {
                        let decoder =
                            media.key.contains("json")
                            ? "json"
                            : media.key.contains("form-urlencoded")
                                ? "form"
                                : media.key.hasPrefix("multipart/")
                                    ? "multipart" : media.key.contains("xml") ? "xml" : "raw"
                        body.walk(
                            media.value["schema"] ?? .null, prefix: "body." + decoder, resolver: &resolver, depth: 0)
                    }
                }
                out.append(
                    SpecOperation(
                        method: member.key.uppercased(), path: pathMember.key,
                        segments: base + TemplateSegment.parse(pathMember.key),
                        deprecated: operation["deprecated"]?.boolValue == true, parameters: params,
                        bodyLocations: body.locations, bodyOpenPrefixes: body.open, apiKeyNames: apiKeys))
            }
        }
        return out
    }

    /// The path of the first server URL (`https://api.example.com/v1` → `/v1`).
    static func basePath(_ spec: JSONValue) -> [TemplateSegment] {
        guard let url = spec["servers"]?.arrayValues?.first?["url"]?.stringValue else { return [] }
        var rest = Substring(url)
        if let scheme = rest.firstRange(of: "://") {
            rest = rest[scheme.upperBound...]
            guard let slash = rest.firstIndex(of: "/") else { return [] }
            rest = rest[slash...]
        }
        return TemplateSegment.parse(String(rest))
    }

    func matches(_ e: DiscoveredEndpoint) -> Bool {
        guard e.key.method == method, e.segments.count == segments.count else { return false }
        for (learned, documented) in zip(e.segments, segments) {
            switch (learned, documented) {
            case (_, .param): continue
            case (.literal(let a), .literal(let b)) where a == b: continue
            default: return false
            }
        }
        return true
    }

    func documents(_ location: String) -> Bool {
        if let (source, name) = ParamSource.name(of: location) {
            switch source {
            case .header:
                let lower = Bytes.lowercased(name)
                return SpecComparison.ignoredHeaders.contains(lower) || parameters.contains("header." + lower)
                    || apiKeyNames.contains("header." + lower)
            case .cookie:
                return parameters.contains(location) || apiKeyNames.contains("cookie." + Bytes.lowercased(name))
            case .query:
                return parameters.contains(location) || apiKeyNames.contains("query." + Bytes.lowercased(name))
            default: return parameters.contains(location)
            }
        }
        if location.hasPrefix("body") {
            if bodyLocations.contains(location) { return true }
            return bodyOpenPrefixes.contains { location.hasPrefix($0) }
        }
        // Unnamed roots (a whole `query` or `cookie` the decoders left undivided): not judged.
        return true
    }
}

/// Resolves local `$ref`s (`#/components/schemas/Order`) with a hop limit (cycles end there).
struct RefResolver {
    let root: JSONValue

    mutating func resolve(_ value: JSONValue) -> JSONValue {
        var current = value
        for _ in 0..<16 {
            guard let ref = current["$ref"]?.stringValue, ref.hasPrefix("#/") else { return current }
            var target: JSONValue? = root
            for part in ref.dropFirst(2).split(separator: "/") {
                let key = String(part).replacingJSONPointerEscapes()
                target = target?[key]
            }
            guard let next = target else { return current }
            current = next
        }
        return current
    }
}

/// Body locations a request body schema documents.
struct BodyLocations {
    /// Schema nodes visited per request body: recursive `$ref`s (a schema whose properties refer
    /// back to it) would otherwise multiply without bound. Past it, the rest is documented as open.
    static let maxVisits = 20_000
    var locations: Set<String> = []
    var open: [String] = []
    var visits = 0

    mutating func walk(_ schema: JSONValue, prefix: String, resolver: inout RefResolver, depth: Int) {
        visits += 1
        guard depth < 32, visits <= Self.maxVisits else {
            open.append(prefix)
            return
        }
        let s = resolver.resolve(schema)
        locations.insert(prefix)
        for combinator in ["allOf", "oneOf", "anyOf"] {
            for sub in s[combinator]?.arrayValues ?? [] {
                walk(sub, prefix: prefix, resolver: &resolver, depth: depth + 1)
            }
        }
        for member in s["properties"]?.objectMembers ?? [] {
            walk(member.value, prefix: prefix + LocationPath.key(member.key), resolver: &resolver, depth: depth + 1)
        }
        if let items = s["items"] { walk(items, prefix: prefix + "[]", resolver: &resolver, depth: depth + 1) }
        if let additional = s["additionalProperties"], additional != .bool(false) {
            open.append(prefix + ".")
            open.append(prefix + "[\"")
        }
        // A schema with neither properties nor items nor a scalar type documents anything below it.
        if s["properties"] == nil, s["items"] == nil, s["type"] == nil, s["allOf"] == nil, s["oneOf"] == nil,
            s["anyOf"] == nil
        {
            open.append(prefix)
        }
    }
}

extension String {
    /// JSON Pointer unescaping: `~1` → `/`, `~0` → `~`.
    func replacingJSONPointerEscapes() -> String {
        var out = ""
        var iterator = makeIterator()
        while let c = iterator.next() {
            if c == "~" {
                switch iterator.next() {
                case "1": out.append("/")
                case "0": out.append("~")
                case let other?:
                    out.append("~")
                    out.append(other)
                case nil: out.append("~")
                }
            } else {
                out.append(c)
            }
        }
        return out
    }
}
