import Synchronization

/// The state behind ``InProcessTransport``: topics, partition logs, groups. One lock; waiting
/// happens outside it on a ``ChangeSignal``.
final class InProcessBroker: Sendable {
    struct StoredRecord {
        var offset: Int64
        var key: [UInt8]?
        var value: [UInt8]?
        var timestampMs: Int64
    }

    struct PartitionLog {
        /// Retained records from `head` on, increasing offsets (gaps after compaction).
        var records: [StoredRecord] = []
        var head = 0
        var nextOffset: Int64 = 0

        var retainedCount: Int { records.count - head }

        /// Index of the first retained record at or after `offset`.
        func firstIndex(atOrAfter offset: Int64) -> Int {
            var low = head
            var high = records.count
            while low < high {
                let mid = (low + high) / 2
                if records[mid].offset < offset { low = mid + 1 } else { high = mid }
            }
            return low
        }

        /// Drops records below `offset`.
        mutating func trim(below offset: Int64) {
            head = firstIndex(atOrAfter: offset)
            if head > 1024 && head * 2 > records.count {
                records.removeFirst(head)
                head = 0
            }
        }

        /// Keeps only the latest record of every key (records without a key are kept).
        mutating func compact() {
            var seen = Set<[UInt8]>()
            var kept: [StoredRecord] = []
            for record in records[head...].reversed() {
                if let key = record.key {
                    if !seen.insert(key).inserted { continue }
                }
                kept.append(record)
            }
            records = kept.reversed()
            head = 0
        }
    }

    struct Topic {
        var spec: TopicSpec
        var partitions: [PartitionLog]
        var roundRobin: Int32 = 0
    }

    struct Member {
        var topics: [String]
        var assigned: Set<TopicPartition> = []
        var positions: [TopicPartition: Int64] = [:]
        var paused = false
        var events: [ConsumerEvent] = []
        var fairness = 0
    }

    struct Group {
        var members: [Int: Member] = [:]
        var committed: [TopicPartition: Int64] = [:]
    }

    struct State {
        var topics: [String: Topic] = [:]
        var groups: [String: Group] = [:]
        var nextMemberID = 0
        /// Publishers waiting for space; acknowledgements signal only when there are some.
        var blockedPublishers = 0
    }

    let configuration: InProcessTransport.Configuration
    let state = Mutex(State())
    let signal = ChangeSignal()

    init(configuration: InProcessTransport.Configuration) {
        self.configuration = configuration
    }

    // MARK: Topics

    func createTopics(_ specs: [TopicSpec]) throws(TransportError) {
        for spec in specs where spec.partitions < 1 {
            throw TransportError(.invalidArgument, "topic \(spec.name): partitions must be ≥ 1")
        }
        state.withLock { state in
            for spec in specs where state.topics[spec.name] == nil {
                state.topics[spec.name] = Topic(
                    spec: spec, partitions: Array(repeating: PartitionLog(), count: Int(spec.partitions)))
                for name in Array(state.groups.keys) { Self.rebalance(&state, group: name) }
            }
        }
        signal.notify()
    }

    func ensureTopic(_ name: String) throws(TransportError) {
        let exists = state.withLock { $0.topics[name] != nil }
        if exists { return }
        guard let partitions = configuration.autoCreatePartitions else {
            throw TransportError(.unknownTopic, "topic \(name) does not exist")
        }
        try createTopics([TopicSpec(name: name, partitions: partitions, replicationFactor: 1)])
    }

    func retainedCounts(topic: String) -> [Int] {
        state.withLock { $0.topics[topic]?.partitions.map(\.retainedCount) ?? [] }
    }

    func lag(group: String, topic: String) -> Int {
        state.withLock { state in
            guard let partitions = state.topics[topic]?.partitions else { return 0 }
            let committed = state.groups[group]?.committed ?? [:]
            return partitions.indices.reduce(0) { sum, index in
                let tp = TopicPartition(topic, Int32(index))
                return sum + Int(max(0, partitions[index].nextOffset - (committed[tp] ?? 0)))
            }
        }
    }

    // MARK: Publish

    private enum AppendOutcome {
        case stored(DeliveryReceipt)
        case full(UInt64)
    }

    func publish(_ record: OutgoingRecord) async throws(TransportError) -> DeliveryReceipt {
        try ensureTopic(record.topic)
        let clock = ContinuousClock()
        let start = clock.now
        var registered = false
        defer {
            if registered { state.withLock { $0.blockedPublishers -= 1 } }
        }
        while true {
            let outcome = try append(record, registering: !registered)
            switch outcome {
            case .stored(let receipt):
                signal.notify()
                return receipt
            case .full(let generation):
                registered = true
                guard case .wait(let timeout) = configuration.whenFull else {
                    throw TransportError(.queueFull, "a partition of \(record.topic) is full", isRetriable: true)
                }
                let remaining = timeout - (clock.now - start)
                if remaining <= .zero || Task.isCancelled {
                    throw TransportError(
                        .queueFull, "a partition of \(record.topic) stayed full for \(timeout)", isRetriable: true)
                }
                await signal.wait(since: generation, timeout: remaining)
            }
        }
    }

