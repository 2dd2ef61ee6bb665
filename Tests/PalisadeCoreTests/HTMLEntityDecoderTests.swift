import Testing

@testable import PalisadeCore

@Suite struct HTMLEntityDecoderTests {
    private func decode(_ bytes: [UInt8], limits: DecodeLimits = .default) -> (Decoded?, DecodeBudget) {
        var budget = DecodeBudget(limits: limits)
        let decoded = HTMLEntityDecoder().decode(bytes[...], context: DecodeContext(source: .body), budget: &budget)
        return (decoded, budget)
    }

    /// The decoded text, checking the transformation's shape; nil when the decoder declined.
    private func decode(_ text: String) -> String? {
        guard let decoded = decode(Array(text.utf8)).0 else { return nil }
        #expect(decoded.children.count == 1)
        #expect(decoded.children.first?.path == "")
        #expect(decoded.children.first?.kind == .text)
        #expect(decoded.annotations.isEmpty)
        return decoded.children.first.map { String(decoding: $0.value, as: UTF8.self) }
    }

    @Test(arguments: [
        ("&lt;script&gt;", "<script>"),
        ("&#60;&#060;&#0000000060;", "<<<"),
        ("&#x3c;&#X3C;&#x003C", "<<<"),
        ("&#60&#62", "<>"),
        ("&#106avascript&#58;", "javascript:"),
        ("&#x6aavascript", "\u{6AA}vascript"),  // hex digits run on, as in browsers
        ("javascript&colon;alert&lpar;1&rpar;", "javascript:alert(1)"),
        ("java&Tab;script&NewLine;", "java\tscript\n"),
        ("&quot;&apos;&amp;&nbsp;", "\"'&\u{A0}"),
        ("&sol;&bsol;&semi;&comma;&period;&excl;&num;", "/\\;,.!#"),
        ("&dollar;&percnt;&equals;&lsqb;&rsqb;&lcub;&rcub;", "$%=[]{}"),
        ("&grave;&Hat;&lowbar;&verbar;&quest;&plus;&ast;", "`^_|?+*"),
        ("&lbrack;&rbrack;&lbrace;&rbrace;&commat;&DiacriticalGrave;", "[]{}@`"),
        ("&LT;&GT;&AMP;&QUOT;", "<>&\""),
        ("&lt&gt &amp", "<> &"),  // legacy names without `;`
        ("&ltscript&gtalert(1)", "<script>alert(1)"),  // a legacy name starting a longer run, as in text
        ("&ltx &quotes", "<x \"es"),
        ("&copy 2024 &eacute;t&eacute;", "© 2024 été"),
        ("&Agrave;&yuml;&iquest;&times;", "Àÿ¿×"),
        ("&euro;&hellip;&zwj;&NegativeVeryThinSpace;", "€…\u{200D}\u{200B}"),
        ("&#128;&#x9F;&#x81;", "€Ÿ\u{81}"),  // windows-1252 for 0x80–0x9F
        ("&#0;&#xD800;&#x110000;&#99999999999999999999;", "\u{FFFD}\u{FFFD}\u{FFFD}\u{FFFD}"),
        ("&#x1F600;", "😀"),
        ("&amp;lt;", "&lt;"),  // one round; the engine decodes again
        ("a & b &lt; c", "a & b < c"),
        ("&#;&lt;", "&#;<"),
    ])
    func decodesReferences(_ input: String, _ expected: String) {
        #expect(decode(input) == expected)
    }

    @Test(arguments: [
        "", "plain", "a & b", "&", "&;", "&#", "&#;", "&#x;", "&#xg;", "&unknown;", "&colon",  // `;` required
        "&copy=1", "?a=1&copy=2", "&amp=", "&lt" + String(repeating: "a", count: 40),
        "&" + String(repeating: "a", count: 100) + ";",
    ])
    func returnsNilWhenNothingDecodes(_ input: String) {
        #expect(decode(input) == nil)
    }

    @Test func hostileInputsStayLinear() {
        let pairs = String(repeating: "&lt;&gt;", count: 100_000)
        #expect(decode(pairs) == String(repeating: "<>", count: 100_000))
        let ampersands = [UInt8](repeating: UInt8(ascii: "&"), count: 1 << 20)
        #expect(decode(ampersands).0 == nil)
        let zeros = "&#" + String(repeating: "0", count: 1 << 20) + "60;"
        #expect(decode(zeros) == "<")
        let names = String(repeating: "&" + String(repeating: "x", count: 31), count: 30_000)
        #expect(decode(names) == nil)
        #expect(
            decode(Array("&#x".utf8) + [UInt8](repeating: UInt8(ascii: "f"), count: 1 << 20)).0?.children.first?.value
                == [0xEF, 0xBF, 0xBD])
    }

    @Test func keepsInvalidUTF8AroundReferences() {
        let (decoded, _) = decode([
            0xFF, UInt8(ascii: "&"), UInt8(ascii: "l"), UInt8(ascii: "t"), UInt8(ascii: ";"), 0xC0,
        ])
        #expect(decoded?.children.first?.value == [0xFF, UInt8(ascii: "<"), 0xC0])
    }

    @Test func respectsTheByteBudget() {
        var limits = DecodeLimits()
        limits.maxDecodedBytes = 2
        let (decoded, budget) = decode(Array("&lt;&lt;&lt;".utf8), limits: limits)
        #expect(decoded == nil)
        #expect(budget.hits == [.bytes])
    }
}
