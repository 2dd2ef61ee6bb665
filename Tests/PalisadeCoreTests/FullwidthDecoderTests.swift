import Testing

@testable import PalisadeCore

@Suite struct FullwidthDecoderTests {
    private func decode(_ text: String, limits: DecodeLimits = .default) -> (String?, DecodeBudget) {
        var budget = DecodeBudget(limits: limits)
        let decoded = FullwidthDecoder().decode(
            Array(text.utf8)[...], context: DecodeContext(source: .query), budget: &budget)
        if let decoded {
            #expect(decoded.children.count == 1 && decoded.children[0].path == "" && decoded.children[0].kind == .text)
        }
        return (decoded.map { String(decoding: $0.children[0].value, as: UTF8.self) }, budget)
    }

    @Test(arguments: [
        ("＜script＞alert(1)＜/script＞", "<script>alert(1)</script>"),
        ("＜ｓｃｒｉｐｔ＞", "<script>"),
        ("１＇　ＯＲ　＇１＇＝＇１", "1' OR '1'='1"),
        ("｛｛７＊７｝｝", "{{7*7}}"),
        ("＄｛ｊｎｄｉ：ｌｄａｐ：／／ｘ｝", "${jndi:ldap://x}"),
        ("..＼..＼windows", "..\\..\\windows"),
        ("｀ｉｄ｀", "`id`"),
        ("＂ｏｎｅ＂ and ｔｗｏ", "\"one\" and two"),
        ("価格＜１０００円", "価格<1000円"),  // what stays non-ASCII is kept
    ])
    func foldsWhenATriggerIsPresent(_ input: String, _ expected: String) {
        #expect(decode(input).0 == expected)
    }

    /// CJK prose's everyday fullwidth punctuation and letters alone leave the value alone.
    @Test(arguments: [
        "株式会社テスト（東京）：営業部／第一課", "ＡＢＣ　ＤＥＦ", "セール｜最大５０％ＯＦＦ！", "はい；いいえ？",
        "plain ascii <script>", "", "\u{FFE5}100",
    ])
    func leavesOtherTextAlone(_ input: String) {
        #expect(decode(input).0 == nil)
    }

    /// Every form of the block maps to the ASCII character it mirrors.
    @Test func theWholeBlockFolds() {
        var input = "＜"
        var expected = "<"
        for scalar in 0xFF01...0xFF5E {
            input.unicodeScalars.append(Unicode.Scalar(UInt32(scalar))!)
            expected.unicodeScalars.append(Unicode.Scalar(UInt32(scalar - 0xFEE0))!)
        }
        #expect(decode(input).0 == expected)
    }

    @Test func theByteBudgetIsCharged() {
        var limits = DecodeLimits.default
        limits.maxDecodedBytes = 4
        let (decoded, budget) = decode("＜script＞", limits: limits)
        #expect(decoded == nil)
        #expect(budget.hits.contains(.bytes))
    }

    /// In a request: the fold is sniffed below the value that holds it (`>fullwidth`).
    @Test func aFoldedValueIsAPointBelowTheRaw() {
        let record = CaptureRecord(
            id: "r", ts: 1, method: "GET", rawPath: "/search?q=%EF%BC%9Cscript%EF%BC%9E", headers: [])
        let decoded = RequestDecoder().decode(record)
        #expect(decoded.value(at: "query.q>fullwidth") == "<script>")
    }
}
