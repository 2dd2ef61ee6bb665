import PalisadeCore

/// Exports discovered endpoints as an OpenAPI 3.1 document: paths and operations, parameters
/// (path/query/header/cookie) with schemas from the learned formats, request bodies inferred from
/// JSON and form locations, observed responses, and security schemes from the auth schemes seen.
/// Observed figures go in `x-palisade` extensions. Values are never exported.
public struct OpenAPIExporter: Sendable {
    public struct Options: Sendable {
        public var title = "Discovered API"
        public var version = "1.0.0"
        /// Endpoints with fewer requests are left out.
        public var minRequests = 1
        /// Presence at or above which a parameter is `required`.
        public var requiredPresence = 0.99
        /// Adds `x-palisade` (requests, first/last seen, sensitive kinds) to operations.
        public var extensions = true

        public init() {}
    }

    public var options: Options

    public init(options: Options = Options()) {
        self.options = options
    }

    /// The document for one host (or every host, with a server entry each).
    public func document(_ endpoints: [DiscoveredEndpoint], host: String? = nil) -> JSONValue {
        // Across hosts, the same method and template is one operation (stats merged).
        var chosen: [DiscoveredEndpoint] = []
        var seen: [String: Int] = [:]
        var allHosts: Set<String> = []
        for e in endpoints where host == nil || e.key.host == host {
            let key = e.key.method + " " + e.key.template
            if let i = seen[key] {
                chosen[i].stats.merge(e.stats)
            } else {
                seen[key] = chosen.count
                chosen.append(e)
            }
        }
        chosen.removeAll { $0.stats.requests < options.minRequests }
        for e in chosen { allHosts.insert(e.key.host) }
        for e in endpoints where (host == nil || e.key.host == host) && e.stats.requests >= options.minRequests {
            allHosts.insert(e.key.host)
        }
        var paths: [(String, [(String, JSONValue)])] = []
        var schemes = AuthSchemeSet()
        var operationIDs = PlaceholderNames()
        for e in chosen.sorted(by: {
            ($0.key.template, Self.methodOrder($0.key.method)) < ($1.key.template, Self.methodOrder($1.key.method))
        }) {
            schemes.formUnion(e.stats.authSchemes)
            let op = operation(e, id: operationIDs.next(Self.operationID(e.key)))
            if let i = paths.firstIndex(where: { $0.0 == e.key.template }) {
                paths[i].1.append((Bytes.lowercased(e.key.method), op))
            } else {
                paths.append((e.key.template, [(Bytes.lowercased(e.key.method), op)]))
            }
        }
        let hosts = host.map { [$0] } ?? allHosts.sorted()
        var doc: [(String, JSONValue)] = [
            ("openapi", .string("3.1.0")),
            ("info", .obj([("title", .string(options.title)), ("version", .string(options.version))])),
        ]
        let servers = hosts.filter { !$0.isEmpty }.map { JSONValue.obj([("url", .string("https://" + $0))]) }
        if !servers.isEmpty { doc.append(("servers", .array(servers))) }
        doc.append(("paths", .obj(paths.map { ($0.0, JSONValue.obj($0.1)) })))
        let securitySchemes = schemes.schemes.compactMap { s in Self.securityScheme(s).map { ($0.name, $0.scheme) } }
        if !securitySchemes.isEmpty {
            doc.append(("components", .obj([("securitySchemes", .obj(securitySchemes))])))
        }
        return .obj(doc)
    }

    public func json(_ endpoints: [DiscoveredEndpoint], host: String? = nil) -> String {
        document(endpoints, host: host).jsonText()
    }

    public func yaml(_ endpoints: [DiscoveredEndpoint], host: String? = nil) -> String {
        YAMLEmitter.emit(document(endpoints, host: host))
    }

    // MARK: Operations

