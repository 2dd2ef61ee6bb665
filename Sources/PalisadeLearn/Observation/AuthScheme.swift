import PalisadeCore

/// How a request authenticated, as far as its headers show. Stable raw values (published).
public enum AuthScheme: String, Sendable, Hashable, CaseIterable {
    case none
    case bearerJWT = "bearer-jwt"
    case bearerOpaque = "bearer-opaque"
    case basic
    /// A key in a dedicated header (`x-api-key`, `api-key`, …) or `api_key`-style query parameter.
    case apiKey = "api-key"
    /// A session cookie (`session`, `sid`, `JSESSIONID`, …) or a JWT carried in a cookie.
    case cookieSession = "cookie-session"
    /// An `Authorization` header with another scheme (Digest, AWS4-HMAC-SHA256, …).
    case other

    /// Stable index for fixed-size counters.
    var index: Int {
        switch self {
        case .none: 0
        case .bearerJWT: 1
        case .bearerOpaque: 2
        case .basic: 3
        case .apiKey: 4
        case .cookieSession: 5
        case .other: 6
        }
    }

    /// Header names that carry API keys (lowercase).
    public static let apiKeyHeaders: Set<String> = [
        "x-api-key", "api-key", "apikey", "x-apikey", "x-auth-token", "x-access-token", "x-api-token",
        "x-functions-key", "ocp-apim-subscription-key",
    ]

    /// Cookie names that hold sessions (lowercase).
    public static let sessionCookies: Set<String> = [
        "session", "sessionid", "session_id", "sid", "sess", "jsessionid", "phpsessid", "connect.sid",
        "asp.net_sessionid", "_session", "auth", "auth_token", "access_token", "token", "jwt", "id_token",
    ]

    /// Detects the scheme from headers, strongest first: Authorization, API-key headers, cookies.
    public static func detect(_ record: CaptureRecord) -> AuthScheme {
        var cookie: String?
        var apiKey = false
        var authorization: String?
        // Headers read in place, names compared as bytes: binding each header copied its strings,
        // and lowercasing the name made (or retained) a string per header.
        record.headers.withUnsafeBufferPointer { all in
            for index in all.indices {
                let header = all.baseAddress! + index
                switch headerRole(header.pointee.name) {
                case .authorization: if authorization == nil { authorization = header.pointee.value }
                case .cookie: cookie = header.pointee.value
                case .apiKey: if !header.pointee.value.isEmpty { apiKey = true }
                case .other: break
                }
            }
        }
        if let authorization {
            // Read in place (a native string's bytes; a copy otherwise).
            let scheme = authorization.utf8.withContiguousStorageIfAvailable(authorizationScheme)
            if let scheme = scheme ?? Array(authorization.utf8).withUnsafeBufferPointer(authorizationScheme) {
                return scheme
            }
        }
        if apiKey { return .apiKey }
        if let query = record.query, queryHasAPIKey(query) { return .apiKey }
        if let cookie, cookieHasSession(cookie) { return .cookieSession }
        return .none
    }

    /// The scheme an `Authorization` value names; nil when it is empty (or only spaces).
    static func authorizationScheme(_ value: UnsafeBufferPointer<UInt8>) -> AuthScheme? {
        let bytes = Bytes.trimmed(value)
        if Bytes.hasPrefixIgnoringCase(bytes, "bearer ") {
            let token = Bytes.trimmed(UnsafeBufferPointer(rebasing: bytes[7...]))
            return Sensitive.isJWT(token) ? .bearerJWT : .bearerOpaque
        }
        if Bytes.hasPrefixIgnoringCase(bytes, "basic ") { return .basic }
        return bytes.isEmpty ? nil : .other
    }

    /// What a header name says about authentication.
    enum HeaderRole: Equatable {
        case authorization, cookie, apiKey, other
    }

    /// The role of a header named `name`, as its lowercased name compared with `"authorization"`,
    /// `"cookie"` and `apiKeyHeaders` reads it (in that order): over the bytes of an ASCII name,
    /// by lowercasing it into a string otherwise (`String` equality is canonical equivalence).
    static func headerRole(_ name: String) -> HeaderRole {
        if let role = name.utf8.withContiguousStorageIfAvailable(asciiHeaderRole), let role { return role }
        let name = Bytes.lowercased(name)
        if name == "authorization" { return .authorization }
        if name == "cookie" { return .cookie }
        return apiKeyHeaders.contains(name) ? .apiKey : .other
    }

