import Logging
import PalisadeLearn
import PalisadeRecords
import PalisadeTransport
import ServiceLifecycle

/// On a timer: expires decisions (at the earliest expiry, at the latest every tick), publishes
/// baselines to `palisade.baselines` (compacted; tombstones for endpoints gone), and applies the
/// retention limits. It follows the baselines topic, so that versions keep increasing across
/// restarts and when another aggregator of the group published an endpoint's baseline last.
struct HousekeepingService: Service {
    let core: AggregatorCore
    let producer: any TransportProducer
    let baselineReader: (any CompactedTopicReader)?
    let codec: any BaselineCodec
    let config: AggregatorConfiguration
    let clock: MillisClock
    let logger: Logger
    let errorLog = RateLimitedLog()

    func run() async throws {
        let following = await restoreBaselines()
        let baselineTopic = config.topic(.baselines)
        var ticks = 0
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            let now = clock()
            var wait = Int64(config.tickIntervalMs)
            if let next = await core.nextExpiry { wait = max(1, min(wait, next - now + 1)) }
            try? await Task.sleep(for: .milliseconds(wait))
            guard !Task.isCancelled else { break }
            if let following { await follow(following) }
            do {
                let actions = try await core.tick(now: clock())
                if !actions.isEmpty { await publish(actions, topic: baselineTopic) }
                ticks += 1
                if ticks % max(1, 60_000 / config.tickIntervalMs) == 0 {
                    let dropped = try await core.trimRetention(now: clock())
                    if dropped > 0 { logger.info("attack retention applied", metadata: ["dropped": "\(dropped)"]) }
                }
            } catch {
                if let skipped = errorLog.shouldLog() {
                    logger.error("housekeeping failed", metadata: ["error": "\(error)", "unlogged": "\(skipped)"])
                }
            }
        }
        await following?.close()
    }

    /// Reads the baselines topic to its end; returns the reader to follow it with (nil when it
    /// could not be read: versions then restart, as before).
    private func restoreBaselines() async -> (any CompactedTopicReader)? {
        guard let reader = baselineReader else { return nil }
        do {
            let view = try await reader.catchUp(timeout: .seconds(10))
            let restored = view.values.compactMap { try? codec.decode($0) }
            await core.restoreBaselines(restored)
            logger.info("baselines restored from the compacted topic", metadata: ["count": "\(restored.count)"])
            return reader
        } catch {
            logger.warning("could not read the baselines topic; versions restart", metadata: ["error": "\(error)"])
        }
        await reader.close()
        return nil
    }

    /// Baselines published since (by any aggregator): newer versions are taken as the last ones.
    private func follow(_ reader: any CompactedTopicReader) async {
        guard let records = try? await reader.poll(maxRecords: 1_000, timeout: .milliseconds(1)), !records.isEmpty
        else { return }
        await core.restoreBaselines(records.compactMap { $0.value.flatMap { try? codec.decode($0) } })
    }

    private func publish(_ actions: [BaselinePublisher.Action], topic: String) async {
        let records = actions.map { action -> OutgoingRecord in
            switch action {
            case .publish(let baseline):
                OutgoingRecord(topic: topic, key: baseline.endpoint.baselineRecordKey, value: codec.encode(baseline))
            case .tombstone(let key):
                OutgoingRecord(topic: topic, key: key.baselineRecordKey, value: nil)
            }
        }
        let results = await producer.send(batch: records)
        var failed = 0
        for result in results {
            if case .failure = result { failed += 1 }
        }
        core.metrics.baselinesPublished.increment(by: records.count - failed)
        if failed > 0 {
            core.metrics.publishErrors.increment(by: failed)
            if let skipped = errorLog.shouldLog() {
                logger.warning(
                    "baselines not published (sent again when they change)",
                    metadata: ["failed": "\(failed)", "unlogged": "\(skipped)"])
            }
        }
    }
}
