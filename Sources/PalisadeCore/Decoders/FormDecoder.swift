/// Query strings and `application/x-www-form-urlencoded` bodies: `a=1&b=2&a=3` becomes `.a`="1",
/// `.b`="2", `.a`="3" — order and duplicates kept (servers disagree on which duplicate wins, a
/// classic parameter-pollution trick).
///
/// - Pairs are separated by `&` only (`;` is data). Empty parts are skipped; a part without `=`
///   is a name with an empty value.
/// - Names and values are percent-decoded once, `+` as a space; what is still encoded is left to
///   the `url` sniffer (`query.id>url`). Overlong UTF-8 is folded and NULs kept, as in `url`
///   (`url.overlong_utf8`, `encoding.nul_byte`, one annotation per code with the first field).
/// - Each name that is not a plain identifier is also a `.key` child at the same path.
/// - Pairs are bounded by `maxPoints` (`limit.points`) and the byte budget (`limit.bytes`);
///   what was read before a limit is kept.
/// - A declared body without any `=` is not a form (nil: the engine reports the mismatch and
///   sniffs the body); a query without `=` is a list of names (`?debug`).
///
/// Recent inputs are remembered and replayed like the cookie decoder's (`DecodeReplayCache`): the
/// same query string comes with many requests (`?page=2&sort=desc`).
public struct FormDecoder: ValueDecoder {
    public let name = "form"
    public let isContainer = true
    let cache = DecodeReplayCache<ByteCharge>()

    public init() {}

    public func decode(_ input: ArraySlice<UInt8>, context: DecodeContext, budget: inout DecodeBudget) -> Decoded? {
        guard !input.isEmpty else { return nil }
        // The context decides only this: past it, the pairs depend on the bytes alone.
        if context.source == .body, !input.contains(UInt8(ascii: "=")) { return nil }
        return cache.pairs(
            input, reader: Percent.PairReader(separator: UInt8(ascii: "&"), plusAsSpace: true), budget: &budget)
    }
}
