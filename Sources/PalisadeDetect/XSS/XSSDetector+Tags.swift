/// The HTML reading: tags and their attributes, parsed like the HTML tokenizer (broken markup included).
extension XSSDetector {
    // HTML tags

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
            if c == UInt8(ascii: "?") {
                // `<?import namespace=… implementation="…htc">`: an IE behavior (HTML component)
                // bound to a tag prefix — script from another file.
                if Bytes.hasPrefixIgnoringCase(v[(j + 1)...], "import") {
                    let close = v[j...].prefix(512).firstIndex(of: UInt8(ascii: ">")) ?? min(end, j + 512)
                    if Bytes.containsIgnoringCase(v[j..<close], "implementation") {
                        best.consider(0.85, "xss.html_component", p..<close)
                    }
                }
                i = j + 1
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
            if tagsSeen == 1, closed, p > v.startIndex, tagBreakout(v[v.startIndex..<p]) {
                best.consider(0.65, "xss.tag_breakout", v.startIndex..<k)
            }
            if let resume {
                i = resume
            } else {
                i = max(k, p + 1)
            }
        }
    }

    /// Whether the text before the value's first tag closes the context the value was put in: a
    /// run of quotes and closers (`'"` `;` `)` `!` `-` `>` `/`) holding a quote and then `>` (the
    /// attribute and the tag: `">`) or `;` (a script statement: `'';!--"`), then at most 16
    /// letters or digits — the probe that finds where a reflected value lands
    /// (`'';!--"<XSS>=&{()}`, `">xxx<P>yyy`). Prose quoting a tag (`"<b>" makes bold`) has no closer.
    static func tagBreakout(_ prefix: ArraySlice<UInt8>) -> Bool {
        guard prefix.count <= 40 else { return false }
        var i = prefix.startIndex
        var quote = false
        var closer = false
        while i < prefix.endIndex {
            let b = prefix[i]
            if b == UInt8(ascii: "'") || b == UInt8(ascii: "\"") {
                quote = true
            } else if b == UInt8(ascii: ">") || b == UInt8(ascii: ";") {
                if quote { closer = true }
            } else if b != UInt8(ascii: ")") && b != UInt8(ascii: "!") && b != UInt8(ascii: "-")
                && b != UInt8(ascii: "/")
            {
                break
            }
            i += 1
        }
        guard quote, closer, prefix.endIndex - i <= 16 else { return false }
        return prefix[i...].allSatisfy { isLetter($0) || ($0 >= 0x30 && $0 <= 0x39) }
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
        /// IE data binding: `datasrc` names a data island, `dataformatas=html` renders its
        /// fields as markup.
        var dataSource = false
        var dataAsHTML = false
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
        case datasrcHash:
            state.dataSource = true
        case dataformatasHash:
            if Bytes.containsIgnoringCase(value, "html") { state.dataAsHTML = true }
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
    static let datasrcHash = WordHash.of("datasrc")
    static let dataformatasHash = WordHash.of("dataformatas")
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
        if s.dataSource {
            // `<span datasrc=#I datafld=c dataformatas=html>`: a data island's field as markup.
            best.consider(s.dataAsHTML ? 0.85 : 0.5, "xss.data_binding", range)
        }
        switch s.tag {
        case .script:
            // `"><script>`: the value first closes the application's attribute and tag — the
            // script opener is then an injection probe whatever its body.
            let prefix = v[v.startIndex..<s.start]
            let breakout =
                prefix.contains(UInt8(ascii: ">"))
                && prefix.allSatisfy {
                    $0 == UInt8(ascii: ">") || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "'")
                        || $0 == UInt8(ascii: ")") || $0 == UInt8(ascii: "/") || $0 == 0x20
                }
            if breakout, !s.nonScriptType { best.consider(0.8, "xss.script_tag", range) }
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
                var commentFirst = false
                while k < v.endIndex, body < 512 {
                    let b = v[k]
                    if b == UInt8(ascii: "<") {
                        // `<!--` inside a script is a legacy one-line comment, not markup: the code
                        // after its line break runs (`<script><!--\nalert(1)//--></script>`).
                        guard Bytes.hasPrefixIgnoringCase(v[k...], "<!--") else { break }
                        if body == 0 { commentFirst = true }
                        k += 4
                        body += 4
                        continue
                    }
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
                let closesAtOnce = (k < v.endIndex && v[k] == UInt8(ascii: "<") && body == 0) || commentFirst
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
}
