/// HTML character references as a transformation (`>html`): `&lt;`, `&#60;`, `&#x3c;`, `&#X3C`,
/// `&colon;`, … — what a browser would see in an attribute value, so that
/// `&#106;avascript&colon;alert&lpar;1&rpar;` reads `javascript:alert(1)`.
///
/// - Numeric references follow the HTML tokenizer: any number of digits (leading zeros included),
///   `;` optional, 0, surrogates and values past U+10FFFF become U+FFFD, 0x80–0x9F map through
///   windows-1252. `&#;` and `&#x;` are not references.
/// - Named references need their `;`, except the legacy names browsers accept without it (`&lt`,
///   `&amp`, `&copy`, the Latin-1 set), which are decoded when not followed by `=` (the attribute
///   rule). A run of letters that is no name but starts with a legacy one decodes that prefix, as
///   browsers do in text: `&ltscript&gt` is `<script>`.
///   The table covers every name XSS payloads use, Latin-1 and common punctuation.
/// - One round: `&amp;lt;` becomes `&lt;` and the engine decodes the result again (`>html>html`).
/// - Nil unless at least one reference decodes; no `&` is rejected without allocating.
public struct HTMLEntityDecoder: ValueDecoder {
    public let name = "html"
    public let isContainer = false
    /// Only values holding a `&`.
    public var sniffGate: SniffGate { SniffGate(contains: UInt8(ascii: "&"), minCount: 2) }

    public init() {}

    public func decode(_ input: ArraySlice<UInt8>, context: DecodeContext, budget: inout DecodeBudget) -> Decoded? {
        guard input.contains(UInt8(ascii: "&")) else { return nil }
        var out: [UInt8] = []
        var decodedAny = false
        var copied = input.startIndex  // input before this index is already in `out`
        var index = input.startIndex
        while index < input.endIndex {
            guard input[index] == UInt8(ascii: "&"), let (scalar, length) = Self.reference(in: input, at: index) else {
                index += 1
                continue
            }
            if !decodedAny {
                out.reserveCapacity(input.count)
                decodedAny = true
            }
            out.append(contentsOf: input[copied..<index])
            Percent.appendUTF8(scalar, to: &out)
            index += length
            copied = index
        }
        guard decodedAny else { return nil }
        out.append(contentsOf: input[copied...])
        guard budget.consume(out.count) else { return nil }
        return .transformed(out)
    }

    /// The character reference starting at `start` (which holds `&`): its scalar and length.
    static func reference(in input: ArraySlice<UInt8>, at start: Int) -> (UInt32, Int)? {
        let end = input.endIndex
        var index = start + 1
        guard index < end else { return nil }
        if input[index] == UInt8(ascii: "#") {
            index += 1
            var hex = false
            if index < end, (input[index] | 0x20) == UInt8(ascii: "x") {
                hex = true
                index += 1
            }
            let digitsStart = index
            var value: UInt32 = 0
            while index < end {
                let digit: UInt8?
                if hex {
                    digit = Percent.hexValue(input[index])
                } else {
                    let byte = input[index]
                    digit = byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") ? byte - UInt8(ascii: "0") : nil
                }
                guard let digit else { break }
                // Saturate past U+10FFFF: any number of digits is accepted, none overflows.
                if value <= 0x10FFFF { value = value * (hex ? 16 : 10) + UInt32(digit) }
                index += 1
            }
            guard index > digitsStart else { return nil }
            if index < end, input[index] == UInt8(ascii: ";") { index += 1 }
            return (numericScalar(value), index - start)
        }
        // A named reference: the longest run of ASCII letters and digits.
        let nameStart = index
        while index < end, index - nameStart <= maxNameLength, isAlphanumeric(input[index]) { index += 1 }
        let length = index - nameStart
        guard length > 0, length <= maxNameLength else { return nil }
        guard let entry = named[String(decoding: input[nameStart..<index], as: UTF8.self)] else {
            // Text content: the longest legacy name the run starts with (`&ltscript` is `<script`,
            // as browsers and Python's `html.unescape` read it).
            for prefix in stride(from: min(length - 1, maxLegacyLength), through: 2, by: -1) {
                if let entry = named[String(decoding: input[nameStart..<(nameStart + prefix)], as: UTF8.self)],
                    entry & legacyFlag != 0
                {
                    return (entry & scalarMask, prefix + 1)
                }
            }
            return nil
        }
        if index < end, input[index] == UInt8(ascii: ";") { return (entry & scalarMask, index + 1 - start) }
        guard entry & legacyFlag != 0, index == end || input[index] != UInt8(ascii: "=") else { return nil }
        return (entry & scalarMask, index - start)
    }

