import Logging
import PalisadePolicy
import PalisadeTransport
import ServiceLifecycle

/// Follows `palisade.decisions` and merges what every aggregator of the group publishes into
/// this one's store (``AggregatorCore/importDecisions(_:now:)``), so each aggregator serves all
/// decisions — not only those it made — to the gateways' long-polls, in its own epoch.
///
/// At start it reads the topic to its end (retried with a fresh reader until it succeeds or the
/// service stops), then follows new records. Keys holding expired decisions, or decisions lifted
/// here, are tombstoned (what the single aggregator used to do at start).
struct DecisionImportService: Service {
    let core: AggregatorCore
    let makeReader: @Sendable () throws -> any CompactedTopicReader
    let codec: any DecisionCodec
    let config: AggregatorConfiguration
    let clock: MillisClock
    let logger: Logger
    let errorLog = RateLimitedLog()

    func run() async throws {
        var reader: (any CompactedTopicReader)?
        while reader == nil && !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                let fresh = try makeReader()
                do {
                    let view = try await fresh.catchUp(timeout: .milliseconds(config.stateRestoreTimeoutMs))
                    await applySnapshot(view)
                    reader = fresh
                } catch {
                    await fresh.close()
                    throw error
                }
            } catch {
                logger.warning("reading palisade.decisions failed; retrying", metadata: ["error": "\(error)"])
                try? await Task.sleep(for: .seconds(1))
            }
        }
        guard let reader else { return }
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                let records = try await reader.poll(
                    maxRecords: config.pollMaxRecords, timeout: .milliseconds(config.pollTimeoutMs))
                if !records.isEmpty { await apply(records.map { ($0.key ?? [], $0.value) }) }
            } catch {
                if error.code == .closed { break }
                if let skipped = errorLog.shouldLog() {
                    logger.warning(
                        "following palisade.decisions failed",
                        metadata: ["error": "\(error)", "unlogged": "\(skipped)"])
                }
                try? await Task.sleep(for: .milliseconds(500))
            }
        }
        await reader.close()
    }

    /// The topic as read at start: merged, and restored decisions it no longer holds removed.
    private func applySnapshot(_ view: [[UInt8]: [UInt8]]) async {
        var items: [(key: String, decision: Decision)] = []
        for (rawKey, value) in view {
            if let decision = decode(rawKey, value) {
                items.append((String(decoding: rawKey, as: UTF8.self), decision))
            }
        }
        do {
            let stale = try await core.importDecisionSnapshot(items, now: clock())
            if !stale.isEmpty { await core.tombstoneStale(keys: stale) }
            logger.info("decisions of the group read", metadata: ["decisions": "\(items.count)"])
        } catch {
            logger.error("storing decisions of other aggregators failed", metadata: ["error": "\(error)"])
        }
    }

    private func decode(_ key: [UInt8], _ value: [UInt8]) -> Decision? {
        do {
            return try codec.decode(value)
        } catch {
            core.metrics.malformed.increment()
            if let skipped = errorLog.shouldLog() {
                logger.info(
                    "skipped a malformed decision record",
                    metadata: [
                        "key": "\(String(decoding: key, as: UTF8.self))", "error": "\(error)", "unlogged": "\(skipped)",
                    ])
            }
            return nil
        }
    }

    private func apply(_ records: [(key: [UInt8], value: [UInt8]?)]) async {
        var items: [(key: String, decision: Decision?)] = []
        for record in records {
            let key = String(decoding: record.key, as: UTF8.self)
            guard let value = record.value else {
                items.append((key, nil))
                continue
            }
            if let decision = decode(record.key, value) { items.append((key, decision)) }
        }
        do {
            let stale = try await core.importDecisions(items, now: clock())
            if !stale.isEmpty { await core.tombstoneStale(keys: stale) }
        } catch {
            if let skipped = errorLog.shouldLog() {
                logger.error(
                    "storing decisions of other aggregators failed",
                    metadata: ["error": "\(error)", "unlogged": "\(skipped)"])
            }
        }
    }
}
