import PalisadeCore

/// Ids for the records of one batch that came without one: ULIDs with the batch's arrival time,
/// their random part from a SplitMix64 stream seeded once per batch from the system generator
/// (one `getrandom` per batch instead of two per record; two batches share a stream only if
/// their 64-bit seeds collide).
struct BatchIDs {
    private var state: UInt64
    private let milliseconds: UInt64

    init(milliseconds: Int64) {
        var system = SystemRandomNumberGenerator()
        state = system.next()
        self.milliseconds = UInt64(max(0, milliseconds))
    }

    mutating func next() -> String {
        var generator = SplitMix64(state: state)
        let id = ULID.make(milliseconds: milliseconds, using: &generator)
        state = generator.state
        return id
    }
}

/// SplitMix64 (Steele, Lea, Flood 2014): fast, full-period, fine for id randomness seeded from
/// the system generator; not for secrets.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
