extension SSRFDetector {
    /// Why the value reads as a server-side fetch target — for `palisade scan --explain`: the
    /// verdict, then each URL (or the bare host) with its scheme, the host as written, the notation
    /// it is written in, the address it resolves to from its text alone and that address's range.
    public static func explain(_ value: ArraySlice<UInt8>, fieldName: String? = nil, source: Source = .query)
        -> [String]
    {
        let finding = analyze(value, fieldName: fieldName, source: source)
        var lines = [ExplainText.verdict("ssrf", finding, in: value)]
        let trimmed = Bytes.trimmed(value)
        var starts = [trimmed.startIndex]
        for s in URLReader.urlStarts(value) where !starts.contains(s) { starts.append(s) }
        var described = 0
        for s in starts {
            guard let url = URLReader.parse(value, at: s) ?? connectionURL(value, at: s) else { continue }
            described += 1
            var line = "url: scheme " + (url.scheme.isEmpty ? "(none)" : ExplainText.show(url.scheme.bytes))
            let scheme = url.scheme.description
            if dangerousSchemes.contains(where: { $0.0 == scheme }) {
                line += " (makes the fetcher do something else than HTTP)"
                if scheme == "file" {
                    lines.append(
                        line + "; path "
                            + ExplainText.show(
                                ExplainText.slice(value, (url.start + 5)..<value.endIndex).prefix {
                                    $0 > 0x20 && !ExplainText.quoteOrTag.contains($0)
                                }, limit: 64))
                    continue
                }
            }
            var notes: [String] = []
            if url.hasUserinfo { notes.append("userinfo before the host") }
            if url.oddSlashes { notes.append(url.noSlashes ? "no slashes" : "odd slashes") }
            if url.controlCharacters { notes.append("control characters") }
            if !notes.isEmpty { line += " (" + notes.joined(separator: ", ") + ")" }
            lines.append(line + "; " + HostClassifier.explain(value[url.hostRange]))
        }
        if described == 0, !trimmed.isEmpty {
            var end = trimmed.startIndex
            while end < trimmed.endIndex, trimmed[end] != UInt8(ascii: "/"), trimmed[end] != UInt8(ascii: "?"),
                trimmed[end] != 0x5C, trimmed[end] != UInt8(ascii: ":") || trimmed.first == UInt8(ascii: "[")
            {
                end += 1
            }
            if end > trimmed.startIndex {
                lines.append("bare host; " + HostClassifier.explain(trimmed[trimmed.startIndex..<end]))
            }
        }
        return lines
    }
}

extension HostClassifier {
    /// `host \`0x7f.1\` → \`127.0.0.1\` written as 2-part hex/decimal (short form), range loopback`:
    /// the host as written, its normal form, the notation, the address and its range.
    static func explain(_ raw: ArraySlice<UInt8>) -> String {
        var line = "host " + ExplainText.show(raw)
        let (normalized, changed) = normalize(raw)
        if changed { line += " (normalized " + ExplainText.show(normalized) + ")" }
        let host = normalized[...]
        if host.first == UInt8(ascii: "[") || host.contains(UInt8(ascii: ":")) {
            line += " written as IPv6"
        } else if let (address, _) = parseV4Lenient(host) {
            line += " → " + dotted(address) + " written as " + notation(host)
        } else if let embedded = embeddedAddress(host), category(of: embedded) != .publicHost,
            classify(raw)?.category == category(of: embedded)
        {
            line += " → " + dotted(embedded) + " spelled in a name that resolves to it"
        } else {
            line += " written as a name"
        }
        guard let reading = classify(raw) else { return line + ", not a host" }
        line += ", range " + name(of: reading.category)
        if reading.obfuscated { line += " (obfuscated)" }
        return line
    }

    static func name(of category: Category) -> String {
        switch category {
        case .publicHost: "public"
        case .interaction: "out-of-band interaction service"
        case .internalName: "cluster/cloud-internal name"
        case .privateNetwork: "private network"
        case .linkLocal: "link-local"
        case .unspecified: "unspecified"
        case .loopback: "loopback"
        case .metadata: "cloud metadata"
        }
    }

    static func dotted(_ a: UInt32) -> String {
        "\(a >> 24).\((a >> 16) & 0xFF).\((a >> 8) & 0xFF).\(a & 0xFF)"
    }

    /// `dotted decimal`, `single decimal number`, `4-part octal/decimal`, `2-part hex/decimal (short form)`.
    static func notation(_ host: ArraySlice<UInt8>) -> String {
        var kinds: [String] = []
        var parts = 0
        for part in host.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false) {
            parts += 1
            let kind: String
            if part.count >= 2, part.first == UInt8(ascii: "0"), part.dropFirst().first.map({ $0 | 0x20 }) == 0x78 {
                kind = "hex"
            } else if part.count >= 2, part.first == UInt8(ascii: "0") {
                kind = "octal"
            } else {
                kind = "decimal"
            }
            if !kinds.contains(kind) { kinds.append(kind) }
        }
        let radix = kinds.joined(separator: "/")
        if parts == 4 { return radix == "decimal" ? "dotted decimal" : "4-part \(radix)" }
        if parts == 1 { return "single \(radix) number" }
        return "\(parts)-part \(radix) (short form)"
    }
}
