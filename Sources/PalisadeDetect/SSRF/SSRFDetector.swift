/// Server-side request forgery: URLs (and, in host/URL fields, bare hosts) that point the server at
/// itself, its network or the cloud metadata service, in any notation, and URLs with schemes that
/// turn a fetch into a protocol smuggler (`gopher:`, `dict:`, `file:`, `php://filter`…).
///
/// Reading: the value's leading URL (`URLReader`), up to 8 embedded `scheme://` URLs, or a bare
/// host in a URL/host field; each host goes through `HostClassifier`. The field weighs it: a
/// `callback_url` holding `http://127.0.0.1` is the classic case, an `ip` field holding an address
/// is not an attack, a Referer/Origin naming `localhost` is a developer's browser, and a URL
/// mentioned in prose is weak evidence.
public struct SSRFDetector: Detector {
    public let name = "ssrf"

    public init() {}

    public func detect(_ value: ArraySlice<UInt8>, context: DetectionContext, hits: inout [Hit]) {
        guard Self.mayMatch(context.bytes(of: value), count: value.count),
            let finding = Self.analyze(
                value, fieldName: context.fieldName, source: context.source, field: context.field.net)
        else { return }
        hits.append(.net(.ssrf, finding, value: value, context: context))
    }

    static let reportFloor = 0.3

    /// Schemes that make a URL fetcher do something else than HTTP, with their confidence.
    static let dangerousSchemes: [(String, Double)] = [
        ("gopher", 0.95), ("dict", 0.95), ("php", 0.95), ("expect", 0.95), ("phar", 0.9), ("file", 0.9),
        ("jar", 0.9), ("netdoc", 0.9), ("tftp", 0.9), ("compress.zlib", 0.85), ("zlib", 0.8), ("glob", 0.7),
        ("ogg", 0.6),
    ]
    /// `dangerousSchemes`' names as schemes, in the same order: a compare is a count check and
    /// four words.
    static let dangerousSchemeNames: [URLScheme] = dangerousSchemes.map { name, _ in
        var scheme = URLScheme()
        for byte in name.utf8 { scheme.append(byte) }
        return scheme
    }
    /// Connection schemes with ordinary uses (`redis://cache.example.com`): dangerous when they point
    /// inside (scored like an HTTP URL to that host) or, for LDAP/RMI, when the path names a class
    /// rather than a DN (`ldap://host:1389/Exploit`, the JNDI pattern).
    static let connectionSchemes: [StaticString] = [
        "ldap", "ldaps", "ldapi", "smb", "sftp", "telnet", "mysql", "redis", "rtsp", "ssh", "memcached", "mongodb",
        "postgres", "postgresql", "amqp", "ftps", "imap", "pop3", "smtp", "nfs", "rmi", "iiop", "dns", "corbaname",
    ]
    static let connectionSchemeNames: [URLScheme] = connectionSchemes.compactMap(URLScheme.init)

    /// Bytes the pre-filter needs: `:` or `/` (`\\`) for a URL, dots for a bare host, `x` for a
    /// hex address (`0x7f000001`). A decimal address (8–10 digits) needs none of them.
    static let gateBytes = ByteSet(":/\\.xX")

    /// A necessary condition of the pre-filter on the bytes present in the value.
    static func mayMatch(_ bytes: ByteSet, count: Int) -> Bool {
        bytes.intersects(gateBytes) || (count >= 8 && count <= 10)
    }

    public static func analyze(_ value: ArraySlice<UInt8>, fieldName: String?, source: Source) -> NetFinding? {
        analyze(value, fieldName: fieldName, source: source, field: nil)
    }

