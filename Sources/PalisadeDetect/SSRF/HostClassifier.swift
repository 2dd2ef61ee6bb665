/// Where a host points, read from its text alone (no DNS): every IPv4 notation `inet_aton` and
/// URL parsers accept (dotted, short `127.1`, decimal `2130706433`, octal `0177.0.0.1`, hex
/// `0x7f000001`, mixed), IPv6 (bracketed, zone ids, IPv4-mapped/compatible, NAT64, 6to4), and
/// names: `localhost` variants, cloud metadata names, cluster-internal names and DNS services that
/// resolve to the address written in the name (`127.0.0.1.nip.io`, `localtest.me`).
public enum HostClassifier {
    public enum Category: Int, Sendable, Comparable {
        case publicHost = 0
        /// Out-of-band interaction services used to confirm blind SSRF.
        case interaction
        /// Cluster/cloud-internal DNS names (`*.svc.cluster.local`, `*.internal`).
        case internalName
        case privateNetwork  // RFC 1918, CGNAT, unique-local
        case linkLocal
        case unspecified  // 0.0.0.0, ::
        case loopback
        case metadata

        public static func < (a: Category, b: Category) -> Bool { a.rawValue < b.rawValue }
    }

    public struct Reading: Sendable, Equatable {
        public var category: Category
        /// Written in a notation no ordinary client produces (decimal, hex, octal, short form,
        /// IPv4-mapped IPv6, Unicode look-alikes, percent-encoding) or via a rebinding name.
        public var obfuscated: Bool
        public var isAddress: Bool
    }

    /// Lowercased, percent-decoded, Unicode look-alikes folded (full-width, circled, ideographic dot).
    static func normalize(_ raw: ArraySlice<UInt8>) -> (bytes: [UInt8], changed: Bool) {
        var out: [UInt8] = []
        out.reserveCapacity(raw.count)
        var changed = false
        var i = raw.startIndex
        while i < raw.endIndex, out.count < 300 {
            let byte = raw[i]
            if byte == UInt8(ascii: "%"), i + 2 < raw.endIndex, let h = hex(raw[i + 1]), let l = hex(raw[i + 2]) {
                out.append(Bytes.lower(h << 4 | l))
                changed = true
                i += 3
                continue
            }
            if byte == 0xEF, i + 2 < raw.endIndex, raw[i + 1] == 0xBC || raw[i + 1] == 0xBD {
                // Full-width ASCII U+FF01…U+FF5E: EF BC 81…BF, EF BD 80…9E.
                let code = 0xFF00 + ((Int(raw[i + 1]) & 0x03) << 6) + (Int(raw[i + 2]) & 0x3F)
                if code >= 0xFF01, code <= 0xFF5E {
                    out.append(Bytes.lower(UInt8(code - 0xFF01 + 0x21)))
                    changed = true
                    i += 3
                    continue
                }
            }
            if byte == 0xE3, i + 2 < raw.endIndex, raw[i + 1] == 0x80, raw[i + 2] == 0x82 {  // 。
                out.append(UInt8(ascii: "."))
                changed = true
                i += 3
                continue
            }
            if byte == 0xE2, i + 2 < raw.endIndex {
                let b1 = raw[i + 1]
                let b2 = raw[i + 2]
                // ① … ⑨ U+2460…2468 (E2 91 A0…A8), ⓪ U+24EA (E2 93 AA), ⓐ…ⓩ U+24D0…24E9 (E2 93 90…A9).
                if b1 == 0x91, b2 >= 0xA0, b2 <= 0xA8 {
                    out.append(UInt8(ascii: "1") + (b2 - 0xA0))
                    changed = true
                    i += 3
                    continue
                }
                if b1 == 0x93, b2 == 0xAA {
                    out.append(UInt8(ascii: "0"))
                    changed = true
                    i += 3
                    continue
                }
                if b1 == 0x93, b2 >= 0x90, b2 <= 0xA9 {
                    out.append(UInt8(ascii: "a") + (b2 - 0x90))
                    changed = true
                    i += 3
                    continue
                }
            }
            out.append(Bytes.lower(byte))
            i += 1
        }
        // A delimiter that only appeared after decoding ends the host (`127.0.0.1%2fadmin`).
        if changed, let cut = out.firstIndex(where: { $0 == 0x2F || $0 == 0x3F || $0 == 0x23 || $0 == 0x5C }) {
            out.removeSubrange(cut...)
        }
        // Trailing dots (FQDN form) and controls/whitespace a lenient parser strips.
        while let last = out.last, last == UInt8(ascii: ".") || last <= 0x20 {
            if last <= 0x20 { changed = true }
            out.removeLast()
        }
        return (out, changed)
    }

