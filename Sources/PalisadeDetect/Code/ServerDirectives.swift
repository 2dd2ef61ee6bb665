/// Directives that a web server, a caching proxy, an XSLT processor or a spreadsheet evaluates in
/// content it serves or opens, injected as data (`code_injection`):
///
/// - **Server-Side Includes** (Apache `mod_include`, nginx `ssi`, IIS): `<!--#exec cmd="id" -->`
///   runs a command, `<!--#include virtual="/etc/passwd" -->` reads a file, `<!--#echo var=… -->`,
///   `<!--#printenv -->` and the other directives probe whether the page is parsed. The `<!--#`
///   opener must be followed by a directive's name: `<!--#region` (editor folding marks) is not one.
/// - **Edge Side Includes** (Varnish, Akamai, Squid, Fastly): `<esi:include src="http://…"/>` makes
///   the proxy fetch a URL (server-side request forgery, cookie theft), `<esi:vars>`, `<esi:debug/>`
///   and the other tags probe for the processor.
/// - **XSLT** that reaches the processor's environment: an `<xsl:` element together with
///   `system-property(`, `unparsed-text(`, `document(`, `php:function`, a Java or Xalan extension
///   namespace, or `<xsl:include`/`<xsl:import` (a stylesheet that only formats data has none).
/// - **DDE formulas** (CSV/formula injection): a value starting like a formula (`=`, `+`, `-`, `@`)
///   that holds a DDE link `app|'topic'!item` (`=cmd|' /C calc'!A0`) or calls `DDE(`/`DDEAUTO`:
///   opening the exported sheet runs a command.
///
/// Each needs its opener (`<!--#`, `<esi:`, `<xsl:`, or a leading formula sign and `|` or `(`),
/// so the pre-filter is `<`, `|` or `(` among the value's bytes.
enum ServerDirectives {
    /// A necessary condition of every reading.
    static let gateBytes = ByteSet("<|(")

    /// SSI directive names and the confidence of each (`exec` runs a command, `include` reads a file).
    private static let ssi: [(name: StaticString, confidence: Double, rule: String)] = [
        ("exec", 0.95, "code_injection.ssi_exec"), ("include", 0.85, "code_injection.ssi_include"),
        ("echo", 0.7, "code_injection.ssi"), ("printenv", 0.75, "code_injection.ssi"),
        ("config", 0.7, "code_injection.ssi"), ("fsize", 0.7, "code_injection.ssi"),
        ("flastmod", 0.7, "code_injection.ssi"), ("set", 0.7, "code_injection.ssi"),
        ("if", 0.6, "code_injection.ssi"), ("elif", 0.6, "code_injection.ssi"),
    ]

    /// ESI tags that fetch or evaluate, then the ones that only probe.
    private static let esiFetching: [StaticString] = ["include", "inline", "eval"]
    private static let esiOther: [StaticString] = [
        "vars", "assign", "debug", "choose", "when", "otherwise", "try", "attempt", "except", "comment", "remove",
        "text",
    ]

    /// Extension namespaces and functions that run code in the XSLT processor.
    private static let xsltCode: [StaticString] = [
        "php:function", "xalan://", "java.lang.", "xmlns:java", "xmlns:php", "xmlns:rt=", "xmlns:runtime",
    ]
    /// Functions and elements that read a file or URL: an attack when what they read is absolute,
    /// remote or climbs (`document('/etc/passwd')`, `<xsl:include href="http://…"/>`), not when it is
    /// the stylesheet itself or a file beside it (`document('')`, `<xsl:include href="common.xsl"/>`).
    private static let xsltReads: [StaticString] = [
        "document(", "unparsed-text(", "unparsed-text-lines(", "doc(", "<xsl:include", "<xsl:import",
    ]

    static func read(_ value: ArraySlice<UInt8>, bytes: ByteSet, _ best: inout ExecBest) {
        guard value.count >= 5, bytes.intersects(gateBytes) else { return }
        if bytes.contains(UInt8(ascii: "<")) {
            if bytes.contains(UInt8(ascii: "#")) { serverSideIncludes(value, &best) }
            if bytes.contains(UInt8(ascii: ":")) {
                edgeSideIncludes(value, &best)
                xslt(value, &best)
            }
        }
        if bytes.contains(UInt8(ascii: "|")) || bytes.contains(UInt8(ascii: "(")) { ddeFormula(value, &best) }
    }

    /// `<!--#name` where `name` is a directive, followed by a space, `-` or the end.
    static func serverSideIncludes(_ value: ArraySlice<UInt8>, _ best: inout ExecBest) {
        let end = value.endIndex
        var from = value.startIndex
        while let at = ExecBytes.findExactly(value, "<!--#", from: from) {
            let name = at + 5
            for directive in ssi where ExecBytes.matches(value, at: name, directive.name) {
                let after = name + directive.name.utf8CodeUnitCount
                guard after == end || Bytes.isSpace(value[after]) || value[after] == UInt8(ascii: "-") else {
                    continue
                }
                let close = ExecBytes.findExactly(value, "-->", from: after).map { $0 + 3 } ?? min(end, after + 40)
                best.consider(directive.confidence, directive.rule, at..<close)
                break
            }
            from = name
        }
    }

