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
        if !overrides.isEmpty, let forced = overrides["\(method.uppercased()) \(template)"] { return forced }
        var method = method
        var template = template
        let ascii = method.withUTF8 { method in template.withUTF8 { asciiIsAuth(method: method, template: $0) } }
        return ascii ?? plainIsAuth(method: method, template: template)
    }

    /// The heuristic over the bytes of an ASCII method and template of at most 2,048 bytes (what
    /// every verdict and request has): the same tokens as `plainIsAuth`, without its Unicode
    /// case mapping and character splitting. Nil for anything else.
    func asciiIsAuth(method: UnsafeBufferPointer<UInt8>, template: UnsafeBufferPointer<UInt8>) -> Bool? {
        guard template.count <= 2048 else { return nil }
        for byte in method where byte >= 0x80 { return nil }
        for byte in template where byte >= 0x80 { return nil }
        var matched = false
        var password = false
        func check(_ bytes: UnsafeMutableBufferPointer<UInt8>, _ count: Int) {
            let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[..<count]), as: UTF8.self)
            guard keywords.contains(text) else { return }
            matched = true
            if Self.passwordKeywords.contains(text) { password = true }
        }
        // A segment's tokens (runs of letters and digits, lowercased) and all of them joined, in
        // scratch space as long as the template.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: max(template.count, 1)) { token in
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: max(template.count, 1)) { joined in
                var start = 0
                while start <= template.count {
                    var end = start
                    while end < template.count, template[end] != UInt8(ascii: "/") { end += 1 }
                    defer { start = end + 1 }
                    // `split` drops empty segments; a `{…}` parameter is skipped.
                    guard end > start, template[start] != UInt8(ascii: "{") else { continue }
                    var tokenCount = 0
                    var joinedCount = 0
                    var tokens = 0
                    for index in start..<end {
                        var byte = template[index]
                        if byte >= UInt8(ascii: "A"), byte <= UInt8(ascii: "Z") { byte += 32 }
                        if (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
                            || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
                        {
                            token[tokenCount] = byte
                            tokenCount += 1
                            joined[joinedCount] = byte
                            joinedCount += 1
                        } else if tokenCount > 0 {
                            check(token, tokenCount)
                            tokens += 1
                            tokenCount = 0
                        }
                    }
                    if tokenCount > 0 {
                        check(token, tokenCount)
                        tokens += 1
                    }
                    // One token is the joined text itself: already checked.
                    if tokens != 1 { check(joined, joinedCount) }
                }
            }
        }
        guard matched else { return false }
        func isMethod(_ name: StaticString) -> Bool {
            guard method.count == name.utf8CodeUnitCount else { return false }
            for index in 0..<method.count {
                var byte = method[index]
                if byte >= UInt8(ascii: "a"), byte <= UInt8(ascii: "z") { byte -= 32 }
                if byte != name.utf8Start[index] { return false }
            }
            return true
        }
        if isMethod("POST") { return true }
        if isMethod("PUT") || isMethod("PATCH") { return password }
        return false
    }

    /// The heuristic read as text: any method and template.
    func plainIsAuth(method: String, template: String) -> Bool {
        let upper = method.uppercased()
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
