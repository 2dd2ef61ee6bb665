import Testing

@testable import PalisadeCore

@Suite struct CookieDecoderTests {
    private func decode(_ bytes: [UInt8], limits: DecodeLimits = .default) -> (Decoded?, DecodeBudget) {
        var budget = DecodeBudget(limits: limits)
        let decoded = CookieDecoder().decode(bytes[...], context: DecodeContext(source: .cookie), budget: &budget)
        return (decoded, budget)
    }

    private func decode(_ text: String) -> Decoded? { decode(Array(text.utf8)).0 }

    /// Children as `path kind value` lines.
    private func lines(_ decoded: Decoded?) -> [String] {
        decoded?.children.map { "\($0.path) \($0.kind) \(String(decoding: $0.value, as: UTF8.self))" } ?? []
    }

    @Test func splitsPairsAndDecodesOnce() {
        let decoded = decode("a=1; b=x%20y")
        #expect(lines(decoded) == [".a text 1", ".b text x y"])
        #expect(decoded?.children.map(\.fieldName) == ["a", "b"])
        #expect(decoded?.annotations.isEmpty == true)
    }

    @Test(arguments: [
        (
            "  a = 1 ;;  ; b=\"quoted value\" ;c",
            [".a text 1", ".b text quoted value", ".c text "]
        ),
        ("a=x+y", [".a text x+y"]),
        ("a=\"", [".a text \""]),
        ("a=\"\"", [".a text "]),
        ("a=\"x", [".a text \"x"]),
        ("session=abc=def==", [".session text abc=def=="]),
        ("a=1,b=2", [".a text 1,b=2"]),
        ("\ta=1\t;", [".a text 1"]),
        ("=v", ["[\"\"] key ", "[\"\"] text v"]),
        ("my%20id=%2527", ["[\"my id\"] key my id", "[\"my id\"] text %27"]),
        ("t=%zz%", [".t text %zz%"]),
    ])
    func toleratesRealWorldShapes(_ input: String, _ expected: [String]) {
        #expect(lines(decode(input)) == expected)
    }

    @Test func foldsOverlongAndReportsNul() {
        let decoded = decode("p=..%c0%af; n=%00")
        #expect(lines(decoded) == [".p text ../", ".n text \u{0}"])
        #expect(
            decoded?.annotations == [
                Annotation(.overlongUTF8, detail: "p", value: 1), Annotation(.nulByte, detail: "n", value: 1),
            ])
    }

    @Test(arguments: ["", ";", " ; ;\t; "])
    func returnsNilWithoutPairs(_ input: String) {
        #expect(decode(input) == nil)
    }

    @Test func hostileInputsAreBounded() {
        #expect(decode([UInt8](repeating: UInt8(ascii: ";"), count: 1 << 20)).0 == nil)
        #expect(decode([UInt8](repeating: UInt8(ascii: " "), count: 1 << 20)).0 == nil)
        let (decoded, budget) = decode(Array(String(repeating: "a=1; ", count: 100_000).utf8))
        // One child per pair: `a` is a plain name, so no key child.
        #expect(decoded?.children.count == DecodeLimits.default.maxPoints)
        #expect(budget.hits == [.points])
    }

    @Test func respectsTheByteBudget() {
        var limits = DecodeLimits()
        limits.maxDecodedBytes = 3
        let (decoded, budget) = decode(Array("a=12; b=3".utf8), limits: limits)
        #expect(lines(decoded) == [".a text 12"])
        #expect(budget.hits == [.bytes])
    }
}
