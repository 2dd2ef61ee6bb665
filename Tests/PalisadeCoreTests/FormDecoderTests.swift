import Testing

@testable import PalisadeCore

@Suite struct FormDecoderTests {
    private func decode(_ bytes: [UInt8], source: Source = .query, limits: DecodeLimits = .default)
        -> (Decoded?, DecodeBudget)
    {
        var budget = DecodeBudget(limits: limits)
        let decoded = FormDecoder().decode(bytes[...], context: DecodeContext(source: source), budget: &budget)
        return (decoded, budget)
    }

    private func decode(_ text: String, source: Source = .query) -> Decoded? {
        decode(Array(text.utf8), source: source).0
    }

    /// Children as `path kind value` lines.
    private func lines(_ decoded: Decoded?) -> [String] {
        decoded?.children.map { "\($0.path) \($0.kind) \(String(decoding: $0.value, as: UTF8.self))" } ?? []
    }

    @Test func keepsOrderAndDuplicatesWithoutKeysForPlainNames() {
        let decoded = decode("a=1&b=2&a=3")
        #expect(lines(decoded) == [".a text 1", ".b text 2", ".a text 3"])
        #expect(decoded?.children.map(\.fieldName) == ["a", "b", "a"])
        #expect(decoded?.annotations.isEmpty == true)
    }

    @Test(arguments: [
        ("q=hello+world%21", [".q text hello world!"]),
        ("debug", [".debug text "]),
        ("a=", [".a text "]),
        ("a=1;b=2", [".a text 1;b=2"]),
        ("&&a=1&&", [".a text 1"]),
        ("=v", ["[\"\"] key ", "[\"\"] text v"]),
        ("a=b=c", [".a text b=c"]),
        ("a%5B%5D=1", ["[\"a[]\"] key a[]", "[\"a[]\"] text 1"]),
        ("%3Cscript%3E=1", ["[\"<script>\"] key <script>", "[\"<script>\"] text 1"]),
        ("first+name=J", ["[\"first name\"] key first name", "[\"first name\"] text J"]),
        ("id=%2527", [".id text %27"]),  // one round only: the rest is `>url`
        ("a=%zz%&b=%u0041", [".a text %zz%", ".b text %u0041"]),
        ("a=%c3%a9", [".a text é"]),
    ])
    func splitsAndDecodesOnce(_ input: String, _ expected: [String]) {
        #expect(lines(decode(input)) == expected)
    }

    @Test func foldsOverlongAndReportsNulPerCode() {
        let decoded = decode("f=..%c0%af&a=%00&b=x%00")
        #expect(
            lines(decoded) == [".f text ../", ".a text \u{0}", ".b text x\u{0}"])
        #expect(
            decoded?.annotations == [
                Annotation(.overlongUTF8, detail: "f", value: 1), Annotation(.nulByte, detail: "a", value: 2),
            ])
    }

    @Test func declaredBodyWithoutEqualsIsNotAForm() {
        #expect(decode(#"{"a":1}"#, source: .body) == nil)
        #expect(lines(decode("a=1", source: .body)) == [".a text 1"])
    }

    @Test(arguments: ["", "&", "&&&"])
    func returnsNilWithoutPairs(_ input: String) {
        #expect(decode(input) == nil)
    }

    @Test func boundsPairsByThePointLimit() {
        let hostile = Array(String(repeating: "a=1&", count: 100_000).utf8)
        let (decoded, budget) = decode(hostile)
        // One child per pair: `a` is a plain name, so no key child.
        #expect(decoded?.children.count == DecodeLimits.default.maxPoints)
        #expect(budget.hits == [.points])
        #expect(decoded?.children.last?.value == Array("1".utf8))
    }

    @Test func hostileSeparatorsAndPercentSignsAreCheap() {
        #expect(decode([UInt8](repeating: UInt8(ascii: "&"), count: 1 << 20)).0 == nil)
        let percents = [UInt8](repeating: UInt8(ascii: "%"), count: 1 << 20)
        let (decoded, _) = decode(Array("a=".utf8) + percents)
        #expect(decoded?.children.last?.value == percents)
    }

    @Test func respectsTheByteBudgetKeepingWhatWasRead() {
        var limits = DecodeLimits()
        limits.maxDecodedBytes = 10
        let (decoded, budget) = decode(Array("a=12345&b=67890&c=1".utf8), limits: limits)
        #expect(lines(decoded) == [".a text 12345"])
        #expect(budget.hits == [.bytes])
        #expect(budget.remainingBytes == 4)
    }

    @Test func truncatedEscapesStayAsTheyAre() {
        #expect(lines(decode("a=%4")) == [".a text %4"])
        #expect(lines(decode("a%=1%")) == ["[\"a%\"] key a%", "[\"a%\"] text 1%"])
    }

    /// A query or body decoded again by the same decoder is replayed from its cache: the result
    /// and the budget left are what a decoder that never saw it produces, whatever the allowance,
    /// the point limit and the source; a body without `=` stays no form after the same bytes were
    /// read as a query's list of names.
    @Test func rememberedInputsDecodeLikeFreshOnes() {
        let inputs = [
            "expand=profile&fields=name,email,created_at&page=3", "a=1&b=2&a=3&&c", "q=blue+running%20shoes&x=%C0%AE",
            "debug", "k%00ey=v&%3D=%26", "",
        ]
        let warm = FormDecoder()
        for input in inputs.map({ Array($0.utf8)[...] }) {
            for source in [Source.query, .body] {
                let context = DecodeContext(source: source)
                for maxPoints in [1_000, 2] {
                    var limits = DecodeLimits()
                    limits.maxPoints = maxPoints
                    var ample = DecodeBudget(limits: limits)
                    _ = warm.decode(input, context: context, budget: &ample)
                    for allowance in 0...(input.count + 2) {
                        limits.maxDecodedBytes = allowance
                        var replayed = DecodeBudget(limits: limits)
                        var fresh = replayed
                        let a = warm.decode(input, context: context, budget: &replayed)
                        let b = FormDecoder().decode(input, context: context, budget: &fresh)
                        let label = "\(String(decoding: input, as: UTF8.self)) \(source) \(maxPoints) \(allowance)"
                        #expect(a?.children == b?.children, "\(label)")
                        #expect(a?.annotations == b?.annotations, "\(label)")
                        #expect(replayed.remainingBytes == fresh.remainingBytes, "\(label)")
                        #expect(replayed.hits == fresh.hits, "\(label)")
                    }
                }
            }
        }
        var budget = DecodeBudget(limits: .default)
        #expect(warm.decode(Array("debug".utf8)[...], context: DecodeContext(source: .body), budget: &budget) == nil)
        #expect(warm.cache.count > 0)
    }
}
