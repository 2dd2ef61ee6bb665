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