    /// Whether `normalize` would return `raw` unchanged (printable ASCII without `%` or capitals,
    /// not ending in a dot): most hosts, read then without a copy.
    static func isNormal(_ raw: ArraySlice<UInt8>) -> Bool {
        guard let last = raw.last, last != UInt8(ascii: ".") else { return false }
        for byte in raw {
            guard byte > 0x20, byte < 0x7F, byte != UInt8(ascii: "%"), byte < 0x41 || byte > 0x5A else {
                return false
            }
        }
        return true
    }

    @inline(__always)
    static func hex(_ b: UInt8) -> UInt8? {
        switch b {
        case 0x30...0x39: b - 0x30
        case 0x41...0x46: b - 0x41 + 10
        case 0x61...0x66: b - 0x61 + 10
        default: nil
        }
    }

    /// Classifies a raw host (as written in a URL or a field).
    public static func classify(_ raw: ArraySlice<UInt8>) -> Reading? {
        classify(raw, names: true)
    }

    /// `names`: false returns nil for a host that is not an address instead of reading the name.
    static func classify(_ raw: ArraySlice<UInt8>, names: Bool) -> Reading? {
        guard !raw.isEmpty, raw.count <= 300 else { return nil }
        if isNormal(raw) { return classifyNormalized(raw, names: names) }
        let (host, changed) = normalize(raw)
        guard !host.isEmpty else { return nil }
        if var reading = classifyNormalized(host[...], names: names) {
            if changed { reading.obfuscated = true }
            return reading
        }
        return nil
    }

    static func classifyNormalized(_ host: ArraySlice<UInt8>, names: Bool = true) -> Reading? {
        if host.first == UInt8(ascii: "[") || host.contains(UInt8(ascii: ":")) {
            return classifyV6(host)
        }
        if let (address, odd) = parseV4Lenient(host) {
            return Reading(category: category(of: address), obfuscated: odd, isAddress: true)
        }
        return names ? classifyName(host) : nil
    }

    // MARK: IPv4

    /// `inet_aton` rules: 1–4 parts; each decimal, octal (leading 0) or hex (0x); the last part fills
    /// the remaining bytes. `odd` is true for anything but four plain decimal parts.
    public static func parseV4Lenient(_ host: ArraySlice<UInt8>) -> (UInt32, odd: Bool)? {
        guard !host.isEmpty, host.count <= 64 else { return nil }
        var parts: [UInt64] = []
        var odd = false
        var i = host.startIndex
        while i <= host.endIndex {
            let end = host[i...].firstIndex(of: UInt8(ascii: ".")) ?? host.endIndex
            let part = host[i..<end]
            guard !part.isEmpty, parts.count < 4 else { return nil }
            var value: UInt64 = 0
            var digits = part[...]
            var radix: UInt64 = 10
            if part.count >= 2, part.first == UInt8(ascii: "0"), part.dropFirst().first.map({ $0 | 0x20 }) == 0x78 {
                radix = 16
                digits = part.dropFirst(2)
                odd = true
            } else if part.count >= 2, part.first == UInt8(ascii: "0") {
                radix = 8
                digits = part.dropFirst()
                odd = true
            }
            guard !digits.isEmpty || radix == 8, digits.count <= 12 else { return nil }
            for byte in digits {
                guard let d = hex(byte), UInt64(d) < radix else { return nil }
                value = value * radix + UInt64(d)
            }
            parts.append(value)
            i = end + 1
            if end == host.endIndex { break }
        }
        guard !parts.isEmpty else { return nil }
        if parts.count < 4 { odd = true }
        var address: UInt64 = 0
        for (index, part) in parts.enumerated() {
            if index == parts.count - 1 {
                let bits = UInt64(8 * (4 - index))
                guard part < (UInt64(1) << bits) else { return nil }
                address = address << bits | part
            } else {
                guard part <= 255 else { return nil }
                address = address << 8 | part
            }
        }
        return (UInt32(truncatingIfNeeded: address), odd)
    }

