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
/// A value type used by one task (the record consumer).
struct StateChangelog {
    let topic: String
    let epoch: String
    let spanMs: Int64
    /// Live keys of each owned partition → the newest event time (ms) in their record.
    private(set) var live: [Int32: [String: Int64]] = [:]

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
            live[partition, default: [:]][key] = entry.events.map(\.ts).max() ?? now
            out.append(OutgoingRecord(topic: topic, key: key, value: BehaviourEvent.encode(entry.events)))
        }
        return out + expired(now: now)
    }

    /// Tombstones for owned keys whose newest event is older than the span (forgotten here).
    mutating func expired(now: Int64) -> [OutgoingRecord] {
        let cutoff = now - spanMs
        var out: [OutgoingRecord] = []
        for partition in live.keys.sorted() {
            let old = live[partition, default: [:]].filter { $0.value < cutoff }.keys.sorted()
            for key in old {
                live[partition]?[key] = nil
                out.append(OutgoingRecord(topic: topic, key: key, value: nil))
            }
        }
        return out
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
                live[partition, default: [:]][key] = events.map(\.ts).max() ?? 0
            } catch {
                damaged += 1
            }
        }
        found.sort { ($0.offset, $0.key) < ($1.offset, $1.key) }
        return (found.flatMap(\.events), damaged)
    }

    /// Partitions moved to another member: their keys are the new owner's to expire.
    mutating func forget(_ partitions: [Int32]) {
        for partition in partitions { live[partition] = nil }
    }
}
