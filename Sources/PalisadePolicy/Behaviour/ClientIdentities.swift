/// Which kind of client identity a window, finding or decision is about.
public enum IdentityScope: String, Sendable, Hashable, CaseIterable {
    case ip
    case apiKey = "api_key"
    case jwtSub = "jwt_sub"
}

/// One client identity, e.g. `ip` `203.0.113.7`.
public struct ClientIdentity: Sendable, Hashable, CustomStringConvertible {
    public var scope: IdentityScope
    public var value: String

    public init(_ scope: IdentityScope, _ value: String) {
        self.scope = scope
        self.value = value
    }

    public var description: String { "\(scope.rawValue):\(value)" }
}

/// Every identity a request carried. Values are capped at `maxValueBytes` UTF-8 bytes.
///
/// - `ip`: the client address as the gateway resolved it (after trusted proxies).
/// - `apiKeyHash`: the API key as the gateway will look it up in the decision set (send the
///   same hash the plugin computes; never the raw key).
/// - `jwtSub`: the `sub` claim of a bearer JWT.
/// - `headers`: selected header values usable for `header` decisions, name lowercased.
public struct ClientIdentities: Sendable, Equatable, Hashable {
    public static let maxValueBytes = 512

    public var ip: String?
    public var apiKeyHash: String?
    public var jwtSub: String?
    public var headers: [HeaderValue]

    public struct HeaderValue: Sendable, Equatable, Hashable {
        public var name: String
        public var value: String
        public init(name: String, value: String) {
            self.name = ClientIdentities.capped(name.lowercased())
            self.value = ClientIdentities.capped(value)
        }
    }

    public init(ip: String? = nil, apiKeyHash: String? = nil, jwtSub: String? = nil, headers: [HeaderValue] = []) {
        self.ip = Self.nonEmpty(ip)
        self.apiKeyHash = Self.nonEmpty(apiKeyHash)
        self.jwtSub = Self.nonEmpty(jwtSub)
        self.headers = headers
    }

    /// The identities tracked by behaviour detectors, most general first.
    public var all: [ClientIdentity] {
        var out: [ClientIdentity] = []
        if let ip { out.append(ClientIdentity(.ip, ip)) }
        if let apiKeyHash { out.append(ClientIdentity(.apiKey, apiKeyHash)) }
        if let jwtSub { out.append(ClientIdentity(.jwtSub, jwtSub)) }
        return out
    }

    /// The value for a scope, if the request carried it.
    public func value(for scope: IdentityScope) -> String? {
        switch scope {
        case .ip: ip
        case .apiKey: apiKeyHash
        case .jwtSub: jwtSub
        }
    }

    /// The value of a header identity (name compared lowercased).
    public func header(_ name: String) -> String? {
        let wanted = name.lowercased()
        return headers.first { $0.name == wanted }?.value
    }

    private static func nonEmpty(_ value: String?) -> String? {
        guard let value, !value.isEmpty else { return nil }
        return capped(value)
    }

    /// Cuts `value` to at most `maxValueBytes` UTF-8 bytes on a character boundary.
    static func capped(_ value: String) -> String {
        guard value.utf8.count > maxValueBytes else { return value }
        var out = ""
        var bytes = 0
        for character in value {
            let size = character.utf8.count
            if bytes + size > maxValueBytes { break }
            out.append(character)
            bytes += size
        }
        return out
    }
}

/// FNV-1a, 64 bit: a stable (cross-process, cross-language) hash for object ids, usernames and
/// paths. It only has to tell values apart inside one client's window; it is not a secret.
public enum StableHash {
    public static func fnv1a64(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        return hash
    }
}