    private func append(_ record: OutgoingRecord, registering: Bool) throws(TransportError) -> AppendOutcome {
        let configuration = configuration
        return try state.withLock { (state: inout State) throws(TransportError) -> AppendOutcome in
            guard var topic = state.topics.removeValue(forKey: record.topic) else {
                throw TransportError(.unknownTopic, "topic \(record.topic) does not exist")
            }
            defer { state.topics[record.topic] = topic }
            let count = Int32(topic.partitions.count)
            let partition: Int32
            if let key = record.key {
                partition = Murmur2Partitioner.partition(for: key, partitionCount: count)
            } else {
                partition = topic.roundRobin % count
                topic.roundRobin = (topic.roundRobin &+ 1) & 0x7fff_ffff
            }
            let index = Int(partition)
            let capacity =
                topic.spec.compacted ? configuration.compactedPartitionCapacity : configuration.partitionCapacity
            if topic.partitions[index].retainedCount >= capacity {
                if topic.spec.compacted {
                    topic.partitions[index].compact()
                } else {
                    let floor = Self.releaseFloor(state, TopicPartition(record.topic, partition))
                    topic.partitions[index].trim(below: floor)
                }
            }
            if topic.partitions[index].retainedCount >= capacity {
                if registering { state.blockedPublishers += 1 }
                return .full(signal.generation)
            }
            let offset = topic.partitions[index].nextOffset
            topic.partitions[index].records.append(
                StoredRecord(offset: offset, key: record.key, value: record.value, timestampMs: wallClockMs()))
            topic.partitions[index].nextOffset += 1
            return .stored(DeliveryReceipt(topic: record.topic, partition: partition, offset: offset))
        }
    }

    /// The lowest offset some group subscribed to the partition's topic still needs.
    private static func releaseFloor(_ state: State, _ tp: TopicPartition) -> Int64 {
        var floor = Int64.max
        for group in state.groups.values
        where group.members.values.contains(where: { $0.topics.contains(tp.topic) })
            || group.committed.keys.contains(where: { $0.topic == tp.topic })
        {
            floor = min(floor, group.committed[tp] ?? 0)
        }
        return floor == .max ? 0 : floor
    }

    // MARK: Groups

    func join(group: String, topics: [String]) throws(TransportError) -> Int {
        for topic in topics { try ensureTopic(topic) }
        let id = state.withLock { state in
            state.nextMemberID += 1
            let id = state.nextMemberID
            state.groups[group, default: Group()].members[id] = Member(topics: topics)
            Self.rebalance(&state, group: group)
            return id
        }
        signal.notify()
        return id
    }

    func leave(group: String, member: Int) {
        state.withLock { state in
            guard state.groups[group]?.members.removeValue(forKey: member) != nil else { return }
            Self.rebalance(&state, group: group)
        }
        signal.notify()
    }

    /// Reassigns the partitions of every topic of `group` among its members and queues the
    /// revoked/assigned events of each member.
    private static func rebalance(_ state: inout State, group name: String) {
        guard var group = state.groups[name] else { return }
        let topics = Set(group.members.values.flatMap(\.topics))
        var target: [Int: Set<TopicPartition>] = [:]
        for topicName in topics.sorted() {
            guard let topic = state.topics[topicName] else { continue }
            let partitions = (0..<Int32(topic.partitions.count)).map { TopicPartition(topicName, $0) }
            let members = group.members.filter { $0.value.topics.contains(topicName) }.map(\.key)
            let current = group.members.mapValues { $0.assigned.filter { $0.topic == topicName } }
            for (member, owned) in StickyAssignor.assign(partitions: partitions, current: current, members: members) {
                target[member, default: []].formUnion(owned)
            }
        }
        for (id, var member) in group.members {
            let new = target[id] ?? []
            let revoked = member.assigned.subtracting(new)
            let added = new.subtracting(member.assigned)
            if !revoked.isEmpty {
                member.events.append(.revoked(revoked.sorted()))
                for tp in revoked { member.positions[tp] = nil }
            }
            if !added.isEmpty {
                member.events.append(.assigned(added.sorted()))
                for tp in added { member.positions[tp] = group.committed[tp] ?? 0 }
            }
            member.assigned = new
            group.members[id] = member
        }
        state.groups[name] = group
    }

