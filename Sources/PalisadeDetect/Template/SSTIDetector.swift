/// Server-side template injection (`ssti`): finds template expressions by their delimiters —
/// `{{ }}` and `{% %}` (Jinja2, Twig, Nunjucks, Handlebars, Pebble, Tornado), `${ }` (Freemarker,
/// EL, Mako, Thymeleaf), `#{ }` and `*{ }` (Spring/Thymeleaf, Pug, Ruby), `<% %>` (ERB, EJS, JSP,
/// Mako), `<# … >` (Freemarker directives), `#set(…)` (Velocity), `{php}`/`{func(…)}` (Smarty),
/// `@(…)` (Razor) — and judges each *body*: object-graph walks that reach the interpreter
/// (`__class__.__mro__`, `getClass().forName`, `?new()`, `_self.env`, `constructor`), evaluation
/// probes (`7*7`, `7*'7'`) and bare introspection (`config`, `self`). A template with plain
/// variables (`{{user.name}}`, `${price}`) has none of these.
public struct SSTIDetector: Detector {
    public let name = "ssti"

    public init() {}

    public struct Finding: Sendable, Equatable {
        public var confidence: Double
        public var rule: String
        public var range: Range<Int>
    }

    public func detect(_ value: ArraySlice<UInt8>, context: DetectionContext, hits: inout [Hit]) {
        guard let finding = Self.analyze(value, bytes: context.bytes(of: value)) else { return }
        hits.append(
            Hit(
                attackClass: .ssti, point: -1, confidence: finding.confidence,
                evidence: Evidence.excerpt(value, around: finding.range, fieldName: context.fieldName),
                rule: finding.rule))
    }

    /// Expression bodies examined per value, and the longest body read.
    static let maxBodies = 64
    static let maxBody = 1024

    /// Every reading needs one of these bytes (delimiters, `?new()`, `$class`).
    static let prefilter = ByteSet("{<#@$?")
    /// Bytes `freemarker.template.utility.Execute` cannot match without, letters in lowercase.
    static let executeBytes = ByteSet(".xyk")
    /// The first bytes of the delimiters `analyze` reads.
    static let openerBytes = ByteSet("{<#@$")

    public static func analyze(_ value: ArraySlice<UInt8>) -> Finding? {
        analyze(value, bytes: ByteSet(presentIn: value))
    }

    /// `bytes`: the bytes present in `value` (`DetectionContext.bytes(of:)`).
    static func analyze(_ value: ArraySlice<UInt8>, bytes: ByteSet) -> Finding? {
        guard value.count >= 4, bytes.intersects(prefilter) else { return nil }
        var best = ExecBest()
        var bodies = 0
        let end = value.endIndex
        // Every opener starts with one of these (`*{`, `~{` need the `{`): a value passing the
        // pre-filter on `?` alone has none to look for, only `scanLoose`'s markers.
        var i = bytes.intersects(openerBytes) ? value.startIndex : end
        while i + 1 < end, bodies < maxBodies {
            let byte = value[i]
            let next = value[i + 1]
            var opener: Delimiter? = nil
            switch byte {
            case UInt8(ascii: "{"):
                if next == UInt8(ascii: "{") {
                    opener = .doubleBrace
                } else if next == UInt8(ascii: "%") {
                    opener = .statement
                } else if ExecBytes.isIdentStart(next) || next == UInt8(ascii: "$") {
                    opener = .smarty
                }
            case UInt8(ascii: "$"), UInt8(ascii: "#"), UInt8(ascii: "*"), UInt8(ascii: "@"), UInt8(ascii: "~"):
                if next == UInt8(ascii: "{") { opener = .dollarBrace }
                if byte == UInt8(ascii: "#"),
                    ExecBytes.matches(value, at: i, "#set(") || ExecBytes.matches(value, at: i, "#set (")
                        || ExecBytes.matches(value, at: i, "#evaluate(") || ExecBytes.matches(value, at: i, "#foreach(")
                {
                    opener = .velocity
                }
                if byte == UInt8(ascii: "@"), next == UInt8(ascii: "(") { opener = .razor }
            case UInt8(ascii: "<"):
                if next == UInt8(ascii: "%") { opener = .percent }
                if next == UInt8(ascii: "#"), i + 2 < end, ExecBytes.isAlpha(value[i + 2]) { opener = .freemarker }
            default: break
            }
            guard let opener else {
                i += 1
                continue
            }
            bodies += 1
            let (bodyRange, after, closed) = body(value, at: i, opener)
            judge(value, bodyRange: bodyRange, opener: opener, closed: closed, start: i, after: after, &best)
            if best.confidence >= 0.95 { break }
            i = opener == .smarty || opener == .dollarBrace ? i + 2 : max(after, i + 2)
        }
        if best.confidence < 0.9 { scanLoose(value, bytes: bytes, &best) }
        // Every opener `polyglot` counts holds `{` or `%`.
        if best.confidence < 0.75, value.count <= 64,
            bytes.contains(UInt8(ascii: "{")) || bytes.contains(UInt8(ascii: "%")), polyglot(value)
        {
            best.consider(0.75, "ssti.polyglot_probe", value.startIndex..<value.endIndex)
        }
        guard best.confidence >= 0.3 else { return nil }
        return Finding(confidence: best.confidence, rule: best.rule, range: best.range)
    }

