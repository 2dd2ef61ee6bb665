import Logging
import Synchronization

/// A decoded record: the raw record (to acknowledge) and its value.
public struct DecodedRecord<Value: Sendable>: Sendable {
    public var record: ConsumedRecord
    public var value: Value
}

/// What ``DecodingConsumer/poll(maxRecords:timeout:)`` returns.
public enum DecodedEvent<Value: Sendable>: Sendable {
    case record(DecodedRecord<Value>)
    case assigned([TopicPartition])
    case revoked([TopicPartition])
}

/// A group consumer that decodes record values and steps over the ones that do not decode.
///
/// A malformed record (bytes the decoder rejects, or a tombstone where values are expected) is
/// counted, logged (the first one at once, then at most one line per `logInterval` with the
/// count since), acknowledged so that it does not come back, and never returned. Decoding
/// errors never escape, so hostile bytes on a topic cannot stop the consumer.
public final class DecodingConsumer<Value: Sendable>: Sendable {
    public let consumer: any GroupConsumer
    private let decode: @Sendable ([UInt8]) throws -> Value
    private let logger: Logger
    private let logInterval: Duration
    private let malformed = Atomic<Int>(0)
    private let logState = Mutex<(last: ContinuousClock.Instant?, suppressed: Int)>((nil, 0))

    public init(
        consumer: any GroupConsumer, logger: Logger, logInterval: Duration = .seconds(10),
        decode: @escaping @Sendable ([UInt8]) throws -> Value
    ) {
        self.consumer = consumer
        self.decode = decode
        self.logger = logger
        self.logInterval = logInterval
    }

    /// Records skipped because they did not decode, since this consumer was made.
    public var malformedCount: Int { malformed.load(ordering: .relaxed) }

    public func poll(maxRecords: Int, timeout: Duration) async throws(TransportError) -> [DecodedEvent<Value>] {
        let events = try await consumer.poll(maxRecords: maxRecords, timeout: timeout)
        var out: [DecodedEvent<Value>] = []
        out.reserveCapacity(events.count)
        for event in events {
            switch event {
            case .assigned(let partitions): out.append(.assigned(partitions))
            case .revoked(let partitions): out.append(.revoked(partitions))
            case .record(let record):
                do {
                    guard let bytes = record.value else { throw TombstoneError() }
                    out.append(.record(DecodedRecord(record: record, value: try decode(bytes))))
                } catch {
                    skip(record, error)
                }
            }
        }
        return out
    }

    public func acknowledge(_ record: ConsumedRecord) throws(TransportError) {
        try consumer.acknowledge(record)
    }

    private struct TombstoneError: Error, CustomStringConvertible {
        var description: String { "tombstone (no value)" }
    }

    private func skip(_ record: ConsumedRecord, _ error: any Error) {
        malformed.add(1, ordering: .relaxed)
        try? consumer.acknowledge(record)
        let now = ContinuousClock.now
        let suppressed: Int? = logState.withLock { state in
            if let last = state.last, now - last < logInterval {
                state.suppressed += 1
                return nil
            }
            defer {
                state.last = now
                state.suppressed = 0
            }
            return state.suppressed
        }
        guard let suppressed else { return }
        logger.info(
            "skipped a malformed record",
            metadata: [
                "topic": "\(record.topic)", "partition": "\(record.partition)", "offset": "\(record.offset)",
                "error": "\(error)", "malformed_total": "\(malformedCount)",
                "malformed_unlogged": "\(suppressed)",
            ])
    }
}
