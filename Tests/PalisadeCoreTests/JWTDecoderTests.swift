import Testing

@testable import PalisadeCore

@Suite struct JWTDecoderTests {
    typealias F = BinaryFixtures
    let decoder = JWTDecoder()

    static func token(_ header: String, _ payload: String, signature: String = "c2lnbmF0dXJl") -> String {
        F.base64url(Array(header.utf8)) + "." + F.base64url(Array(payload.utf8)) + "." + signature
    }

    func decode(_ text: String, budget: inout DecodeBudget) -> Decoded? {
        decoder.decode(Array(text.utf8)[...], context: F.context(.cookie, fieldName: "session"), budget: &budget)
    }

    func decode(_ text: String) -> Decoded? {
        var budget = F.budget()
        return decode(text, budget: &budget)
    }

    /// Values by path (keys left out), in order.
    func values(_ decoded: Decoded?) -> [String: String] {
        var out: [String: String] = [:]
        for child in decoded?.children ?? [] where child.kind != .key {
            out[child.path] = String(decoding: child.value, as: UTF8.self)
        }
        return out
    }

    @Test func decodesHeaderAndClaimsLikeJSON() throws {
        let token = Self.token(
            #"{"alg":"HS256","typ":"JWT","kid":"../../dev/null"}"#,
            #"{"sub":"1234","name":"x' OR 1=1--","roles":["admin","user"],"a":{"b":"c"},"exp":1700000000,"ok":true}"#)
        let decoded = try #require(decode(token))
        #expect(
            values(decoded) == [
                "{header}.alg": "HS256", "{header}.typ": "JWT", "{header}.kid": "../../dev/null",
                ".sub": "1234", ".name": "x' OR 1=1--", ".roles[0]": "admin", ".roles[1]": "user", ".a.b": "c",
                ".exp": "1700000000", ".ok": "true",
            ])
        #expect(decoded.annotations.isEmpty)
        let exp = try #require(decoded.children.first { $0.path == ".exp" && $0.kind != .key })
        #expect(exp.kind == .number)
        #expect(exp.fieldName == "exp")
        // The signature is never emitted.
        #expect(!decoded.children.contains { String(decoding: $0.value, as: UTF8.self) == "signature" })
    }