    /// `field`: the roles of `fieldName` when the caller has them (`DetectionContext.field`).
    static func analyze(_ value: ArraySlice<UInt8>, fieldName: String?, source: Source, field: NetField?) -> NetFinding?
    {
        guard value.count >= 3, value.count <= 1 << 20 else { return nil }
        var colon = false
        var slash = false
        var space = false
        var dots = 0
        var letter = false
        for byte in value {
            if byte == UInt8(ascii: ":") {
                colon = true
            } else if byte == UInt8(ascii: "/") || byte == 0x5C {
                slash = true
            } else if byte == 0x20 {
                space = true
            } else if byte == UInt8(ascii: ".") {
                dots += 1
            } else if byte | 0x20 >= 0x61, byte | 0x20 <= 0x7A {
                letter = true
            }
        }
        // Pre-filter (no allocation): a URL needs `:` or `/`; a bare host in a host field needs dots
        // and no spaces (`10.0.0.1`, `metadata.google.internal`).
        // A single-number address (`0x7f000001`, `2130706433`) may stand alone too.
        let hexNumber =
            value.count >= 4 && value.first == UInt8(ascii: "0") && value.dropFirst().first.map { $0 | 0x20 } == 0x78
        let decimalNumber = !letter && value.count >= 8 && value.count <= 10 && dots == 0
        guard colon || slash || (!space && (dots >= 3 || (dots >= 1 && letter) || hexNumber || decimalNumber)) else {
            return nil
        }
        let field = field ?? NetField.of(fieldName)
        let hostField = (field.url || field.host) && !field.ip
        guard colon || slash || hostField else { return nil }
        let header = source == .header
        // What the field's name says, read only once a URL was found (most URL-ish values hold none).
        var nameReading: (browserOrigin: Bool, oauthRedirect: Bool)? = nil
        func readName() -> (browserOrigin: Bool, oauthRedirect: Bool) {
            if let nameReading { return nameReading }
            let lowered = fieldName.map(Bytes.lowercased) ?? ""
            // Browsers put the developer's own origin here; not a fetch target.
            let browserOrigin =
                lowered == "referer" || lowered == "referrer" || lowered == "origin"
                || (header && (lowered == "host" || lowered == "x-forwarded-host"))
            let reading = (browserOrigin, Self.namesOAuthRedirect(lowered))
            nameReading = reading
            return reading
        }
        var best = NetFinding.none
        let trimmed = Bytes.trimmed(value)
        var start = trimmed.startIndex
        while start < trimmed.endIndex,
            trimmed[start] == UInt8(ascii: "\"") || trimmed[start] == UInt8(ascii: "'")
                || trimmed[start] == UInt8(ascii: "<")
        {
            start += 1
        }
        func judge(at s: Int, embedded: Bool) {
            guard var f = judgeURL(value, at: s) else { return }
            if f.confidence < 0.9 || !f.rule.hasSuffix("metadata") {
                let (browserOrigin, oauthRedirect) = readName()
                if browserOrigin && !f.rule.hasSuffix("obfuscated") && !f.rule.hasPrefix("ssrf.scheme") { return }
                if header { f.confidence *= 0.85 }
                if oauthRedirect && f.rule == "ssrf.loopback" { f.confidence = 0.45 }
            }
            if embedded {
                f.confidence *= space ? (field.url ? 0.8 : 0.55) : 0.9
            } else if space, f.range.upperBound < value.endIndex, f.rule != "ssrf.metadata" {
                // A URL leading a sentence.
                f.confidence *= field.url ? 0.9 : 0.6
            }
            if field.freeText { f.confidence *= 0.7 }
            if !field.url && !field.host && !f.rule.hasPrefix("ssrf.scheme") && !f.rule.hasSuffix("obfuscated")
                && f.rule != "ssrf.metadata"
            {
                f.confidence *= 0.92
            }
            if field.url { f.confidence = min(1, f.confidence + 0.05) }
            best.consider(f)
        }
        if colon || slash { judge(at: start, embedded: false) }
        if colon {
            // Each start judged once: `start` above, the embedded ones here (read in place, in
            // increasing order, so none comes twice).
            var starts = URLReader.URLStarts(value)
            while let s = starts.next() {
                if s != start { judge(at: s, embedded: true) }
            }
        }
        if best.confidence == 0, hostField, !space, start < trimmed.endIndex, !readName().browserOrigin {
            best.consider(judgeBareHost(value, from: start, end: trimmed.endIndex, strongField: true))
        } else if best.confidence == 0, !space, !field.ip, colon || slash, start < trimmed.endIndex {
            if let f = judgeBareHost(value, from: start, end: trimmed.endIndex, strongField: false) { best.consider(f) }
        }
        let result = best.rounded
        return result.confidence >= reportFloor ? result : nil
    }

