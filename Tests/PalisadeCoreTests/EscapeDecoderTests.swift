import Testing

@testable import PalisadeCore

@Suite struct EscapeDecoderTests {
    private func decode(_ bytes: [UInt8], limits: DecodeLimits = .default) -> (Decoded?, DecodeBudget) {
        var budget = DecodeBudget(limits: limits)
        let decoded = EscapeDecoder().decode(bytes[...], context: DecodeContext(source: .body), budget: &budget)
        return (decoded, budget)
    }

    /// The decoded text, checking the transformation's shape; nil when the decoder declined.
    private func decode(_ text: String) -> String? {
        guard let decoded = decode(Array(text.utf8)).0 else { return nil }
        #expect(decoded.children.count == 1)
        #expect(decoded.children.first?.path == "")
        #expect(decoded.children.first?.kind == .text)
        return decoded.children.first.map { String(decoding: $0.value, as: UTF8.self) }
    }

    @Test(arguments: [
        (#"\x3cscript\x3E"#, "<script>"),
        (#"\u003cimg\u003E"#, "<img>"),
        (#"\u{3c}\u{00000041}\u{1F600}"#, "<A😀"),
        (#"\uD83D\uDE00"#, "😀"),
        (#"\uD83Dx"#, "\u{FFFD}x"),
        (#"\uDE00\uD83D"#, "\u{FFFD}\u{FFFD}"),
        (#"\u{D800}"#, "\u{FFFD}"),
        (#"\xe9t\xE9"#, "été"),
        (#"\74\101\7"#, "<A\u{7}"),
        (#"\400"#, " 0"),  // three octal digits only from 0–3
        (#"\1234"#, "S4"),
        (#"\8\9\0x"#, "\\8\\9\u{0}x"),
        (#"a\nb\tc\rd\be\ff\vg"#, "a\nb\tc\rd\u{8}e\u{C}f\u{B}g"),
        (#"\\ \' \" \/ \`"#, "\\ ' \" / `"),
        (#"\\x41"#, "\\x41"),  // one round; the engine decodes again
        (#"C:\Users\name"#, "C:\\Users\name"),
        (#"\x4\x41\u12\u0041\u{}\u{110000}\q"#, "\\x4A\\u12A\\u{}\\u{110000}\\q"),
    ])
    func decodesEscapes(_ input: String, _ expected: String) {
        #expect(decode(input) == expected)
    }

    @Test(arguments: [
        "", "plain", "\\", "\\q", #"\x"#, #"\xZZ"#, #"\u12"#, #"\u{12"#, #"\u{}"#, #"\u{FFFFFFFFF}"#, #"\8"#,
    ])
    func returnsNilWhenNothingDecodes(_ input: String) {
        #expect(decode(input) == nil)
    }

    @Test func annotatesNul() {
        let (decoded, _) = decode(Array(#"a\0b\x00"#.utf8))
        #expect(decoded?.children.first?.value == [0x61, 0, 0x62, 0])
        #expect(decoded?.annotations == [Annotation(.nulByte, detail: "escaped NUL")])
        #expect(decode(Array(#"\n"#.utf8)).0?.annotations == [])
    }

    @Test func hostileInputsStayLinear() {
        let escapes = String(repeating: #"\x41\u0042"#, count: 100_000)
        #expect(decode(escapes) == String(repeating: "AB", count: 100_000))
        #expect(
            decode([UInt8](repeating: UInt8(ascii: "\\"), count: (1 << 20) + 1)).0?.children.first?.value
                == [UInt8](repeating: UInt8(ascii: "\\"), count: 1 << 19) + [UInt8(ascii: "\\")])
        let braces = #"\u{"# + String(repeating: "0", count: 1 << 20) + "41}"
        #expect(decode(braces) == "A")
        let unclosed = String(repeating: #"\u{"# + String(repeating: "0", count: 100), count: 10_000)
        #expect(decode(unclosed) == nil)
    }

    @Test func respectsTheByteBudget() {
        var limits = DecodeLimits()
        limits.maxDecodedBytes = 1
        let (decoded, budget) = decode(Array(#"\x41\x42"#.utf8), limits: limits)
        #expect(decoded == nil)
        #expect(budget.hits == [.bytes])
    }
}