    /// A token decoded again by the same decoder is replayed from its cache: the result and the
    /// budget left must be what a decoder that never saw it produces, whatever the allowance
    /// (too small for a part, for the children, or ample), field name and nesting limit.
    @Test func rememberedTokensDecodeLikeFreshOnes() throws {
        let tokens = [
            Self.token(#"{"alg":"HS256","typ":"JWT"}"#, #"{"sub":"user-1","roles":["a","b"],"n":{"x":1}}"#),
            "Bearer " + Self.token(#"{"alg":"none"}"#, #"{"sub":"admin"}"#, signature: ""),
            Self.token(#"{"alg":"HS256","alg":"x"}"#, "not json"),
            Self.token(#"{"a":[[["x"]]]}"#, #"["deep",[["y"]]]"#),
            Self.token("not json", #"{"sub":"z"}"#),
            F.base64url(Array(#"{"alg":"RSA-OAEP","enc":"A256GCM"}"#.utf8)) + ".a2V5.aXY.Y2lwaGVy.dGFn",
        ]
        let warm = JWTDecoder()
        for token in tokens {
            let input = Array(token.utf8)[...]
            for fieldName in ["session", nil] {
                let context = F.context(.header, fieldName: fieldName)
                for depth in [64, 2] {
                    var ample = F.budget(maxStructureDepth: depth)
                    _ = warm.decode(input, context: context, budget: &ample)
                    for allowance in 0...(input.count + 4) {
                        var replayed = F.budget(maxDecodedBytes: allowance, maxStructureDepth: depth)
                        var fresh = replayed
                        let a = warm.decode(input, context: context, budget: &replayed)
                        let b = JWTDecoder().decode(input, context: context, budget: &fresh)
                        #expect(a?.children == b?.children, "\(token) \(allowance)")
                        #expect(a?.annotations == b?.annotations, "\(token) \(allowance)")
                        #expect(replayed.remainingBytes == fresh.remainingBytes, "\(token) \(allowance)")
                        #expect(replayed.hits == fresh.hits, "\(token) \(allowance)")
                    }
                }
            }
        }
        // Remembered per field name and nesting limit: the tokens whose parts were all JSON and
        // charged in full (1, 2, the JWE) under both limits, the nested one only under 64.
        #expect(warm.cache.count == 3 * 2 * 2 + 2)
    }

    @Test func remembersABoundedNumberOfTokens() {
        let decoder = JWTDecoder()
        for n in 0..<(JWTCache.capacity + 10) {
            var budget = F.budget()
            let token = Self.token(#"{"alg":"HS256"}"#, #"{"sub":"user-\#(n)"}"#)
            #expect(decoder.decode(Array(token.utf8)[...], context: F.context(), budget: &budget) != nil)
            #expect(decoder.cache.count <= JWTCache.capacity)
        }
    }

    /// The cache's slot hash reads every byte, the field name and the limit: one changed byte
    /// anywhere (a whole word, the tail) moves the token to another slot, and a thousand tokens
    /// that differ in one claim do not share slots.
    @Test func slotHashReadsEveryByteTheNameAndTheLimit() throws {
        let token = Array(Self.token(#"{"alg":"HS256"}"#, #"{"sub":"user-1","role":"reader"}"#).utf8)
        func hash(_ bytes: [UInt8], _ name: String? = "authorization", _ depth: Int = 64) throws -> Int {
            try #require(JWTCache.Key(bytes[...], fieldName: name, limit: depth)).hash
        }
        let base = try hash(token)
        for position in [0, 7, 8, token.count / 2, token.count - 9, token.count - 1] {
            var changed = token
            changed[position] ^= 0x01
            #expect(try hash(changed) != base, "byte \(position) of \(token.count)")
        }
        #expect(try hash(token, "cookie") != base)
        #expect(try hash(token, nil) != base)
        #expect(try hash(token, "authorization", 32) != base)
        var slots = Set<Int>()
        for n in 0..<1000 {
            slots.insert(try hash(Array(Self.token(#"{"alg":"HS256"}"#, #"{"sub":"user-\#(n)"}"#).utf8)))
        }
        #expect(slots.count == 1000)
    }

    @Test(arguments: ["Bearer ", "bearer ", "BEARER   "])
    func acceptsBearerPrefix(_ prefix: String) {
        let decoded = decode(prefix + Self.token(#"{"alg":"RS256"}"#, #"{"sub":"alice"}"#))
        #expect(values(decoded) == ["{header}.alg": "RS256", ".sub": "alice"])
    }

    @Test(arguments: ["none", "NONE", "nOnE"])
    func flagsAlgNone(_ alg: String) {
        let decoded = decode(Self.token(#"{"alg":"\#(alg)"}"#, #"{"sub":"admin"}"#, signature: ""))
        #expect(values(decoded) == ["{header}.alg": alg, ".sub": "admin"])
        #expect(decoded?.annotations == [Annotation(.jwtAlgNone, detail: "alg: none")])
    }

    @Test func algNoneOnlyForTheHeaderAlg() {
        let decoded = decode(Self.token(#"{"alg":"HS256","x":"none"}"#, #"{"alg":"none"}"#))
        #expect(decoded?.annotations.isEmpty == true)
    }

    @Test func jweYieldsItsHeaderOnly() {
        let header = F.base64url(Array(#"{"alg":"RSA-OAEP","enc":"A256GCM"}"#.utf8))
        let token =
            header
            + ".OKOawDo13gRp2ojaHV7LFpZcgV7T6DVZKTyKOMTYUmKoTCVJRgckCL9kiMT03JGe.48V1_ALb6US04U3b.5eym8TW_c8SuK0ltJ3rpYIzOeDQz7TALvtu6UG9oMo4vpzs9tX_EFShS8iB7j6ji.XFBoMYUZodetZdvTiFvSkQ"
        let decoded = decode(token)
        #expect(values(decoded) == ["{header}.alg": "RSA-OAEP", "{header}.enc": "A256GCM"])
        #expect(decoded?.annotations.isEmpty == true)
    }

    @Test func payloadThatIsNotJSONIsKeptWhole() {
        let decoded = decode(Self.token(#"{"alg":"HS256"}"#, "' UNION SELECT password FROM users--"))
        #expect(values(decoded) == ["{header}.alg": "HS256", "{payload}": "' UNION SELECT password FROM users--"])
        #expect(decoded?.annotations == [Annotation(.malformed, detail: "jwt payload: not JSON")])
        #expect(F.child(decoded, "{payload}")?.kind == .text)
    }

    @Test func scalarPayloadSitsAtPayload() {
        let decoded = decode(Self.token(#"{"alg":"HS256"}"#, #""just a string""#))
        #expect(values(decoded) == ["{header}.alg": "HS256", "{payload}": "just a string"])
    }

    @Test func headerThatIsNotJSONStillYieldsClaims() {
        // `{"alg` then garbage: starts with eyJ, is not JSON.
        let header = F.base64url(Array(#"{"alg:HS256"#.utf8))
        let decoded = decode(header + "." + F.base64url(Array(#"{"sub":"bob"}"#.utf8)) + ".sig")
        #expect(values(decoded) == [".sub": "bob"])
        #expect(decoded?.annotations == [Annotation(.malformed, detail: "jwt header: not JSON")])
    }

    @Test func payloadThatIsNotBase64urlIsMalformed() {
        let header = F.base64url(Array(#"{"alg":"HS256"}"#.utf8))
        let decoded = decode(header + ".abcde.sig")
        #expect(values(decoded) == ["{header}.alg": "HS256"])
        #expect(decoded?.annotations == [Annotation(.malformed, detail: "jwt payload: not Base64url")])
    }

    @Test func nilWhenNeitherPartIsJSON() {
        let header = F.base64url(Array(#"{"broken"#.utf8))
        #expect(decode(header + "." + F.base64url(Array("not json".utf8)) + ".sig") == nil)
    }

    @Test(arguments: [
        "", "session", "eyJhbGciOiJIUzI1NiJ9", "abc.def.ghi", "eyJhbGciOiJIUzI1NiJ9.e30.a.b",
        "eyJhbGciOiJIUzI1NiJ9.e30.a.b.c.d", "eyJhbGciOiJIUzI1NiJ9..sig", ".eyJhbGciOiJIUzI1NiJ9.e30.",
        "eyJhbGciOiJIUzI1NiJ9.e3 0.sig", "eyJhbGciOiJIUzI1NiJ9.e30+.sig", "Basic dXNlcjpwYXNzd29yZA==",
        "Bearer abc.def.ghi", "bear eyJhbGciOiJIUzI1NiJ9.e30.x", "eyJ.e30.x",
    ])
    func rejectsWhatIsNotAJWT(_ text: String) {
        #expect(decode(text) == nil)
    }

    @Test func emptyPayloadObjectIsFine() {
        let decoded = decode("eyJhbGciOiJIUzI1NiJ9.e30.sig")
        #expect(values(decoded) == ["{header}.alg": "HS256"])
        #expect(decoded?.annotations.isEmpty == true)
    }

    @Test func megabytePayload() throws {
        let big = String(repeating: "A", count: 1_000_000)
        let token = Self.token(#"{"alg":"HS256"}"#, #"{"data":"\#(big)","sub":"x"}"#)
        let clock = ContinuousClock()
        var decoded: Decoded?
        let elapsed = clock.measure { decoded = decode(token) }
        #expect(elapsed < .seconds(10))  // a hang guard, not a speed test
        let data = try #require(decoded?.children.first { $0.path == ".data" && $0.kind == .text })
        #expect(data.value.count == 1_000_000)
        #expect(values(decoded)[".sub"] == "x")
    }

    @Test func megabytePayloadBeyondTheAllowanceIsCut() {
        let big = String(repeating: "A", count: 1_000_000)
        let token = Self.token(#"{"alg":"HS256"}"#, #"{"data":"\#(big)"}"#)
        var budget = F.budget(maxDecodedBytes: 10_000)
        let decoded = decode(token, budget: &budget)
        #expect(values(decoded) == ["{header}.alg": "HS256"])
        #expect(decoded?.annotations.map(\.code) == [.limitBytes])
        #expect(budget.hits == [.bytes])
    }

    @Test func deeplyNestedClaimsHitTheStructureLimit() {
        let deep = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        let decoded = decode(Self.token(#"{"alg":"HS256"}"#, #"{"a":\#(deep)}"#))
        #expect(values(decoded) == ["{header}.alg": "HS256"])
        #expect(decoded?.annotations.map(\.code) == [.limitStructureDepth])
    }
}