    enum Delimiter { case doubleBrace, statement, dollarBrace, percent, freemarker, velocity, smarty, razor }

    /// The body of the expression opened at `start`: its range, the index after the closer, and
    /// whether a closer was found (a truncated payload is still read).
    static func body(_ value: ArraySlice<UInt8>, at start: Int, _ opener: Delimiter) -> (Range<Int>, Int, Bool) {
        let end = value.endIndex
        let limit = min(end, start + maxBody)
        switch opener {
        case .doubleBrace, .statement:
            let closer: UInt8 = opener == .doubleBrace ? UInt8(ascii: "}") : UInt8(ascii: "%")
            var j = start + 2
            while j + 1 < limit {
                if value[j] == closer, value[j + 1] == UInt8(ascii: "}") { return ((start + 2)..<j, j + 2, true) }
                j += 1
            }
            return ((start + 2)..<limit, limit, false)
        case .dollarBrace, .smarty:
            var depth = 0
            var j = opener == .smarty ? start + 1 : start + 2
            let bodyStart = j
            while j < limit {
                let b = value[j]
                if b == UInt8(ascii: "{") { depth += 1 }
                if b == UInt8(ascii: "}") {
                    if depth == 0 { return (bodyStart..<j, j + 1, true) }
                    depth -= 1
                }
                j += 1
            }
            return (bodyStart..<limit, limit, false)
        case .percent:
            var j = start + 2
            while j + 1 < limit {
                if value[j] == UInt8(ascii: "%"), value[j + 1] == UInt8(ascii: ">") {
                    return ((start + 2)..<j, j + 2, true)
                }
                j += 1
            }
            return ((start + 2)..<limit, limit, false)
        case .freemarker:
            var j = start + 2
            var quote: UInt8 = 0
            while j < limit {
                let b = value[j]
                if quote != 0 {
                    if b == quote { quote = 0 }
                } else if b == UInt8(ascii: "\"") || b == UInt8(ascii: "'") {
                    quote = b
                } else if b == UInt8(ascii: ">") {
                    return ((start + 2)..<j, j + 1, true)
                }
                j += 1
            }
            return ((start + 2)..<limit, limit, false)
        case .velocity, .razor:
            var j = start
            while j < limit, value[j] != UInt8(ascii: "(") { j += 1 }
            var depth = 0
            let bodyStart = min(j + 1, limit)
            while j < limit {
                if value[j] == UInt8(ascii: "(") { depth += 1 }
                if value[j] == UInt8(ascii: ")") {
                    depth -= 1
                    if depth == 0 { return (bodyStart..<j, j + 1, true) }
                }
                j += 1
            }
            return (bodyStart..<limit, limit, false)
        }
    }

