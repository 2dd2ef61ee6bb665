/// Open redirects: a redirect-ish field (`next`, `return_to`, `redirect_uri`, `continue`, `dest`…)
/// whose value a browser would resolve off-site even though it does not look absolute to a naive
/// check — scheme-relative `//evil.com`, backslash forms (`/\evil.com`, `\/\/evil.com`), missing
/// slashes (`https:evil.com`), whitespace/control or Unicode look-alike prefixes (`%09//evil.com`,
/// `／／evil.com`), userinfo (`https://example.com@evil.com`), or a script scheme.
///
/// The detector has no notion of the site's own host, so a plain absolute URL is only reported
/// weakly; relative paths (`/account`, `../x`) are what redirect fields normally hold. Outside
/// redirect fields only the forms no legitimate client writes count.
public struct OpenRedirectDetector: Detector {
    public let name = "open_redirect"

    public init() {}

    public func detect(_ value: ArraySlice<UInt8>, context: DetectionContext, hits: inout [Hit]) {
        guard Self.mayMatch(context.bytes(of: value), count: value.count),
            let finding = Self.analyze(
                value, fieldName: context.fieldName, source: context.source, field: context.field.net,
                requestHost: context.requestHost)
        else { return }
        hits.append(.net(.openRedirect, finding, value: value, context: context))
    }

    static let reportFloor = 0.3

    /// Bytes the pre-filter looks for (in the first 64 bytes).
    static let gateBytes: ByteSet = {
        var set = ByteSet("/\\:@%")
        for byte in UInt8(0xE0)...UInt8(0xFF) { set.insert(byte) }
        return set
    }()

    /// A necessary condition of the pre-filter on the bytes present in the value.
    static func mayMatch(_ bytes: ByteSet, count: Int) -> Bool { bytes.intersects(gateBytes) }

    public static func analyze(_ value: ArraySlice<UInt8>, fieldName: String?, source: Source) -> NetFinding? {
        analyze(value, fieldName: fieldName, source: source, field: nil)
    }

