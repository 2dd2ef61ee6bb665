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
