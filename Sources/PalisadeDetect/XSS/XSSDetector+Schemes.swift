/// The URL reading: `javascript:`, `vbscript:` and `data:` schemes as a browser reads them.
extension XSSDetector {
    // URL schemes

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

    /// The first index of `needle` (lowercase ASCII) in `v`, ignoring case: `ByteFind`'s loop over
    /// the slice's storage (indexing the slice with a bounds check per byte cost ~3 times as much).
    @inline(__always)
    static func firstIndexIgnoringCase(_ v: ArraySlice<UInt8>, _ needle: StaticString) -> Int? {
        ByteFind.index(of: needle, in: v, ignoringCase: true)
    }
}
