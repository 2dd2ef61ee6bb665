import Testing

@testable import PalisadeCore

@Suite struct ValueShapeTests {
    @Test(arguments: [
        ("", ValueFormat.empty), ("42", .integer), ("-7", .integer), ("3.14", .decimal), ("true", .boolean),
        ("NULL", .null), ("550e8400-e29b-41d4-a716-446655440000", .uuid), ("2025-11-21", .date),
        ("2025-11-21T09:52:57Z", .datetime), ("ada@example.com", .email), ("203.0.113.7", .ipv4),
        ("2001:db8::1", .ipv6), ("https://example.com/a?b", .url), ("deadbeefcafe0123", .hex),
        ("SGVsbG8sIHdvcmxkIQ==", .base64), ("a1B2c3D4e5F6g7H8i9J0kk", .token), ("order-status", .word),
        ("Hello world, it's me", .text), ("1 OR 1=1", .text), ("<script>", .text),
        ("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln", .jwt),
    ])
    func formats(value: String, format: ValueFormat) {
        #expect(ValueShape.classify(Array(value.utf8)[...]).format == format, "\(value)")
    }

    @Test func numberKindWins() {
        #expect(ValueShape.classify(Array("1e5".utf8)[...], kind: .number).format == .decimal)
        #expect(ValueShape.classify(Array("10".utf8)[...], kind: .number).format == .integer)
        #expect(ValueShape.classify([0, 1, 2][...], kind: .binary).format == .binary)
    }

