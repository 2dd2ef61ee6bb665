import Testing

@testable import PalisadeCore

@Suite struct PathDecoderTests {
    private func decode(_ bytes: [UInt8], limits: DecodeLimits = .default) -> (Decoded?, DecodeBudget) {
        var budget = DecodeBudget(limits: limits)
        let decoded = PathDecoder().decode(bytes[...], context: DecodeContext(source: .path), budget: &budget)
        return (decoded, budget)
    }

    private func decode(_ text: String) -> Decoded? { decode(Array(text.utf8)).0 }

    /// Children as `path kind value` lines.
    private func lines(_ decoded: Decoded?) -> [String] {
        decoded?.children.map { "\($0.path) \($0.kind) \(String(decoding: $0.value, as: UTF8.self))" } ?? []
    }

    @Test func splitsSegmentsAndMatrixParameters() {
        let decoded = decode("/v1/users;jsessionid=abc/42/..%2f")
        #expect(
            lines(decoded) == [
                "[0] text v1", "[1] text users", "[1];jsessionid text abc",
                "[2] text 42", "[3] text ../",
            ])
        #expect(decoded?.children.map(\.fieldName) == [nil, nil, "jsessionid", nil, nil])
        #expect(decoded?.annotations.isEmpty == true)
    }

    @Test(arguments: [
        ("//a//b/", ["[0] text a", "[1] text b"]),
        ("a/b", ["[0] text a", "[1] text b"]),
        (
            "/a;x=1;y;;z=%41/b",
            [
                "[0] text a", "[0];x text 1", "[0];y text ", "[0];z text A",
                "[1] text b",
            ]
        ),
        ("/;x=1", ["[0] text ", "[0];x text 1"]),
        ("/a;%20b=1", ["[0] text a", "[0];[\" b\"] key  b", "[0];[\" b\"] text 1"]),
        ("/a;", ["[0] text a"]),
        ("/%2e%2e/%2e%2e/etc/passwd", ["[0] text ..", "[1] text ..", "[2] text etc", "[3] text passwd"]),
        ("/../../etc/./passwd", ["[0] text ..", "[1] text ..", "[2] text etc", "[3] text .", "[4] text passwd"]),
        ("/a%3Bb=1", ["[0] text a;b=1"]),
        ("/a%2Fb", ["[0] text a/b"]),
        ("/a+b", ["[0] text a+b"]),
        ("/%252e%252e", ["[0] text %2e%2e"]),  // the second round is `>url`'s
        ("/..\\..\\win.ini", ["[0] text ..\\..\\win.ini"]),
        ("/x%", ["[0] text x%"]),
    ])
    func decodesSegments(_ input: String, _ expected: [String]) {
        #expect(lines(decode(input)) == expected)
    }

    @Test func foldsOverlongAndReportsNul() {
        let decoded = decode("/..%c0%af..%c0%afetc/a%00.php")
        #expect(lines(decoded) == ["[0] text ../../etc", "[1] text a\u{0}.php"])
        #expect(
            decoded?.annotations == [
                Annotation(.overlongUTF8, detail: "path[0]", value: 1),
                Annotation(.nulByte, detail: "path[1]", value: 1),
            ])
    }

    @Test(arguments: ["", "/", "////"])
    func returnsNilWithoutSegments(_ input: String) {
        #expect(decode(input) == nil)
    }

    @Test func hostileInputsAreBounded() {
        #expect(decode([UInt8](repeating: UInt8(ascii: "/"), count: 1 << 20)).0 == nil)
        let (segments, segmentBudget) = decode(Array(String(repeating: "/a", count: 100_000).utf8))
        #expect(segments?.children.count == DecodeLimits.default.maxPoints)
        #expect(segmentBudget.hits == [.points])
        #expect(segments?.children.last?.path == "[4095]")
        let (params, paramBudget) = decode(Array(("/a" + String(repeating: ";p=1", count: 100_000)).utf8))
        // One segment, then parameters up to the point limit (`p` is plain: no key child).
        #expect(params?.children.count == DecodeLimits.default.maxPoints)
        #expect(paramBudget.hits == [.points])
        let (semicolons, _) = decode(Array(("/a" + String(repeating: ";", count: 1 << 20)).utf8))
        #expect(lines(semicolons) == ["[0] text a"])
    }

    @Test func respectsTheByteBudget() {
        var limits = DecodeLimits()
        limits.maxDecodedBytes = 5
        let (decoded, budget) = decode(Array("/abc/de;x=1/f".utf8), limits: limits)
        #expect(lines(decoded) == ["[0] text abc", "[1] text de"])
        #expect(budget.hits == [.bytes])
    }
}
