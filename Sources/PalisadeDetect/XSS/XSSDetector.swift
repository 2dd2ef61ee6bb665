/// Cross-site scripting: reads the value the way a browser would in the places it could land —
/// HTML text (tags and their attributes, parsed like the HTML tokenizer including broken markup),
/// an attribute value (quote breakouts into new `on…=` attributes), a URL (`javascript:`, `data:`
/// schemes with entity and whitespace obfuscation), a JavaScript string (quote breakouts into a
/// call, template literals, DOM sinks) and CSS (`expression(`, bindings). Each reading yields a
/// confidence; the strongest becomes the hit.
public struct XSSDetector: Detector {
    public let name = "xss"

    public init() {}

    /// Without one of these bytes a value cannot reach any reading.
    static let prefilter = ByteSet("<:=(`{&")

    public struct Finding: Sendable, Equatable {
        public var confidence: Double
        public var rule: String
        public var range: Range<Int>
    }

    public func detect(_ value: ArraySlice<UInt8>, context: DetectionContext, hits: inout [Hit]) {
        let bytes = context.bytes(of: value)
        var finding = Self.analyze(value, bytes: bytes)
        if let inPath = RawPath.strongerReading(
            value, context: context, bytes: bytes, than: finding?.confidence ?? 0,
            { Self.analyze($0, bytes: $1).map { ($0.confidence, $0.rule) } })
        {
            // The path as a wildcard route receives it (`RawPath`): segments split on `;` cut
            // entity-encoded markup apart. The evidence is cut from the raw path.
            finding = Finding(confidence: inPath.confidence, rule: inPath.rule, range: value.indices)
        }
        guard let finding else { return }
        hits.append(
            Hit(
                attackClass: .xss, point: -1, confidence: finding.confidence,
                evidence: Evidence.excerpt(value, around: finding.range, fieldName: context.fieldName),
                rule: finding.rule))
    }

    struct Best {
        var confidence = 0.0
        var rule = ""
        var range = 0..<0
        mutating func consider(_ c: Double, _ r: String, _ range: Range<Int>) {
            if c > confidence {
                confidence = c
                rule = r
                self.range = range
            }
        }
    }

    /// `value` with its CDATA section markers (`<![CDATA[`, any case, and the `]]>` closing each)
    /// removed and their text kept, when it holds a section and its text is markup (a `<` in it);
    /// nil otherwise. At most 64 KiB.
    static func withoutCDATAWrappers(_ value: ArraySlice<UInt8>) -> [UInt8]? {
        guard value.count <= 1 << 16, let first = firstIndexIgnoringCase(value, "<![cdata[") else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(value.count)
        out.append(contentsOf: value[value.startIndex..<first])
        var i = first
        var inSection = false
        var markup = false
        while i < value.endIndex {
            if !inSection, value[i] == UInt8(ascii: "<"), Bytes.hasPrefixIgnoringCase(value[i...], "<![cdata[") {
                inSection = true
                i += 9
                continue
            }
            if inSection, value[i] == UInt8(ascii: "]"), Bytes.hasPrefixIgnoringCase(value[i...], "]]>") {
                inSection = false
                i += 3
                continue
            }
            if inSection, value[i] == UInt8(ascii: "<") { markup = true }
            out.append(value[i])
            i += 1
        }
        return markup ? out : nil
    }

    /// Whether `on` occurs in `value`, in any case (every event handler's name starts so).
    static func containsOn(_ value: ArraySlice<UInt8>) -> Bool { ExecBytes.contains(value, "on") }

    public static func analyze(_ value: ArraySlice<UInt8>) -> Finding? {
        analyze(value, bytes: ByteSet(presentIn: value))
    }

    /// `bytes`: the bytes present in `value` (`DetectionContext.bytes(of:)`).
    static func analyze(_ value: ArraySlice<UInt8>, bytes: ByteSet) -> Finding? {
        analyze(value, bytes: bytes, everyEquals: false)
    }

    /// `everyEquals`: read every `=` as `analyze` did before it left out a lone `=` (the tests
    /// check that leaving it out changes no reading).
    static func analyze(_ value: ArraySlice<UInt8>, bytes: ByteSet, everyEquals: Bool) -> Finding? {
        guard value.count >= 4 else { return nil }
        let lt = bytes.contains(UInt8(ascii: "<"))
        // `&`: an entity-encoded colon or parens.
        let colon = bytes.contains(UInt8(ascii: ":")) || bytes.contains(UInt8(ascii: "&"))
        let paren = bytes.contains(UInt8(ascii: "("))
        let tick = bytes.contains(UInt8(ascii: "`"))
        let brace = bytes.contains(UInt8(ascii: "{"))
        let quote = bytes.contains(UInt8(ascii: "'")) || bytes.contains(UInt8(ascii: "\""))
        // `=` on its own (`Root=1-5a1f…`, `?tab=items`) starts nothing: without a tag, a quote or
        // whitespace to leave the value it sits in (an unquoted attribute value ends only at
        // whitespace), it matters only after an event handler's name (`on…=`, as in a path
        // segment cut out of `<svg/onload=…>`); calls, schemes and templates have their own bytes.
        let eq =
            bytes.contains(UInt8(ascii: "="))
            && (everyEquals || lt || quote || bytes.intersects(.whitespace) || Self.containsOn(value))
        guard lt || colon || eq || paren || tick || brace else { return nil }
        var best = Best()
        if lt { scanTags(value, &best) }
        if eq, best.confidence < 0.9 { scanInjectedHandlers(value, &best) }
        if colon, best.confidence < 0.9 { scanSchemes(value, &best) }
        if paren || tick || eq || brace, best.confidence < 0.9 {
            scanScript(value, quote: quote, brace: brace, css: bytes, &best)
        }
        if lt, best.confidence < 0.9, let unwrapped = withoutCDATAWrappers(value) {
            // `<![CDATA[<]]>SCRIPT<![CDATA[>]]>`: markup split across CDATA sections joins up when
            // the XML's text is written out as HTML.
            var joined = Best()
            scanTags(unwrapped[...], &joined)
            best.consider(joined.confidence, joined.rule, value.indices)
        }
        guard best.confidence >= SQLiDetector.reportFloor else { return nil }
        return Finding(confidence: best.confidence, rule: best.rule, range: best.range)
    }
}