    public static func category(of a: UInt32) -> Category {
        let o1 = a >> 24
        let o2 = (a >> 16) & 0xFF
        if a == 0xA9FE_A9FE || a == 0xA9FE_AA02 || a == 0x6464_64C8 || a == 0xC000_00C0 { return .metadata }
        // 169.254.169.254 (AWS/GCP/Azure/OpenStack), 169.254.170.2 (ECS), 100.100.100.200 (Alibaba), 192.0.0.192 (Oracle)
        if o1 == 127 { return .loopback }
        if o1 == 0 { return .unspecified }
        if o1 == 169 && o2 == 254 { return .linkLocal }
        if o1 == 10 || (o1 == 172 && (o2 & 0xF0) == 16) || (o1 == 192 && o2 == 168) { return .privateNetwork }
        if o1 == 100 && (o2 & 0xC0) == 64 { return .privateNetwork }  // CGNAT 100.64/10
        if o1 == 198 && (o2 & 0xFE) == 18 { return .privateNetwork }  // benchmarking 198.18/15
        if a == 0xFFFF_FFFF { return .unspecified }
        return .publicHost
    }

    // MARK: IPv6

    static func classifyV6(_ host: ArraySlice<UInt8>) -> Reading? {
        var inner = host
        if inner.first == UInt8(ascii: "[") { inner = inner.dropFirst() }
        if let close = inner.firstIndex(of: UInt8(ascii: "]")) { inner = inner[..<close] }
        guard let bytes = IPAddress.parseV6(inner) else { return nil }
        var category = Category.publicHost
        var odd = false
        let zero10 = bytes[0..<10].allSatisfy { $0 == 0 }
        let v4 = UInt32(bytes[12]) << 24 | UInt32(bytes[13]) << 16 | UInt32(bytes[14]) << 8 | UInt32(bytes[15])
        if bytes.allSatisfy({ $0 == 0 }) {
            category = .unspecified
        } else if bytes[0..<15].allSatisfy({ $0 == 0 }) && bytes[15] == 1 {
            category = .loopback
        } else if zero10 && bytes[10] == 0xFF && bytes[11] == 0xFF {
            category = Self.category(of: v4)  // IPv4-mapped
            odd = true
        } else if zero10 && bytes[10] == 0 && bytes[11] == 0 {
            category = Self.category(of: v4)  // IPv4-compatible (deprecated)
            odd = true
        } else if bytes[0] == 0x00, bytes[1] == 0x64, bytes[2] == 0xFF, bytes[3] == 0x9B {
            category = Self.category(of: v4)  // NAT64 64:ff9b::/96
            odd = true
        } else if bytes[0] == 0x20, bytes[1] == 0x02 {
            let embedded = UInt32(bytes[2]) << 24 | UInt32(bytes[3]) << 16 | UInt32(bytes[4]) << 8 | UInt32(bytes[5])
            category = Self.category(of: embedded)  // 6to4
            if category != .publicHost { odd = true }
        } else if bytes[0] == 0xFD, bytes[1] == 0x00, bytes[2] == 0x0E, bytes[3] == 0xC2,
            bytes[4..<14].allSatisfy({ $0 == 0 }), bytes[14] == 0x02, bytes[15] == 0x54
        {
            category = .metadata  // fd00:ec2::254
        } else if bytes[0] & 0xFE == 0xFC {
            category = .privateNetwork
        } else if bytes[0] == 0xFE, bytes[1] & 0xC0 == 0x80 {
            category = .linkLocal
        }
        return Reading(category: category, obfuscated: odd, isAddress: true)
    }