    /// A URL at `s`: a dangerous scheme, or an HTTP-like URL whose host is internal.
    static func judgeURL(_ v: ArraySlice<UInt8>, at s: Int) -> NetFinding? {
        if let (scheme, after, _) = URLReader.scheme(v, at: s) {
            for (index, name) in dangerousSchemeNames.enumerated() where name == scheme {
                let (name, confidence) = dangerousSchemes[index]
                guard confidence > 0 else { continue }
                // Needs the shape of a URL of that scheme, not `file: see attached` or `dict: en`.
                let rest = v[after...]
                let slashes = rest.prefix { $0 == UInt8(ascii: "/") || $0 == 0x5C }.count
                let body = rest.dropFirst(slashes)
                var ok = slashes >= 2 && !body.isEmpty && !Bytes.isSpace(body.first!)
                if name == "jar" || name == "netdoc" {
                    ok = ok || Bytes.hasPrefixIgnoringCase(rest, "http") || Bytes.hasPrefixIgnoringCase(rest, "file")
                }
                if scheme.is("file") {
                    ok = slashes >= 1 && !body.isEmpty && !Bytes.isSpace(body.first!)
                }
                if scheme.is("php") {
                    ok =
                        Bytes.hasPrefixIgnoringCase(rest, "//filter") || Bytes.hasPrefixIgnoringCase(rest, "//input")
                        || Bytes.hasPrefixIgnoringCase(rest, "//expect") || Bytes.hasPrefixIgnoringCase(rest, "//fd")
                        || Bytes.hasPrefixIgnoringCase(rest, "//memory") || Bytes.hasPrefixIgnoringCase(rest, "//temp")
                        || Bytes.hasPrefixIgnoringCase(rest, "//stdin")
                }
                guard ok else { break }
                let end = min(v.endIndex, after + 60)
                return NetFinding(
                    confidence, "ssrf.scheme_\(scheme.count <= 16 ? scheme.description : "other")",
                    s..<end)
            }
        }
        guard var url = URLReader.parse(v, at: s) ?? connectionURL(v, at: s) else { return nil }
        let connection = !url.scheme.isEmpty && !url.scheme.isSpecial
        if connection {
            guard connectionSchemeNames.contains(url.scheme) else { return nil }
            let name = url.scheme.description
            url.oddSlashes = false
            if let reading = HostClassifier.classify(v[url.hostRange]), reading.category >= .privateNetwork,
                var f = score(reading, url: url, range: s..<min(v.endIndex, url.authorityEnd + 24))
            {
                f.confidence = min(1, f.confidence + 0.05)
                return f
            }
            if name.hasPrefix("ldap") || name == "rmi" || name == "iiop" || name == "corbaname" {
                let path = v[url.authorityEnd..<min(v.endIndex, url.authorityEnd + 128)]
                let className = path.count > 1 && !path.contains(UInt8(ascii: "=")) && !path.contains(0x20)
                if className || name == "rmi" {
                    return NetFinding(0.7, "ssrf.scheme_\(name)", s..<min(v.endIndex, url.authorityEnd + 24))
                }
            }
            return nil
        }
        let range = s..<min(v.endIndex, url.authorityEnd + 24)
        if url.hasUserinfo {
            // `http://127.0.0.1:80%23@evil.example`: parsers that decode or split differently connect
            // to the host written in the userinfo.
            var u = url.hostRange.lowerBound - 1
            var authorityStart = u
            while authorityStart > s, v[authorityStart - 1] != UInt8(ascii: "/") && v[authorityStart - 1] != 0x5C {
                authorityStart -= 1
            }
            u =
                v[authorityStart..<(url.hostRange.lowerBound - 1)].firstIndex {
                    $0 == UInt8(ascii: ":") || $0 == UInt8(ascii: "@")
                }
                ?? (url.hostRange.lowerBound - 1)
            if u > authorityStart, let inner = HostClassifier.classify(v[authorityStart..<u]), inner.isAddress,
                inner.category >= .privateNetwork
            {
                var confused = inner
                confused.obfuscated = true
                return score(confused, url: url, range: range)
            }
        }
        // `http://evil.example#@127.0.0.1/`, `…?@10.0.0.1`: parsers that do not stop the authority at
        // `#`/`?` read the address after the `@` as the host.
        if url.authorityEnd < v.endIndex,
            v[url.authorityEnd] == UInt8(ascii: "#") || v[url.authorityEnd] == UInt8(ascii: "?"),
            let at = v[url.authorityEnd..<min(v.endIndex, url.authorityEnd + 3)].firstIndex(of: UInt8(ascii: "@"))
        {
            let hostEnd =
                v[(at + 1)...].firstIndex {
                    $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: ":") || $0 == UInt8(ascii: "?")
                        || $0 == UInt8(ascii: "#")
                } ?? v.endIndex
            if hostEnd > at + 1, let inner = HostClassifier.classify(v[(at + 1)..<hostEnd]), inner.isAddress,
                inner.category >= .privateNetwork
            {
                var confused = inner
                confused.obfuscated = true
                return score(confused, url: url, range: s..<min(v.endIndex, hostEnd + 8))
            }
        }
        guard let reading = HostClassifier.classify(v[url.hostRange]) else { return nil }
        return score(reading, url: url, range: range)
    }

    static func score(_ reading: HostClassifier.Reading, url: URLParts?, range: Range<Int>) -> NetFinding? {
        var confidence: Double
        var rule: String
        switch reading.category {
        case .metadata: (confidence, rule) = (0.95, "ssrf.metadata")
        case .loopback: (confidence, rule) = (reading.isAddress ? 0.85 : 0.8, "ssrf.loopback")
        case .unspecified: (confidence, rule) = (0.85, "ssrf.loopback")
        case .linkLocal: (confidence, rule) = (0.85, "ssrf.link_local")
        case .privateNetwork: (confidence, rule) = (0.8, "ssrf.private_network")
        case .internalName: (confidence, rule) = (0.65, "ssrf.internal_name")
        case .interaction: (confidence, rule) = (0.7, "ssrf.interaction_domain")
        case .publicHost: return nil
        }
        if reading.obfuscated, reading.category >= .privateNetwork, rule != "ssrf.metadata" {
            confidence = 0.95
            rule += "_obfuscated"
        }
        if let url, url.hasUserinfo, reading.category >= .privateNetwork {
            confidence = max(confidence, 0.9)
        }
        if let url, url.oddSlashes || url.controlCharacters, reading.category >= .privateNetwork {
            confidence = max(confidence, 0.9)
        }
        return NetFinding(confidence, rule, range)
    }

    /// `127.0.0.1:6379`, `localhost/admin`, `169.254.169.254/latest/meta-data` without a scheme.
    static func judgeBareHost(_ v: ArraySlice<UInt8>, from: Int, end: Int, strongField: Bool) -> NetFinding? {
        var hostEnd = from
        if from < end, v[from] == UInt8(ascii: "[") {
            hostEnd = (v[from..<end].firstIndex(of: UInt8(ascii: "]")) ?? end - 1) + 1
        } else {
            while hostEnd < end, v[hostEnd] != UInt8(ascii: ":"), v[hostEnd] != UInt8(ascii: "/"),
                v[hostEnd] != UInt8(ascii: "?"), v[hostEnd] != 0x5C
            {
                hostEnd += 1
            }
            // A whole bare IPv6 literal (`::1`, `fd00:ec2::254`).
            if hostEnd < end, v[hostEnd] == UInt8(ascii: ":"), IPAddress.parseV6(v[from..<end]) != nil {
                hostEnd = end
            }
        }
        // Outside URL/host fields only addresses count (below): names are not classified.
        guard hostEnd > from, let reading = HostClassifier.classify(v[from..<hostEnd], names: strongField) else {
            return nil
        }
        if !strongField {
            // Outside URL/host fields only an unmistakable fetch target: the metadata address with a
            // path, or an obfuscated internal address followed by a port or path.
            let followed = hostEnd < end
            guard followed, reading.isAddress,
                reading.category == .metadata || (reading.obfuscated && reading.category >= .loopback)
            else { return nil }
        }
        guard var finding = score(reading, url: nil, range: from..<min(v.endIndex, hostEnd + 24)) else { return nil }
        if !reading.isAddress && reading.category < .loopback { finding.confidence *= 0.8 }
        // `localhost:8080` in a host setting is as often a developer's config as an attack.
        if !reading.isAddress && !reading.obfuscated && reading.category == .loopback { finding.confidence = 0.55 }
        finding.confidence *= strongField ? 0.95 : 0.9
        return finding
    }
}

