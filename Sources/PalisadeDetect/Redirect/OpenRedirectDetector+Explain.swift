extension OpenRedirectDetector {
    /// Why the value reads as an open redirect — for `palisade scan --explain`: the verdict, whether
    /// the field names a redirect target, and the host a browser would navigate to with the shape
    /// that hides it (script scheme, missing or odd slashes, backslashes, userinfo, scheme-relative).
    /// `requestHost`: the host the request went to, for off-site targets.
    public static func explain(
        _ value: ArraySlice<UInt8>, fieldName: String? = nil, source: Source = .query, requestHost: String? = nil
    ) -> [String] {
        let finding = analyze(value, fieldName: fieldName, source: source, field: nil, requestHost: requestHost)
        var lines = [ExplainText.verdict("open_redirect", finding, in: value)]
        let field = NetField.of(fieldName)
        lines.append(
            "field " + (fieldName.map { "`\($0)`" } ?? "(none)")
                + (field.redirect
                    ? " names a redirect target" : (field.url ? " holds a URL" : " is not a redirect field")))
        // The head as a browser reads it: percent layers undone, tabs and newlines dropped, leading
        // whitespace and controls skipped.
        var head = Array(value.prefix(256))
        var changed = false
        var scratch = PathNormalizer.Result(bytes: [])
        for _ in 0..<2 where head.contains(UInt8(ascii: "%")) {
            head = PathNormalizer.percentDecode(head, changed: &changed, result: &scratch)
        }
        head.removeAll { $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }
        let v = head.drop { $0 <= 0x20 || $0 == 0x7F }
        if let (scheme, _, _) = URLReader.scheme(v, at: v.startIndex) {
            let name = scheme.description
            if name == "javascript" || name == "vbscript" || name == "data" {
                lines.append("script scheme `\(name):` runs instead of navigating")
            } else if let url = URLReader.parse(v, at: v.startIndex) {
                var shape: [String] = []
                if url.noSlashes { shape.append("no slashes") } else if url.oddSlashes { shape.append("odd slashes") }
                if url.hasUserinfo { shape.append("userinfo before the host") }
                if let requestHost, field.redirect, !crossSiteField(fieldName),
                    let confusing = offsite(v, url: url, requestHost: requestHost)
                {
                    shape.append(
                        "off the request's site `\(requestHost)`"
                            + (confusing ? ", which it writes where a naive check finds it" : ""))
                }
                lines.append(
                    "target host " + ExplainText.show(v[url.hostRange]) + " (scheme `\(name)`"
                        + (shape.isEmpty ? "" : ", " + shape.joined(separator: ", ")) + ")")
            }
        } else if v.first == UInt8(ascii: "/") || v.first == 0x5C || v.first == UInt8(ascii: "@") {
            var j = v.startIndex
            while j < v.endIndex, j - v.startIndex < 16, v[j] == UInt8(ascii: "/") || v[j] == 0x5C { j += 1 }
            let prefix = v[v.startIndex..<j]
            let authorityEnd =
                v[j...].firstIndex { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "#") }
                ?? v.endIndex
            var userinfo = false
            if let at = v[j..<authorityEnd].lastIndex(of: UInt8(ascii: "@")) {
                j = at + 1
                userinfo = true
            }
            if prefix.count >= 2 || userinfo, let end = hostLike(v, from: j), end > j {
                var shape = prefix.isEmpty ? "" : "prefix " + ExplainText.show(prefix)
                if prefix.contains(0x5C) { shape += " (backslashes read as slashes)" }
                if userinfo { shape += (shape.isEmpty ? "" : ", ") + "userinfo before the host" }
                lines.append("target host " + ExplainText.show(v[j..<end]) + " (scheme-relative; " + shape + ")")
            }
        }
        return lines
    }
}
