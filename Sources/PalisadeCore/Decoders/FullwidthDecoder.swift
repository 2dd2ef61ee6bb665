/// Fullwidth forms folded to ASCII, as a transformation (`>fullwidth`): `＜script＞alert(1)＜/script＞`
/// becomes `<script>alert(1)</script>`.
///
/// Backends that normalize text to NFKC (Python's `unicodedata.normalize`, Java's `Normalizer`,
/// .NET, many search and identity stacks) or map to ASCII with "best fit" tables turn the
/// fullwidth block U+FF01–U+FF5E into the ASCII characters it mirrors — after a filter in front of
/// them has looked. Payloads use it to pass such filters.
///
/// - Applies only when the value holds a fullwidth form of a character that markup, quoting or
///   templates need: `＜ ＞ ＂ ＇ ｀ ＄ ｛ ｝ ＼`. Japanese and Chinese prose uses fullwidth
///   parentheses, colons, semicolons, slashes, bars and letters every day; those alone leave the
///   value as it is.
/// - Then every form in U+FF01–U+FF5E becomes its ASCII character (code point − 0xFEE0) and the
///   ideographic space U+3000 a space; everything else stays as written.
/// - Nil when nothing was folded. No `0xEF` byte (the UTF-8 lead of the block) is rejected at once.
public struct FullwidthDecoder: ValueDecoder {
    public let name = "fullwidth"
    public let isContainer = false
    /// Only values holding `0xEF`, the first byte of every form in the block.
    public var sniffGate: SniffGate { SniffGate(contains: 0xEF, minCount: 3) }

    public init() {}

    /// The second and third UTF-8 bytes of the forms that trigger the fold.
    static func isTrigger(_ second: UInt8, _ third: UInt8) -> Bool {
        switch (second, third) {
        case (0xBC, 0x9C), (0xBC, 0x9E),  // ＜ ＞
            (0xBC, 0x82), (0xBC, 0x87),  // ＂ ＇
            (0xBD, 0x80), (0xBC, 0x84),  // ｀ ＄
            (0xBD, 0x9B), (0xBD, 0x9D),  // ｛ ｝
            (0xBC, 0xBC):  // ＼
            true
        default: false
        }
    }

    /// The ASCII byte a fullwidth form `EF second third` stands for, or nil outside U+FF01–U+FF5E.
    static func ascii(_ second: UInt8, _ third: UInt8) -> UInt8? {
        switch second {
        case 0xBC where third >= 0x81 && third <= 0xBF: third - 0x81 + 0x21  // U+FF01–U+FF3F → ! … _
        case 0xBD where third >= 0x80 && third <= 0x9E: third - 0x80 + 0x60  // U+FF40–U+FF5E → ` … ~
        default: nil
        }
    }

    public func decode(_ input: ArraySlice<UInt8>, context: DecodeContext, budget: inout DecodeBudget) -> Decoded? {
        let end = input.endIndex
        var triggered = false
        var i = input.startIndex
        while i + 2 < end {
            if input[i] == 0xEF, Self.isTrigger(input[i + 1], input[i + 2]) {
                triggered = true
                break
            }
            i += 1
        }
        guard triggered else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(input.count)
        i = input.startIndex
        while i < end {
            let byte = input[i]
            if byte == 0xEF, i + 2 < end, let folded = Self.ascii(input[i + 1], input[i + 2]) {
                out.append(folded)
                i += 3
            } else if byte == 0xE3, i + 2 < end, input[i + 1] == 0x80, input[i + 2] == 0x80 {
                out.append(0x20)  // U+3000 ideographic space
                i += 3
            } else {
                out.append(byte)
                i += 1
            }
        }
        guard budget.consume(out.count) else { return nil }
        return .transformed(out)
    }
}
