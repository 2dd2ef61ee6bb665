import PalisadeCore

/// An IPv4 or IPv6 network (`203.0.113.0/24`, `2001:db8::/32`), host bits cleared.
public struct CIDR: Sendable, Hashable, CustomStringConvertible {
    /// 4 or 16 bytes, host bits zero.
    public private(set) var network: [UInt8]
    public private(set) var prefix: Int

    public var isV4: Bool { network.count == 4 }

    /// `address/prefix`; a bare address is a host network (/32 or /128). Nil when malformed.
    public init?(_ text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count <= 2, let bytes = IPBytes.parse(String(parts[0])) else { return nil }
        let bits = bytes.count * 8
        var prefix = bits
        if parts.count == 2 {
            let digits = parts[1]
            guard !digits.isEmpty, digits.count <= 3, digits.allSatisfy({ $0.isASCII && $0.isNumber }),
                let value = Int(digits), value <= bits
            else { return nil }
            prefix = value
        }
        self.init(bytes: bytes, prefix: prefix)
    }

    /// The network of `bytes` (4 or 16) with `prefix` bits.
    public init?(bytes: [UInt8], prefix: Int) {
        guard bytes.count == 4 || bytes.count == 16, prefix >= 0, prefix <= bytes.count * 8 else { return nil }
        var masked = bytes
        for i in masked.indices {
            let keep = min(8, max(0, prefix - i * 8))
            masked[i] &= keep == 0 ? 0 : UInt8(truncatingIfNeeded: 0xFF << (8 - keep))
        }
        network = masked
        self.prefix = prefix
    }

    public func contains(_ address: [UInt8]) -> Bool {
        guard address.count == network.count, let other = CIDR(bytes: address, prefix: prefix) else { return false }
        return other.network == network
    }

    /// True when the two networks share any address.
    public func overlaps(_ other: CIDR) -> Bool {
        guard other.network.count == network.count else { return false }
        return prefix <= other.prefix ? contains(other.network) : other.contains(network)
    }

    public var description: String { "\(IPBytes.format(network))/\(prefix)" }
}

/// IP text ⇄ bytes, canonical output (dotted quad; RFC 5952 for IPv6).
public enum IPBytes {
    /// 4 bytes for IPv4, 16 for IPv6 (an IPv4-mapped IPv6 address stays 16 bytes). Nil when malformed.
    public static func parse(_ text: String) -> [UInt8]? {
        let utf8 = Array(text.utf8.prefix(64))
        guard text.utf8.count <= 64 else { return nil }
        if let v4 = IPAddress.parseV4(utf8) {
            return [UInt8(v4 >> 24), UInt8((v4 >> 16) & 0xFF), UInt8((v4 >> 8) & 0xFF), UInt8(v4 & 0xFF)]
        }
        if utf8.contains(UInt8(ascii: ":")), let v6 = IPAddress.parseV6(utf8) { return v6 }
        return nil
    }

    /// The canonical text of an address given as bytes (4 or 16).
    public static func format(_ bytes: [UInt8]) -> String {
        if bytes.count == 4 { return bytes.map { String($0) }.joined(separator: ".") }
        guard bytes.count == 16 else { return "" }
        var words: [UInt16] = []
        for i in stride(from: 0, to: 16, by: 2) { words.append(UInt16(bytes[i]) << 8 | UInt16(bytes[i + 1])) }
        // longest run (≥ 2) of zero words becomes "::"
        var bestStart = -1
        var bestLength = 0
        var i = 0
        while i < 8 {
            if words[i] == 0 {
                var j = i
                while j < 8, words[j] == 0 { j += 1 }
                if j - i > bestLength, j - i >= 2 {
                    bestStart = i
                    bestLength = j - i
                }
                i = j
            } else {
                i += 1
            }
        }
        func hex(_ range: Range<Int>) -> String { range.map { String(words[$0], radix: 16) }.joined(separator: ":") }
        if bestStart < 0 { return hex(0..<8) }
        return hex(0..<bestStart) + "::" + hex((bestStart + bestLength)..<8)
    }

    /// The canonical form of an address, nil when malformed.
    public static func canonical(_ text: String) -> String? { parse(text).map(format) }
}
