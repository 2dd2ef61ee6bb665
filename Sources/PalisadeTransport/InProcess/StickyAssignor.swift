/// Shares the partitions of one topic among group members, keeping current owners where the
/// balance allows (sticky). Pure: the group state machine calls it on every join and leave.
enum StickyAssignor {
    /// - Parameters:
    ///   - partitions: the topic's partitions.
    ///   - current: what each member (by id) owns now; members with no entry own nothing.
    ///   - members: the members to share among.
    /// - Returns: the new owner of every partition (every partition appears exactly once when
    ///   there is at least one member).
    static func assign(
        partitions: [TopicPartition], current: [Int: Set<TopicPartition>], members: [Int]
    ) -> [Int: Set<TopicPartition>] {
        guard !members.isEmpty else { return [:] }
        let base = partitions.count / members.count
        let extra = partitions.count % members.count
        let valid = Set(partitions)
        // Members that hold the most keep the +1 slots, so fewer partitions move.
        let ordered = members.sorted { a, b in
            let ca = current[a]?.intersection(valid).count ?? 0
            let cb = current[b]?.intersection(valid).count ?? 0
            return ca != cb ? ca > cb : a < b
        }
        var quota: [Int: Int] = [:]
        for (index, member) in ordered.enumerated() { quota[member] = base + (index < extra ? 1 : 0) }

        var result: [Int: Set<TopicPartition>] = [:]
        var taken = Set<TopicPartition>()
        for member in ordered {
            let kept = (current[member] ?? []).filter { valid.contains($0) && !taken.contains($0) }.sorted()
                .prefix(quota[member] ?? 0)
            result[member] = Set(kept)
            taken.formUnion(kept)
        }
        var free = partitions.filter { !taken.contains($0) }.sorted()[...]
        for member in ordered {
            while (result[member]?.count ?? 0) < (quota[member] ?? 0), let next = free.popFirst() {
                result[member, default: []].insert(next)
            }
        }
        return result
    }
}
