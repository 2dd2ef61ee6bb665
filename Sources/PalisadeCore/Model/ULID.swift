/// ULIDs (26 characters, Crockford Base32: 48-bit milliseconds + 80 random bits), sortable by time.
public enum ULID {
    private static let alphabet = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ".utf8)

    public static func make(milliseconds: UInt64 = currentMilliseconds()) -> String {
        var generator = SystemRandomNumberGenerator()
        return make(milliseconds: milliseconds, using: &generator)
    }

    public static func make<G: RandomNumberGenerator>(milliseconds: UInt64, using generator: inout G) -> String {
        var out = [UInt8](repeating: 0, count: 26)
        var time = milliseconds & 0xFFFF_FFFF_FFFF
        for i in stride(from: 9, through: 0, by: -1) {
            out[i] = alphabet[Int(time & 31)]
            time >>= 5
        }
        var high = generator.next() as UInt64  // 80 random bits: 16 from here…
        var low = generator.next() as UInt64  // …and 64 from here
        for i in stride(from: 25, through: 13, by: -1) {  // 13 chars × 5 bits = 65 bits from low+high
            out[i] = alphabet[Int(low & 31)]
            low = low >> 5 | (high & 31) << 59
            high >>= 5
        }
        for i in stride(from: 12, through: 10, by: -1) {
            out[i] = alphabet[Int(low & 31)]
            low >>= 5
        }
        return String(decoding: out, as: UTF8.self)
    }

    public static func currentMilliseconds() -> UInt64 {
        return UInt64(max(0, WallClock.nowMilliseconds()))
    }
}
