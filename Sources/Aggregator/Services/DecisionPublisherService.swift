import Logging
import PalisadePolicy
import PalisadeTransport
import ServiceLifecycle

/// Publishes decision changes to `palisade.decisions` (compacted, key `scope:value`, tombstone on
/// lift or expiry) from the core's outbox. At start it reads the topic and tombstones keys the
/// restored store no longer has; what fails to publish is retried with backoff. Shuts the
/// producer down (flushing) last.
struct DecisionPublisherService: Service {
    let core: AggregatorCore
    let producer: any TransportProducer
    let reader: (any CompactedTopicReader)?
    let doorbell: AsyncStream<Void>
    let codec: any DecisionCodec
    let config: AggregatorConfiguration
    let logger: Logger
    let errorLog = RateLimitedLog()

    func run() async throws {
        let topic = config.topic(.decisions)
        if let reader {
            do {
                let view = try await reader.catchUp(timeout: .seconds(10))
                let keys = view.keys.map { String(decoding: $0, as: UTF8.self) }
                await core.tombstoneStale(keys: keys)
            } catch {
                logger.warning("could not read the decisions topic to clean it", metadata: ["error": "\(error)"])
            }
            await reader.close()
        }
        var backoff = Duration.milliseconds(100)
        for await _ in doorbell.cancelOnGracefulShutdown() {
            while true {
                let items = await core.takeOutbox()
                if items.isEmpty { break }
                if await publish(items, topic: topic) {
                    backoff = .milliseconds(100)
                } else {
                    try? await Task.sleep(for: backoff)
                    backoff = min(backoff * 2, .seconds(5))
                    if Task.isCancelled || Task.isShuttingDownGracefully { break }
                }
            }
        }
        // last drain, bounded
        let items = await core.takeOutbox()
        if !items.isEmpty { _ = await publish(items, topic: topic) }
        await producer.shutdown(timeout: .seconds(5))
    }

    /// True when everything went out; failures are put back into the outbox.
    private func publish(_ items: [(key: String, decision: Decision?)], topic: String) async -> Bool {
        let records = items.map { OutgoingRecord(topic: topic, key: $0.key, value: $0.decision.map(codec.encode)) }
        let results = await producer.send(batch: records)
        let (failed, firstError) = failures(of: items, results)
        core.metrics.decisionsPublished.increment(by: items.count - failed.count)
        guard !failed.isEmpty else { return true }
        core.metrics.publishErrors.increment(by: failed.count)
        await core.requeue(failed)
        if let skipped = errorLog.shouldLog() {
            logger.warning(
                "decisions not published yet; retrying",
                metadata: [
                    "failed": "\(failed.count)", "error": "\(firstError.map { "\($0)" } ?? "")",
                    "unlogged": "\(skipped)",
                ])
        }
        return false
    }
}

/// The items whose record failed to send (`results` in the batch's order), and the first error.
func failures<Item>(
    of items: [Item], _ results: [Result<DeliveryReceipt, TransportError>]
) -> (items: [Item], firstError: TransportError?) {
    var failed: [Item] = []
    var firstError: TransportError?
    for (item, result) in zip(items, results) {
        if case .failure(let error) = result {
            failed.append(item)
            firstError = firstError ?? error
        }
    }
    return (failed, firstError)
}
