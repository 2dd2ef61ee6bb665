import PalisadeCore

/// FNV-1a over ASCII-lowercased bytes: keyword tables are keyed by it so a lookup allocates nothing.
public enum WordHash {
    public static let seed: UInt64 = 0xcbf2_9ce4_8422_2325

    @inline(__always)
    public static func add(_ hash: UInt64, _ byte: UInt8) -> UInt64 {
        (hash ^ UInt64(Bytes.lower(byte))) &* 0x0000_0100_0000_01B3
    }

    public static func of<C: Collection<UInt8>>(_ bytes: C) -> UInt64 {
        var hash = seed
        for byte in bytes { hash = add(hash, byte) }
        return hash
    }

    public static func of(_ string: String) -> UInt64 { of(string.utf8) }
}

/// Header-name helpers over the name's UTF-8 storage (names are read for every header of every
/// request by the request-level detectors).
enum HeaderName {
    /// RFC 9110 `tchar`.
    static let tokenBytes = ByteSet("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")

    /// Whether every byte of the name is a `tchar`.
    static func isToken(_ name: String) -> Bool {
        let utf8 = name.utf8
        return utf8.withContiguousStorageIfAvailable { $0.allSatisfy { tokenBytes.contains($0) } }
            ?? utf8.allSatisfy { tokenBytes.contains($0) }
    }
}

/// A read-only table keyed by `WordHash` values (keyword, command and field-name vocabularies).
///
/// A `Dictionary<UInt64, Value>` hashes its key again with SipHash on every lookup (~150
/// instructions, most lookups being misses for ordinary words); the key is already an FNV-1a hash,
/// so this table takes its slot from the key's bits (Fibonacci hashing) and probes linearly in a
/// table kept at most a quarter full. Same keys, same values as the dictionary it is built from.
struct WordTable<Value: Sendable>: Sendable {
    private let slots: [(key: UInt64, value: Value)?]
    private let shift: UInt64
    let count: Int

    init(_ entries: [UInt64: Value]) {
        var bits: UInt64 = 4
        while (1 << bits) < entries.count * 4 { bits += 1 }
        var slots = [(key: UInt64, value: Value)?](repeating: nil, count: 1 << Int(bits))
        let mask = slots.count - 1
        let shift = 64 - bits
        for (key, value) in entries {
            var index = Self.slot(key, shift: shift)
            while slots[index] != nil { index = (index + 1) & mask }
            slots[index] = (key, value)
        }
        self.slots = slots
        self.shift = shift
        self.count = entries.count
    }

    @inline(__always)
    private static func slot(_ key: UInt64, shift: UInt64) -> Int {
        Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> shift)
    }

    /// The value stored for `key`, if any.
    @inline(__always)
    subscript(key: UInt64) -> Value? {
        slots.withUnsafeBufferPointer { slots in
            let mask = slots.count - 1
            var index = Self.slot(key, shift: shift)
            while let slot = slots[index] {
                if slot.key == key { return slot.value }
                index = (index + 1) & mask
            }
            return nil
        }
    }
}