    // MARK: Names

    static func classifyName(_ host: ArraySlice<UInt8>) -> Reading? {
        // Host names are letters, digits, `-`, `_`, `.`; anything else is not a host we can judge.
        for byte in host {
            guard
                (byte | 0x20 >= 0x61 && byte | 0x20 <= 0x7A) || (byte >= 0x30 && byte <= 0x39) || byte == 0x2D
                    || byte == 0x2E || byte == 0x5F
            else { return nil }
        }
        // Only the names sharing the host's last label can match (`ends` needs the whole label):
        // `api.example.org` is public without a comparison, `api.example.com` is compared with
        // the eight `.com` names instead of all ~50.
        let lastDot = host.lastIndex(of: UInt8(ascii: ".")).map { $0 + 1 } ?? host.startIndex
        let last = host[lastDot...]
        guard
            let candidates = namesByLastLabel.first(where: { entry in
                entry.label.count == last.count && zip(entry.label, last).allSatisfy { $0 == Bytes.lower($1) }
            })?.names
        else { return Reading(category: .publicHost, obfuscated: false, isAddress: false) }
        func ends(_ suffix: StaticString) -> Bool {
            let n = suffix.utf8CodeUnitCount
            guard host.count >= n else { return false }
            guard Bytes.hasPrefixIgnoringCase(host.suffix(n), suffix) else { return false }
            return host.count == n || host[host.endIndex - n - 1] == UInt8(ascii: ".")
        }
        func reading(_ c: Category, _ odd: Bool = false) -> Reading {
            Reading(category: c, obfuscated: odd, isAddress: false)
        }
        // In the order of `NameGroup`: the first group with a matching name decides.
        for (name, group) in candidates where ends(name) {
            switch group {
            case .localhost: return reading(.loopback, host.count > 9 && !ends("localhost.localdomain"))
            case .metadata: return reading(.metadata)
            case .rebinding:
                // Names that resolve to the address they spell. The labels before the service spell
                // an address: `127.0.0.1.nip.io`, `0x7f000001.nip.io`.
                let prefixEnd = max(host.startIndex, host.endIndex - name.utf8CodeUnitCount - 1)
                if prefixEnd > host.startIndex, let (address, _) = parseV4Lenient(host[host.startIndex..<prefixEnd]),
                    category(of: address) != .publicHost
                {
                    return reading(category(of: address), true)
                }
                if let embedded = embeddedAddress(host), category(of: embedded) != .publicHost {
                    return reading(category(of: embedded), true)
                }
                return reading(.interaction, true)
            case .loopback: return reading(.loopback, true)
            case .interaction: return reading(.interaction)
            case .internalName: return reading(.internalName)
            }
        }
        return reading(.publicHost)
    }

    /// The lists `classifyName` reads, in the order it reads them.
    enum NameGroup: CaseIterable {
        case localhost, metadata, rebinding, loopback, interaction, internalName

        var names: [StaticString] {
            switch self {
            case .localhost: HostClassifier.localhostNames
            case .metadata: HostClassifier.metadataNames
            case .rebinding: HostClassifier.rebindingServices
            case .loopback: HostClassifier.loopbackNames
            case .interaction: HostClassifier.interactionServices
            case .internalName: HostClassifier.internalNames
            }
        }
    }

