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
        guard let finding = Self.analyze(value) else { return }
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

    public static func analyze(_ value: ArraySlice<UInt8>) -> Finding? {
        guard value.count >= 4 else { return nil }
        var lt = false
        var colon = false
        var eq = false
        var paren = false
        var tick = false
        var brace = false
        var quote = false
        for byte in value {
            switch byte {
            case UInt8(ascii: "<"): lt = true
            case UInt8(ascii: ":"): colon = true
            case UInt8(ascii: "="): eq = true
            case UInt8(ascii: "("): paren = true
            case UInt8(ascii: "`"): tick = true
            case UInt8(ascii: "{"): brace = true
            case UInt8(ascii: "'"), UInt8(ascii: "\""): quote = true
            case UInt8(ascii: "&"): colon = true  // entity-encoded colon or parens
            default: break
            }
        }
        guard lt || colon || eq || paren || tick || brace else { return nil }
        var best = Best()
        if lt { scanTags(value, &best) }
        if eq, best.confidence < 0.9 { scanInjectedHandlers(value, &best) }
        if colon, best.confidence < 0.9 { scanSchemes(value, &best) }
        if paren || tick || eq || brace, best.confidence < 0.9 { scanScript(value, quote: quote, brace: brace, &best) }
        guard best.confidence >= SQLiDetector.reportFloor else { return nil }
        return Finding(confidence: best.confidence, rule: best.rule, range: best.range)
    }

    // MARK: - HTML tags

    static let nameByte = ByteSet("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789:-_")

    static func isLetter(_ b: UInt8) -> Bool { b | 0x20 >= 0x61 && b | 0x20 <= 0x7A }

    static func scanTags(_ v: ArraySlice<UInt8>, _ best: inout Best) {
        let end = v.endIndex
        // Last index of each quote: an attribute value opened after it never closes.
        var lastQuote: (Int, Int, Int) = (-1, -1, -1)
        for index in v.indices {
            switch v[index] {
            case UInt8(ascii: "\""): lastQuote.0 = index
            case UInt8(ascii: "'"): lastQuote.1 = index
            case UInt8(ascii: "`"): lastQuote.2 = index
            default: break
            }
        }
        func last(_ q: UInt8) -> Int {
            q == UInt8(ascii: "\"") ? lastQuote.0 : q == UInt8(ascii: "'") ? lastQuote.1 : lastQuote.2
        }
        var i = v.startIndex
        var tagsSeen = 0
        var opened: UInt64 = 0  // bit per `XSSVocabulary.Tag` opened so far
        while i < end {
            guard let p = v[i...].firstIndex(of: UInt8(ascii: "<")) else { return }
            var j = p + 1
            guard j < end else { return }
            tagsSeen += 1
            if tagsSeen > 4096 { return }  // bounded work on markup floods; 4096 tags is plenty
            let c = v[j]
            if c == UInt8(ascii: "!") {
                // comment: skip to -->, else past <!
                if Bytes.hasPrefixIgnoringCase(v[j...], "!--") {
                    var k = j + 3
                    var found = false
                    while k + 2 < end {
                        if v[k] == UInt8(ascii: "-"), v[k + 1] == UInt8(ascii: "-"), v[k + 2] == UInt8(ascii: ">") {
                            found = true
                            break
                        }
                        k += 1
                    }
                    i = found ? k + 3 : j + 3
                } else {
                    i = j + 1
                }
                continue
            }
            if c == UInt8(ascii: "/") {
                j += 1
                let nameStart = j
                while j < end, nameByte.contains(v[j]) { j += 1 }
                let tag = XSSVocabulary.tags[WordHash.of(v[nameStart..<j])] ?? .other
                switch tag {
                case .script, .style, .title, .textarea, .noscript, .xmp, .iframe, .noembed, .template, .noframes:
                    // Closing an element the value never opened: it escapes the page's own.
                    if opened & (1 << UInt64(tag.rawValue & 63)) == 0 {
                        best.consider(0.45, "xss.context_break", p..<j)
                    }
                default: break
                }
                i = max(j, p + 1)
                continue
            }
            guard isLetter(c) else {
                i = j
                continue
            }
            let nameStart = j
            while j < end, nameByte.contains(v[j]) { j += 1 }
            let nameBytes = v[nameStart..<j]
            var tag = nameBytes.count <= 16 ? (XSSVocabulary.tags[WordHash.of(nameBytes)] ?? .other) : .other
            if tag == .other, nameBytes.contains(UInt8(ascii: ":")),
                let colon = nameBytes.lastIndex(of: UInt8(ascii: ":"))
            {
                // namespaced: <x:script>, <svg:script>
                tag = XSSVocabulary.tags[WordHash.of(v[(colon + 1)..<j])] ?? .other
            }
            opened |= 1 << UInt64(tag.rawValue & 63)
            var state = TagState(tag: tag, start: p)
            // Attributes
            var k = j
            var closed = false
            var resume: Int? = nil
            attributes: while k < end {
                let b = v[k]
                if b == UInt8(ascii: ">") {
                    closed = true
                    k += 1
                    break
                }
                if b == UInt8(ascii: "<") { break }
                if Bytes.isSpace(b) || b == UInt8(ascii: "/") || b == 0 {
                    k += 1
                    continue
                }
                let attrStart = k
                k += 1
                while k < end {
                    let d = v[k]
                    if Bytes.isSpace(d) || d == UInt8(ascii: "/") || d == UInt8(ascii: ">") || d == UInt8(ascii: "=")
                        || d == 0
                    {
                        break
                    }
                    k += 1
                }
                let attrName = v[attrStart..<k]
                var m = k
                while m < end, Bytes.isSpace(v[m]) { m += 1 }
                var attrValue = v[k..<k]
                var hasValue = false
                if m < end, v[m] == UInt8(ascii: "=") {
                    hasValue = true
                    m += 1
                    while m < end, Bytes.isSpace(v[m]) { m += 1 }
                    if m < end, v[m] == UInt8(ascii: "\"") || v[m] == UInt8(ascii: "'") || v[m] == UInt8(ascii: "`") {
                        let q = v[m]
                        let valueStart = m + 1
                        if last(q) < valueStart {
                            attrValue = v[valueStart..<end]
                            resume = valueStart
                            k = end
                        } else {
                            var close = valueStart
                            while close < end, v[close] != q { close += 1 }
                            attrValue = v[valueStart..<close]
                            k = min(close + 1, end)
                        }
                    } else {
                        let valueStart = m
                        while m < end, !Bytes.isSpace(v[m]), v[m] != UInt8(ascii: ">") { m += 1 }
                        attrValue = v[valueStart..<m]
                        k = m
                    }
                } else {
                    k = max(k, attrStart + 1)
                }
                judgeAttribute(name: attrName, value: attrValue, hasValue: hasValue, state: &state, v, &best)
                if resume != nil { break attributes }
            }
            judgeTag(state, closed: closed, after: k, v, &best)
            if let resume {
                i = resume
            } else {
                i = max(k, p + 1)
            }
        }
    }

    struct TagState {
        var tag: XSSVocabulary.Tag
        var start: Int
        var scriptSource = false
        var nonScriptType = false
        var hasSource = false
        /// Width/height/allow/frameborder/allowfullscreen: the shape of an editor's video or map embed.
        var embedAttributes = false
        /// The source is an `https://` URL (embeds are; injected frames are often `//host` or `http:`).
        var secureSource = false
        var relImport = false
        var refresh = false
        var end = 0
    }

    static func judgeAttribute(
        name: ArraySlice<UInt8>, value: ArraySlice<UInt8>, hasValue: Bool, state: inout TagState,
        _ v: ArraySlice<UInt8>, _ best: inout Best
    ) {
        let range = state.start..<max(value.endIndex, name.endIndex)
        state.end = range.upperBound
        if name.count > 2, Bytes.hasPrefixIgnoringCase(name, "on") {
            let event = name.dropFirst(2)
            let known = XSSVocabulary.isEvent(event)
            let allLetters = event.allSatisfy { isLetter($0) }
            if hasValue, !Bytes.trimmed(value).isEmpty, allLetters {
                best.consider(known ? 0.93 : 0.8, "xss.event_handler", range)
            } else if known {
                best.consider(0.35, "xss.event_handler", range)  // a valueless handler runs nothing
            }
            return
        }
        guard hasValue else { return }
        // Framework event bindings (`ng-click`, `v-on:click`, `@click`, `x-on:click`) run their
        // value as an expression: a sink call there is script.
        if name.count > 1,
            name.first == UInt8(ascii: "@") || Bytes.hasPrefixIgnoringCase(name, "ng-")
                || Bytes.hasPrefixIgnoringCase(name, "v-on") || Bytes.hasPrefixIgnoringCase(name, "x-on")
                || Bytes.hasPrefixIgnoringCase(name, "data-ng-"),
            containsCall(value) || Bytes.containsIgnoringCase(value, "constructor")
        {
            best.consider(0.85, "xss.framework_binding", range)
        }
        if let (scheme, after) = XSSScanner.scheme(value, at: value.startIndex) {
            let rest = Bytes.trimmed(value[after...])
            switch scheme {
            case .javascript, .vbscript:
                best.consider(scriptBodyConfidence(rest, strong: 0.93), "xss.script_uri", range)
            case .dataHTML:
                best.consider(state.tag == .img || state.tag == .image ? 0.5 : 0.88, "xss.data_uri", range)
            case .dataSVG:
                let active: Bool
                switch state.tag {
                case .iframe, .object, .embed, .frame, .a, .base, .use, .animate, .set: active = true
                default: active = false
                }
                best.consider(active ? 0.8 : 0.35, "xss.data_uri", range)
            case .dataOther:
                break
            }
        }
        let lowerName = WordHash.of(name)
        switch lowerName {
        case styleHash:
            // CSS comments split keywords (`expr/**/ession(`): judge the style without them.
            var css = value
            var stripped: [UInt8] = []
            if Bytes.containsIgnoringCase(value, "/*") {
                stripped = withoutCSSComments(value)
                css = stripped[...]
            }
            if Bytes.containsIgnoringCase(css, "expression(") {
                best.consider(0.88, "xss.css_expression", range)
            } else if Bytes.containsIgnoringCase(css, "-moz-binding") {
                best.consider(0.85, "xss.css_binding", range)
            } else if Bytes.containsIgnoringCase(css, "behavior"), Bytes.containsIgnoringCase(css, "url(") {
                best.consider(0.8, "xss.css_binding", range)
            } else if Bytes.containsIgnoringCase(css, "javascript:") {
                best.consider(0.88, "xss.script_uri", range)
            }
        case srcdocHash:
            if value.contains(UInt8(ascii: "<")) || Bytes.containsIgnoringCase(value, "&lt;") {
                best.consider(0.85, "xss.srcdoc", range)
            }
        case attributeNameHash:
            if Bytes.hasPrefixIgnoringCase(Bytes.trimmed(value), "on") {
                best.consider(0.85, "xss.svg_animation", range)
            }
        case srcHash, dataHash, codeHash, hrefHash:
            state.hasSource = true
            if lowerName == srcHash { state.scriptSource = true }
            if Bytes.hasPrefixIgnoringCase(Bytes.trimmed(value), "https://") { state.secureSource = true }
        case widthHash, heightHash, allowHash, frameborderHash, allowfullscreenHash:
            state.embedAttributes = true
        case typeHash:
            let t = Bytes.trimmed(value)
            if !t.isEmpty, !Bytes.containsIgnoringCase(t, "javascript"), !Bytes.containsIgnoringCase(t, "ecmascript"),
                !Bytes.containsIgnoringCase(t, "module"), !Bytes.containsIgnoringCase(t, "jscript")
            {
                state.nonScriptType = true
            }
        case relHash:
            if Bytes.containsIgnoringCase(value, "import") { state.relImport = true }
        case httpEquivHash:
            if Bytes.containsIgnoringCase(value, "refresh") { state.refresh = true }
        case contentHash:
            // <meta http-equiv=refresh content="0;url=javascript:…">
            if let u = indexAfter(value, "url=") {
                if let (scheme, _) = XSSScanner.scheme(value, at: u), scheme != .dataOther {
                    best.consider(0.9, "xss.meta_refresh", range)
                }
            }
        default:
            break
        }
    }

    /// A copy of `css` without `/* … */` comments (only built when the style contains one).
    static func withoutCSSComments(_ css: ArraySlice<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(css.count)
        var i = css.startIndex
        while i < css.endIndex {
            if css[i] == UInt8(ascii: "/"), i + 1 < css.endIndex, css[i + 1] == UInt8(ascii: "*") {
                var k = i + 2
                while k + 1 < css.endIndex, !(css[k] == UInt8(ascii: "*") && css[k + 1] == UInt8(ascii: "/")) { k += 1 }
                i = k + 2
                continue
            }
            out.append(css[i])
            i += 1
        }
        return out
    }

    static let styleHash = WordHash.of("style")
    static let widthHash = WordHash.of("width")
    static let heightHash = WordHash.of("height")
    static let allowHash = WordHash.of("allow")
    static let frameborderHash = WordHash.of("frameborder")
    static let allowfullscreenHash = WordHash.of("allowfullscreen")
    static let srcdocHash = WordHash.of("srcdoc")
    static let attributeNameHash = WordHash.of("attributename")
    static let srcHash = WordHash.of("src")
    static let dataHash = WordHash.of("data")
    static let codeHash = WordHash.of("code")
    static let hrefHash = WordHash.of("href")
    static let typeHash = WordHash.of("type")
    static let relHash = WordHash.of("rel")
    static let httpEquivHash = WordHash.of("http-equiv")
    static let contentHash = WordHash.of("content")

    static func indexAfter(_ v: ArraySlice<UInt8>, _ needle: StaticString) -> Int? {
        let count = needle.utf8CodeUnitCount
        guard v.count >= count else { return nil }
        var i = v.startIndex
        while i + count <= v.endIndex {
            if Bytes.hasPrefixIgnoringCase(v[i...], needle) { return i + count }
            i += 1
        }
        return nil
    }

    static func judgeTag(_ s: TagState, closed: Bool, after: Int, _ v: ArraySlice<UInt8>, _ best: inout Best) {
        let range = s.start..<max(after, s.end, s.start + 1)
        switch s.tag {
        case .script:
            if s.nonScriptType {
                best.consider(0.3, "xss.script_tag", range)
            } else if s.scriptSource {
                best.consider(0.95, "xss.script_tag", range)
            } else if !closed || after >= v.endIndex {
                best.consider(closed ? 0.7 : 0.75, "xss.script_tag", range)
            } else {
                // Look at the script body: code, or just prose about the tag?
                var k = after
                var code = false
                var body = 0
                while k < v.endIndex, body < 512 {
                    let b = v[k]
                    if b == UInt8(ascii: "<") { break }
                    if b == UInt8(ascii: "(") || b == UInt8(ascii: "=") || b == UInt8(ascii: "`")
                        || b == UInt8(ascii: ";")
                        || b == UInt8(ascii: "[") || b == UInt8(ascii: ".") && k + 1 < v.endIndex && isLetter(v[k + 1])
                    {
                        code = true
                        break
                    }
                    k += 1
                    body += 1
                }
                let closesAtOnce = k < v.endIndex && v[k] == UInt8(ascii: "<") && body == 0
                best.consider(
                    code ? 0.95 : closesAtOnce ? 0.7 : 0.5, "xss.script_tag", s.start..<min(k + 1, v.endIndex))
            }
        case .iframe, .frame, .frameset, .portal:
            // A closed iframe sized like an editor embed (YouTube, maps) is rich text; a bare or
            // broken one pointing elsewhere is content injection.
            let embed = closed && (s.embedAttributes || s.secureSource)
            best.consider(s.hasSource ? (embed ? 0.45 : 0.6) : 0.4, "xss.frame", range)
        case .object, .embed, .applet:
            best.consider(s.hasSource ? 0.7 : 0.5, "xss.plugin", range)
        case .link:
            if s.relImport { best.consider(0.8, "xss.html_import", range) }
        case .meta:
            if s.refresh { best.consider(0.5, "xss.meta_refresh", range) }
        case .style:
            var k = after
            let limit = min(v.endIndex, after + 4096)
            while k < limit, v[k] != UInt8(ascii: "<") { k += 1 }
            let css = v[after..<k]
            if Bytes.containsIgnoringCase(css, "expression(") || Bytes.containsIgnoringCase(css, "javascript:")
                || Bytes.containsIgnoringCase(css, "-moz-binding") || Bytes.containsIgnoringCase(css, "behavior:")
            {
                best.consider(0.85, "xss.css_expression", s.start..<k)
            }
        case .base:
            best.consider(0.4, "xss.base_tag", range)
        default:
            break
        }
    }

    // MARK: - Attribute injection without a tag

    /// `" onmouseover="alert(1)`, `' autofocus onfocus=alert(1) x='`, ` onload=alert(1)`:
    /// a new event-handler attribute written into an existing tag.
    static func scanInjectedHandlers(_ v: ArraySlice<UInt8>, _ best: inout Best) {
        let end = v.endIndex
        var i = v.startIndex
        var quoteBefore = false
        let firstContent = v.firstIndex { !Bytes.isSpace($0) } ?? end
        var examined = 0
        while i + 4 < end, examined < 256 {
            let b = v[i]
            if b == UInt8(ascii: "\"") || b == UInt8(ascii: "'") || b == UInt8(ascii: "`") { quoteBefore = true }
            guard b | 0x20 == UInt8(ascii: "o"), v[i + 1] | 0x20 == UInt8(ascii: "n") else {
                i += 1
                continue
            }
            let prev: UInt8 = i > v.startIndex ? v[i - 1] : 0x20
            guard
                Bytes.isSpace(prev) || prev == UInt8(ascii: "/") || prev == UInt8(ascii: "\"")
                    || prev == UInt8(ascii: "'") || prev == UInt8(ascii: "`") || prev == 0
            else {
                i += 1
                continue
            }
            var j = i + 2
            while j < end, isLetter(v[j]) { j += 1 }
            let event = v[(i + 2)..<j]
            var k = j
            while k < end, Bytes.isSpace(v[k]) { k += 1 }
            guard k < end, v[k] == UInt8(ascii: "="), XSSVocabulary.isEvent(event) else {
                i = max(j, i + 1)
                continue
            }
            examined += 1
            k += 1
            while k < end, Bytes.isSpace(v[k]) { k += 1 }
            if k < end, v[k] == UInt8(ascii: "\"") || v[k] == UInt8(ascii: "'") { k += 1 }
            // The handler body: up to 256 bytes.
            let bodyEnd = min(end, k + 256)
            let body = v[k..<bodyEnd]
            let jsLike =
                body.contains(UInt8(ascii: "(")) || body.contains(UInt8(ascii: "`"))
                || body.contains(UInt8(ascii: "=")) || body.contains(UInt8(ascii: ";"))
                || XSSScanner.mentionsSink(body)
            let atStart = i <= firstContent
            // A handler calling a sink (alert, eval, fetch, location…) is an attack wherever it
            // sits; other code is convincing only right after a quote or as the whole value
            // (prose about `onclick=handler()` stays below the default threshold).
            let sink =
                XSSScanner.mentionsSink(body) || containsCall(body)
                || Bytes.containsIgnoringCase(body, "location") || Bytes.containsIgnoringCase(body, "javascript:")
            let c: Double
            if jsLike && sink {
                c = quoteBefore ? 0.9 : atStart ? 0.85 : 0.8
            } else if jsLike {
                c = quoteBefore ? 0.8 : atStart ? 0.7 : 0.5
            } else {
                c = body.isEmpty ? 0.3 : 0.45
            }
            best.consider(c, "xss.attribute_injection", i..<min(end, k + 40))
            i = j
        }
    }

    // MARK: - URL schemes

    static func scanSchemes(_ v: ArraySlice<UInt8>, _ best: inout Best) {
        // The whole value is a URL.
        var start = v.startIndex
        while start < v.endIndex, v[start] == UInt8(ascii: "\"") || v[start] == UInt8(ascii: "'") { start += 1 }
        if start < v.endIndex, let (scheme, after) = XSSScanner.scheme(v, at: start) {
            let rest = Bytes.trimmed(v[after...])
            switch scheme {
            case .javascript, .vbscript:
                best.consider(
                    scriptBodyConfidence(rest, strong: 0.9), "xss.script_uri", start..<min(v.endIndex, after + 40))
            case .dataHTML:
                best.consider(0.85, "xss.data_uri", start..<min(v.endIndex, after + 40))
            case .dataSVG:
                best.consider(0.45, "xss.data_uri", start..<min(v.endIndex, after + 40))
            case .dataOther:
                break
            }
        }
        // Embedded: [x](javascript:alert(1)), url(javascript:…), href=javascript:…
        // One pass for "script"; the scheme word starts 4 (java, live) or 2 (vb) bytes before it.
        var from = v.startIndex
        var rounds = 0
        while rounds < 16, from < v.endIndex, let hit = firstIndexIgnoringCase(v[from...], "script") {
            rounds += 1
            from = hit + 6
            for offset in stride(from: 4, through: 2, by: -2) {
                let at = hit - offset
                guard at > start else { continue }
                let prev = v[at - 1]
                guard
                    prev == UInt8(ascii: "(") || prev == UInt8(ascii: "=") || prev == UInt8(ascii: "\"")
                        || prev == UInt8(ascii: "'") || Bytes.isSpace(prev) || prev == UInt8(ascii: "[")
                        || prev == UInt8(ascii: ">") || prev == UInt8(ascii: "`") || prev == UInt8(ascii: ":")
                        || prev == UInt8(ascii: ";") || prev == UInt8(ascii: ",")
                else { continue }
                guard let (_, after) = XSSScanner.scheme(v, at: at) else { continue }
                let rest = v[after..<min(v.endIndex, after + 200)]
                let executable =
                    XSSScanner.mentionsSink(rest) || containsCall(rest)
                    || Bytes.hasPrefixIgnoringCase(Bytes.trimmed(rest), "//") || rest.contains(UInt8(ascii: "`"))
                let quoted = prev != UInt8(ascii: " ") && prev != UInt8(ascii: ":") && prev != UInt8(ascii: ",")
                best.consider(
                    executable ? (quoted ? 0.88 : 0.8) : 0.35, "xss.script_uri", at..<min(v.endIndex, after + 40))
            }
        }
    }

    /// How convincing the code after `javascript:` is: a call, assignment, comment or template is
    /// code (`strong`); `void(0)` is the inert link idiom; words are prose ("javascript: the good parts").
    static func scriptBodyConfidence(_ rest: ArraySlice<UInt8>, strong: Double) -> Double {
        let body = Bytes.trimmed(rest)
        guard let first = body.first else { return 0.45 }
        if Bytes.hasPrefixIgnoringCase(body, "void(0)") || Bytes.hasPrefixIgnoringCase(body, "void 0")
            || Bytes.hasPrefixIgnoringCase(body, "void(null)") || body.elementsEqual(";".utf8)
            || Bytes.hasPrefixIgnoringCase(body, "false") || Bytes.hasPrefixIgnoringCase(body, "true"), body.count <= 10
        {
            return 0.4
        }
        let head = body.prefix(200)
        // Comment tricks (`javascript://%0aalert(1)`), encoded code, sink calls and assignments.
        let encoded =
            first == UInt8(ascii: "%") && body.count >= 3
            && XSSScanner.identByte.contains(body[body.startIndex + 1])
            && body.dropFirst().first.map { $0 < 0x3A } == true
        if Bytes.hasPrefixIgnoringCase(body, "//") || Bytes.hasPrefixIgnoringCase(body, "/*") || encoded
            || Bytes.hasPrefixIgnoringCase(body, "&#")
            || first == UInt8(ascii: "\\") || containsCall(head) || XSSScanner.mentionsSink(head)
            || sinkAssignment(body, at: body.startIndex) != nil
        {
            return strong
        }
        // Code shape: the first identifier is called, indexed, assigned or dereferenced directly.
        var k = body.startIndex
        while k < body.endIndex, k - body.startIndex < 64, XSSScanner.identByte.contains(body[k]) { k += 1 }
        if k > body.startIndex, k < body.endIndex {
            let next = body[k]
            if next == UInt8(ascii: "(") || next == UInt8(ascii: "`") || next == UInt8(ascii: "[")
                || next == UInt8(ascii: "&")
                || next == UInt8(ascii: "=")
                || next == UInt8(ascii: ".") && k + 1 < body.endIndex
                    && XSSScanner.identStart.contains(body[k + 1])
            {
                return strong - 0.05
            }
        }
        return 0.45
    }

    static func firstIndexIgnoringCase(_ v: ArraySlice<UInt8>, _ needle: StaticString) -> Int? {
        let count = needle.utf8CodeUnitCount
        let first = needle.utf8Start[0]
        var i = v.startIndex
        while i + count <= v.endIndex {
            if Bytes.lower(v[i]) == first, Bytes.hasPrefixIgnoringCase(v[i...], needle) { return i }
            i += 1
        }
        return nil
    }

    /// Whether `v` contains a call of a sink function (`alert(1)`, ``eval`…` ``, `top['x'](1)`).
    static func containsCall(_ v: ArraySlice<UInt8>) -> Bool {
        var i = v.startIndex
        var checked = 0
        while i < v.endIndex, checked < 64 {
            let b = v[i]
            if b == UInt8(ascii: "(") || b == UInt8(ascii: "`") {
                checked += 1
                var s = i
                while s > v.startIndex, i - s < 128,
                    XSSScanner.identByte.contains(v[s - 1]) || v[s - 1] == UInt8(ascii: ".")
                {
                    s -= 1
                }
                if s < i, let call = XSSScanner.call(v, at: s), call.sink { return true }
                if b == UInt8(ascii: "("), s == i, let call = XSSScanner.call(v, at: i), call.sink { return true }
            }
            i += 1
        }
        return false
    }

    // MARK: - JavaScript contexts

    static let breakOperators = ByteSet(";+-*/,|&^%?:")

    static func scanScript(_ v: ArraySlice<UInt8>, quote: Bool, brace: Bool, _ best: inout Best) {
        let end = v.endIndex
        // 1. Breakouts from a JS string: ';alert(1)//  "-alert(1)-"  ');fetch(…)//  '}alert(1);{'
        if quote {
            var i = v.startIndex
            var quotes = 0
            while i < end, quotes < 256 {
                let b = v[i]
                guard b == UInt8(ascii: "'") || b == UInt8(ascii: "\"") || b == UInt8(ascii: "`") else {
                    i += 1
                    continue
                }
                quotes += 1
                var j = i + 1
                var closers = 0
                while j < end, closers < 8,
                    Bytes.isSpace(v[j]) || v[j] == UInt8(ascii: ")") || v[j] == UInt8(ascii: "]")
                        || v[j] == UInt8(ascii: "}")
                {
                    closers += 1
                    j += 1
                }
                var ops = 0
                let braceClose = j > i + 1 && v[(i + 1)..<j].contains(UInt8(ascii: "}"))
                while j < end, ops < 4, breakOperators.contains(v[j]) {
                    if v[j] == UInt8(ascii: "/"), j + 1 < end, v[j + 1] == UInt8(ascii: "/") { break }
                    ops += 1
                    j += 1
                }
                guard ops > 0 || braceClose else {
                    i += 1
                    continue
                }
                while j < end,
                    Bytes.isSpace(v[j]) || v[j] == UInt8(ascii: "{") || v[j] == UInt8(ascii: "!")
                        || v[j] == UInt8(ascii: "~")
                {
                    j += 1
                }
                guard j < end else { break }
                if let call = XSSScanner.call(v, at: j) {
                    if call.sink {
                        best.consider(0.9, "xss.js_breakout", i..<call.end)
                    } else {
                        // Unknown function: convincing only if the rest is closed like an injection.
                        let tail = Bytes.trimmed(v[call.end...])
                        if tail.isEmpty || Bytes.hasPrefixIgnoringCase(tail, "//") || tail.first == UInt8(ascii: ";")
                            || tail.first == UInt8(ascii: "+") || tail.first == UInt8(ascii: "-")
                        {
                            best.consider(0.55, "xss.js_breakout", i..<call.end)
                        }
                    }
                } else if let assigned = sinkAssignment(v, at: j) {
                    best.consider(0.88, "xss.js_breakout", i..<assigned)
                }
                if best.confidence >= 0.9 { return }
                i += 1
            }
        }
        // 2. Template literals and client-side templates: ${alert(1)}, {{constructor.constructor('…')()}}
        if brace {
            var i = v.startIndex
            var seen = 0
            while i + 1 < end, seen < 64 {
                if v[i] == UInt8(ascii: "{"),
                    (i > v.startIndex && v[i - 1] == UInt8(ascii: "$")) || v[i + 1] == UInt8(ascii: "{")
                {
                    seen += 1
                    var k = i + 1
                    while k < end, k - i < 512, v[k] != UInt8(ascii: "}") { k += 1 }
                    let inner = v[(i + 1)..<k]
                    if Bytes.containsIgnoringCase(inner, "constructor") || Bytes.containsIgnoringCase(inner, "$eval")
                        || containsCall(inner) || XSSScanner.mentionsSink(inner)
                    {
                        best.consider(
                            0.85, "xss.template_injection", (i - 1 >= v.startIndex ? i - 1 : i)..<min(end, k + 1))
                    }
                    i = k
                }
                i += 1
            }
        }
        // 3. Sink calls standing as code: alert(1), eval(atob('…')), document.write('<…'), fetch('//x?'+document.cookie)
        let firstContent = v.firstIndex { !Bytes.isSpace($0) } ?? end
        var i = v.startIndex
        var checked = 0
        while i < end, checked < 64 {
            let b = v[i]
            guard b == UInt8(ascii: "(") || b == UInt8(ascii: "`") || b == UInt8(ascii: "=") else {
                i += 1
                continue
            }
            checked += 1
            var s = i
            while s > v.startIndex, i - s < 128,
                XSSScanner.identByte.contains(v[s - 1]) || v[s - 1] == UInt8(ascii: ".")
                    || v[s - 1] == UInt8(ascii: "\\")
            {
                s -= 1
            }
            guard s < i else {
                i += 1
                continue
            }
            let prev: UInt8 = s > v.startIndex ? v[s - 1] : 0
            let codeContext =
                prev == 0 || prev == UInt8(ascii: ";") || prev == UInt8(ascii: "=") || prev == UInt8(ascii: "(")
                || prev == UInt8(ascii: "{") || prev == UInt8(ascii: ">") || prev == UInt8(ascii: "+")
                || prev == UInt8(ascii: ",") || prev == UInt8(ascii: "|") || prev == UInt8(ascii: "&")
                || prev == UInt8(ascii: ":") || prev == UInt8(ascii: "\"") || prev == UInt8(ascii: "'")
                || prev == UInt8(ascii: "`") || prev == UInt8(ascii: "!") || prev == UInt8(ascii: "-")
                || (Bytes.isSpace(prev) && s <= firstContent)
            if b == UInt8(ascii: "=") {
                // document.location='…', window.location=…, x.innerHTML='<img …>'
                if codeContext, let assigned = sinkAssignment(v, at: s) {
                    best.consider(0.75, "xss.dom_sink", s..<assigned)
                }
            } else if let call = XSSScanner.call(v, at: s), call.sink {
                if codeContext {
                    best.consider(call.arguments ? 0.75 : 0.45, "xss.js_call", s..<call.end)
                } else {
                    best.consider(0.35, "xss.js_call", s..<call.end)
                }
            }
            i += 1
        }
        // 4. CSS: width:expression(alert(1)), -moz-binding:url(…)
        if let at = firstIndexIgnoringCase(v, "expression") {
            var k = at + 10
            while k < end, Bytes.isSpace(v[k]) || v[k] == UInt8(ascii: "/") || v[k] == UInt8(ascii: "*") { k += 1 }
            let prev: UInt8 = at > v.startIndex ? v[at - 1] : 0
            if k < end, v[k] == UInt8(ascii: "("),
                prev == UInt8(ascii: ":") || prev == UInt8(ascii: "=") || prev == 0x20
            {
                best.consider(prev == UInt8(ascii: ":") ? 0.8 : 0.5, "xss.css_expression", at..<min(end, k + 20))
            }
        }
        if let at = firstIndexIgnoringCase(v, "-moz-binding") {
            best.consider(0.75, "xss.css_binding", at..<min(end, at + 40))
        }
    }

    /// `document.location = …`, `location.href=…`, `x.innerHTML = …`, `document.cookie=…`:
    /// the index after the `=` when the target at `i` is a DOM sink, else nil.
    static func sinkAssignment(_ v: ArraySlice<UInt8>, at i: Int) -> Int? {
        var k = i
        let end = v.endIndex
        while k < end, k - i < 80,
            XSSScanner.identByte.contains(v[k]) || v[k] == UInt8(ascii: ".")
                || v[k] == UInt8(ascii: "[") || v[k] == UInt8(ascii: "]")
                || v[k] == UInt8(ascii: "'")
                    && k > i && v[k - 1] == UInt8(ascii: "[")
        {
            k += 1
        }
        guard k > i else { return nil }
        let target = v[i..<k]
        var e = k
        while e < end, Bytes.isSpace(v[e]) { e += 1 }
        guard e < end, v[e] == UInt8(ascii: "="), e + 1 >= end || v[e + 1] != UInt8(ascii: "=") else { return nil }
        let isSink =
            Bytes.containsIgnoringCase(target, "location") || Bytes.containsIgnoringCase(target, "innerhtml")
            || Bytes.containsIgnoringCase(target, "outerhtml") || Bytes.containsIgnoringCase(target, "document.cookie")
            || Bytes.containsIgnoringCase(target, "document.domain") || Bytes.containsIgnoringCase(target, ".src")
            || Bytes.containsIgnoringCase(target, ".href") || Bytes.containsIgnoringCase(target, "srcdoc")
        guard isSink else { return nil }
        // Must be followed by something: a string, a call or a concatenation.
        let rhs = Bytes.trimmed(v[(e + 1)..<min(end, e + 200)])
        guard !rhs.isEmpty else { return nil }
        return min(end, e + 1 + min(rhs.count, 60))
    }
}
