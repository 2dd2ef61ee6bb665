/// JavaScript/JSON-style backslash escapes outside JSON documents, as a transformation
/// (`>escape`): `\x3cscript\x3e`, `\u003c`, `\u{1F600}`, `\74`, `\n`, `\'` — how payloads are
/// smuggled into script contexts, template strings and JSON-ish values a decoder did not parse.
///
/// - `\xHH` (exactly two hex digits) and `\uHHHH` stand for code points, as in JavaScript
///   (`\xe9` is `é`, UTF-8 encoded); `\uD83D\uDE00` pairs join, lone surrogates become U+FFFD.
/// - `\u{H…}`: any number of hex digits up to U+10FFFF (leading zeros accepted, saturating).
/// - Octal `\N`, `\NN`, `\NNN` as JavaScript's legacy octal: three digits only when the first is
///   0–3 (`\101` is `A`, `\400` is a space then `0`).
/// - `\n \t \r \b \f \v \0 \\ \' \" \/` and `` \` ``. A NUL produced is kept: `encoding.nul_byte`.
/// - Anything else after a backslash (`\q`, `\x4`, `\u12`) stays as written, backslash included.
/// - Nil unless at least one escape decodes; no `\` is rejected without allocating. One round:
///   `\\x41` becomes `\x41`, which the engine decodes again (`>escape>escape`).
public struct EscapeDecoder: ValueDecoder {
    public let name = "escape"
    public let isContainer = false
    /// Only values holding a `\\`.
    public var sniffGate: SniffGate { SniffGate(contains: UInt8(ascii: "\\"), minCount: 2) }

    public init() {}

    public func decode(_ input: ArraySlice<UInt8>, context: DecodeContext, budget: inout DecodeBudget) -> Decoded? {
        guard input.contains(UInt8(ascii: "\\")) else { return nil }
        var out: [UInt8] = []
        var decodedAny = false
        var sawNul = false
        var copied = input.startIndex  // input before this index is already in `out`
        var index = input.startIndex
        while index < input.endIndex {
            guard input[index] == UInt8(ascii: "\\"), let (scalar, length) = Self.escape(in: input, at: index) else {
                index += 1
                continue
            }
            if !decodedAny {
                out.reserveCapacity(input.count)
                decodedAny = true
            }
            out.append(contentsOf: input[copied..<index])
            Percent.appendUTF8(scalar, to: &out)
            if scalar == 0 { sawNul = true }
            index += length
            copied = index
        }
        guard decodedAny else { return nil }
        out.append(contentsOf: input[copied...])
        guard budget.consume(out.count) else { return nil }
        return .transformed(out, annotations: sawNul ? [Annotation(.nulByte, detail: "escaped NUL")] : [])
    }

    /// The escape starting at `start` (which holds `\`): the scalar it stands for and its length.
    static func escape(in input: ArraySlice<UInt8>, at start: Int) -> (UInt32, Int)? {
        let end = input.endIndex
        guard end - start >= 2 else { return nil }
        let kind = input[start + 1]
        switch kind {
        case UInt8(ascii: "n"): return (0x0A, 2)
        case UInt8(ascii: "t"): return (0x09, 2)
        case UInt8(ascii: "r"): return (0x0D, 2)
        case UInt8(ascii: "b"): return (0x08, 2)
        case UInt8(ascii: "f"): return (0x0C, 2)
        case UInt8(ascii: "v"): return (0x0B, 2)
        case UInt8(ascii: "\\"), UInt8(ascii: "'"), UInt8(ascii: "\""), UInt8(ascii: "/"), UInt8(ascii: "`"):
            return (UInt32(kind), 2)
        case UInt8(ascii: "x"):
            guard let value = hex(input, from: start + 2, count: 2) else { return nil }
            return (value, 4)
        case UInt8(ascii: "u"):
            if start + 2 < end, input[start + 2] == UInt8(ascii: "{") { return bracedUnicode(input, at: start) }
            guard let unit = hex(input, from: start + 2, count: 4) else { return nil }
            if (0xD800...0xDBFF).contains(unit), end - start >= 12, input[start + 6] == UInt8(ascii: "\\"),
                input[start + 7] == UInt8(ascii: "u"), let low = hex(input, from: start + 8, count: 4),
                (0xDC00...0xDFFF).contains(low)
            {
                return (0x10000 + ((unit - 0xD800) << 10 | (low - 0xDC00)), 12)
            }
            return ((0xD800...0xDFFF).contains(unit) ? 0xFFFD : unit, 6)
        case UInt8(ascii: "0")...UInt8(ascii: "7"):
            // Legacy octal: up to three digits when the first is 0–3 (at most \377), else two.
            let maxDigits = kind <= UInt8(ascii: "3") ? 3 : 2
            var value = UInt32(kind - UInt8(ascii: "0"))
            var length = 2
            while length <= maxDigits, start + length < end {
                let byte = input[start + length]
                guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "7") else { break }
                value = value << 3 | UInt32(byte - UInt8(ascii: "0"))
                length += 1
            }
            return (value, length)
        default:
            return nil
        }
    }

    /// `\u{H…}` at `start`: hex digits up to `}`, at most U+10FFFF.
    private static func bracedUnicode(_ input: ArraySlice<UInt8>, at start: Int) -> (UInt32, Int)? {
        var index = start + 3
        var value: UInt32 = 0
        while index < input.endIndex, let digit = Percent.hexValue(input[index]) {
            // Saturate past U+10FFFF: any number of digits is accepted, none overflows.
            if value <= 0x10FFFF { value = value << 4 | UInt32(digit) }
            index += 1
        }
        guard index > start + 3, index < input.endIndex, input[index] == UInt8(ascii: "}"), value <= 0x10FFFF else {
            return nil
        }
        return ((0xD800...0xDFFF).contains(value) ? 0xFFFD : value, index + 1 - start)
    }

    /// Exactly `count` hex digits from `from`.
    @inline(__always)
    private static func hex(_ input: ArraySlice<UInt8>, from: Int, count: Int) -> UInt32? {
        guard input.endIndex - from >= count else { return nil }
        var value: UInt32 = 0
        for offset in 0..<count {
            guard let digit = Percent.hexValue(input[from + offset]) else { return nil }
            value = value << 4 | UInt32(digit)
        }
        return value
    }
}
