import Testing

@testable import PalisadeCore

@Suite struct URLPercentDecoderTests {
    private func decode(_ bytes: [UInt8], limits: DecodeLimits = .default) -> (Decoded?, DecodeBudget) {
        var budget = DecodeBudget(limits: limits)
        let decoded = URLPercentDecoder().decode(bytes[...], context: DecodeContext(source: .query), budget: &budget)
        return (decoded, budget)
    }

    private func decode(_ text: String) -> Decoded? { decode(Array(text.utf8)).0 }

    /// The single child of a transformation, checked for shape.
    private func output(_ decoded: Decoded?) -> [UInt8]? {
        guard let decoded else { return nil }
        #expect(decoded.children.count == 1)
        #expect(decoded.children.first?.path == "")
        #expect(decoded.children.first?.kind == .text)
        return decoded.children.first?.value
    }

    private func codes(_ decoded: Decoded?) -> [String] {
        decoded?.annotations.map { "\($0.code)=\($0.value)" } ?? []
    }

    @Test(arguments: [
        ("%3Cscript%3E", "<script>"),
        ("a%20b", "a b"),
        ("a+b%21", "a+b!"),
        ("%41%zz%", "A%zz%"),
        ("%%41", "%A"),
        ("%7e%7E", "~~"),
        ("%c3%a9t%C3%A9", "été"),
        ("x%41%", "xA%"),
    ])
    func decodesOneRound(_ input: String, _ expected: String) {
        let decoded = decode(input)
        #expect(output(decoded) == Array(expected.utf8))
        #expect(codes(decoded) == [])
    }

    @Test(arguments: [
        ("%2527", "'", 2),
        ("%252527", "'", 3),
        ("%2%41", "*", 2),  // the first round builds `%2A`
        ("%25252541", "A", 4),
        ("%2525252541", "%41", 4),  // four rounds at most; the engine may go on (`>url>url`)
    ])
    func decodesRepeatedRoundsAndCountsThem(_ input: String, _ expected: String, _ rounds: Int) {
        let decoded = decode(input)
        #expect(output(decoded) == Array(expected.utf8))
        #expect(codes(decoded) == ["url.multiple_encoding=\(rounds)"])
    }

    @Test(arguments: [
        ("%u003cscript%u003E", "<script>"),
        ("%U0041", "A"),
        ("%u00e9", "é"),
        ("%uD83D%uDE00", "😀"),
        ("%uD83Dx", "\u{FFFD}x"),
        ("%uDE00%uD83D", "\u{FFFD}\u{FFFD}"),
        ("%uFF1C", "＜"),
    ])
    func decodesIISPercentU(_ input: String, _ expected: String) {
        let decoded = decode(input)
        #expect(output(decoded) == Array(expected.utf8))
        #expect(codes(decoded) == ["url.percent_u=0"])
    }

    @Test(arguments: [
        ("..%c0%af", "../"),
        ("%c0%ae%c0%ae%c0%af", "../"),
        ("%C1%9C", "\\"),
        ("%e0%80%af", "/"),
        ("%f0%80%80%af", "/"),
        ("%f8%80%80%80%af", "/"),
        ("%fc%80%80%80%80%af", "/"),
        ("%e0%82%a9", "©"),
        ("%2e%2e%25c0%25af", "../"),  // the overlong form appears in the second round
    ])
    func foldsOverlongUTF8(_ input: String, _ expected: String) {
        let decoded = decode(input)
        #expect(output(decoded) == Array(expected.utf8))
        #expect(codes(decoded).contains("url.overlong_utf8=0"))
    }

    @Test func keepsValidAndTruncatedMultibyteSequencesAsTheyAre() {
        // Valid UTF-8 is never folded; truncated or surrogate-producing forms stay raw bytes.
        #expect(output(decode("%c3%a9")) == [0xC3, 0xA9])
        #expect(output(decode("%c0")) == [0xC0])
        #expect(output(decode("%e0%80")) == [0xE0, 0x80])
        #expect(output(decode("%c0%41")) == [0xC0, 0x41])
        #expect(output(decode("%ed%a0%80")) == [0xED, 0xA0, 0x80])
        #expect(output(decode("%ff%fe")) == [0xFF, 0xFE])
        #expect(codes(decode("%c0")) == [])
    }

    @Test func keepsNulAndAnnotatesIt() {
        let decoded = decode("a%00b")
        #expect(output(decoded) == [0x61, 0x00, 0x62])
        #expect(codes(decoded) == ["encoding.nul_byte=0"])
        #expect(codes(decode("%c0%80")) == ["url.overlong_utf8=0", "encoding.nul_byte=0"])
        #expect(codes(decode("%u0000")) == ["url.percent_u=0", "encoding.nul_byte=0"])
        #expect(codes(decode("%2500")) == ["url.multiple_encoding=2", "encoding.nul_byte=0"])
    }

    @Test(arguments: ["", "abc", "100%", "%zz", "%4", "%u12", "%u12G4", "a+b", "%%%", "%\u{e9}1"])
    func returnsNilWithoutAValidEscape(_ input: String) {
        #expect(decode(input) == nil)
    }

    @Test func hostileInputsStayLinearAndBounded() {
        // 1 MB of `%`: rejected by the cheap scan.
        #expect(decode([UInt8](repeating: UInt8(ascii: "%"), count: 1 << 20)).0 == nil)
        // 1 MB of `%25`: one round to `%%%…`, then nothing valid is left.
        let percents = Array(String(repeating: "%25", count: 349_525).utf8)
        let (decoded, budget) = decode(percents)
        #expect(output(decoded) == [UInt8](repeating: UInt8(ascii: "%"), count: 349_525))
        #expect(budget.remainingBytes == DecodeLimits.default.maxDecodedBytes - 349_525)
        // 1 MB of overlong slashes.
        let slashes = Array(String(repeating: "%c0%af", count: 174_762).utf8)
        #expect(output(decode(slashes).0) == [UInt8](repeating: UInt8(ascii: "/"), count: 174_762))
        // Half escapes, half junk, 1 MB.
        let junk = Array(String(repeating: "%u%4%zz%41", count: 104_857).utf8)
        #expect(output(decode(junk).0)?.count == 104_857 * 8)
    }

    @Test func respectsTheByteBudget() {
        var limits = DecodeLimits()
        limits.maxDecodedBytes = 4
        let (decoded, budget) = decode(Array("%41%42%43%44%45".utf8), limits: limits)
        #expect(decoded == nil)
        #expect(budget.hits == [.bytes])
        let (fits, fitsBudget) = decode(Array("%41%42%43%44".utf8), limits: limits)
        #expect(output(fits) == Array("ABCD".utf8))
        #expect(fitsBudget.remainingBytes == 0)
    }
}
