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

    /// A header decoded again by the same decoder is replayed from its cache: the result and the
    /// budget left must be what a decoder that never saw it produces, whatever the allowance and
    /// the point limit; headers a limit stopped are not remembered.
    @Test func rememberedHeadersDecodeLikeFreshOnes() {
        let headers = [
            "session=9f86d081884c7d659a2feaa0c55ad015; theme=dark; consent=1",
            "a=1; b=x%20y; c=%C0%AE%C0%AE; d=\"quoted\"; e; =f; g=%00",
            "  spaced = out ;;  ; lone",
            "\u{00E9}t\u{00E9}=caf\u{00E9}; k%20ey=v%3Dw",
        ]
        let warm = CookieDecoder()
        for header in headers {
            let input = Array(header.utf8)[...]
            for maxPoints in [1_000, 2] {
                var limits = DecodeLimits()
                limits.maxPoints = maxPoints
                var ample = DecodeBudget(limits: limits)
                _ = warm.decode(input, context: DecodeContext(source: .cookie), budget: &ample)
                for allowance in 0...(input.count + 2) {
                    limits.maxDecodedBytes = allowance
                    var replayed = DecodeBudget(limits: limits)
                    var fresh = replayed
                    let a = warm.decode(input, context: DecodeContext(source: .cookie), budget: &replayed)
                    let b = CookieDecoder().decode(input, context: DecodeContext(source: .cookie), budget: &fresh)
                    #expect(a?.children == b?.children, "\(header) \(allowance)")
                    #expect(a?.annotations == b?.annotations, "\(header) \(allowance)")
                    #expect(replayed.remainingBytes == fresh.remainingBytes, "\(header) \(allowance)")
                    #expect(replayed.hits == fresh.hits, "\(header) \(allowance)")
                }
            }
        }
        // Remembered when no limit stopped the reading: every header under the ample limits, and
        // the two with two pairs under a limit of two.
        #expect(warm.cache.count == headers.count + 2)
        var budget = DecodeBudget(limits: .default)
        let first = warm.decode(Array(headers[0].utf8)[...], context: DecodeContext(source: .cookie), budget: &budget)
        #expect(first?.children.count == 3)
    }

    @Test func remembersABoundedNumberOfHeaders() {
        let decoder = CookieDecoder()
        for n in 0..<(DecodeReplayCache<ByteCharge>.capacity + 10) {
            var budget = DecodeBudget(limits: .default)
            #expect(
                decoder.decode(
                    Array("session=\(n)".utf8)[...], context: DecodeContext(source: .cookie), budget: &budget) != nil)
            #expect(decoder.cache.count <= DecodeReplayCache<ByteCharge>.capacity)
        }
    }
}
