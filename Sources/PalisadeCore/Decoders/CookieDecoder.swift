/// A `Cookie` header value: `a=1; b=x%20y` becomes `.a`="1", `.b`="x y".
///
/// - Pairs are separated by `;`; spaces and tabs around names and values are trimmed; empty
///   pairs are skipped; a pair without `=` is a name with an empty value (as most servers read it).
/// - A value in DQUOTEs has them stripped.
/// - Names and values are percent-decoded once (`+` stays `+`); overlong UTF-8 is folded and
///   NULs kept, as in `url`. Deeper encodings are left to the sniffers (`cookie.session>jwt.sub`).
/// - Each name that is not a plain identifier is also a `.key` child at the same path.
/// - Pairs are bounded by `maxPoints` and the byte budget, like `form`.
public struct CookieDecoder: ValueDecoder {
    public let name = "cookie"
    public let isContainer = true

    public init() {}

    public func decode(_ input: ArraySlice<UInt8>, context: DecodeContext, budget: inout DecodeBudget) -> Decoded? {
        guard !input.isEmpty else { return nil }
        var children: [Child] = []
        var log = Percent.FindingLog()
        var values = 0
        _ = Percent.PairReader(separator: UInt8(ascii: ";"), cookieSyntax: true).read(
            input, path: .key, into: &children, log: &log, values: &values, budget: &budget)
        guard !children.isEmpty else { return nil }
        return Decoded(children: children, annotations: log.annotations)
    }
}
