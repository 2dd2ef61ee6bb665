/// XML external entities: reads markup declarations the way an XML parser would — a DOCTYPE's
/// external subset (`SYSTEM "uri"`, `PUBLIC "id" "uri"`), `<!ENTITY>` declarations (general and
/// parameter, internal and external) and the URIs they name — plus XInclude elements and entity
/// expansion bombs. Works on the DOCTYPE markup point the XML decoder emits (`…>xml!doctype`) and
/// on any value that carries XML (SOAP, SVG, Base64-unwrapped documents, query parameters).
///
/// Ordinary documents are quiet: `<!DOCTYPE html>`, XHTML/SVG/plist DOCTYPEs with a formal public
/// identifier (`-//W3C//DTD …//EN`) pointing at the standard's host.
public struct XXEDetector: Detector {
    public let name = "xxe"

    public init() {}

    public func detect(_ value: ArraySlice<UInt8>, context: DetectionContext, hits: inout [Hit]) {
        guard let finding = Self.analyze(value, bytes: context.bytes(of: value)) else { return }
        hits.append(.net(.xxe, finding, value: value, context: context))
    }

    static let reportFloor = 0.3

    /// Where an external identifier points.
    enum Target {
        case local  // file:, an absolute path, php://, expect://, jar:, netdoc:, gopher:, data:
        case remote  // http(s)://, ftp://
        case benign  // about:legacy-compat and the like
    }

    static func target(_ uri: ArraySlice<UInt8>) -> Target {
        let u = Bytes.trimmed(uri)
        if Bytes.hasPrefixIgnoringCase(u, "http:") || Bytes.hasPrefixIgnoringCase(u, "https:")
            || Bytes.hasPrefixIgnoringCase(u, "ftp:") || Bytes.hasPrefixIgnoringCase(u, "//")
        {
            return .remote
        }
        if Bytes.hasPrefixIgnoringCase(u, "about:") || u.isEmpty { return .benign }
        // A relative name (`note.dtd`) resolves next to the document: ordinary unless it climbs.
        if !u.contains(UInt8(ascii: ":")) && u.first != UInt8(ascii: "/") && u.first != 0x5C {
            return Bytes.containsIgnoringCase(u, "..") ? .local : .benign
        }
        return .local
    }

    /// Hosts of well-known DTDs that ordinary documents reference.
    static let standardHosts: [StaticString] = [
        "www.w3.org", "w3.org", "www.apple.com", "apple.com", "www.oasis-open.org", "docs.oasis-open.org",
        "www.docbook.org", "docbook.org", "java.sun.com", "xmlns.jcp.org", "www.springframework.org",
        "hibernate.org", "www.hibernate.org", "mybatis.org", "struts.apache.org", "logging.apache.org",
        "jakarta.apache.org", "tiles.apache.org", "www.puppycrawl.com", "checkstyle.org", "dtd.mybatis.org",
        "www.mozilla.org", "www.wapforum.org", "schemas.microsoft.com", "www.ncbi.nlm.nih.gov",
    ]

