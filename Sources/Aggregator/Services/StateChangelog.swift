import PalisadeLearn
import PalisadePolicy
import PalisadeTransport

/// The behaviour part of the aggregator's state changelog (`palisade.aggregator-state`,
/// compacted): what lets another aggregator of the group take over a verdict partition with its
/// behaviour windows and de-duplication intact (README "Several aggregators").
///
/// Every batch of verdicts adds, per partition, one record: key
/// `behaviour/<partition>/<offset of the first new verdict, 20 digits>/<epoch of the writer>`,
/// value = the batch's behaviour events (``BehaviourEvent/encode(_:)``, with their request ids).
/// The windows are a function of the events inside the longest window + cooldown, so the live
/// records of a partition are those of the last `spanMs`; older ones are tombstoned by the
/// owner (compaction then drops them). The new owner of a partition reads the topic, replays
/// the partition's events it has not seen (by request id) through the detectors, and marks
/// them seen: windows continue where the previous owner left them, redelivered verdicts count
/// nothing twice.
///
/// The catalog part: each catalog flush adds, per host+method tree it rewrote, a record
/// `catalog/<observation partition>/<METHOD host>` → the tree as SQLite stores it
/// (`EndpointCatalog.treeSnapshot`), before the observations are acknowledged. The new owner of
/// an observation partition adopts its trees; the previous one drops them.
///
/// A value type used by one task (the record consumer).
struct StateChangelog {
    let topic: String
    let epoch: String
    let spanMs: Int64
    /// Live keys of each owned partition → the newest event time (ms) in their record.
    private(set) var live: [Int32: [String: Int64]] = [:]
    /// The same keys by that time, so that expiring looks at the expired keys only (not at every
    /// live key with every batch).
    private var byTime: [Int32: TimeOrderedKeys] = [:]

    init(topic: String, epoch: String, spanMs: Int64) {
        self.topic = topic
        self.epoch = epoch
        self.spanMs = spanMs
    }

    static let prefix = "behaviour/"

    static func key(partition: Int32, offset: Int64, epoch: String) -> String {
        let digits = String(max(0, offset))
        return "\(prefix)\(partition)/\(String(repeating: "0", count: max(0, 20 - digits.count)))\(digits)/\(epoch)"
    }

    /// The partition and offset of a behaviour key; nil for other keys.
    static func parse(_ key: String) -> (partition: Int32, offset: Int64)? {
        guard key.hasPrefix(prefix) else { return nil }
        let parts = key.dropFirst(prefix.count).split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 3, let partition = Int32(parts[0]), let offset = Int64(parts[1]) else { return nil }
        return (partition, offset)
    }

    /// The records for the new events of a batch (one per partition, events in order) and
    /// tombstones for the owned keys whose events all left the span.
    mutating func records(
        for fresh: [(partition: Int32, offset: Int64, event: BehaviourEvent)], now: Int64
    ) -> [OutgoingRecord] {
        var byPartition: [Int32: (offset: Int64, events: [BehaviourEvent])] = [:]
        for item in fresh {
            var entry = byPartition[item.partition] ?? (item.offset, [])
            entry.offset = min(entry.offset, item.offset)
            entry.events.append(item.event)
            byPartition[item.partition] = entry
        }
        var out: [OutgoingRecord] = []
        for (partition, entry) in byPartition.sorted(by: { $0.key < $1.key }) {
            let key = Self.key(partition: partition, offset: entry.offset, epoch: epoch)
            setLive(partition, key, ts: entry.events.map(\.ts).max() ?? now)
            out.append(OutgoingRecord(topic: topic, key: key, value: BehaviourEvent.encode(entry.events)))
        }
        return out + expired(now: now)
    }

    /// Tombstones for owned keys whose newest event is older than the span (forgotten here).
    mutating func expired(now: Int64) -> [OutgoingRecord] {
        let cutoff = now - spanMs
        var out: [OutgoingRecord] = []
        for partition in byTime.keys.sorted() {
            // entries of keys set again since (another time, or forgotten) are skipped
            let old = byTime[partition, default: .init()].removeOlder(than: cutoff).filter {
                live[partition]?[$0.key] == $0.ts
            }
            for key in old.map(\.key).sorted() {
                live[partition]?[key] = nil
                out.append(OutgoingRecord(topic: topic, key: key, value: nil))
            }
        }
        return out
    }

    private mutating func setLive(_ partition: Int32, _ key: String, ts: Int64) {
        live[partition, default: [:]][key] = ts
        byTime[partition, default: .init()].insert(key, ts: ts)
    }