extension SSRFDetector {
    /// `scheme://host…` for schemes `URLReader.parse` leaves alone (not WHATWG-special).
    static func connectionURL(_ v: ArraySlice<UInt8>, at s: Int) -> URLParts? {
        guard let (scheme, after, _) = URLReader.scheme(v, at: s), after + 2 <= v.endIndex,
            v[after] == UInt8(ascii: "/"), v[after + 1] == UInt8(ascii: "/")
        else { return nil }
        var end = after + 2
        var at: Int? = nil
        while end < v.endIndex, end - after < 512 {
            let byte = v[end]
            if byte == UInt8(ascii: "@") { at = end } else if URLReader.authorityEnd.contains(byte) { break }
            end += 1
        }
        let hostStart = at.map { $0 + 1 } ?? after + 2
        var hostEnd = hostStart
        if hostStart < end, v[hostStart] == UInt8(ascii: "[") {
            hostEnd = v[hostStart..<end].firstIndex(of: UInt8(ascii: "]")).map { $0 + 1 } ?? end
        } else {
            hostEnd = v[hostStart..<end].firstIndex(of: UInt8(ascii: ":")) ?? end
        }
        guard hostEnd > hostStart else { return nil }
        return URLParts(
            scheme: scheme, start: s, hostRange: hostStart..<hostEnd, hasUserinfo: at != nil, authorityEnd: end)
    }
}

