/// IPv4/IPv6 literal parsing without Foundation (used by shapes, SSRF detection and policy CIDRs).
public enum IPAddress {
    // The generic entry points are inlinable and read their input's bytes in place: called from
    // other modules unspecialized, they walked the collection through its witness table and
    // copied it (~700 instructions for a URL the SSRF detector asked about).

    /// Dotted-quad IPv4 only (`203.0.113.7`); other notations are the SSRF detector's business.
    @inlinable
    public static func parseV4<C: Collection<UInt8>>(_ b: C) -> UInt32? {
        if let parsed = b.withContiguousStorageIfAvailable({ parseV4(bytes: $0) }) { return parsed }
        return Array(b).withUnsafeBufferPointer { parseV4(bytes: $0) }
    }

    /// IPv6 (RFC 4291 text forms incl. `::` and an embedded IPv4 tail) → 16 bytes.
    @inlinable
    public static func parseV6<C: Collection<UInt8>>(_ input: C) -> [UInt8]? {
        if let parsed = input.withContiguousStorageIfAvailable({ parseV6(bytes: $0) }) { return parsed }
        return Array(input).withUnsafeBufferPointer { parseV6(bytes: $0) }
    }

    @usableFromInline
    static func parseV4(bytes b: UnsafeBufferPointer<UInt8>) -> UInt32? {
        var result: UInt32 = 0
        var octet = 0
        var digits = 0
        var parts = 0
        for byte in b {
            if byte == UInt8(ascii: ".") {
                guard digits > 0, parts < 3 else { return nil }
                result = result << 8 | UInt32(octet)
                parts += 1
                octet = 0
                digits = 0
            } else if byte >= 0x30, byte <= 0x39 {
                digits += 1
                octet = octet * 10 + Int(byte - 0x30)
                guard digits <= 3, octet <= 255 else { return nil }
            } else {
                return nil
            }
        }
        guard parts == 3, digits > 0 else { return nil }
        return result << 8 | UInt32(octet)
    }

    @usableFromInline
    static func parseV6(bytes input: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        // Only hex digits, `:`, `.` and brackets before a zone id: anything else is no address,
        // found before copying the input.
        var colons = 0
        for byte in input {
            switch byte {
            case UInt8(ascii: "%"): break
            case UInt8(ascii: ":"):
                colons += 1
                continue
            case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "f"),
                UInt8(ascii: "A")...UInt8(ascii: "F"), UInt8(ascii: "."), UInt8(ascii: "["), UInt8(ascii: "]"):
                continue
            default: return nil
            }
            break
        }
        guard colons >= 2 else { return nil }
        var b = Array(input)
        if b.first == UInt8(ascii: "["), b.last == UInt8(ascii: "]") { b = Array(b.dropFirst().dropLast()) }
        if let percent = b.firstIndex(of: UInt8(ascii: "%")) { b = Array(b[..<percent]) }  // zone id
        guard b.count >= 2, b.count <= 45 else { return nil }
        var head: [UInt16] = []
        var tail: [UInt16] = []
        var sawGap = false
        var i = 0
        if b.starts(with: [0x3A, 0x3A]) {
            sawGap = true
            i = 2
        } else if b.first == 0x3A {
            return nil
        }
        while i < b.count {
            // An embedded IPv4 tail.
            if b[i...].contains(UInt8(ascii: ".")),
                let v4 = b.withUnsafeBufferPointer({ parseV4(bytes: UnsafeBufferPointer(rebasing: $0[i...])) })
            {
                let words = [UInt16(v4 >> 16), UInt16(v4 & 0xFFFF)]
                if sawGap { tail += words } else { head += words }
                i = b.count
                break
            }
            var value: UInt32 = 0
            var digits = 0
            while i < b.count, let h = hexValue(b[i]) {
                value = value << 4 | UInt32(h)
                digits += 1
                i += 1
                if digits > 4 { return nil }
            }
            guard digits > 0 else { return nil }
            if sawGap { tail.append(UInt16(value)) } else { head.append(UInt16(value)) }
            if i == b.count { break }
            guard b[i] == 0x3A else { return nil }
            i += 1
            if i < b.count, b[i] == 0x3A {
                guard !sawGap else { return nil }
                sawGap = true
                i += 1
                if i == b.count { break }
            } else if i == b.count {
                return nil
            }
        }
        let total = head.count + tail.count
        guard sawGap ? total <= 7 : total == 8 else { return nil }
        let words = head + [UInt16](repeating: 0, count: 8 - total) + tail
        var out: [UInt8] = []
        out.reserveCapacity(16)
        for word in words {
            out.append(UInt8(word >> 8))
            out.append(UInt8(word & 0xFF))
        }
        return out
    }
}
