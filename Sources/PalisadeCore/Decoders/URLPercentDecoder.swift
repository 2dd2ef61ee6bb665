/// Percent decoding as a transformation (`>url`), for values that still hold escapes once their
/// container (query, form, cookie, path) was split and decoded once — double encoding is the
/// classic way past a filter that decodes once.
///
/// - Applies only when the value holds at least one valid `%XX` or `%uXXXX`; nil otherwise, and
///   nothing is allocated for values without a `%`.
/// - Decodes repeated rounds in one step (at most `maxRounds`, stopping as soon as no valid escape
///   is left) and records `url.multiple_encoding` (value = rounds) when more than one was needed.
/// - `%uXXXX` (IIS) becomes UTF-8, surrogate pairs joined, lone surrogates U+FFFD:
///   `url.percent_u`.
/// - Overlong UTF-8 produced by decoding (`%c0%ae`, `%e0%80%af`) is folded into the character it
///   smuggles, so `..%c0%af` reads `../`: `url.overlong_utf8`.
/// - `%00` becomes a NUL byte, kept: `encoding.nul_byte`.
/// - Invalid `%` sequences stay as they are; `+` is not a space here.
public struct URLPercentDecoder: ValueDecoder {
    public let name = "url"
    public let isContainer = false
    /// Only values holding a `%`.
    public var sniffGate: SniffGate { SniffGate(contains: UInt8(ascii: "%"), minCount: 3) }

    /// Rounds decoded in one step; a value still encoded after that is decoded again by the engine
    /// (`>url>url`), within the depth limit.
    public static let maxRounds = 4

    public init() {}

    public func decode(_ input: ArraySlice<UInt8>, context: DecodeContext, budget: inout DecodeBudget) -> Decoded? {
        guard Percent.containsEscape(input, percentUnicode: true) else { return nil }
        var findings: Percent.Findings = []
        var current = Percent.decodeRound(input, options: .percentUnicode, findings: &findings)
        var rounds = 1
        while rounds < Self.maxRounds, Percent.containsEscape(current[...], percentUnicode: true) {
            current = Percent.decodeRound(current[...], options: .percentUnicode, findings: &findings)
            rounds += 1
        }
        guard findings.contains(.changed), budget.consume(current.count) else { return nil }
        var annotations: [Annotation] = []
        if rounds > 1 { annotations.append(Annotation(.multipleEncoding, detail: "percent rounds", value: rounds)) }
        if findings.contains(.percentUnicode) { annotations.append(Annotation(.percentUnicode, detail: "%u escape")) }
        if findings.contains(.overlong) { annotations.append(Annotation(.overlongUTF8, detail: "overlong UTF-8")) }
        if findings.contains(.nul) { annotations.append(Annotation(.nulByte, detail: "decoded NUL")) }
        return .transformed(current, annotations: annotations)
    }
}
