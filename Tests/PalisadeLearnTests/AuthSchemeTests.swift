import PalisadeCore
import Testing

@testable import PalisadeLearn

/// How a request authenticates, read from its headers, query and cookies (`AuthScheme.detect`),
/// and what counts as a JWT there (`Sensitive.isJWT`).
@Suite struct AuthSchemeTests {
    static let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1c2VyLTQyIn0.c2lnbmF0dXJlX3Rlc3Q"

    func scheme(_ headers: [(String, String)], path: String = "/v1/items") -> AuthScheme {
        AuthScheme.detect(
            CaptureRecord(
                id: "a", ts: 0, method: "GET", host: "api.example.com", rawPath: path,
                headers: headers.map { CaptureRecord.Header($0.0, $0.1) }))
    }

    @Test func authorizationHeader() {
        #expect(scheme([("Authorization", "Bearer " + Self.jwt)]) == .bearerJWT)
        #expect(scheme([("authorization", "  bearer   " + Self.jwt + "  ")]) == .bearerJWT)
        // A JWE (five parts) is a JWT too.
        #expect(scheme([("authorization", "Bearer " + Self.jwt + ".YWFh.YmJi")]) == .bearerJWT)
        #expect(scheme([("authorization", "Bearer 7f3c2a9b1e4d")]) == .bearerOpaque)
        // A byte outside base64url, or three parts short of twenty bytes: opaque.
        #expect(
            scheme([("authorization", "Bearer " + Self.jwt.replacingOccurrences(of: "c2ln", with: "c+ln"))])
                == .bearerOpaque)
        #expect(scheme([("authorization", "Bearer eyJ.eyJ.sig")]) == .bearerOpaque)
        #expect(scheme([("authorization", "Bearer " + Self.jwt + ".x")]) == .bearerOpaque)
        #expect(scheme([("authorization", "Basic dXNlcjpwYXNz")]) == .basic)
        #expect(scheme([("authorization", "Digest username=\"u\"")]) == .other)
        // "Bearer" alone is a scheme name without a token: something else.
        #expect(scheme([("authorization", "Bearer   ")]) == .other)
        // Empty or blank: as if absent; the first Authorization header counts.
        #expect(scheme([("authorization", "   ")]) == .none)
        #expect(scheme([("authorization", ""), ("x-api-key", "k1")]) == .apiKey)
        #expect(scheme([("authorization", "Basic eA=="), ("authorization", "Bearer " + Self.jwt)]) == .basic)
    }

    @Test func keysQueriesAndCookies() {
        #expect(scheme([("X-Api-Key", "k-123")]) == .apiKey)
        #expect(scheme([("x-api-key", "")]) == .none)
        #expect(scheme([], path: "/v1/items?page=2&api_key=k") == .apiKey)
        #expect(scheme([("cookie", "theme=dark; sessionid=abc")]) == .cookieSession)
        #expect(scheme([("cookie", "theme=dark; prefs=" + Self.jwt)]) == .cookieSession)
        #expect(scheme([("cookie", "theme=dark")]) == .none)
        #expect(scheme([("accept", "application/json")]) == .none)
    }

    @Test func jwtShape() {
        for (text, expected) in [
            (Self.jwt, true), ("EYJ" + Self.jwt.dropFirst(3), true), (Self.jwt + "=", true),
            (String(Self.jwt.prefix(19)), false), (Self.jwt.replacingOccurrences(of: ".", with: ""), false),
            (Self.jwt + " ", false), ("eyJ" + String(repeating: "a", count: 30), false),
        ] {
            let bytes = Array(text.utf8)
            #expect(Sensitive.isJWT(bytes[...]) == expected, "\(text)")
            #expect(bytes.withUnsafeBufferPointer { Sensitive.isJWT($0) } == expected, "\(text)")
        }
    }
}