    static func isStandard(_ uri: ArraySlice<UInt8>) -> Bool {
        let u = Bytes.trimmed(uri)
        var i = u.startIndex
        if let colon = u.firstIndex(of: UInt8(ascii: ":")) { i = colon + 1 }
        while i < u.endIndex, u[i] == UInt8(ascii: "/") { i += 1 }
        let hostEnd = u[i...].firstIndex { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: ":") } ?? u.endIndex
        let host = u[i..<hostEnd]
        for s in standardHosts where host.count == s.utf8CodeUnitCount && Bytes.hasPrefixIgnoringCase(host, s) {
            return true
        }
        return false
    }

    public static func analyze(_ value: ArraySlice<UInt8>) -> NetFinding? {
        analyze(value, bytes: ByteSet(presentIn: value))
    }

    /// `bytes`: the bytes present in `value` (`DetectionContext.bytes(of:)`).
    static func analyze(_ value: ArraySlice<UInt8>, bytes: ByteSet) -> NetFinding? {
        guard value.count >= 8, bytes.contains(UInt8(ascii: "<")) else { return nil }
        var best = NetFinding.none
        var entities = 0
        var entityReferencesInValues = 0
        var maxReferencesInOne = 0
        var internalEntity: Range<Int>? = nil
        var i = value.startIndex
        var declarations = 0
        var xincludeNamespace: Bool? = nil
        var includes = 0  // XInclude candidates examined (bounded)
        while i + 1 < value.endIndex, declarations < 4096 {
            guard value[i] == UInt8(ascii: "<") else {
                i += 1
                continue
            }
            let next = value[i + 1]
            if next == UInt8(ascii: "!") {
                let rest = value[(i + 2)...]
                if Bytes.hasPrefixIgnoringCase(rest, "doctype") {
                    declarations += 1
                    i = doctype(value, at: i, &best)
                    continue
                }
                if Bytes.hasPrefixIgnoringCase(rest, "entity") {
                    declarations += 1
                    let (end, refs, isInternal) = entity(value, at: i, &best)
                    entities += 1
                    entityReferencesInValues += refs
                    maxReferencesInOne = max(maxReferencesInOne, refs)
                    if isInternal, internalEntity == nil { internalEntity = i..<min(value.endIndex, i + 60) }
                    i = end
                    continue
                }
                i += 2
                continue
            }
            if next | 0x20 == UInt8(ascii: "x") || next | 0x20 == UInt8(ascii: "i") {
                // <xi:include href="…" parse="text"/> (any prefix bound to the XInclude namespace).
                includes += 1
                if includes > 256 {
                    i += 1
                    continue
                }
                if xincludeNamespace == nil { xincludeNamespace = Bytes.containsIgnoringCase(value, "2001/xinclude") }
                if let f = xinclude(value, at: i, namespace: xincludeNamespace ?? false) { best.consider(f) }
            }
            i += 1
        }
        if entities >= 3, entityReferencesInValues >= 6 || maxReferencesInOne >= 5 {
            best.consider(
                NetFinding(0.75, "xxe.entity_expansion", value.startIndex..<min(value.endIndex, value.startIndex + 80)))
        } else if let internalEntity {
            best.consider(NetFinding(0.45, "xxe.internal_entity", internalEntity))
        }
        let result = best.rounded
        return result.confidence >= reportFloor ? result : nil
    }

    /// Skips whitespace from `i`.
    static func skipSpace(_ v: ArraySlice<UInt8>, _ i: Int) -> Int {
        var j = i
        while j < v.endIndex, Bytes.isSpace(v[j]) { j += 1 }
        return j
    }

    /// A name token from `i`.
    static func name(_ v: ArraySlice<UInt8>, _ i: Int) -> Range<Int> {
        var j = i
        while j < v.endIndex, j - i < 256, !Bytes.isSpace(v[j]), v[j] != UInt8(ascii: ">"), v[j] != UInt8(ascii: "["),
            v[j] != UInt8(ascii: "\""), v[j] != UInt8(ascii: "'")
        {
            j += 1
        }
        return i..<j
    }

    /// A quoted literal from `i` (unterminated: to the end, capped).
    static func literal(_ v: ArraySlice<UInt8>, _ i: Int, cap: Int = 65_536) -> Range<Int>? {
        guard i < v.endIndex, v[i] == UInt8(ascii: "\"") || v[i] == UInt8(ascii: "'") else { return nil }
        let quote = v[i]
        var j = i + 1
        while j < v.endIndex, v[j] != quote, j - i < cap { j += 1 }
        return (i + 1)..<j
    }

    /// `SYSTEM "uri"` / `PUBLIC "id" "uri"` at `i`: (public id, system uri, index after).
    static func externalID(_ v: ArraySlice<UInt8>, _ i: Int) -> (publicID: Range<Int>?, system: Range<Int>, end: Int)? {
        if Bytes.hasPrefixIgnoringCase(v[i...], "system") {
            let s = skipSpace(v, i + 6)
            guard let lit = literal(v, s) else { return nil }
            return (nil, lit, min(v.endIndex, lit.upperBound + 1))
        }
        if Bytes.hasPrefixIgnoringCase(v[i...], "public") {
            let s = skipSpace(v, i + 6)
            guard let id = literal(v, s) else { return nil }
            let t = skipSpace(v, min(v.endIndex, id.upperBound + 1))
            guard let lit = literal(v, t) else {
                return (id, id.upperBound..<id.upperBound, min(v.endIndex, id.upperBound + 1))
            }
            return (id, lit, min(v.endIndex, lit.upperBound + 1))
        }
        return nil
    }

    /// `<!DOCTYPE name [SYSTEM|PUBLIC …] [ [internal subset] ]>`: judges the external subset;
    /// returns where to continue (inside the internal subset, so its declarations are read).
    static func doctype(_ v: ArraySlice<UInt8>, at start: Int, _ best: inout NetFinding) -> Int {
        var i = skipSpace(v, start + 9)
        let root = name(v, i)
        i = skipSpace(v, root.upperBound)
        guard i < v.endIndex, let ext = externalID(v, i) else { return i }
        let range = start..<min(v.endIndex, ext.end + 4)
        let uri = v[ext.system]
        switch target(uri) {
        case .benign: break
        case .local:
            best.consider(NetFinding(0.9, "xxe.external_dtd", range))
        case .remote:
            if let id = ext.publicID,
                Bytes.hasPrefixIgnoringCase(Bytes.trimmed(v[id]), "-//")
                    || Bytes.hasPrefixIgnoringCase(Bytes.trimmed(v[id]), "+//"), isStandard(uri)
            {
                break  // XHTML, SVG, plist, DocBook…
            }
            if ext.publicID == nil, isStandard(uri) {
                best.consider(NetFinding(0.35, "xxe.external_dtd", range))
            } else {
                best.consider(NetFinding(ext.publicID == nil ? 0.85 : 0.7, "xxe.external_dtd", range))
            }
        }
        return ext.end
    }

    /// `<!ENTITY [%] name (SYSTEM|PUBLIC …| "value")>`: (index after, entity references in the
    /// value, whether it is an internal general entity).
    static func entity(_ v: ArraySlice<UInt8>, at start: Int, _ best: inout NetFinding) -> (Int, Int, Bool) {
        var i = skipSpace(v, start + 8)
        var parameter = false
        if i < v.endIndex, v[i] == UInt8(ascii: "%") {
            parameter = true
            i = skipSpace(v, i + 1)
        }
        let entityName = name(v, i)
        i = skipSpace(v, entityName.upperBound)
        guard i < v.endIndex else { return (i, 0, false) }
        let range = start..<min(v.endIndex, start + 80)
        if let ext = externalID(v, i) {
            let uri = v[ext.system]
            let t = target(uri)
            var c: Double
            switch t {
            case .local: c = 0.95
            case .remote: c = 0.9
            case .benign: c = 0.8  // a relative file name: still an external fetch
            }
            if parameter { c = max(c, 0.93) }
            best.consider(NetFinding(c, parameter ? "xxe.parameter_entity" : "xxe.external_entity", range))
            return (ext.end, 0, false)
        }
        guard let lit = literal(v, i) else { return (i, 0, false) }
        // References in the value: `&lol;`, `%x;`, `&#x25;` (an escaped `%` building a declaration).
        var refs = 0
        var k = lit.lowerBound
        let body = v[lit]
        while k < lit.upperBound {
            let b = v[k]
            if b == UInt8(ascii: "&") || b == UInt8(ascii: "%"), k + 1 < lit.upperBound, v[k + 1] != UInt8(ascii: "#") {
                refs += 1
            }
            k += 1
        }
        if parameter || Bytes.containsIgnoringCase(body, "!entity") || Bytes.containsIgnoringCase(body, "&#x25;")
            || Bytes.containsIgnoringCase(body, "&#37;")
        {
            // Parameter entities build declarations: the out-of-band exfiltration pattern.
            let nested =
                Bytes.containsIgnoringCase(body, "system") || Bytes.containsIgnoringCase(body, "file:")
                || Bytes.containsIgnoringCase(body, "http")
            best.consider(NetFinding(nested ? 0.93 : 0.75, "xxe.parameter_entity", range))
        }
        return (min(v.endIndex, lit.upperBound + 1), refs, !parameter)
    }

    /// An XInclude element: `<xi:include href="file:///etc/passwd" parse="text"/>`.
    static func xinclude(_ v: ArraySlice<UInt8>, at start: Int, namespace: Bool) -> NetFinding? {
        let tagName = name(v, start + 1)
        let tag = v[tagName]
        guard tag.count >= 7, Bytes.hasPrefixIgnoringCase(tag.suffix(7), "include") else { return nil }
        guard tag.count == 7 || tag[tag.endIndex - 8] == UInt8(ascii: ":") else { return nil }
        let window = v[tagName.upperBound..<min(v.endIndex, tagName.upperBound + 1024)]
        let end = window.firstIndex(of: UInt8(ascii: ">")) ?? window.endIndex
        let attributes = v[tagName.upperBound..<end]
        let namespaced = namespace || Bytes.hasPrefixIgnoringCase(tag, "xi:")
        guard namespaced, let h = firstIndex(attributes, "href") else { return nil }
        let s = skipSpace(v, h + 4)
        guard s < v.endIndex, v[s] == UInt8(ascii: "=") else { return nil }
        guard let lit = literal(v, skipSpace(v, s + 1), cap: 2048) else { return nil }
        let range = start..<min(v.endIndex, end + 1)
        let textParse =
            Bytes.containsIgnoringCase(attributes, "parse=\"text\"")
            || Bytes.containsIgnoringCase(attributes, "parse='text'")
        switch target(v[lit]) {
        case .local: return NetFinding(0.95, "xxe.xinclude", range)
        case .remote: return NetFinding(0.85, "xxe.xinclude", range)
        case .benign: return NetFinding(textParse ? 0.85 : 0.7, "xxe.xinclude", range)
        }
    }

    static func firstIndex(_ v: ArraySlice<UInt8>, _ needle: StaticString) -> Int? {
        let n = needle.utf8CodeUnitCount
        var i = v.startIndex
        while i + n <= v.endIndex {
            if Bytes.hasPrefixIgnoringCase(v[i...], needle) { return i }
            i += 1
        }
        return nil
    }
}
