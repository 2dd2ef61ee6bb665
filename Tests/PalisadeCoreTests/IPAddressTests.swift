import PalisadeCore
import Testing

/// The IP literal parsers read their input in place and reject what cannot be an address before
/// copying it; they accept exactly what the parsers before that change accepted, with the same
/// bytes (`Reference`, that code as it was), over generated near-addresses.
@Suite struct IPAddressTests {
    /// SplitMix64: the same text every run.
    struct Seeded: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    enum Reference {
        /// Dotted-quad IPv4 only (`203.0.113.7`); other notations are the SSRF detector's business.
        static func parseV4<C: Collection<UInt8>>(_ b: C) -> UInt32? {
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

        /// IPv6 (RFC 4291 text forms incl. `::` and an embedded IPv4 tail) → 16 bytes.
        static func parseV6<C: Collection<UInt8>>(_ input: C) -> [UInt8]? {
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
                if let v4 = parseV4(b[i...]), b[i...].contains(UInt8(ascii: ".")) {
                    let words = [UInt16(v4 >> 16), UInt16(v4 & 0xFFFF)]
                    if sawGap { tail += words } else { head += words }
                    i = b.count
                    break
                }
                var value: UInt32 = 0
                var digits = 0
                while i < b.count, let h = Percent.hexValue(b[i]) {
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

    @Test func sameAsBeforeOverGeneratedText() {
        var rng = Seeded(state: 0x1EAF)
        let seeds = [
            "::1", "::ffff:127.0.0.1", "[fe80::1%eth0]", "1:2:3:4:5:6:7:8", "1::2::3", "12345::", ":1::",
            "2001:db8::8a2e:370:7334", "1:2:3:4:5:6:1.2.3.4", "::", "[::]", "fe80::1%25en0", "0:0:0:0:0:0:0:1",
            "10.0.0.1", "256.0.0.1", "1.2.3", "001.2.3.4", "https://app.example.com/x", "a:b", "[1::2]x",
        ]
        let alphabet = Array("0123456789abcdefABCDEF:.[]%gz /".utf8)
        var agreed = 0
        var addresses = 0
        for round in 0..<20_000 {
            var text = Array(seeds[round % seeds.count].utf8)
            for _ in 0..<Int.random(in: 0...3, using: &rng) {
                let byte = alphabet.randomElement(using: &rng)!
                switch Int.random(in: 0...2, using: &rng) {
                case 0: text.insert(byte, at: Int.random(in: 0...text.count, using: &rng))
                case 1 where !text.isEmpty: text.remove(at: Int.random(in: 0..<text.count, using: &rng))
                default: if !text.isEmpty { text[Int.random(in: 0..<text.count, using: &rng)] = byte }
                }
            }
            let slice = text[...]
            #expect(IPAddress.parseV6(slice) == Reference.parseV6(slice), "\(String(decoding: text, as: UTF8.self))")
            #expect(IPAddress.parseV6(text) == Reference.parseV6(text))
            #expect(IPAddress.parseV4(slice) == Reference.parseV4(slice), "\(String(decoding: text, as: UTF8.self))")
            #expect(IPAddress.parseV6(String(decoding: text, as: UTF8.self).utf8) == Reference.parseV6(text))
            agreed += 1
            if Reference.parseV6(text) != nil { addresses += 1 }
        }
        #expect(agreed == 20_000)
        #expect(addresses > 2_000)
    }
}