    /// The events of `partitions` in `view` (the topic read to its end), oldest record first; the
    /// keys become owned. Returns the events and how many records did not decode (skipped).
    mutating func restore(from view: [[UInt8]: [UInt8]], partitions: Set<Int32>) -> (
        events: [BehaviourEvent], damaged: Int
    ) {
        var found: [(offset: Int64, key: String, events: [BehaviourEvent])] = []
        var damaged = 0
        for (rawKey, value) in view {
            let key = String(decoding: rawKey, as: UTF8.self)
            guard let (partition, offset) = Self.parse(key), partitions.contains(partition) else { continue }
            do {
                let events = try BehaviourEvent.decode(value)
                found.append((offset, key, events))
                setLive(partition, key, ts: events.map(\.ts).max() ?? 0)
            } catch {
                damaged += 1
            }
        }
        found.sort { ($0.offset, $0.key) < ($1.offset, $1.key) }
        return (found.flatMap(\.events), damaged)
    }

    static let catalogPrefix = "catalog/"
    /// Largest tree record written (Kafka's default `message.max.bytes` is 1 MiB); larger trees
    /// stay local (counted, logged) and the next owner learns them anew.
    static let maxTreeBytes = 900_000

    static func treeKey(partition: Int32, tree: EndpointCatalog.HostMethod) -> String {
        "\(catalogPrefix)\(partition)/\(tree.method) \(tree.host)"
    }

    /// Records for the trees a catalog flush wrote, those of owned partitions only (a tree whose
    /// partition moved is the new owner's); returns them and the trees too large to write.
    func treeRecords(
        _ parts: [(tree: EndpointCatalog.HostMethod, part: String?)], partitionOf: [EndpointCatalog.HostMethod: Int32],
        owned: Set<Int32>
    ) -> (records: [OutgoingRecord], tooLarge: Int) {
        var records: [OutgoingRecord] = []
        var tooLarge = 0
        for (tree, part) in parts {
            guard let part, let partition = partitionOf[tree], owned.contains(partition) else { continue }
            guard part.utf8.count <= Self.maxTreeBytes else {
                tooLarge += 1
                continue
            }
            records.append(
                OutgoingRecord(
                    topic: topic, key: Self.treeKey(partition: partition, tree: tree), value: Array(part.utf8)))
        }
        return (records, tooLarge)
    }

    static let checkpointPrefix = "catalog-offset/"

    /// For each partition: the offset of the last observation the trees written so far hold. The
    /// next owner skips (acknowledges without learning) the partition's records up to it, which
    /// were learned already even if their offsets were never committed.
    func checkpointRecords(_ offsets: [Int32: Int64]) -> [OutgoingRecord] {
        offsets.sorted { $0.key < $1.key }.map {
            OutgoingRecord(topic: topic, key: "\(Self.checkpointPrefix)\($0.key)", value: Array(String($0.value).utf8))
        }
    }

    /// The checkpoints of `partitions` in `view`.
    static func checkpoints(in view: [[UInt8]: [UInt8]], partitions: Set<Int32>) -> [Int32: Int64] {
        var out: [Int32: Int64] = [:]
        for partition in partitions {
            guard let value = view[Array("\(checkpointPrefix)\(partition)".utf8)],
                let offset = Int64(String(decoding: value, as: UTF8.self))
            else { continue }
            out[partition] = offset
        }
        return out
    }

    /// The tree parts of `partitions` in `view`, with their partition.
    static func trees(in view: [[UInt8]: [UInt8]], partitions: Set<Int32>) -> [(partition: Int32, part: [UInt8])] {
        var out: [(partition: Int32, part: [UInt8])] = []
        for (rawKey, value) in view {
            let key = String(decoding: rawKey, as: UTF8.self)
            guard key.hasPrefix(catalogPrefix),
                let slash = key.dropFirst(catalogPrefix.count).firstIndex(of: "/"),
                let partition = Int32(key[key.index(key.startIndex, offsetBy: catalogPrefix.count)..<slash]),
                partitions.contains(partition)
            else { continue }
            out.append((partition, value))
        }
        return out
    }

    /// Partitions moved to another member: their keys are the new owner's to expire.
    mutating func forget(_ partitions: [Int32]) {
        for partition in partitions {
            live[partition] = nil
            byTime[partition] = nil
        }
    }
}

/// Keys in ascending order of a time, for taking those older than a cutoff without looking at
/// the others. Times mostly arrive in order (then a key is appended).
struct TimeOrderedKeys {
    private var items: [(ts: Int64, key: String)] = []
    /// Items before it are taken.
    private var start = 0

    mutating func insert(_ key: String, ts: Int64) {
        var index = items.endIndex
        if let last = items.last, last.ts > ts {
            var low = start
            while low < index {
                let middle = (low + index) / 2
                if items[middle].ts <= ts { low = middle + 1 } else { index = middle }
            }
        }
        items.insert((ts, key), at: index)
    }

    /// Removes and returns the keys whose time is below `cutoff`, oldest first.
    mutating func removeOlder(than cutoff: Int64) -> [(ts: Int64, key: String)] {
        var end = start
        while end < items.endIndex, items[end].ts < cutoff { end += 1 }
        let taken = Array(items[start..<end])
        start = end
        if start >= 64, start * 2 >= items.count {
            items.removeFirst(start)
            start = 0
        }
        return taken
    }
}
