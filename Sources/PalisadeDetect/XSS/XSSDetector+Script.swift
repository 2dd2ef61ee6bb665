/// The JavaScript reading: string breakouts, template literals, sink calls and assignments, CSS.
extension XSSDetector {
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

    // JavaScript contexts

    static let breakOperators = ByteSet(";+-*/,|&^%?:")

    /// `css`: the bytes present in `v`, when known: a CSS reading is looked for only if they allow
    /// it (`expression(` needs `(`, `-moz-binding` needs `-` and `z`).
    static func scanScript(_ v: ArraySlice<UInt8>, quote: Bool, brace: Bool, css: ByteSet? = nil, _ best: inout Best) {
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
        let expression = css.map { $0.contains(UInt8(ascii: "(")) } ?? true
        let binding =
            css.map {
                $0.contains(UInt8(ascii: "-")) && ($0.contains(UInt8(ascii: "z")) || $0.contains(UInt8(ascii: "Z")))
            }
            ?? true
        if expression, let at = firstIndexIgnoringCase(v, "expression") {
            var k = at + 10
            while k < end, Bytes.isSpace(v[k]) || v[k] == UInt8(ascii: "/") || v[k] == UInt8(ascii: "*") { k += 1 }
            let prev: UInt8 = at > v.startIndex ? v[at - 1] : 0
            if k < end, v[k] == UInt8(ascii: "("),
                prev == UInt8(ascii: ":") || prev == UInt8(ascii: "=") || prev == 0x20
            {
                best.consider(prev == UInt8(ascii: ":") ? 0.8 : 0.5, "xss.css_expression", at..<min(end, k + 20))
            }
        }
        if binding, let at = firstIndexIgnoringCase(v, "-moz-binding") {
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
