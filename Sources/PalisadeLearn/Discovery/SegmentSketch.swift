/// What a parameter position has seen, without keeping values: a capped set of value hashes (an
/// exact distinct count up to `capacity`, then "at least capacity") and the first value's text
/// when it is safe to keep (to render a stable numeric position such as `/api/2024/stats` as a
/// literal).
struct SegmentSketch: Sendable, Hashable {
    static let capacity = 64
    var hashes: Set<UInt64> = []
    var saturated = false
    var firstLiteral: String?
    var firstHash: UInt64?

    /// Distinct values seen, exact below `capacity`.
    var distinct: Int { hashes.count }

    mutating func add(hash: UInt64, literal: String?) {
        if firstHash == nil {
            firstHash = hash
            firstLiteral = literal
        }
        guard !saturated else { return }
        if hashes.count < Self.capacity {
            hashes.insert(hash)
        } else if !hashes.contains(hash) {
            saturated = true
        }
    }

    mutating func merge(_ other: SegmentSketch) {
        if firstHash == nil {
            firstHash = other.firstHash
            firstLiteral = other.firstLiteral
        }
        for hash in other.hashes { add(hash: hash, literal: nil) }
        if other.saturated { saturated = true }
    }

    /// The single value seen, when exactly one was.
    var singleLiteral: String? { !saturated && hashes.count == 1 ? firstLiteral : nil }
}
