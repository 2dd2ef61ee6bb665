import CRdKafka
import Logging
import PalisadeTransport
import Synchronization

/// Serves a group consumer's rebalance callback (it runs inside `rd_kafka_consumer_poll`, on
/// the consumer's blocking executor): applies the assignment change — incrementally under the
/// cooperative protocol — and queues `assigned` / `revoked` events for the next poll.
///
/// Offsets: when partitions are revoked, the stored (acknowledged) offsets are committed
/// (asynchronously, so the next owner usually starts right after the last acknowledged record;
/// a commit that loses the race means redelivery, not loss); between
/// rebalances auto-commit commits them periodically (`enable.auto.commit=true` with
/// `enable.auto.offset.store=false` commits only what was acknowledged).
final class RebalanceHandler: Sendable {
    private struct State {
        var events: [ConsumerEvent] = []
        var assigned: Set<TopicPartition> = []
        var paused = false
    }

    private let state = Mutex(State())
    /// Whether `state.events` holds events: read after every `rd_kafka_consumer_poll` (once per
    /// record) without taking the lock. Set under the lock when events are queued, cleared when
    /// they are taken.
    private let pending = Atomic<Bool>(false)
    private let logger: Logger

    init(logger: Logger) {
        self.logger = logger
    }

    func handle(
        _ handle: OpaquePointer, _ err: rd_kafka_resp_err_t,
        _ partitions: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?
    ) {
        let cooperative = rd_kafka_rebalance_protocol(handle).map { String(cString: $0) } == "COOPERATIVE"
        let changed = RDKafkaPartitionList.partitions(partitions)
        switch err {
        case RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS:
            if cooperative {
                if let error = rd_kafka_incremental_assign(handle, partitions) {
                    logger.info(
                        "incremental assign failed",
                        metadata: ["error": "\(TransportError.rdKafka(error: error, "assign"))"])
                }
            } else {
                _ = rd_kafka_assign(handle, partitions)
            }
            let paused = state.withLock { state in
                state.assigned.formUnion(changed)
                state.events.append(.assigned(changed.sorted()))
                pending.store(true, ordering: .releasing)
                return state.paused
            }
            if paused, let partitions { _ = rd_kafka_pause_partitions(handle, partitions) }
            logger.debug("partitions assigned", metadata: ["partitions": "\(changed.sorted())"])
        case RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS:
            // Commit what was acknowledged before the partitions go. Asynchronously: the offsets
            // are taken now, and the callback must not block on a coordinator that may be down
            // (a commit that fails means redelivery to the next owner, never loss).
            if rd_kafka_assignment_lost(handle) == 0 {
                let err = rd_kafka_commit(handle, nil, 1)
                if err != RD_KAFKA_RESP_ERR_NO_ERROR && err != RD_KAFKA_RESP_ERR__NO_OFFSET {
                    logger.info(
                        "commit on revocation failed", metadata: ["error": "\(TransportError.rdKafka(err, "commit"))"])
                }
            }
            if cooperative {
                if let error = rd_kafka_incremental_unassign(handle, partitions) {
                    logger.info(
                        "incremental unassign failed",
                        metadata: ["error": "\(TransportError.rdKafka(error: error, "unassign"))"])
                }
            } else {
                _ = rd_kafka_assign(handle, nil)
            }
            state.withLock { state in
                state.assigned.subtract(changed)
                state.events.append(.revoked(changed.sorted()))
                pending.store(true, ordering: .releasing)
            }
            logger.debug("partitions revoked", metadata: ["partitions": "\(changed.sorted())"])
        default:
            logger.info("rebalance error", metadata: ["error": "\(TransportError.rdKafka(err, "rebalance"))"])
            _ = rd_kafka_assign(handle, nil)
            let lost = state.withLock { state in
                defer { state.assigned.removeAll() }
                return state.assigned
            }
            if !lost.isEmpty {
                state.withLock { state in
                    state.events.append(.revoked(lost.sorted()))
                    pending.store(true, ordering: .releasing)
                }
            }
        }
    }

    func takeEvents() -> [ConsumerEvent] {
        state.withLock { state in
            pending.store(false, ordering: .relaxed)
            defer { state.events.removeAll() }
            return state.events
        }
    }

    /// Whether events wait to be taken (a cheap check before ``takeEvents()``).
    var hasEvents: Bool { pending.load(ordering: .acquiring) }

    var assigned: Set<TopicPartition> { state.withLock { $0.assigned } }

    func setPaused(_ paused: Bool) {
        state.withLock { $0.paused = paused }
    }
}
