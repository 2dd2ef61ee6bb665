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

    /// `isJWT` against its definition written plainly, over seeded near-tokens: `eyJ`, then bytes
    /// from the alphabet, dots, a few outside it (space, `+`, `/`, non-ASCII, DEL and their
    /// neighbours across the 64-bit word boundaries).
    @Test func isJWTMatchesItsDefinition() {
        let inside = Array("AZaz09-_=.".utf8)
        let outside: [UInt8] = [0x20, 0x2B, 0x2F, 0x3F, 0x40, 0x5B, 0x60, 0x7B, 0x7F, 0x80, 0xC3, 0xFF, 0x00]
        func reference(_ b: [UInt8]) -> Bool {
            guard b.count >= 20, b.prefix(3).map(Bytes.lower) == Array("eyj".utf8) else { return false }
            let alphabet = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=.".utf8)
            guard b.allSatisfy({ alphabet.contains($0) }) else { return false }
            let dots = b.filter { $0 == UInt8(ascii: ".") }.count
            return dots == 2 || dots == 4
        }
        var state: UInt64 = 0x1D_2024
        func next() -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int(state >> 33)
        }
        var accepted = 0
        for _ in 0..<20_000 {
            var token = Array((next() % 8 == 0 ? "EYj" : "eyJ").utf8)
            for _ in 0..<(17 + next() % 40) {
                let roll = next() % 100
                if roll < 6 {
                    token.append(UInt8(ascii: "."))
                } else if roll < 7 {
                    token.append(outside[next() % outside.count])
                } else {
                    token.append(inside[next() % inside.count] &+ (next() % 16 == 0 ? 1 : 0))
                }
            }
            let expected = reference(token)
            if expected { accepted += 1 }
            #expect(Sensitive.isJWT(token[...]) == expected, "\(token)")
        }
        #expect(accepted > 500)
    }
}