    /// `<esi:tag` (any case), the fetching tags stronger.
    static func edgeSideIncludes(_ value: ArraySlice<UInt8>, _ best: inout ExecBest) {
        let end = value.endIndex
        var from = value.startIndex
        while let at = ExecBytes.find(value, "<esi:", from: from) {
            let name = at + 5
            let span = at..<min(end, name + 48)
            if esiFetching.contains(where: { tagName(value, at: name, $0) }) {
                best.consider(0.9, "code_injection.esi_include", span)
                return
            }
            if esiOther.contains(where: { tagName(value, at: name, $0) }) {
                best.consider(0.75, "code_injection.esi", span)
            }
            from = name
        }
    }

    /// `<xsl:` and, anywhere in the value, what only a stylesheet reaching out of the document
    /// uses: a code extension (0.9), a read of an absolute, remote or climbing location (0.85), or
    /// the processor's properties (`system-property(`, the usual first probe; 0.7).
    static func xslt(_ value: ArraySlice<UInt8>, _ best: inout ExecBest) {
        guard let at = ExecBytes.find(value, "<xsl:") else { return }
        let end = value.endIndex
        for marker in xsltCode {
            if let r = ExecBytes.find(value, marker) {
                best.consider(0.9, "code_injection.xslt", min(at, r)..<min(end, r + 40))
                return
            }
        }
        for read in xsltReads {
            var from = value.startIndex
            while let r = ExecBytes.find(value, read, from: from) {
                from = r + 1
                guard let target = quotedArgument(value, after: r + read.utf8CodeUnitCount), outside(value[target])
                else { continue }
                best.consider(0.85, "code_injection.xslt", min(at, r)..<min(end, target.upperBound + 1))
                return
            }
        }
        if let r = ExecBytes.find(value, "system-property(") {
            best.consider(0.7, "code_injection.xslt", min(at, r)..<min(end, r + 40))
        }
    }

    /// The contents of the first quoted string within 16 bytes after `index` (a function's first
    /// argument, or an `href="…"` attribute).
    private static func quotedArgument(_ value: ArraySlice<UInt8>, after index: Int) -> Range<Int>? {
        let end = value.endIndex
        var i = index
        while i < end, i - index < 16, value[i] != UInt8(ascii: "'"), value[i] != UInt8(ascii: "\"") { i += 1 }
        guard i < end, i - index < 16 else { return nil }
        let quote = value[i]
        guard let close = value[(i + 1)...].firstIndex(of: quote) else { return nil }
        return (i + 1)..<close
    }

    /// Whether a location leaves the stylesheet's own directory: absolute (`/`, `\`, a drive), a
    /// URL with a scheme (`file:`, `http:`, `ftp:`, `expect:`, …), or climbing (`..`).
    private static func outside(_ target: ArraySlice<UInt8>) -> Bool {
        guard let first = target.first else { return false }
        if first == UInt8(ascii: "/") || first == UInt8(ascii: "\\") { return true }
        if ExecBytes.find(target, "..") != nil { return true }
        var i = target.startIndex
        while i < target.endIndex, ExecBytes.isAlpha(target[i]) { i += 1 }
        return i > target.startIndex && i < target.endIndex && target[i] == UInt8(ascii: ":")
    }

    /// A formula (`=`, `+`, `-`, `@` first, after spaces, tabs and an opening quote) holding a DDE
    /// link `app|'topic'!item` or a `DDE(`/`DDEAUTO` call.
    static func ddeFormula(_ value: ArraySlice<UInt8>, _ best: inout ExecBest) {
        var i = value.startIndex
        let end = value.endIndex
        while i < end, Bytes.isSpace(value[i]) || value[i] == UInt8(ascii: "\"") || value[i] == UInt8(ascii: "'") {
            i += 1
        }
        guard i < end else { return }
        switch value[i] {
        case UInt8(ascii: "="), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "@"): break
        default: return
        }
        let formula = value[i...]
        if let call = ExecBytes.find(formula, "DDE(") ?? ExecBytes.find(formula, "DDEAUTO") {
            best.consider(0.9, "code_injection.dde_formula", i..<min(end, call + 40))
            return
        }
        // `app|'topic'!item`: an application name (letters, digits, `.`, `\`, `/`, `:`), `|`, a
        // quoted topic, `!`.
        var bar = formula.startIndex
        while let found = formula[bar...].firstIndex(of: UInt8(ascii: "|")) {
            defer { bar = found + 1 }
            var s = found
            while s > formula.startIndex, isAppNameByte(formula[s - 1]) { s -= 1 }
            guard found - s >= 3 else { continue }
            var q = found + 1
            while q < end, value[q] == UInt8(ascii: " ") { q += 1 }
            guard q < end, value[q] == UInt8(ascii: "'") else { continue }
            guard let closing = value[(q + 1)...].firstIndex(of: UInt8(ascii: "'")), closing + 1 < end,
                value[closing + 1] == UInt8(ascii: "!")
            else { continue }
            best.consider(0.9, "code_injection.dde_formula", s..<min(end, closing + 4))
            return
        }
    }

    private static func isAppNameByte(_ byte: UInt8) -> Bool {
        ExecBytes.isIdent(byte) || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "\\")
            || byte == UInt8(ascii: "/") || byte == UInt8(ascii: ":")
    }

    /// Whether `name` (case-insensitive) starts at `index` and ends there: a space, `/`, `>` or the end follows.
    private static func tagName(_ value: ArraySlice<UInt8>, at index: Int, _ name: StaticString) -> Bool {
        guard ExecBytes.matches(value, at: index, name) else { return false }
        let after = index + name.utf8CodeUnitCount
        return after == value.endIndex || Bytes.isSpace(value[after]) || value[after] == UInt8(ascii: "/")
            || value[after] == UInt8(ascii: ">")
    }
}