    /// ``headerRole(_:)`` over an ASCII name's bytes; nil for any other.
    static func asciiHeaderRole(_ name: UnsafeBufferPointer<UInt8>) -> HeaderRole? {
        for byte in name where byte >= 0x80 { return nil }
        if name.count == 13, Bytes.hasPrefixIgnoringCase(name, "authorization") { return .authorization }
        if name.count == 6, Bytes.hasPrefixIgnoringCase(name, "cookie") { return .cookie }
        // Compared only when a name of this first letter and length is in the list: most
        // headers (`user-agent`, `content-type`, `accept-*`) are ruled out by one table load.
        guard name.count < 64, let first = name.first, apiKeyNameLengths[Int(Bytes.lower(first))] >> name.count & 1 != 0
        else { return .other }
        for candidate in apiKeyHeaderNames
        where name.count == candidate.utf8CodeUnitCount && Bytes.hasPrefixIgnoringCase(name, candidate) {
            return .apiKey
        }
        return .other
    }

    /// By a name's first byte (lowercase): a bit for the length of each `apiKeyHeaderNames` entry
    /// starting with it.
    static let apiKeyNameLengths: [UInt64] = (0..<256).map { byte in
        var lengths: UInt64 = 0
        for candidate in apiKeyHeaderNames where candidate.utf8Start[0] == UInt8(byte) {
            lengths |= 1 << UInt64(candidate.utf8CodeUnitCount)
        }
        return lengths
    }

    /// `apiKeyHeaders` as static text (checked equal by a test).
    static let apiKeyHeaderNames: [StaticString] = [
        "x-api-key", "api-key", "apikey", "x-apikey", "x-auth-token", "x-access-token", "x-api-token",
        "x-functions-key", "ocp-apim-subscription-key",
    ]

    static func queryHasAPIKey(_ query: Substring) -> Bool {
        var query = query
        if let ascii = query.withUTF8({ asciiQueryHasAPIKey($0) }) { return ascii }
        return plainQueryHasAPIKey(query)
    }

    /// `plainQueryHasAPIKey` over the bytes of an ASCII query (where bytes and characters split
    /// alike); nil for any other.
    static func asciiQueryHasAPIKey(_ query: UnsafeBufferPointer<UInt8>) -> Bool? {
        for byte in query where byte >= 0x80 { return nil }
        var found = false
        Percent.forEachPair(in: query, separator: UInt8(ascii: "&")) { name, _ in
            for candidate in apiKeyQueryNames
            where name.count == candidate.utf8CodeUnitCount && Bytes.hasPrefixIgnoringCase(name, candidate) {
                found = true
                return false
            }
            return true
        }
        return found
    }

    private static let apiKeyQueryNames: [StaticString] = ["api_key", "apikey", "api-key", "key", "access_token"]

    /// Whether a query parameter is named like an API key, read as text.
    static func plainQueryHasAPIKey(_ query: Substring) -> Bool {
        for pair in query.split(separator: "&") {
            let name = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            switch Bytes.lowercased(String(name)) {
            case "api_key", "apikey", "api-key", "key", "access_token": return true
            default: continue
            }
        }
        return false
    }

    static func cookieHasSession(_ cookie: String) -> Bool {
        for pair in cookie.split(separator: ";") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = Bytes.lowercased(parts[0].trimmingSpacesLearn())
            if sessionCookies.contains(name) { return true }
            if parts.count == 2, Sensitive.isJWT(Array(parts[1].trimmingSpacesLearn().utf8)[...]) { return true }
        }
        return false
    }
}

/// A set of auth schemes, as a bit set (published in baselines as a list of raw values).
public struct AuthSchemeSet: OptionSet, Sendable, Hashable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public init(_ scheme: AuthScheme) { self.rawValue = 1 << UInt8(scheme.index) }
    public var schemes: [AuthScheme] { AuthScheme.allCases.filter { contains(AuthSchemeSet($0)) } }
}

extension Substring {
    func trimmingSpacesLearn() -> String {
        var start = startIndex
        var end = endIndex
        while start < end, self[start] == " " || self[start] == "\t" { start = index(after: start) }
        while end > start, self[index(before: end)] == " " || self[index(before: end)] == "\t" {
            end = index(before: end)
        }
        return String(self[start..<end])
    }
}