    /// `count` texts of 0 to `maxPieces` pieces each, picked by a fixed LCG: the same every run.
    static func texts(from pieces: [String], count: Int, maxPieces: Int, seed: UInt64) -> [String] {
        var state = seed
        func next() -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int(state >> 33)
        }
        return (0..<count).map { _ in
            (0..<(next() % (maxPieces + 1))).map { _ in pieces[next() % pieces.count] }.joined()
        }
    }

    /// `containsIgnoringCase` finds needles that start with a caseless byte by `memchr`: the same
    /// answers as lowercasing both and searching naively, at every position and length.
    @Test func containsIgnoringCaseAgreesWithANaiveSearch() {
        let needles: [StaticString] = [
            "-----BEGIN", "${", "PRIVATE KEY", "<script", "a", "-", "--", "%0a", "1=1", "Zz",
        ]
        let pieces = [
            "-", "--", "---", "-----BEGIN", "-----begin", "${", "$", "{", "a", "A", "private key", "x", "%0A", "1=1",
            "z", "é",
        ]
        var found = 0
        var checked = 0
        for text in Self.texts(from: pieces, count: 4_000, maxPieces: 9, seed: 0xA54F_F53A_5F1D_36F1) {
            let bytes = Array(text.utf8)
            // Slices that do not start at 0, as detectors pass them.
            for haystack in [bytes[...], bytes.dropFirst(), bytes.dropLast()] {
                for needle in needles {
                    let lowerNeedle = Array(needle.description.utf8).map(Bytes.lower)
                    let lowerHaystack = haystack.map(Bytes.lower)
                    let naive =
                        lowerNeedle.isEmpty
                        || (lowerHaystack.count >= lowerNeedle.count
                            && (0...(lowerHaystack.count - lowerNeedle.count)).contains {
                                lowerHaystack[$0..<($0 + lowerNeedle.count)].elementsEqual(lowerNeedle)
                            })
                    #expect(Bytes.containsIgnoringCase(haystack, needle) == naive, "\(text) \(needle)")
                    if naive { found += 1 }
                    checked += 1
                }
            }
        }
        #expect(found > checked / 10)
    }

    /// E-mail addresses: the `@` found by `memchr` gives the answers of searching the slice from
    /// both ends, over generated values and slices that do not start at 0.
    @Test func emailAtSearchAgreesWithTheSliceSearch() {
        func reference(_ b: ArraySlice<UInt8>) -> Int? {
            guard let at = b.firstIndex(of: UInt8(ascii: "@")), b.lastIndex(of: UInt8(ascii: "@")) == at else {
                return nil
            }
            return at
        }
        let pieces = ["a", "@", ".", "b.co", "x_y", "%", "+", "-", "example", ".com", "é", " ", "@@", "1"]
        var emails = 0
        for text in Self.texts(from: pieces, count: 20_000, maxPieces: 8, seed: 0x510E_527F_ADE6_82D1) {
            let bytes = Array(text.utf8)
            for slice in [bytes[...], bytes.dropFirst(), bytes.dropLast()] {
                #expect(Sensitive.onlyAt(slice) == reference(slice), "\(text)")
                if Sensitive.isEmail(slice) { emails += 1 }
            }
        }
        #expect(emails > 100)
        #expect(Sensitive.isEmail(Array("ada@example.com".utf8)[...]))
        #expect(!Sensitive.isEmail(Array("ada@@example.com".utf8)[...]))
    }

    /// Secret field names read in one pass by first byte: the same answers as lowercasing the name
    /// and searching for each part, over real names, every part in every case and position, and
    /// random names built from the parts' own letters.
    @Test func secretFieldNameOnePassAgreesWithThePartSearch() {
        func search(_ name: String) -> Bool {
            let lower = Array(Bytes.lowercased(name).utf8)[...]
            return Sensitive.secretFieldNameParts.contains { Bytes.containsIgnoringCase(lower, $0) }
        }
        var names = [
            "password", "X-Api-Key", "username", "api_key", "APIKEY", "client_secret", "refresh_token", "pas",
            "passw", "sessionid", "Set-Cookie", "cred", "credentials", "Authorization", "privat", "toke", "", "ẞpass",
            "pässword", "apI-kEy",
        ]
        for part in Sensitive.secretFieldNameParts {
            let text = part.description
            names += [
                text, text.uppercased(), "x" + text, text + "_x", "a_" + text.uppercased() + "_b",
                String(text.dropLast()),
            ]
        }
        let pieces = [
            "pa", "ss", "se", "cret", "ssion", "tok", "en", "api", "_", "-", "key", "co", "okie", "priv", "ate", "cred",
            "ential", "author", "ization", "x", "P", "A", "S", "é", "T",
        ]
        names += Self.texts(from: pieces, count: 20_000, maxPieces: 5, seed: 0xBB67_AE85_84CA_A73B)
        var secret = 0
        for name in names {
            #expect(Sensitive.isSecretFieldName(name) == search(name), "\(name)")
            if search(name) { secret += 1 }
        }
        #expect(secret >= 500)
        #expect(secret < names.count * 3 / 4)
    }

    /// IBANs judged on their first four characters before anything is copied: the same answers
    /// as the full reading, over real IBANs, near misses, spaced forms and random text.
    @Test func ibanShortcutAgreesWithTheFullReading() {
        func full(_ b: ArraySlice<UInt8>) -> Bool {
            var chars: [UInt8] = []
            for byte in b where byte != UInt8(ascii: " ") {
                chars.append(Bytes.lower(byte))
                if chars.count > 34 { return false }
            }
            guard chars.count >= 15, chars[0] >= 0x61, chars[0] <= 0x7A, chars[1] >= 0x61, chars[1] <= 0x7A,
                chars[2] >= 0x30, chars[2] <= 0x39, chars[3] >= 0x30, chars[3] <= 0x39
            else { return false }
            var remainder = 0
            for c in chars[4...] + chars[0..<4] {
                switch c {
                case 0x30...0x39: remainder = (remainder * 10 + Int(c - 0x30)) % 97
                case 0x61...0x7A: remainder = (remainder * 100 + Int(c - 0x61 + 10)) % 97
                default: return false
                }
            }
            return remainder == 1
        }
        var values = [
            "GB82 WEST 1234 5698 7654 32", "GB82WEST12345698765432", "gb82 west 1234 5698 7654 32",
            "  GB82WEST12345698765432",
            "DE89 3704 0044 0532 0130 00", "G B82WEST12345698765432", "GB8", "GB", "1B82WEST12345698765432",
        ]
        var state: UInt64 = 0x6A09_E667_F3BC_C908
        let alphabet = Array("AB12 x9Zz".utf8)
        for _ in 0..<5_000 {
            var value: [UInt8] = []
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            for _ in 0..<Int(5 + (state >> 33) % 30) {
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                value.append(alphabet[Int((state >> 33) % UInt64(alphabet.count))])
            }
            values.append(String(decoding: value, as: UTF8.self))
        }
        var found = 0
        for value in values {
            let bytes = Array(value.utf8)[...]
            #expect(Sensitive.isIBAN(bytes) == full(bytes), "\(value)")
            if full(bytes) { found += 1 }
        }
        #expect(found >= 3)
    }

    @Test func charsetClasses() {
        let shape = ValueShape.classify(Array("Ab1 -'é".utf8)[...])
        #expect(shape.charset == [.upper, .lower, .digit, .space, .safePunct, .punct, .nonASCII])
        #expect(shape.length == 8)
    }

    @Test(arguments: [
        ("ada@example.com", [SensitiveKind.email]), ("4111 1111 1111 1111", [.card]), ("4111111111111112", []),
        ("GB82 WEST 1234 5698 7654 32", [.iban]), ("GB82 WEST 1234 5698 7654 33", []), ("123-45-6789", [.ssn]),
        ("AB123456C", [.nationalID]), ("ab 12 34 56 c", [.nationalID]), ("GB123456A", []), ("AB123456E", []),
        ("12345678Z", [.nationalID]), ("X1234567L", [.nationalID]), ("12345678A", []),
        ("1 84 12 76 451 089 46", [.nationalID]), ("1841276451089 47", []), ("2 69 05 2A 123 456 88", [.nationalID]),
        ("529.982.247-25", [.nationalID]), ("529.982.247-26", []), ("111.111.111-11", []),
        ("130-692-544", [.nationalID]), ("130 692 545", []), ("2345 6789 0124", [.nationalID]), ("2345 6789 0125", []),
        ("configuration", []), ("123456789", []),
        ("666-45-6789", []), ("+44 20 7946 0958", [.phone]), ("12345678901", []),
        ("AKIAIOSFODNN7EXAMPLE", [.secret]), ("ghp_16C7e42F292c6912E7710c838347Ae178B4a", [.secret]),
        ("hello world", []),
    ])
    func sensitiveKinds(value: String, kinds: [SensitiveKind]) {
        #expect(Sensitive.kinds(in: Array(value.utf8)[...]) == kinds, "\(value)")
    }

    @Test func secretFieldNames() {
        #expect(Sensitive.kinds(in: Array("correct horse battery".utf8)[...], fieldName: "password") == [.secret])
        #expect(Sensitive.kinds(in: Array("correct horse battery".utf8)[...], fieldName: "comment") == [])
        #expect(Sensitive.isSecretFieldName("X-Api-Key"))
        #expect(!Sensitive.isSecretFieldName("username"))
    }

    @Test func ipParsing() {
        #expect(IPAddress.parseV4(Array("10.0.0.1".utf8)) == 0x0A00_0001)
        #expect(IPAddress.parseV4(Array("256.0.0.1".utf8)) == nil)
        #expect(IPAddress.parseV4(Array("1.2.3".utf8)) == nil)
        #expect(IPAddress.parseV4(Array("1.2.3.4.5".utf8)) == nil)
        #expect(IPAddress.parseV6(Array("::1".utf8)) == [UInt8](repeating: 0, count: 15) + [1])
        #expect(
            IPAddress.parseV6(Array("::ffff:127.0.0.1".utf8)) == [
                0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 127, 0, 0, 1,
            ])
        #expect(IPAddress.parseV6(Array("[fe80::1%eth0]".utf8))?.prefix(2) == [0xFE, 0x80])
        #expect(IPAddress.parseV6(Array("1:2:3:4:5:6:7:8".utf8))?.count == 16)
        #expect(IPAddress.parseV6(Array("1::2::3".utf8)) == nil)
        #expect(IPAddress.parseV6(Array("12345::".utf8)) == nil)
        #expect(IPAddress.parseV6(Array(":1::".utf8)) == nil)
    }
}