    func poll(group: String, member id: Int, maxRecords: Int, timeout: Duration) async throws(TransportError)
        -> [ConsumerEvent]
    {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while true {
            let (events, generation) = try state.withLock {
                (state: inout State) throws(TransportError) -> ([ConsumerEvent], UInt64) in
                guard var member = state.groups[group]?.members[id] else {
                    throw TransportError(.closed, "consumer of group \(group) is closed")
                }
                var out = member.events
                member.events.removeAll()
                if !member.paused, !member.assigned.isEmpty {
                    let owned = member.assigned.sorted()
                    member.fairness &+= 1
                    var budget = maxRecords
                    for step in 0..<owned.count where budget > 0 {
                        let tp = owned[(member.fairness + step) % owned.count]
                        guard let log = state.topics[tp.topic]?.partitions[Int(tp.partition)] else { continue }
                        var index = log.firstIndex(atOrAfter: member.positions[tp] ?? 0)
                        while index < log.records.count && budget > 0 {
                            let r = log.records[index]
                            out.append(
                                .record(
                                    ConsumedRecord(
                                        topic: tp.topic, partition: tp.partition, offset: r.offset, key: r.key,
                                        value: r.value, timestampMs: r.timestampMs)))
                            member.positions[tp] = r.offset + 1
                            index += 1
                            budget -= 1
                        }
                    }
                }
                state.groups[group]?.members[id] = member
                return (out, signal.generation)
            }
            if !events.isEmpty { return events }
            let remaining = deadline - clock.now
            if remaining <= .zero || Task.isCancelled { return [] }
            await signal.wait(since: generation, timeout: remaining)
        }
    }

    func acknowledge(group: String, member id: Int, _ record: ConsumedRecord) throws(TransportError) {
        let wake = try state.withLock { (state: inout State) throws(TransportError) -> Bool in
            guard let member = state.groups[group]?.members[id] else {
                throw TransportError(.closed, "consumer of group \(group) is closed")
            }
            guard member.assigned.contains(record.topicPartition) else {
                throw TransportError(
                    .notAssigned, "\(record.topicPartition) is no longer assigned to this member", isRetriable: false)
            }
            state.groups[group]?.committed[record.topicPartition] = record.offset + 1
            return state.blockedPublishers > 0
        }
        if wake { signal.notify() }
    }

    func setPaused(group: String, member id: Int, _ paused: Bool) throws(TransportError) {
        try state.withLock { (state: inout State) throws(TransportError) in
            guard state.groups[group]?.members[id] != nil else {
                throw TransportError(.closed, "consumer of group \(group) is closed")
            }
            state.groups[group]?.members[id]?.paused = paused
        }
        if !paused { signal.notify() }
    }

    func assignment(group: String, member id: Int) throws(TransportError) -> Set<TopicPartition> {
        try state.withLock { (state: inout State) throws(TransportError) in
            guard let member = state.groups[group]?.members[id] else {
                throw TransportError(.closed, "consumer of group \(group) is closed")
            }
            return member.assigned
        }
    }

    /// Committed offset against log end for every partition assigned to the member.
    func lag(group: String, member id: Int) throws(TransportError) -> [PartitionLag] {
        try state.withLock { (state: inout State) throws(TransportError) in
            guard let groupState = state.groups[group], let member = groupState.members[id] else {
                throw TransportError(.closed, "consumer of group \(group) is closed")
            }
            return member.assigned.sorted().compactMap { tp in
                guard let topic = state.topics[tp.topic], Int(tp.partition) < topic.partitions.count else { return nil }
                let log = topic.partitions[Int(tp.partition)]
                let start = log.head < log.records.count ? log.records[log.head].offset : log.nextOffset
                return PartitionLag(
                    topicPartition: tp, position: groupState.committed[tp] ?? start, highWatermark: log.nextOffset)
            }
        }
    }

    // MARK: Compacted readers

    /// Records of `topic` at or after `positions` (all partitions), at most `maxRecords`, and
    /// the end offsets at the time of the read.
    func read(topic: String, from positions: [Int64], maxRecords: Int) -> (
        records: [ConsumedRecord], ends: [Int64], generation: UInt64
    ) {
        state.withLock { state in
            guard let t = state.topics[topic] else { return ([], [], signal.generation) }
            var out: [ConsumedRecord] = []
            for (p, log) in t.partitions.enumerated() {
                var index = log.firstIndex(atOrAfter: p < positions.count ? positions[p] : 0)
                while index < log.records.count && out.count < maxRecords {
                    let r = log.records[index]
                    out.append(
                        ConsumedRecord(
                            topic: topic, partition: Int32(p), offset: r.offset, key: r.key, value: r.value,
                            timestampMs: r.timestampMs))
                    index += 1
                }
            }
            return (out, t.partitions.map(\.nextOffset), signal.generation)
        }
    }
}