    func operation(_ e: DiscoveredEndpoint, id: String) -> JSONValue {
        let stats = e.stats
        var op: [(String, JSONValue)] = [("operationId", .string(id))]
        var parameters: [JSONValue] = []
        for (i, segment) in e.segments.enumerated() {
            guard case .param(let name, _) = segment else { continue }
            let schema =
                i < stats.segmentStats.count ? Self.schema(stats.segmentStats[i]) : .obj([("type", .string("string"))])
            parameters.append(
                .obj([("name", .string(name)), ("in", .string("path")), ("required", .bool(true)), ("schema", schema)]))
        }
        var bodyParams: [ParameterStats] = []
        for p in stats.params.values.sorted(by: { $0.location < $1.location }) {
            if p.source == .body {
                bodyParams.append(p)
                continue
            }
            guard let (source, name) = ParamSource.name(of: p.location) else { continue }
            let presence = stats.requests > 0 ? Double(p.requests) / Double(stats.requests) : 0
            parameters.append(
                .obj([
                    ("name", .string(name)), ("in", .string(source.rawValue)),
                    ("required", .bool(presence >= options.requiredPresence)), ("schema", Self.schema(p)),
                ]))
        }
        if !parameters.isEmpty { op.append(("parameters", .array(parameters))) }
        if let body = requestBody(bodyParams, stats: stats) { op.append(("requestBody", body)) }
        var responses: [(String, JSONValue)] = []
        for (code, count) in stats.statusCounts.sorted(by: { $0.key < $1.key }) {
            let key = code == 0 ? "default" : String(code)
            responses.append((key, .obj([("description", .string("Observed \(count) times"))])))
        }
        if responses.isEmpty { responses = [("default", .obj([("description", .string("Not observed"))]))] }
        op.append(("responses", .obj(responses)))
        let authSchemes = stats.authSchemes.schemes
        let named = authSchemes.compactMap { Self.securityScheme($0)?.name }
        if !named.isEmpty {
            var security = named.map { JSONValue.obj([($0, .array([]))]) }
            if authSchemes.contains(.none) { security.append(JSONValue.object([JSONMember]())) }
            op.append(("security", .array(security)))
        }
        if options.extensions {
            var ext: [(String, JSONValue)] = [("requests", .int(stats.requests))]
            if stats.requests > 0 {
                ext.append(("firstSeen", .number(String(stats.firstSeen))))
                ext.append(("lastSeen", .number(String(stats.lastSeen))))
            }
            let sensitive = stats.sensitiveKinds.kinds.map(\.rawValue)
            if !sensitive.isEmpty { ext.append(("sensitive", .strings(sensitive))) }
            if e.pinned { ext.append(("pinned", .bool(true))) }
            op.append(("x-palisade", .obj(ext)))
        }
        return .obj(op)
    }

    func requestBody(_ params: [ParameterStats], stats: EndpointStats) -> JSONValue? {
        guard !params.isEmpty else { return nil }
        // Group by the decoder step: body.json… → application/json, body.form… → form.
        var trees: [(String, SchemaTree)] = []
        for p in params {
            let rest = p.location.dropFirst(4)  // "body"
            guard let components = LocationComponent.parse(rest), case .key(let decoder)? = components.first else {
                continue
            }
            let mediaType = Self.mediaType(decoder: decoder, stats: stats)
            if let i = trees.firstIndex(where: { $0.0 == mediaType }) {
                trees[i].1.insert(components.dropFirst(), p)
            } else {
                var tree = SchemaTree()
                tree.insert(components.dropFirst(), p)
                trees.append((mediaType, tree))
            }
        }
        guard !trees.isEmpty else { return nil }
        let content = trees.map {
            (
                $0.0,
                JSONValue.obj([
                    (
                        "schema",
                        $0.1.schema(requests: stats.requests, requiredPresence: options.requiredPresence, top: true)
                    )
                ])
            )
        }
        return .obj([("content", .obj(content))])
    }

    static func mediaType(decoder: String, stats: EndpointStats) -> String {
        let declared = stats.contentTypes.sorted { $0.value > $1.value }.map(\.key)
        let wanted: (String) -> Bool
        switch decoder {
        case "json": wanted = { $0.contains("json") }
        case "form": wanted = { $0 == "application/x-www-form-urlencoded" }
        case "multipart": wanted = { $0.hasPrefix("multipart/") }
        case "xml": wanted = { $0.contains("xml") }
        default: wanted = { _ in true }
        }
        if let match = declared.first(where: wanted) { return match }
        switch decoder {
        case "json": return "application/json"
        case "form": return "application/x-www-form-urlencoded"
        case "multipart": return "multipart/form-data"
        case "xml": return "application/xml"
        default: return "application/octet-stream"
        }
    }