    /// Every name of the lists, grouped by its last label (lowercase), each group's names in the
    /// lists' order (`NameGroup`, then the list's own).
    static let namesByLastLabel: [(label: [UInt8], names: [(StaticString, NameGroup)])] = {
        var table: [(label: [UInt8], names: [(StaticString, NameGroup)])] = []
        for group in NameGroup.allCases {
            for name in group.names {
                let bytes = name.withUTF8Buffer { Array($0) }
                let label = bytes[(bytes.lastIndex(of: UInt8(ascii: ".")).map { $0 + 1 } ?? 0)...].map(Bytes.lower)
                if let slot = table.firstIndex(where: { $0.label == label }) {
                    table[slot].names.append((name, group))
                } else {
                    table.append((label, [(name, group)]))
                }
            }
        }
        return table
    }()

    static let localhostNames: [StaticString] = ["localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"]
    static let internalNames: [StaticString] = [
        "svc.cluster.local", "cluster.local", "internal", "consul", "kubernetes.default", "kubernetes.default.svc",
        "local",
    ]
    static let metadataNames: [StaticString] = [
        "metadata.google.internal", "metadata.goog", "metadata", "instance-data", "instance-data.ec2.internal",
        "metadata.azure.internal", "metadata.tencentyun.com", "metadata.platformequinix.com",
    ]
    static let rebindingServices: [StaticString] = [
        "nip.io", "sslip.io", "xip.io", "nip.direct", "traefik.me", "rbndr.us", "1u.ms", "lock.cmpxchg8b.com",
        "localh.st", "ip.addr.tools",
    ]
    static let loopbackNames: [StaticString] = [
        "localtest.me", "lvh.me", "vcap.me", "lacolhost.com", "127-0-0-1.org.uk", "fbi.com.127.0.0.1.xip.io",
        "yoogle.com", "spoofed.burpcollaborator.net", "customer1.app.localhost.my.company.127.0.0.1.nip.io",
    ]
    static let interactionServices: [StaticString] = [
        "burpcollaborator.net", "oastify.com", "interact.sh", "oast.pro", "oast.live", "oast.site", "oast.online",
        "oast.fun", "oast.me", "dnslog.cn", "ceye.io", "requestbin.net", "canarytokens.com", "pipedream.net",
        "interactsh.com", "xss.ht", "bxss.me",
    ]

    /// The IPv4 address spelled inside a rebinding name: `127.0.0.1.nip.io`, `app-10-0-0-1.sslip.io`,
    /// `7f000001.c0a80001.rbndr.us` (first label as 8 hex digits), `make-127-0-0-1-rr.1u.ms`.
    static func embeddedAddress(_ host: ArraySlice<UInt8>) -> UInt32? {
        // Dotted quad anywhere: scan for the longest digits-and-separators run with 4 numbers.
        var numbers: [UInt32] = []
        var current: UInt32 = 0
        var digits = 0
        for byte in host {
            if byte >= 0x30, byte <= 0x39 {
                current = current &* 10 &+ UInt32(byte - 0x30)
                digits += 1
            } else {
                if digits > 0 && digits <= 3 && current <= 255 {
                    numbers.append(current)
                } else {
                    numbers.removeAll()
                }
                if byte != UInt8(ascii: ".") && byte != UInt8(ascii: "-") { numbers.removeAll() }
                if numbers.count == 4 { break }
                current = 0
                digits = 0
            }
        }
        if numbers.count < 4, digits > 0, digits <= 3, current <= 255 { numbers.append(current) }
        if numbers.count >= 4 {
            let n = numbers.suffix(4)
            return n.reduce(0) { $0 << 8 | $1 }
        }
        // rbndr.us: the first label is 8 hex digits.
        let label = host.prefix { $0 != UInt8(ascii: ".") }
        if label.count == 8 {
            var value: UInt32 = 0
            for byte in label {
                guard let h = hex(byte) else { return nil }
                value = value << 4 | UInt32(h)
            }
            return value
        }
        return nil
    }
}
