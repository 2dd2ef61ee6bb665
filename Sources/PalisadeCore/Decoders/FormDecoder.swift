/// Query strings and `application/x-www-form-urlencoded` bodies: `a=1&b=2&a=3` becomes `.a`="1",
/// `.b`="2", `.a`="3" — order and duplicates kept (servers disagree on which duplicate wins, a
/// classic parameter-pollution trick).
///
/// - Pairs are separated by `&` only (`;` is data). Empty parts are skipped; a part without `=`
///   is a name with an empty value.
/// - Names and values are percent-decoded once, `+` as a space; what is still encoded is left to
///   the `url` sniffer (`query.id>url`). Overlong UTF-8 is folded and NULs kept, as in `url`
///   (`url.overlong_utf8`, `encoding.nul_byte`, one annotation per code with the first field).
/// - Each name is also a `.key` child at the same path (the engine drops plain identifiers).
/// - Pairs are bounded by `maxPoints` (`limit.points`) and the byte budget (`limit.bytes`);
///   what was read before a limit is kept.
/// - A declared body without any `=` is not a form (nil: the engine reports the mismatch and
///   sniffs the body); a query without `=` is a list of names (`?debug`).
public struct FormDecoder: ValueDecoder {
    public let name = "form"
    public let isContainer = true

    public init() {}

    public func decode(_ input: ArraySlice<UInt8>, context: DecodeContext, budget: inout DecodeBudget) -> Decoded? {
        guard !input.isEmpty else { return nil }
        if context.source == .body, !input.contains(UInt8(ascii: "=")) { return nil }
        var children: [Child] = []
        var log = Percent.FindingLog()
        var pairs = 0
        var start = input.startIndex
        while start < input.endIndex {
            let end = input[start...].firstIndex(of: UInt8(ascii: "&")) ?? input.endIndex
            defer { start = end + 1 }
            let part = input[start..<end]
            if part.isEmpty { continue }
            if pairs >= budget.limits.maxPoints {
                budget.hit(.points)
                break
            }
            let equals = part.firstIndex(of: UInt8(ascii: "="))
            var findings: Percent.Findings = []
            let name = Percent.decodeComponent(
                part[..<(equals ?? part.endIndex)], plusAsSpace: true, findings: &findings)
            let value =
                equals.map { Percent.decodeComponent(part[($0 + 1)...], plusAsSpace: true, findings: &findings) } ?? []
            guard budget.consume(name.count + value.count) else { break }
            let fieldName = String(decoding: name, as: UTF8.self)
            let path = LocationPath.key(fieldName)
            log.note(findings, field: fieldName)
            children.append(Child(path: path, value: name, kind: .key, fieldName: fieldName))
            children.append(Child(path: path, value: value, kind: .text, fieldName: fieldName))
            pairs += 1
        }
        guard !children.isEmpty else { return nil }
        return Decoded(children: children, annotations: log.annotations)
    }
}