    /// `field`: the roles of `fieldName` when the caller has them (`DetectionContext.field`);
    /// `requestHost`: the host the request went to, when known (off-site targets).
    static func analyze(
        _ value: ArraySlice<UInt8>, fieldName: String?, source: Source, field: NetField?, requestHost: String? = nil
    ) -> NetFinding? {
        guard value.count >= 3, value.count <= 8192 else { return nil }
        // Pre-filter: a redirect needs `/`, `\`, `:` or `@` (or a look-alike, or an encoding).
        var interesting = false
        for byte in value.prefix(64)
        where byte == UInt8(ascii: "/") || byte == 0x5C || byte == UInt8(ascii: ":") || byte == UInt8(ascii: "@")
            || byte == UInt8(ascii: "%") || byte >= 0xE0
        {
            interesting = true
            break
        }
        guard interesting else { return nil }
        let field = field ?? NetField.of(fieldName)
        guard source != .path, source != .header || field.redirect else { return nil }
        // Fold the head: percent layers, Unicode slashes and dots, leading whitespace/controls.
        var head: [UInt8] = []
        head.reserveCapacity(min(value.count, 256))
        var control = false  // tab/CR/LF anywhere, or a control character before the URL
        var leadingSpace = false
        var lookalike = false
        var encoded = false
        var layer = Array(value.prefix(256))
        for _ in 0..<2 where layer.contains(UInt8(ascii: "%")) {
            var changed = false
            var out: [UInt8] = []
            var k = 0
            while k < layer.count {
                if layer[k] == UInt8(ascii: "%"), k + 2 < layer.count, let h = HostClassifier.hex(layer[k + 1]),
                    let l = HostClassifier.hex(layer[k + 2])
                {
                    out.append(h << 4 | l)
                    k += 3
                    changed = true
                } else {
                    out.append(layer[k])
                    k += 1
                }
            }
            if changed { encoded = true }
            layer = out
        }
        var i = 0
        var leading = true
        while i < layer.count {
            let b = layer[i]
            if leading, b <= 0x20 || b == 0x7F {
                if b == 0x20 { leadingSpace = true } else { control = true }
                i += 1
                continue
            }
            if b == 0xEF, i + 2 < layer.count, layer[i + 1] == 0xBC, layer[i + 2] == 0x8F || layer[i + 2] == 0xBC {
                head.append(layer[i + 2] == 0x8F ? 0x2F : 0x5C)  // ／ ＼
                lookalike = true
                i += 3
                leading = false
                continue
            }
            if b == 0xEF, i + 2 < layer.count, layer[i + 1] == 0xB9, layer[i + 2] == 0xA8 {
                head.append(0x5C)  // ﹨ (small reverse solidus, NFKC `\`)
                lookalike = true
                i += 3
                leading = false
                continue
            }
            if b == 0xE3, i + 2 < layer.count, layer[i + 1] == 0x80, layer[i + 2] == 0xB1 || layer[i + 2] == 0xB5 {
                head.append(0x2F)  // 〱 〵 read as `/` by some parsers
                head.append(0x2F)
                lookalike = true
                i += 3
                leading = false
                continue
            }
            if b == 0x09 || b == 0x0A || b == 0x0D {
                control = true  // browsers strip tab/newline anywhere in a URL
                i += 1
                continue
            }
            head.append(b)
            leading = false
            i += 1
        }
        let v = head[...]
        var best = NetFinding.none
        let whole = value.startIndex..<min(value.endIndex, value.startIndex + 60)
        let redirect = field.redirect
        // `url`, `link`, `href`… fields are often redirect targets too (`/out?url=`), a notch weaker.
        let urlish = !redirect && field.url
        // `https:%2f%2fevil`: the scheme written plainly, its slashes encoded — no client does that.
        var mixedEncoding = false
        if let colon = value.prefix(16).firstIndex(of: UInt8(ascii: ":")), colon + 3 < value.endIndex,
            value[colon + 1] == UInt8(ascii: "%"),
            value[colon + 2] == UInt8(ascii: "2") || value[colon + 2] == UInt8(ascii: "5"),
            value[colon + 3] | 0x20 == UInt8(ascii: "f") || value[colon + 3] | 0x20 == UInt8(ascii: "c")
        {
            mixedEncoding = true
        }
        // Script schemes: the browser runs them instead of navigating.
        if let (scheme, _, schemeControl) = URLReader.scheme(v, at: v.startIndex) {
            let data = scheme.is("data")
            if data || scheme.is("javascript") || scheme.is("vbscript") {
                if redirect || urlish {
                    best.consider(
                        NetFinding(
                            (data ? 0.85 : 0.92) - (urlish ? 0.07 : 0), "open_redirect.script_scheme", whole))
                }
            } else if let url = URLReader.parse(v, at: v.startIndex), scheme.isSpecial {
                var c = 0.0
                var rule = "open_redirect.absolute_url"
                if url.noSlashes || url.oddSlashes || schemeControl || control || mixedEncoding {
                    c = redirect ? 0.9 : (urlish ? 0.8 : 0.6)
                    rule = "open_redirect.malformed_scheme"
                } else if url.hasUserinfo {
                    c = redirect ? 0.85 : (urlish ? 0.7 : 0.45)
                    rule = "open_redirect.userinfo"
                }
                // A plain absolute URL is evidence only against the site's own host.
                if c == 0, redirect, let requestHost, !Self.crossSiteField(fieldName),
                    let confusing = Self.offsite(v, url: url, requestHost: requestHost)
                {
                    c = confusing ? 0.85 : 0.65
                    rule = confusing ? "open_redirect.host_confusion" : "open_redirect.offsite_url"
                }
                if c > 0, !v[url.hostRange].isEmpty { best.consider(NetFinding(c, rule, whole)) }
            }
        } else if v.first == UInt8(ascii: "/") || v.first == 0x5C {
            // Scheme-relative: two or more slashes/backslashes before a host.
            var j = v.startIndex
            var slashes = 0
            var back = false
            while j < v.endIndex, slashes < 16, v[j] == UInt8(ascii: "/") || v[j] == 0x5C {
                if v[j] == 0x5C { back = true }
                slashes += 1
                j += 1
            }
            // `///\;@evil.example`: whatever precedes an `@` in the authority is userinfo.
            let authorityEnd =
                v[j...].firstIndex { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "#") }
                ?? v.endIndex
            if slashes >= 2, let at = v[j..<authorityEnd].lastIndex(of: UInt8(ascii: "@")), at > j,
                hostLike(v, from: at + 1) != nil
            {
                j = at + 1
                back = true
            }
            if slashes >= 2, j < v.endIndex, let hostEnd = hostLike(v, from: j) {
                let dotted = v[j..<hostEnd].contains(UInt8(ascii: ".")) || v[j] == UInt8(ascii: "[")
                var c: Double
                var rule = "open_redirect.scheme_relative"
                if back || slashes > 2 || control || leadingSpace || lookalike {
                    c = redirect ? 0.92 : (urlish ? 0.85 : (dotted ? 0.7 : 0.4))
                    rule = "open_redirect.slash_confusion"
                } else {
                    c = redirect ? (dotted ? 0.88 : 0.75) : (urlish && dotted ? 0.75 : (dotted ? 0.45 : 0.3))
                }
                if encoded && !redirect { c = max(c, dotted ? 0.65 : 0.4) }
                best.consider(NetFinding(c, rule, whole))
            }
        } else if v.first == UInt8(ascii: "@"), redirect || urlish, v.count > 3,
            hostLike(v, from: v.startIndex + 1) != nil,
            v.contains(UInt8(ascii: "."))
        {
            // Appended to `https://site.example`: `@evil.com` makes the site the userinfo.
            best.consider(NetFinding(redirect ? 0.8 : 0.7, "open_redirect.userinfo", whole))
        }
        if field.freeText { best.confidence *= 0.6 }
        let result = best.rounded
        return result.confidence >= reportFloor ? result : nil
    }

    /// Fields whose target is another site by design: OAuth's `redirect_uri` (the authorization
    /// server checks it against the client's registered URIs) and CAS's `service`.
    static func crossSiteField(_ fieldName: String?) -> Bool {
        guard let fieldName else { return false }
        var lowered = ""
        for character in fieldName.lowercased() where character != "_" && character != "-" { lowered.append(character) }
        return lowered == "redirecturi" || lowered == "service"
    }

    /// The site a host belongs to, approximated without a public-suffix list: the last two labels,
    /// three when the second-level label is short under a two-letter TLD (`example.co.uk`).
    static func site(_ host: [UInt8]) -> ArraySlice<UInt8> {
        let dots = host.indices.filter { host[$0] == UInt8(ascii: ".") }
        guard dots.count >= 2 else { return host[...] }
        let last = dots[dots.count - 1]
        let second = dots[dots.count - 2]
        if host.count - last - 1 == 2, last - second - 1 <= 3, dots.count >= 3 {
            return host[(dots[dots.count - 3] + 1)...]
        }
        return host[(second + 1)...]
    }

    /// Whether the absolute URL leaves the request's site; `confusing` when it also writes the
    /// site's host where a naive check would find it (`https://app.example.com.evil.test/`,
    /// `https://evil.test?app.example.com`, `https://evil.test#app.example.com`).
    /// Nil when the URL stays on the site.
    static func offsite(_ v: ArraySlice<UInt8>, url: URLParts, requestHost: String) -> Bool? {
        var own = Array(requestHost.utf8.prefix(256)).map { Bytes.lower($0) }
        if let colon = own.lastIndex(of: UInt8(ascii: ":")), !own.contains(UInt8(ascii: "]")) {
            own.removeSubrange(colon...)
        }
        while own.last == UInt8(ascii: ".") { own.removeLast() }
        var host = v[url.hostRange].map { Bytes.lower($0) }
        while host.last == UInt8(ascii: ".") { host.removeLast() }
        guard !own.isEmpty, !host.isEmpty, own.contains(UInt8(ascii: ".")) else { return nil }
        let ownSite = site(own)
        // Same site: the host is the site or one of its subdomains.
        if host.elementsEqual(ownSite)
            || host.count > ownSite.count && host.suffix(ownSite.count).elementsEqual(ownSite)
                && host[host.count - ownSite.count - 1] == UInt8(ascii: ".")
        {
            return nil
        }
        let rest = v[url.hostRange.lowerBound...].prefix(512).map { Bytes.lower($0) }
        guard rest.count >= own.count else { return false }
        for start in 0...(rest.count - own.count) where rest[start] == own[0] {
            if rest[start..<(start + own.count)].elementsEqual(own) { return true }
        }
        return false
    }

    /// The end of a host name starting at `from` (letters, digits, `-`, `.`, `_`, `[v6]`, `%`, non-ASCII).
    static func hostLike(_ v: ArraySlice<UInt8>, from: Int) -> Int? {
        var e = from
        while e < v.endIndex, e - from < 256 {
            let b = v[e]
            let ok =
                (b | 0x20 >= 0x61 && b | 0x20 <= 0x7A) || (b >= 0x30 && b <= 0x39) || b == 0x2D || b == 0x2E
                || b == 0x5F
                || b >= 0x80 || b == UInt8(ascii: "[") || b == UInt8(ascii: "]") || b == UInt8(ascii: ":")
                || b == UInt8(ascii: "@")
            if !ok { break }
            e += 1
        }
        guard e > from else { return nil }
        let first = v[from]
        guard
            (first | 0x20 >= 0x61 && first | 0x20 <= 0x7A) || (first >= 0x30 && first <= 0x39)
                || first == UInt8(ascii: "[") || first >= 0x80
        else { return nil }
        return e
    }
}
