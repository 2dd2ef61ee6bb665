/// The raw query string read as one value, decoded once: the form decoder splits the query at every
/// `&`, so markup written with HTML character references (`<IMG SRC=&#106;&#97;…>`,
/// `&ltscript&gtalert(1)`, `SRC="jav&#x09;ascript:…"`) reaches the value detectors in pieces — a
/// value `<IMG SRC=` and parameters named `#106;`, `#97;`… But a page that reflects its whole URL
/// (an error page, a canonical link) or a script that reads `location.search` and decodes it gets
/// the markup back in one piece. This request-level reading judges that piece with `XSSDetector`.
///
/// Gate: the raw query holds an `&` that starts an HTML character reference (`&#` or `&%23`, `&lt`,
/// `&gt`, `&quot`, `&apos`, `&amp`, any case) — an ordinary parameter separator is followed by a name.
/// Reported only when the reading's span crosses such an `&` (the split cut the markup) and it is
/// stronger than every `xss` hit on the query's own values.
public struct XSSRawQueryDetector: RequestDetector {
    public let name = "xss_raw_query"

    public init() {}

    public func detect(_ request: RequestContext, hits: inout [Hit]) {
        let points = request.decoded.points
        // The decoder adds the roots first, the path before the query: the query is point 0 or 1.
        var root = -1
        for i in 0..<min(2, points.count) where points[i].parent < 0 && request.decoded.source(of: i) == .query {
            root = i
            break
        }
        guard root >= 0 else { return }
        let raw = points[root].value[...]
        guard raw.count <= 8192, Self.referenceAmpersand(raw) != nil, let reading = Self.reading(raw) else { return }
        var strongest = 0.0
        for hit in hits where hit.attackClass == .xss && hit.point >= 0 && Int(hit.point) < points.count {
            if request.decoded.source(of: Int(hit.point)) == .query { strongest = max(strongest, hit.confidence) }
        }
        guard reading.finding.confidence > strongest else { return }
        hits.append(
            Hit(
                attackClass: .xss, point: Int32(root), confidence: reading.finding.confidence,
                evidence: Evidence.excerpt(raw, around: raw.indices, fieldName: nil), rule: reading.finding.rule))
    }

    /// The first raw `&` that starts an HTML character reference, or nil.
    static func referenceAmpersand(_ raw: ArraySlice<UInt8>) -> Int? {
        var i = raw.startIndex
        while let amp = raw[i...].firstIndex(of: UInt8(ascii: "&")) {
            if startsReference(raw, at: amp) { return amp }
            i = amp + 1
        }
        return nil
    }

    /// Whether the `&` at `i` starts `&#`, `&lt`, `&gt`, `&quot`, `&apos` or `&amp` (any case). In
    /// a URL the `#` arrives as `%23` (a raw one starts the fragment): `&%23106;` counts too.
    static func startsReference(_ v: ArraySlice<UInt8>, at i: Int) -> Bool {
        let rest = v[(i + 1)...]
        guard let first = rest.first else { return false }
        // Most `&` separate parameters: one byte settles them.
        switch first | 0x20 {
        case UInt8(ascii: "#"): return true
        case UInt8(ascii: "%"), UInt8(ascii: "l"), UInt8(ascii: "g"), UInt8(ascii: "q"), UInt8(ascii: "a"): break
        default: return false
        }
        if Bytes.hasPrefixIgnoringCase(rest, "%23") { return true }
        return Bytes.hasPrefixIgnoringCase(rest, "lt") || Bytes.hasPrefixIgnoringCase(rest, "gt")
            || Bytes.hasPrefixIgnoringCase(rest, "quot") || Bytes.hasPrefixIgnoringCase(rest, "apos")
            || Bytes.hasPrefixIgnoringCase(rest, "amp")
    }

    /// The XSS reading of the raw query decoded once (`+` as a space), when its span crosses an `&`
    /// that starts a character reference; with the decoded query for `--explain`.
    static func reading(_ raw: ArraySlice<UInt8>) -> (finding: XSSDetector.Finding, decoded: [UInt8])? {
        var findings: Percent.Findings = []
        let decoded = Percent.decodeComponent(raw, plusAsSpace: true, findings: &findings)
        guard let finding = XSSDetector.analyze(decoded[...]) else { return nil }
        let span = decoded[finding.range.clamped(to: decoded.indices)]
        var k = span.startIndex
        var crosses = false
        while let amp = span[k...].firstIndex(of: UInt8(ascii: "&")) {
            if startsReference(decoded[...], at: amp) {
                crosses = true
                break
            }
            k = amp + 1
        }
        return crosses ? (finding, decoded) : nil
    }
}