    /// What a numeric reference stands for (HTML "numeric character reference end state").
    static func numericScalar(_ value: UInt32) -> UInt32 {
        switch value {
        case 0, 0xD800...0xDFFF: return 0xFFFD
        case 0x80...0x9F:
            let mapped = windows1252[Int(value - 0x80)]
            return mapped == 0 ? value : UInt32(mapped)
        case 0x11_0000...: return 0xFFFD
        default: return value
        }
    }

    @inline(__always)
    private static func isAlphanumeric(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        default: return false
        }
    }

    /// The longest name in the table.
    static let maxNameLength = 32
    /// The longest legacy name (`curren`, `plusmn`, `frac14`, `Agrave`…).
    static let maxLegacyLength = 6
    private static let legacyFlag: UInt32 = 1 << 31
    private static let scalarMask: UInt32 = 0x1F_FFFF

    /// windows-1252 for 0x80–0x9F (0: no mapping, the value stays).
    private static let windows1252: [UInt16] = [
        0x20AC, 0, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017D, 0,
        0, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0, 0x017E,
        0x0178,
    ]

    /// Latin-1 names, U+00A0 to U+00FF in order: all of them legacy (accepted without `;`).
    private static let latin1Names = [
        "nbsp", "iexcl", "cent", "pound", "curren", "yen", "brvbar", "sect", "uml", "copy", "ordf", "laquo", "not",
        "shy", "reg", "macr", "deg", "plusmn", "sup2", "sup3", "acute", "micro", "para", "middot", "cedil", "sup1",
        "ordm", "raquo", "frac14", "frac12", "frac34", "iquest", "Agrave", "Aacute", "Acirc", "Atilde", "Auml",
        "Aring", "AElig", "Ccedil", "Egrave", "Eacute", "Ecirc", "Euml", "Igrave", "Iacute", "Icirc", "Iuml", "ETH",
        "Ntilde", "Ograve", "Oacute", "Ocirc", "Otilde", "Ouml", "times", "Oslash", "Ugrave", "Uacute", "Ucirc",
        "Uuml", "Yacute", "THORN", "szlig", "agrave", "aacute", "acirc", "atilde", "auml", "aring", "aelig", "ccedil",
        "egrave", "eacute", "ecirc", "euml", "igrave", "iacute", "icirc", "iuml", "eth", "ntilde", "ograve", "oacute",
        "ocirc", "otilde", "ouml", "divide", "oslash", "ugrave", "uacute", "ucirc", "uuml", "yacute", "thorn", "yuml",
    ]

    /// Legacy names outside Latin-1.
    private static let legacyNames: [(String, UInt32)] = [
        ("amp", 0x26), ("AMP", 0x26), ("lt", 0x3C), ("LT", 0x3C), ("gt", 0x3E), ("GT", 0x3E), ("quot", 0x22),
        ("QUOT", 0x22), ("COPY", 0xA9), ("REG", 0xAE),
    ]

    /// Names that need their `;`.
    private static let otherNames: [(String, UInt32)] = [
        // ASCII punctuation and whitespace (what filter evasion uses).
        ("Tab", 0x09), ("NewLine", 0x0A), ("excl", 0x21), ("num", 0x23), ("dollar", 0x24), ("percnt", 0x25),
        ("apos", 0x27), ("lpar", 0x28), ("rpar", 0x29), ("ast", 0x2A), ("midast", 0x2A), ("plus", 0x2B),
        ("comma", 0x2C), ("period", 0x2E), ("sol", 0x2F), ("colon", 0x3A), ("semi", 0x3B), ("equals", 0x3D),
        ("quest", 0x3F), ("commat", 0x40), ("lsqb", 0x5B), ("lbrack", 0x5B), ("bsol", 0x5C), ("rsqb", 0x5D),
        ("rbrack", 0x5D), ("Hat", 0x5E), ("lowbar", 0x5F), ("UnderBar", 0x5F), ("grave", 0x60),
        ("DiacriticalGrave", 0x60), ("lcub", 0x7B), ("lbrace", 0x7B), ("verbar", 0x7C), ("vert", 0x7C),
        ("VerticalLine", 0x7C), ("rcub", 0x7D), ("rbrace", 0x7D),
        // Latin-1 aliases.
        ("NonBreakingSpace", 0xA0), ("centerdot", 0xB7), ("CenterDot", 0xB7), ("half", 0xBD), ("pm", 0xB1),
        ("PlusMinus", 0xB1), ("circledR", 0xAE), ("die", 0xA8), ("Dot", 0xA8), ("DoubleDot", 0xA8),
        ("div", 0xF7), ("angst", 0xC5), ("strns", 0xAF),
        // Spaces, joiners and invisible characters (used to split keywords).
        ("ensp", 0x2002), ("emsp", 0x2003), ("emsp13", 0x2004), ("emsp14", 0x2005), ("numsp", 0x2007),
        ("puncsp", 0x2008), ("thinsp", 0x2009), ("ThinSpace", 0x2009), ("hairsp", 0x200A),
        ("VeryThinSpace", 0x200A), ("ZeroWidthSpace", 0x200B), ("NegativeVeryThinSpace", 0x200B),
        ("NegativeThinSpace", 0x200B), ("NegativeMediumSpace", 0x200B), ("NegativeThickSpace", 0x200B),
        ("zwnj", 0x200C), ("zwj", 0x200D), ("lrm", 0x200E), ("rlm", 0x200F), ("MediumSpace", 0x205F),
        ("NoBreak", 0x2060), ("af", 0x2061), ("ApplyFunction", 0x2061), ("it", 0x2062), ("InvisibleTimes", 0x2062),
        ("ic", 0x2063), ("InvisibleComma", 0x2063),
        // Typography.
        ("hyphen", 0x2010), ("dash", 0x2010), ("ndash", 0x2013), ("mdash", 0x2014), ("horbar", 0x2015),
        ("Verbar", 0x2016), ("lsquo", 0x2018), ("rsquo", 0x2019), ("rsquor", 0x2019), ("sbquo", 0x201A),
        ("lsquor", 0x201A), ("ldquo", 0x201C), ("rdquo", 0x201D), ("rdquor", 0x201D), ("bdquo", 0x201E),
        ("ldquor", 0x201E), ("dagger", 0x2020), ("Dagger", 0x2021), ("bull", 0x2022), ("bullet", 0x2022),
        ("nldr", 0x2025), ("hellip", 0x2026), ("mldr", 0x2026), ("permil", 0x2030), ("prime", 0x2032),
        ("Prime", 0x2033), ("lsaquo", 0x2039), ("rsaquo", 0x203A), ("oline", 0x203E), ("frasl", 0x2044),
        ("euro", 0x20AC), ("trade", 0x2122), ("TRADE", 0x2122), ("larr", 0x2190), ("uarr", 0x2191),
        ("rarr", 0x2192), ("darr", 0x2193), ("harr", 0x2194), ("lArr", 0x21D0), ("rArr", 0x21D2),
        ("hArr", 0x21D4), ("minus", 0x2212), ("lowast", 0x2217), ("infin", 0x221E), ("ne", 0x2260),
        ("le", 0x2264), ("ge", 0x2265), ("lang", 0x27E8), ("rang", 0x27E9), ("loz", 0x25CA),
        // Latin Extended and Greek letters commonly written as entities.
        ("OElig", 0x152), ("oelig", 0x153), ("Scaron", 0x160), ("scaron", 0x161), ("Yuml", 0x178),
        ("fnof", 0x192), ("circ", 0x2C6), ("tilde", 0x2DC), ("Alpha", 0x391), ("Beta", 0x392), ("Gamma", 0x393),
        ("Delta", 0x394), ("Omega", 0x3A9), ("alpha", 0x3B1), ("beta", 0x3B2), ("gamma", 0x3B3),
        ("delta", 0x3B4), ("epsilon", 0x3B5), ("lambda", 0x3BB), ("mu", 0x3BC), ("pi", 0x3C0), ("sigma", 0x3C3),
        ("omega", 0x3C9),
    ]

    /// Name → scalar, with `legacyFlag` set on the names accepted without `;`.
    private static let named: [String: UInt32] = {
        var table: [String: UInt32] = [:]
        for (offset, name) in latin1Names.enumerated() { table[name] = (0xA0 + UInt32(offset)) | legacyFlag }
        for (name, scalar) in legacyNames { table[name] = scalar | legacyFlag }
        for (name, scalar) in otherNames { table[name] = scalar }
        return table
    }()
}
