/// The last `capacity` ids seen, for de-duplication (insertion order; the oldest forgotten first).
struct DedupWindow: Sendable {
    let capacity: Int
    private var members: Set<String> = []
    private var ring: [String] = []
    private var head = 0

    init(capacity: Int, restoring ids: [String] = []) {
        self.capacity = max(1, capacity)
        for id in ids { _ = insert(id) }
    }

    var count: Int { members.count }

    func contains(_ id: String) -> Bool { members.contains(id) }

    /// True when `id` is new (and now remembered).
    mutating func insert(_ id: String) -> Bool {
        guard !members.contains(id) else { return false }
        members.insert(id)
        if ring.count < capacity {
            ring.append(id)
        } else {
            members.remove(ring[head])
            ring[head] = id
            head = (head + 1) % capacity
        }
        return true
    }

    /// Forgets `id` (a write failed: the record must be processed again when redelivered).
    mutating func forget(_ id: String) {
        members.remove(id)
    }
}

/// The most recent verdicts by request id, bounded (for `GET /v1/verdicts/{id}`).
struct RecentVerdicts: Sendable {
    let capacity: Int
    private var byID: [String: VerdictRecord] = [:]
    private var ring: [String] = []
    private var head = 0

    init(capacity: Int) { self.capacity = capacity }

    mutating func add(_ record: VerdictRecord) {
        guard capacity > 0 else { return }
        let id = record.verdict.id
        if byID[id] != nil {
            byID[id] = record
            return
        }
        byID[id] = record
        if ring.count < capacity {
            ring.append(id)
        } else {
            byID[ring[head]] = nil
            ring[head] = id
            head = (head + 1) % capacity
        }
    }

    subscript(id: String) -> VerdictRecord? { byID[id] }
    var count: Int { byID.count }
}