    static func judge(
        _ value: ArraySlice<UInt8>, bodyRange: Range<Int>, opener: Delimiter, closed: Bool, start: Int, after: Int,
        _ best: inout ExecBest
    ) {
        var raw = value[bodyRange]
        // ERB/EJS output and comment markers (`<%=`, `<%-`, `<%#`) and Velocity/Razor bodies.
        if opener == .percent, let f = raw.first,
            f == UInt8(ascii: "=") || f == UInt8(ascii: "-") || f == UInt8(ascii: "!")
        {
            raw = raw.dropFirst()
        }
        guard !raw.isEmpty else { return }
        let body = normalize(raw)[...]
        let range = start..<min(value.endIndex, max(after, start + 2))
        // Thymeleaf pre-processing `__${…}__` runs the expression before the template does.
        let preprocess =
            opener == .dollarBrace && start >= value.startIndex + 2 && value[start - 1] == UInt8(ascii: "_")
            && value[start - 2] == UInt8(ascii: "_")
        var strength = TemplateMarkers.strength(body)
        // A whole command in backticks (`<%= `id` %>`, `#{`id`}`) is shell execution.
        if strength > 0, let tick = body.firstIndex(of: UInt8(ascii: "`")), backtickCommand(body, at: tick) {
            strength = max(strength, 0.9)
        }
        if strength > 0 {
            var c = strength
            if preprocess { c += 0.04 }
            if opener == .smarty, !smartyShaped(body) { return }
            if !closed { c -= 0.05 }
            best.consider(c, "ssti.\(ruleName(opener))", range)
            return
        }
        if opener == .smarty {
            if ExecBytes.matchesExactly(body, at: body.startIndex, "php}")
                || ExecBytes.matchesExactly(body, at: body.startIndex, "php")
                    && body.count == 3
            {
                best.consider(0.85, "ssti.smarty", range)
            } else if ExecBytes.matchesExactly(body, at: body.startIndex, "$smarty.") {
                best.consider(0.7, "ssti.smarty", range)
            }
            return
        }
        // Velocity's probe assigns a product and prints it, and is nothing else: `#set($x=7*7)${x}`.
        // A template that computes a constant (`#set($maxAge = 60*60*24)max-age=$maxAge`) has text
        // around the reference.
        if opener == .velocity, closed, let (name, assigned) = velocityAssignment(body),
            let probe = arithmeticProbe(assigned), isOnlyReference(value[after...], to: name)
        {
            best.consider(probe, "ssti.eval_probe", range)
            return
        }
        if let probe = arithmeticProbe(body), opener != .freemarker, opener != .velocity {
            var c = probe
            if preprocess { c += 0.1 }
            if opener == .razor { c -= 0.1 }
            best.consider(c, "ssti.eval_probe", range)
            return
        }
        if opener == .doubleBrace || opener == .dollarBrace || opener == .percent {
            let trimmed = Bytes.trimmed(body)
            let bare: [StaticString] = [
                "config", "self", "settings", "request.environ", "config.items()", "_self", "settings.SECRET_KEY",
                "config.SECRET_KEY", "request.application", "app.request.server.all", "dump(app)", "this",
                "smarty.version", "self.__dict__", "request|attr('application')", ".Env", "range.constructor",
                "get_flashed_messages", "url_for", "lipsum", "cycler", "joiner", "namespace", "g", "session",
                "application", "applicationScope", "sessionScope", "pageContext", "initParam",
            ]
            for word in bare
            where trimmed.count == word.utf8CodeUnitCount
                && ExecBytes.matchesExactly(trimmed, at: trimmed.startIndex, word)
            {
                // `{{session}}`/`{{g}}` and friends are plausible plain variables: weak.
                let weak = trimmed.count <= 4 && !(ExecBytes.matchesExactly(trimmed, at: trimmed.startIndex, "self"))
                best.consider(weak ? 0.45 : 0.72, "ssti.introspection_probe", range)
            }
        }
    }

    static func ruleName(_ opener: Delimiter) -> String {
        switch opener {
        case .doubleBrace, .statement: "jinja_twig"
        case .dollarBrace: "expression_language"
        case .percent: "erb_jsp"
        case .freemarker: "freemarker"
        case .velocity: "velocity"
        case .smarty: "smarty"
        case .razor: "razor"
        }
    }

    /// `{system('id')}`, `{if phpinfo()}`: a single-brace Smarty tag must start like one.
    static func smartyShaped(_ body: ArraySlice<UInt8>) -> Bool {
        var k = body.startIndex
        if ExecBytes.matchesExactly(body, at: k, "if ") { k += 3 }
        if k < body.endIndex, body[k] == UInt8(ascii: "$") { return true }
        while k < body.endIndex, ExecBytes.isIdent(body[k]) || body[k] == UInt8(ascii: ":") { k += 1 }
        return k < body.endIndex && body[k] == UInt8(ascii: "(")
    }