    /// A parameter's schema from its dominant format and type.
    static func schema(_ p: ParameterStats) -> JSONValue {
        let format = p.formatFrequencies.first?.format ?? .word
        switch p.dominantType {
        case .boolean: return .obj([("type", .string("boolean"))])
        case .null: return .obj([("type", .string("null"))])
        case .number: return .obj([("type", .string(format == .integer ? "integer" : "number"))])
        case .binary:
            return .obj([("type", .string("string")), ("contentMediaType", .string("application/octet-stream"))])
        case .string: break
        }
        switch format {
        case .integer: return .obj([("type", .string("integer"))])
        case .decimal: return .obj([("type", .string("number"))])
        case .boolean: return .obj([("type", .string("boolean"))])
        case .uuid: return .obj([("type", .string("string")), ("format", .string("uuid"))])
        case .date: return .obj([("type", .string("string")), ("format", .string("date"))])
        case .datetime: return .obj([("type", .string("string")), ("format", .string("date-time"))])
        case .email: return .obj([("type", .string("string")), ("format", .string("email"))])
        case .ipv4: return .obj([("type", .string("string")), ("format", .string("ipv4"))])
        case .ipv6: return .obj([("type", .string("string")), ("format", .string("ipv6"))])
        case .url: return .obj([("type", .string("string")), ("format", .string("uri"))])
        case .base64: return .obj([("type", .string("string")), ("contentEncoding", .string("base64"))])
        case .jwt: return .obj([("type", .string("string")), ("x-palisade-format", .string("jwt"))])
        case .hex: return .obj([("type", .string("string")), ("pattern", .string("^[0-9a-fA-F]+$"))])
        default: return .obj([("type", .string("string"))])
        }
    }

    static func securityScheme(_ scheme: AuthScheme) -> (name: String, scheme: JSONValue)? {
        switch scheme {
        case .none, .other: nil
        case .bearerJWT:
            (
                "bearerJWT",
                .obj([("type", .string("http")), ("scheme", .string("bearer")), ("bearerFormat", .string("JWT"))])
            )
        case .bearerOpaque: ("bearer", .obj([("type", .string("http")), ("scheme", .string("bearer"))]))
        case .basic: ("basic", .obj([("type", .string("http")), ("scheme", .string("basic"))]))
        case .apiKey:
            ("apiKey", .obj([("type", .string("apiKey")), ("in", .string("header")), ("name", .string("X-API-Key"))]))
        case .cookieSession:
            (
                "cookieSession",
                .obj([("type", .string("apiKey")), ("in", .string("cookie")), ("name", .string("session"))])
            )
        }
    }

    static func operationID(_ key: EndpointKey) -> String {
        var out = Bytes.lowercased(key.method)
        var pendingUnderscore = true
        for byte in key.template.utf8 {
            let isAlnum =
                (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
            if isAlnum {
                if pendingUnderscore { out += "_" }
                out.unicodeScalars.append(Unicode.Scalar(byte))
                pendingUnderscore = false
            } else {
                pendingUnderscore = true
            }
        }
        return out
    }

    static func methodOrder(_ method: String) -> Int {
        ["GET", "PUT", "POST", "DELETE", "OPTIONS", "HEAD", "PATCH", "TRACE"].firstIndex(of: method) ?? 99
    }
}

/// A request body schema built from flattened locations.
struct SchemaTree {
    var properties: [(String, SchemaTree)] = []
    var items: [SchemaTree] = []
    var leaf: ParameterStats?

    mutating func insert(_ components: ArraySlice<LocationComponent>, _ p: ParameterStats) {
        guard let first = components.first else {
            leaf = p
            return
        }
        switch first {
        case .key(let k):
            if let i = properties.firstIndex(where: { $0.0 == k }) {
                properties[i].1.insert(components.dropFirst(), p)
            } else {
                var child = SchemaTree()
                child.insert(components.dropFirst(), p)
                properties.append((k, child))
            }
        case .element:
            if items.isEmpty { items.append(SchemaTree()) }
            items[0].insert(components.dropFirst(), p)
        }
    }

    /// Requests in which any leaf below was present (for `required` at the top level).
    var requests: Int {
        var n = leaf?.requests ?? 0
        for (_, child) in properties { n = max(n, child.requests) }
        for child in items { n = max(n, child.requests) }
        return n
    }

    func schema(requests total: Int, requiredPresence: Double, top: Bool) -> JSONValue {
        if !properties.isEmpty {
            var members: [(String, JSONValue)] = [("type", .string("object"))]
            members.append(
                (
                    "properties",
                    .obj(
                        properties.map {
                            ($0.0, $0.1.schema(requests: total, requiredPresence: requiredPresence, top: false))
                        })
                ))
            if top, total > 0 {
                let required = properties.filter { Double($0.1.requests) / Double(total) >= requiredPresence }.map(\.0)
                if !required.isEmpty { members.append(("required", .strings(required))) }
            }
            return .obj(members)
        }
        if let item = items.first {
            return .obj([
                ("type", .string("array")),
                ("items", item.schema(requests: total, requiredPresence: requiredPresence, top: false)),
            ])
        }
        if let leaf { return OpenAPIExporter.schema(leaf) }
        return JSONValue.object([JSONMember]())
    }
}
