/// A `Cookie` header value: `a=1; b=x%20y` becomes `.a`="1", `.b`="x y".
///
/// - Pairs are separated by `;`; spaces and tabs around names and values are trimmed; empty
///   pairs are skipped; a pair without `=` is a name with an empty value (as most servers read it).
/// - A value in DQUOTEs has them stripped.
/// - Names and values are percent-decoded once (`+` stays `+`); overlong UTF-8 is folded and
///   NULs kept, as in `url`. Deeper encodings are left to the sniffers (`cookie.session>jwt.sub`).
/// - Each name that is not a plain identifier is also a `.key` child at the same path.
/// - Pairs are bounded by `maxPoints` and the byte budget, like `form`.
///
/// A client sends the same cookies with every request of a session, so the decoder remembers the
/// result for recent headers (`DecodeReplayCache`, keyed by the bytes and `maxPoints`: the result
/// depends on nothing else) when no limit stopped the reading, and replays it with its byte charge.
public struct CookieDecoder: ValueDecoder {
    public let name = "cookie"
    public let isContainer = true
    let cache = DecodeReplayCache<ByteCharge>()

    public init() {}

    public func decode(_ input: ArraySlice<UInt8>, context: DecodeContext, budget: inout DecodeBudget) -> Decoded? {
        guard !input.isEmpty else { return nil }
        return cache.pairs(
            input, reader: Percent.PairReader(separator: UInt8(ascii: ";"), cookieSyntax: true), budget: &budget)
    }
}

/// Bytes taken from the allowance in steps that all succeeded (`DecodeBudget.consume`): they all
/// succeed again exactly when the total is still available.
struct ByteCharge: ReplayCharges {
    let bytes: Int

    func replay(on budget: inout DecodeBudget) -> Bool {
        guard bytes <= budget.remainingBytes else { return false }
        return budget.consume(bytes)
    }
}

extension DecodeReplayCache where Charges == ByteCharge {
    /// The pairs `reader` reads in `input` (nil when there are none), remembered when no limit
    /// stopped the reading and replayed from here (the result depends only on the bytes and
    /// `maxPoints`, the key's limit).
    func pairs(_ input: ArraySlice<UInt8>, reader: Percent.PairReader, budget: inout DecodeBudget) -> Decoded? {
        let key = Key(input, fieldName: nil, limit: budget.limits.maxPoints)
        if let key, let decoded = replay(key, budget: &budget) { return decoded }
        let before = budget.remainingBytes
        var children: [Child] = []
        var log = Percent.FindingLog()
        var values = 0
        let complete = reader.read(input, path: .key, into: &children, log: &log, values: &values, budget: &budget)
        guard !children.isEmpty else { return nil }
        var decoded = Decoded(children: children, annotations: log.annotations)
        if complete, let key {
            store(key, decoded: decoded, charges: ByteCharge(bytes: before - budget.remainingBytes))
            decoded.childrenShared = true
        }
        return decoded
    }
}
