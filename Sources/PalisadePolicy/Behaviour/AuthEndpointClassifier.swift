/// Decides whether an endpoint authenticates (login, token, sign-in, password reset), from its
/// method and template, with exact overrides.
///
/// Heuristic: the method is POST (or PUT/PATCH for password endpoints) and a path segment, split
/// on non-alphanumerics, has a token in `keywords`; `sign-in`-style segments also match with the
/// separators removed. Whole tokens only, so `/authors` is not `auth`.
public struct AuthEndpointClassifier: Sendable, Equatable {
    /// Default keywords, lowercase.
    public static let defaultKeywords: Set<String> = [
        "login", "logon", "signin", "signon", "token", "tokens", "oauth", "oauth2", "auth", "authenticate",
        "authorize", "session", "sessions", "password", "passwords", "passwd", "reset", "mfa", "2fa", "otp",
    ]
    static let passwordKeywords: Set<String> = ["password", "passwords", "passwd", "reset"]

    public var keywords: Set<String>
    /// Exact decisions by `"METHOD template"` (method uppercase), winning over the heuristic.
    public var overrides: [String: Bool]

    public init(keywords: Set<String> = Self.defaultKeywords, overrides: [String: Bool] = [:]) {
        self.keywords = keywords
        self.overrides = overrides
    }

    public func isAuth(method: String, template: String) -> Bool {
        let upper = method.uppercased()
        if let forced = overrides["\(upper) \(template)"] { return forced }
        let path = template.prefix(2048)
        var matched: Set<String> = []
        for segment in path.split(separator: "/") {
            if segment.first == "{" { continue }
            let lower = segment.lowercased()
            var tokens = lower.split { !($0.isLetter || $0.isNumber) }.map(String.init)
            tokens.append(String(lower.filter { $0.isLetter || $0.isNumber }))
            for token in tokens where keywords.contains(token) { matched.insert(token) }
        }
        guard !matched.isEmpty else { return false }
        if upper == "POST" { return true }
        if upper == "PUT" || upper == "PATCH" { return !matched.isDisjoint(with: Self.passwordKeywords) }
        return false
    }
}