extension SSRFDetector {
    /// Whether a (lowercased) field name names an OAuth redirect or an origin once `-` and `_` are
    /// dropped (`redirect_uri`, `post-logout-redirect-uri`, `allowed_origins`). ASCII names are
    /// compared as bytes without allocating; others keep `String.contains`' character semantics.
    static func namesOAuthRedirect(_ lowered: String) -> Bool {
        let utf8 = lowered.utf8
        guard utf8.allSatisfy({ $0 < 0x80 }) else {
            let undashed = String(
                decoding: utf8.filter { $0 != UInt8(ascii: "-") && $0 != UInt8(ascii: "_") }, as: UTF8.self)
            return undashed.contains("redirecturi") || undashed.contains("origin")
        }
        return containsIgnoringDashes(utf8, "redirecturi") || containsIgnoringDashes(utf8, "origin")
    }

    /// Whether `needle` occurs in `name` once its `-` and `_` are dropped (no copy made).
    private static func containsIgnoringDashes(_ name: String.UTF8View, _ needle: StaticString) -> Bool {
        let count = needle.utf8CodeUnitCount
        let bytes = needle.utf8Start
        var start = name.startIndex
        while start != name.endIndex {
            let first = name[start]
            if first == bytes[0] {
                var matched = 1
                var index = name.index(after: start)
                while matched < count, index != name.endIndex {
                    let byte = name[index]
                    index = name.index(after: index)
                    if byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_") { continue }
                    if byte != bytes[matched] { break }
                    matched += 1
                }
                if matched == count { return true }
            }
            start = name.index(after: start)
        }
        return false
    }
}
