import PalisadePolicy
import ServiceLifecycle
import Synchronization

/// What the dashboard remembers between page views, in memory: samples of the aggregator's
/// counters (for requests/s: the aggregator receives one verdict per request) and decisions that
/// ended (expired or lifted; the database keeps only the active set and the operators' audit).
final class DashboardHistory: Sendable {
    struct Sample: Sendable, Equatable {
        var at: Int64
        var verdicts: Int
        var observations: Int
    }

    struct Ended: Sendable, Equatable {
        var decision: Decision
        var endedAt: Int64
        /// `expired` when its expiry had passed, else `lifted` (by an operator or replaced).
        var how: String
    }

    private struct State {
        var samples: [Sample] = []
        var ended: [Ended] = []
        var active: [String: Decision] = [:]
        var primed = false
        /// When the verdict counter last grew.
        var lastVerdictAt: Int64?
    }

    let sampleCapacity: Int
    let endedCapacity: Int
    private let state = Mutex(State())

    init(sampleCapacity: Int = 720, endedCapacity: Int = 200) {
        self.sampleCapacity = sampleCapacity
        self.endedCapacity = endedCapacity
    }

    /// Records a sample and, when given, the decision set seen at its time.
    func record(_ sample: Sample, decisions: [Decision]?) {
        state.withLock { s in
            if let last = s.samples.last, sample.verdicts > last.verdicts { s.lastVerdictAt = sample.at }
            if s.samples.isEmpty, sample.verdicts > 0 { s.lastVerdictAt = sample.at }
            s.samples.append(sample)
            if s.samples.count > sampleCapacity { s.samples.removeFirst(s.samples.count - sampleCapacity) }
            guard let decisions else { return }
            var current: [String: Decision] = [:]
            for d in decisions { current[d.key] = d }
            if s.primed {
                for (key, old) in s.active where current[key] == nil {
                    s.ended.append(
                        Ended(decision: old, endedAt: sample.at, how: old.expiresAt <= sample.at ? "expired" : "lifted")
                    )
                }
                if s.ended.count > endedCapacity { s.ended.removeFirst(s.ended.count - endedCapacity) }
            }
            s.active = current
            s.primed = true
        }
    }

    var samples: [Sample] { state.withLock { $0.samples } }
    /// Newest first.
    var ended: [Ended] { state.withLock { $0.ended.reversed() } }
    var lastVerdictAt: Int64? { state.withLock { $0.lastVerdictAt } }

    /// Requests per second between consecutive samples at or after `from`: (time, rate).
    func requestRates(from: Int64) -> [(at: Int64, rate: Double)] {
        let samples = self.samples
        var out: [(at: Int64, rate: Double)] = []
        for (a, b) in zip(samples, samples.dropFirst()) where b.at >= from && b.at > a.at {
            out.append((b.at, Double(max(0, b.verdicts - a.verdicts)) * 1_000 / Double(b.at - a.at)))
        }
        return out
    }
}

/// Samples the aggregator for ``DashboardHistory`` every `intervalMs` until shutdown (the
/// decision set only when its version moved).
final class DashboardSampler: Service, Sendable {
    let core: AggregatorCore
    let history: DashboardHistory
    let clock: MillisClock
    let intervalMs: Int
    private let lastVersion = Mutex<DecisionVersion?>(nil)

    init(core: AggregatorCore, history: DashboardHistory, clock: @escaping MillisClock, intervalMs: Int) {
        self.core = core
        self.history = history
        self.clock = clock
        self.intervalMs = intervalMs
    }

    func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            await sample()
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .milliseconds(self.intervalMs)) }
        }
    }

    func sample() async {
        let counters = await core.counters
        let version = await core.version
        var decisions: [Decision]?
        if lastVersion.withLock({ $0 }) != version {
            decisions = await core.decisions
            lastVersion.withLock { $0 = version }
        }
        history.record(
            .init(at: clock(), verdicts: counters.verdicts, observations: counters.observations), decisions: decisions)
    }
}