    /// A Velocity reference at `index` — `$name`, `${name}`, `$!name` or `$!{name}` — as the
    /// name and the index after it, or nil.
    static func velocityReference(_ text: ArraySlice<UInt8>, at index: Int) -> (name: ArraySlice<UInt8>, end: Int)? {
        var i = index
        guard i < text.endIndex, text[i] == UInt8(ascii: "$") else { return nil }
        i += 1
        if i < text.endIndex, text[i] == UInt8(ascii: "!") { i += 1 }
        let braced = i < text.endIndex && text[i] == UInt8(ascii: "{")
        if braced { i += 1 }
        let nameStart = i
        while i < text.endIndex, ExecBytes.isIdent(text[i]) { i += 1 }
        guard i > nameStart else { return nil }
        let name = text[nameStart..<i]
        if braced {
            guard i < text.endIndex, text[i] == UInt8(ascii: "}") else { return nil }
            i += 1
        }
        return (name, i)
    }

    /// The variable a `#set` body assigns and the expression (`$x = 7*7` → `x`, `7*7`), or nil.
    static func velocityAssignment(_ body: ArraySlice<UInt8>) -> (
        name: ArraySlice<UInt8>, expression: ArraySlice<UInt8>
    )? {
        guard let (name, after) = velocityReference(body, at: ExecBytes.skipSpaces(body, body.startIndex)) else {
            return nil
        }
        let i = ExecBytes.skipSpaces(body, after)
        guard i < body.endIndex, body[i] == UInt8(ascii: "=") else { return nil }
        return (name, body[(i + 1)...])
    }

    /// Whether `rest`, spaces aside, is exactly a reference to `name`.
    static func isOnlyReference(_ rest: ArraySlice<UInt8>, to name: ArraySlice<UInt8>) -> Bool {
        let trimmed = Bytes.trimmed(rest)
        guard let (found, after) = velocityReference(trimmed, at: trimmed.startIndex) else { return false }
        return after == trimmed.endIndex && found.elementsEqual(name)
    }

    /// `7*7`, `7*'7'`, `191*7`, `{{7*7}}` nested in quotes: numbers joined by `*` (the classic
    /// evaluation probe); sums only weakly (`{{ 1 + 1 }}` appears in template tutorials).
    static func arithmeticProbe(_ body: ArraySlice<UInt8>) -> Double? {
        var numbers = 0
        var multiply = false
        var other = false
        var i = body.startIndex
        while i < body.endIndex, Bytes.isSpace(body[i]) { i += 1 }
        // A wrapping call (`print(7*7)`, `str(7*7)`).
        var w = i
        while w < body.endIndex, ExecBytes.isIdent(body[w]) { w += 1 }
        if w > i, w < body.endIndex, body[w] == UInt8(ascii: "("), w - i <= 8 { i = w }
        var expectNumber = true
        while i < body.endIndex {
            let b = body[i]
            if Bytes.isSpace(b) || b == UInt8(ascii: "'") || b == UInt8(ascii: "\"") || b == UInt8(ascii: "(")
                || b == UInt8(ascii: ")") || b == UInt8(ascii: "{") || b == UInt8(ascii: "}")
            {
                i += 1
                continue
            }
            if ExecBytes.isDigit(b) {
                guard expectNumber else { return nil }
                while i < body.endIndex, ExecBytes.isDigit(body[i]) || body[i] == UInt8(ascii: ".") { i += 1 }
                numbers += 1
                expectNumber = false
                continue
            }
            if b == UInt8(ascii: "*") || b == UInt8(ascii: "+") || b == UInt8(ascii: "-") || b == UInt8(ascii: "/")
                || b == UInt8(ascii: "%")
            {
                guard !expectNumber else { return nil }
                if b == UInt8(ascii: "*") { multiply = true } else { other = true }
                expectNumber = true
                i += 1
                continue
            }
            return nil
        }
        guard numbers >= 2, !expectNumber else { return nil }
        return multiply ? 0.75 : (other ? 0.45 : nil)
    }

