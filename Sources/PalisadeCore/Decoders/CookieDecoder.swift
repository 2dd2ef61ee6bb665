/// A `Cookie` header value: `a=1; b=x%20y` becomes `.a`="1", `.b`="x y".
///
/// - Pairs are separated by `;`; spaces and tabs around names and values are trimmed; empty
///   pairs are skipped; a pair without `=` is a name with an empty value (as most servers read it).
/// - A value in DQUOTEs has them stripped.
/// - Names and values are percent-decoded once (`+` stays `+`); overlong UTF-8 is folded and
///   NULs kept, as in `url`. Deeper encodings are left to the sniffers (`cookie.session>jwt.sub`).
/// - Each name is also a `.key` child at the same path (the engine drops plain identifiers).
/// - Pairs are bounded by `maxPoints` and the byte budget, like `form`.
public struct CookieDecoder: ValueDecoder {
    public let name = "cookie"
    public let isContainer = true

    public init() {}

    public func decode(_ input: ArraySlice<UInt8>, context: DecodeContext, budget: inout DecodeBudget) -> Decoded? {
        guard !input.isEmpty else { return nil }
        var children: [Child] = []
        var log = Percent.FindingLog()
        var pairs = 0
        var start = input.startIndex
        while start < input.endIndex {
            let end = input[start...].firstIndex(of: UInt8(ascii: ";")) ?? input.endIndex
            defer { start = end + 1 }
            let part = Self.trimmed(input[start..<end])
            if part.isEmpty { continue }
            if pairs >= budget.limits.maxPoints {
                budget.hit(.points)
                break
            }
            let equals = part.firstIndex(of: UInt8(ascii: "="))
            var rawValue = equals.map { Self.trimmed(part[($0 + 1)...]) } ?? []
            if rawValue.count >= 2, rawValue.first == UInt8(ascii: "\""), rawValue.last == UInt8(ascii: "\"") {
                rawValue = rawValue.dropFirst().dropLast()
            }
            var findings: Percent.Findings = []
            let name = Percent.decodeComponent(
                Self.trimmed(part[..<(equals ?? part.endIndex)]), plusAsSpace: false, findings: &findings)
            let value = Percent.decodeComponent(rawValue, plusAsSpace: false, findings: &findings)
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

    /// Without surrounding spaces and tabs (the OWS of RFC 6265).
    private static func trimmed(_ bytes: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        var start = bytes.startIndex
        var end = bytes.endIndex
        while start < end, bytes[start] == 0x20 || bytes[start] == 0x09 { start += 1 }
        while end > start, bytes[end - 1] == 0x20 || bytes[end - 1] == 0x09 { end -= 1 }
        return bytes[start..<end]
    }
}