    /// The body with `\xNN`/`\u00NN` escapes decoded and string concatenation (`'+'`, `"~"`)
    /// removed, so `'\x5f\x5fclass\x5f\x5f'` and `'__cl'+'ass__'` read as `__class__`.
    static func normalize(_ raw: ArraySlice<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(raw.count)
        var i = raw.startIndex
        let end = raw.endIndex
        while i < end {
            let b = raw[i]
            if b == UInt8(ascii: "\\"), i + 3 < end, raw[i + 1] == UInt8(ascii: "x"),
                let h = hex(raw[i + 2]), let l = hex(raw[i + 3])
            {
                out.append(h << 4 | l)
                i += 4
                continue
            }
            if b == UInt8(ascii: "\\"), i + 5 < end, raw[i + 1] == UInt8(ascii: "u"), raw[i + 2] == UInt8(ascii: "0"),
                raw[i + 3] == UInt8(ascii: "0"), let h = hex(raw[i + 4]), let l = hex(raw[i + 5])
            {
                out.append(h << 4 | l)
                i += 6
                continue
            }
            if b == UInt8(ascii: "'") || b == UInt8(ascii: "\"") {
                // `'a' + 'b'`, `'a'~'b'`: drop the closing quote, the operator and the opening quote.
                var k = i + 1
                while k < end, Bytes.isSpace(raw[k]) { k += 1 }
                if k < end, raw[k] == UInt8(ascii: "+") || raw[k] == UInt8(ascii: "~") {
                    var m = k + 1
                    while m < end, Bytes.isSpace(raw[m]) { m += 1 }
                    if m < end, raw[m] == UInt8(ascii: "'") || raw[m] == UInt8(ascii: "\"") {
                        i = m + 1
                        continue
                    }
                }
            }
            out.append(b)
            i += 1
        }
        return out
    }

    @inline(__always)
    static func hex(_ b: UInt8) -> UInt8? {
        switch b {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): b - 0x30
        case UInt8(ascii: "a")...UInt8(ascii: "f"): b - 0x57
        case UInt8(ascii: "A")...UInt8(ascii: "F"): b - 0x37
        default: nil
        }
    }

    /// A closed backtick string whose first word is a known command (`` `id` ``, `` `cat /etc/passwd` ``).
    static func backtickCommand(_ body: ArraySlice<UInt8>, at tick: Int) -> Bool {
        var k = tick + 1
        while k < body.endIndex, ExecBytes.isIdent(body[k]) { k += 1 }
        guard k > tick + 1, ShellVocabulary.lookup(body[(tick + 1)..<k]) != nil else { return false }
        return body[k...].contains(UInt8(ascii: "`"))
    }

    /// Detection polyglots (`${{<%[%'"}}%\.`): three or more template syntaxes opened in one short value.
    static func polyglot(_ value: ArraySlice<UInt8>) -> Bool {
        var kinds = 0
        for opener: StaticString in ["${", "{{", "<%", "#{", "{%", "*{", "[%"]
        where ExecBytes.findExactly(value, opener) != nil {
            kinds += 1
        }
        guard kinds >= 3 else { return false }
        // Polyglots are punctuation; prose that happens to mention template syntaxes is not.
        var letters = 0
        for byte in value where ExecBytes.isAlpha(byte) { letters += 1 }
        return letters * 4 < value.count
    }

    /// Readings outside delimiters: Freemarker built-ins and Velocity references that only
    /// attacks use. `bytes`: the bytes present in `value`; a marker is looked for only when the
    /// value holds a byte it cannot match without (most values hold few of them).
    static func scanLoose(_ value: ArraySlice<UInt8>, bytes: ByteSet, _ best: inout ExecBest) {
        let paren = bytes.contains(UInt8(ascii: "("))
        func freemarker(_ marker: StaticString) -> Bool {
            guard let m = ExecBytes.find(value, marker) else { return false }
            best.consider(0.9, "ssti.freemarker", m..<min(value.endIndex, m + 36))
            return true
        }
        // The class name's dot and rarer letters, any case.
        if bytes.caseFolded.isSuperset(of: Self.executeBytes), freemarker("freemarker.template.utility.Execute") {
            return
        }
        if paren, bytes.contains(UInt8(ascii: "?")), freemarker("?new()") { return }
        if bytes.containsEitherCase(UInt8(ascii: "j")), freemarker("ObjectConstructor") {
            return
        }
        // Velocity references walking to a class (`$x.getClass().forName(…)`, `$class.inspect(…)`).
        if paren {
            for marker: StaticString in ["$class.inspect(", ".getClass().forName(", ".class.forName("] {
                if let m = ExecBytes.find(value, marker),
                    value[..<m].contains(UInt8(ascii: "$")) || m == value.startIndex
                {
                    best.consider(0.88, "ssti.velocity", m..<min(value.endIndex, m + 36))
                    return
                }
            }
        }
        // Razor code blocks reaching the process or file APIs.
        if bytes.contains(UInt8(ascii: "@")) {
            for marker: StaticString in ["@System.Diagnostics.Process", "@System.IO.File", "@Process.Start("] {
                if let m = ExecBytes.findExactly(value, marker) {
                    best.consider(0.9, "ssti.razor", m..<min(value.endIndex, m + 36))
                    return
                }
            }
        }
    }
}
