import Logging
import PalisadeCore
import PalisadeDetect
import PalisadeLearn
import PalisadePolicy

/// The aggregator's state and the only place it changes: the judgement (detectors, policy,
/// decision store), the endpoint catalog and baseline publisher, the de-duplication windows, the
/// long-poll waiters and the outbox of decisions to publish. Every change is written to SQLite
/// before the call returns, so what a caller acknowledges afterwards is durable.
public actor AggregatorCore {
    public let config: AggregatorConfiguration
    public nonisolated let database: AggregatorDatabase
    let logger: Logger
    let metrics: AggregatorMetrics

    private(set) var judgement: Judgement
    private var catalog: EndpointCatalog
    private var publisher: BaselinePublisher
    private var verdictSeen: DedupWindow
    private var observationSeen: DedupWindow
    private var recent: RecentVerdicts
    /// Observation ids learned but not yet in a persisted catalog snapshot.
    private var unsavedObservations: [String] = []
    /// A write that failed; retried before anything else is written.
    private var pendingWrite: AggregatorDatabase.Write?
    /// Behaviour events journaled since the last behaviour snapshot, and when that was (ms).
    private var journaledEvents = 0
    private var behaviourSnapshotAt: Int64
    /// Operators' template overrides (pin/split), as stored.
    private var templateOverrides: [EndpointKey: StoredTemplateOverride] = [:]

    // long-poll
    private var hub: LongPollHub<UInt64>
    private var waiters: [UInt64: WaiterState] = [:]
    private var nextWaiter: UInt64 = 0

    // decisions to publish on `palisade.decisions`: key → decision (nil = tombstone)
    private var outbox: [String: Decision?] = [:]
    private let doorbell: AsyncStream<Void>.Continuation

    public let startedAt: Int64
    public let epoch: String
    private(set) var counters = Counters()

    struct Counters: Sendable {
        var verdicts = 0
        var duplicateVerdicts = 0
        var observations = 0
        var duplicateObservations = 0
        var findings = 0
        var attacksStored = 0
        var suppressed = 0
        var rejected = 0
        var writeErrors = 0
        var baselinesPublished = 0
        var policyReloads = 0
        var policyErrors = 0
        /// Behaviour events taken over from the state changelog (another aggregator's partitions).
        var replayedVerdicts = 0
        /// Decisions and removals merged from `palisade.decisions` (other aggregators).
        var importedDecisions = 0
        /// Host+method trees taken over from the state changelog.
        var adoptedTrees = 0
    }

    enum WaiterState {
        case pending
        case waiting(CheckedContinuation<Void, Never>)
        case done
    }

    /// Restores the state from `database` (decisions in a new epoch, audit, de-duplication
    /// windows, the catalog) and applies `policy`. `republishRestored`: put the restored
    /// decisions in the outbox (one aggregator); with several, the decisions topic is read first
    /// instead (``importDecisionSnapshot(_:now:)``) — a decision lifted elsewhere meanwhile must not
    /// come back.
    public init(
        config: AggregatorConfiguration, database: AggregatorDatabase, policy: Policy, logger: Logger,
        now: Int64, doorbell: AsyncStream<Void>.Continuation, republishRestored: Bool = true
    ) throws {
        self.config = config
        self.database = database
        self.logger = logger
        self.metrics = AggregatorMetrics()
        self.doorbell = doorbell
        startedAt = now
        var storeConfig = DecisionStore.Config()
        storeConfig.historyLimit = 10_000
        epoch = DecisionEpoch.make(nowMs: now, random: UInt64.random(in: 0...UInt64.max))
        let persisted = try database.loadDecisions()
        let audit = try database.loadAudit(limit: storeConfig.auditLimit)
        let store = DecisionStore(
            restoring: persisted, audit: audit, liftGrace: try database.loadLiftGrace(now: now), epoch: epoch, now: now,
            config: storeConfig)
        let restarts = (try database.meta("starts")).flatMap { Int($0) } ?? 0
        try database.replaceDecisions(store.decisions, meta: ["epoch": epoch, "starts": String(restarts + 1)])
        var judgement = Judgement(policy: policy, store: store)
        journaledEvents = try Self.restoreBehaviour(into: &judgement, from: database, logger: logger)
        self.judgement = judgement
        behaviourSnapshotAt = now
        var restored = EndpointCatalog()
        var wholeSnapshotTrees: Set<EndpointCatalog.HostMethod> = []
        if let stored = try database.loadCatalog() {
            do {
                restored = try EndpointCatalog(snapshot: stored.snapshot, trees: stored.trees)
                // a whole snapshot (written before the catalog was stored in parts): write every
                // tree as a part at the next flush
                if stored.trees.isEmpty { wholeSnapshotTrees = Set(restored.hostMethods) }
            } catch {
                logger.error(
                    "the stored endpoint catalog does not load; starting empty", metadata: ["error": "\(error)"])
                try database.write(Self.clearedCatalog())
            }
        }
        changedTrees = wholeSnapshotTrees
        catalogDirty = !wholeSnapshotTrees.isEmpty
        var overrides: [EndpointKey: StoredTemplateOverride] = [:]
        for stored in try database.loadTemplateOverrides() { overrides[stored.key] = stored }
        Self.reconcile(&restored, with: Array(overrides.values))
        catalog = restored
        templateOverrides = overrides
        var builderConfig = BaselineConfig()
        builderConfig.minRequests = config.baselineMinRequests
        var publisherConfig = BaselinePublisher.Config()
        publisherConfig.minIntervalMs = Int64(config.baselineMinIntervalMs)
        publisher = BaselinePublisher(config: publisherConfig, builder: BaselineBuilder(config: builderConfig))
        verdictSeen = DedupWindow(
            capacity: config.dedupWindowSize, restoring: try database.loadSeen(.verdict, limit: config.dedupWindowSize))
        observationSeen = DedupWindow(
            capacity: config.dedupWindowSize,
            restoring: try database.loadSeen(.observation, limit: config.dedupWindowSize))
        recent = RecentVerdicts(capacity: config.recentVerdicts)
        var hubConfig = LongPollHub<UInt64>.Config()
        hubConfig.maxWaitMs = Int64(config.maxPollWaitSecs) * 1_000
        hubConfig.maxWaiters = config.maxPollWaiters
        hub = LongPollHub(config: hubConfig)
        var initialOutbox: [String: Decision?] = [:]
        if republishRestored {
            for decision in store.decisions { initialOutbox[decision.key] = .some(decision) }
        }
        outbox = initialOutbox
        if !initialOutbox.isEmpty { doorbell.yield() }
        logger.info(
            "aggregator state restored",
            metadata: [
                "epoch": "\(epoch)", "decisions": "\(store.count)",
                "dropped_expired": "\(persisted.count - store.count)",
                "lift_grace": "\(store.liftGraces.count)", "template_overrides": "\(overrides.count)",
            ])
    }

    /// Behaviour windows: the snapshot, then the journal replayed through the detectors. Returns
    /// the number of journaled events (they count towards the next snapshot). Damaged state is
    /// logged and the detectors start empty (decisions, attacks and de-duplication are unaffected).
    private static func restoreBehaviour(
        into judgement: inout Judgement, from database: AggregatorDatabase, logger: Logger
    ) throws -> Int {
        let (snapshot, rows) = try database.loadBehaviour()
        do {
            let journal = try rows.map(BehaviourEvent.decode)
            let events = journal.reduce(0) { $0 + $1.count }
            if try judgement.restoreBehaviour(snapshot: snapshot, journal: journal) {
                logger.info(
                    "behaviour windows restored",
                    metadata: ["snapshot_bytes": "\(snapshot?.count ?? 0)", "journal_events": "\(events)"])
            } else {
                logger.notice("behaviour settings changed since the snapshot; the detectors start over")
            }
            return events
        } catch {
            logger.error("the stored behaviour windows do not load; starting empty", metadata: ["error": "\(error)"])
            return 0
        }
    }

    /// An empty catalog replacing one that does not load (its parts would otherwise come back).
    private static func clearedCatalog() -> AggregatorDatabase.Write {
        var write = AggregatorDatabase.Write()
        write.catalogSnapshot = EndpointCatalog().snapshot()
        write.clearCatalogTrees = true
        return write
    }

    /// Makes the catalog's overrides exactly the stored ones (a catalog snapshot can be older than
    /// the last pin, split or removal).
    private static func reconcile(_ catalog: inout EndpointCatalog, with stored: [StoredTemplateOverride]) {
        let wanted = stored.map(\.override)
        for o in catalog.overrides where !wanted.contains(o) {
            catalog.removeOverride(host: o.host, method: o.method, template: o.template)
        }
        for o in wanted where !catalog.overrides.contains(o) { catalog.addOverride(o) }
    }

    // MARK: verdicts

    /// Judges verdicts not seen before, stores attacks, findings and decision changes in one
    /// transaction. Returns how many were new. On a write failure the write is kept and retried by
    /// the next call (or ``retryPendingWrite()``); the caller must not acknowledge until one
    /// succeeds.
    @discardableResult
    public func absorb(_ records: [VerdictRecord]) throws -> Int {
        let absorbed = try absorbDetailed(records)
        if let error = absorbed.writeError { throw error }
        return absorbed.fresh.count
    }

    /// What ``absorbDetailed(_:)`` did with a batch.
    public struct Absorbed: Sendable {
        /// The new (not duplicate) records: their index in the batch and their behaviour event.
        public var fresh: [(index: Int, event: BehaviourEvent)] = []
        /// Decisions the batch made or changed (already in the outbox too).
        public var upserts: [Decision] = []
        /// Set when the SQLite write failed: the batch is judged and its write kept for
        /// ``retryPendingWrite()``; acknowledge only after that succeeds.
        public var writeError: AggregatorWriteError?
    }

    /// ``absorb(_:)``, telling which records were new, with their behaviour events (for the state
    /// changelog), and the decisions made. Throws (having changed nothing) only when an earlier
    /// failed write still fails; a failure of this batch's write is reported in
    /// ``Absorbed/writeError``.
    public func absorbDetailed(_ records: [VerdictRecord]) throws -> Absorbed {
        try retryPendingWrite()
        var write = AggregatorDatabase.Write()
        var fresh = 0
        var events: [BehaviourEvent] = []
        var absorbed = Absorbed()
        for (index, record) in records.enumerated() {
            let id = record.verdict.id
            guard !id.isEmpty, verdictSeen.insert(id) else {
                counters.duplicateVerdicts += 1
                metrics.duplicates.increment()
                continue
            }
            fresh += 1
            write.seen.append((.verdict, id))
            recent.add(record)
            write.attacks += Self.attacks(of: record.verdict)
            let event = record.event(classifier: judgement.policy.authEndpoints)
            events.append(event)
            absorbed.fresh.append((index: index, event: event))
            let step = judgement.observe(event)
            counters.findings += step.findings.count
            counters.suppressed += step.suppressed.count
            for finding in step.findings { write.attacks.append(Self.attack(of: finding)) }
            for effect in step.effects {
                if case .rejected = effect { counters.rejected += 1 }
            }
            write.record(step.effects)
        }
        counters.verdicts += fresh
        metrics.verdicts.increment(by: fresh)
        counters.attacksStored += write.attacks.count
        if !events.isEmpty {
            journaledEvents += events.count
            if journaledEvents >= config.behaviourSnapshotEvents {
                write.behaviourSnapshot = judgement.behaviourSnapshot()
                write.behaviourAt = events.last?.ts ?? 0
            } else {
                write.behaviourEvents = BehaviourEvent.encode(events)
            }
        }
        absorbed.upserts = write.upserts
        do {
            try commit(write)
        } catch {
            absorbed.writeError = AggregatorWriteError(description: "\(error)")
        }
        if write.behaviourSnapshot != nil { journaledEvents = 0 }
        return absorbed
    }

    /// Behaviour events another aggregator absorbed for a partition this one now owns (read from
    /// the state changelog). Those whose request id is not known here are replayed through the
    /// detectors only (their findings and decisions were made where they first arrived), marked
    /// seen so their redelivery counts nothing, and journaled like absorbed ones. Events older
    /// than `since` (ms) are skipped. Returns how many were replayed.
    @discardableResult
    public func replay(_ events: [BehaviourEvent], since: Int64) throws -> Int {
        try retryPendingWrite()
        var write = AggregatorDatabase.Write()
        var replayed: [BehaviourEvent] = []
        for event in events.sorted(by: { $0.ts < $1.ts }) where event.ts >= since {
            guard !event.requestID.isEmpty, verdictSeen.insert(event.requestID) else { continue }
            write.seen.append((.verdict, event.requestID))
            replayed.append(event)
        }
        guard !replayed.isEmpty else { return 0 }
        judgement.replay(replayed)
        journaledEvents += replayed.count
        write.behaviourEvents = BehaviourEvent.encode(replayed)
        try commit(write)
        counters.replayedVerdicts += replayed.count
        return replayed.count
    }

    // MARK: decisions of other aggregators

    /// The decisions topic as read to its end at start (several aggregators): merged like
    /// ``importDecisions(_:now:)``, and restored decisions the topic no longer holds (lifted or
    /// expired by another aggregator while this one was down) are removed here — unless they
    /// wait in the outbox (made here, not yet published). Returns the keys to tombstone.
    @discardableResult
    public func importDecisionSnapshot(_ items: [(key: String, decision: Decision)], now: Int64) throws -> [String] {
        let onTopic = Set(items.map(\.key))
        let absent = judgement.store.decisions.map(\.key).filter { !onTopic.contains($0) && outbox[$0] == nil }
        return try importDecisions(items.map { ($0.key, $0.decision) } + absent.map { ($0, nil) }, now: now)
    }

    /// Decisions (nil = tombstone) read from `palisade.decisions`, as published by any aggregator
    /// (this one included): merged into the store (``DecisionStore/merge(_:now:)``), persisted,
    /// and delivered to long-poll waiters — but not put in the outbox (they are on the topic
    /// already). Returns the keys to tombstone on the topic: expired decisions, and decisions
    /// lifted here whose tombstone other aggregators have not seen.
    @discardableResult
    public func importDecisions(_ items: [(key: String, decision: Decision?)], now: Int64) throws -> [String] {
        try retryPendingWrite()
        var effects: [DecisionStore.Effect] = []
        var stale: [String] = []
        var graces: [String: Int64?] = [:]
        for item in items {
            guard let decision = item.decision else {
                let effect = judgement.store.mergeRemoval(key: item.key, now: now)
                if case .removed = effect, let until = judgement.store.liftGrace(forKey: item.key) {
                    graces[item.key] = .some(until)
                }
                effects.append(effect)
                continue
            }
            if decision.expiresAt <= now || judgement.store.liftGrace(forKey: decision.key) != nil {
                if judgement.store.decisionByKey(decision.key) == nil { stale.append(item.key) }
                continue
            }
            effects.append(judgement.store.merge(decision, now: now))
        }
        var write = AggregatorDatabase.Write()
        write.record(effects)
        write.liftGrace = graces
        counters.importedDecisions += write.upserts.count + write.removals.count
        if !write.isEmpty { try commit(write, toOutbox: false) }
        return stale
    }

    /// Writes a snapshot of the behaviour windows and empties the journal (one transaction), when
    /// events were journaled since the last one. Restoring either way gives the same windows; the
    /// snapshot only bounds the replay at the next start.
    public func snapshotBehaviour(now: Int64) throws {
        try retryPendingWrite()
        behaviourSnapshotAt = now
        guard journaledEvents > 0 else { return }
        var write = AggregatorDatabase.Write()
        write.behaviourSnapshot = judgement.behaviourSnapshot()
        write.behaviourAt = now
        try database.write(write)
        journaledEvents = 0
    }

    /// Events journaled since the last behaviour snapshot.
    public var behaviourJournalEvents: Int { journaledEvents }

    /// The stored attack rows of a verdict: one per attack class among its hits, when the verdict
    /// is an attack or carries a non-anomaly hit.
    static func attacks(of verdict: Verdict) -> [StoredAttack] {
        guard verdict.attack || verdict.hits.contains(where: { !$0.attackClass.isAnomalyClass }) else { return [] }
        var byClass: [AttackClass: [Hit]] = [:]
        for hit in verdict.hits { byClass[hit.attackClass, default: []].append(hit) }
        return byClass.keys.sorted { $0.rawValue < $1.rawValue }.map { attackClass in
            let hits = byClass[attackClass] ?? []
            var w = JSONWriter()
            w.beginArray()
            for hit in hits.prefix(8) {
                w.beginObject()
                w.key("location")
                w.string(StoredAttack.capped(hit.location))
                w.key("confidence")
                w.double(hit.confidence, decimals: 2)
                w.key("evidence")
                w.string(StoredAttack.capped(hit.evidence))
                w.key("rule")
                w.string(StoredAttack.capped(hit.rule, bytes: 64))
                w.endObject()
            }
            w.endArray()
            return StoredAttack(
                kind: .verdict, requestID: verdict.id, ts: verdict.ts, client: verdict.client,
                host: verdict.endpoint.host, method: verdict.endpoint.method, template: verdict.endpoint.template,
                status: verdict.status, score: verdict.score, attackClass: attackClass.rawValue,
                confidence: hits.map(\.confidence).max() ?? 0, detail: w.output)
        }
    }

    static func attack(of finding: Finding) -> StoredAttack {
        var w = JSONWriter()
        w.beginObject()
        w.key("behaviour")
        w.string(finding.kind.rawValue)
        w.key("identity")
        w.string(finding.identity.description)
        w.key("evidence")
        w.string(StoredAttack.capped(finding.evidence))
        w.key("events")
        w.int(finding.counts.events)
        w.key("failures")
        w.int(finding.counts.failures)
        w.key("distinct")
        w.int(finding.counts.distinct)
        w.key("window_secs")
        w.int(finding.counts.windowSecs)
        w.endObject()
        let client = finding.identity.scope == .ip ? finding.identity.value : finding.identity.description
        return StoredAttack(
            kind: .finding, requestID: finding.requestID, ts: finding.ts, client: client, host: finding.endpoint.host,
            method: finding.endpoint.method, template: finding.endpoint.template, status: nil, score: 0,
            attackClass: finding.attackClass.rawValue, confidence: finding.confidence, detail: w.output)
    }

    /// Writes, then publishes the decision changes in it (outbox unless `toOutbox` is false —
    /// imported decisions are on the topic already —, long-poll waiters). A failed write is kept
    /// for a retry and rethrown.
    private func commit(_ write: AggregatorDatabase.Write, toOutbox: Bool = true) throws {
        defer { announce(write, toOutbox: toOutbox) }
        do {
            try database.write(write)
        } catch {
            counters.writeErrors += 1
            metrics.writeErrors.increment()
            pendingWrite = write
            throw error
        }
    }

    /// Decision changes reach the outbox and the waiters as soon as the store has them (the
    /// store is the source of truth for the long-poll); SQLite follows, at the latest on retry.
    private func announce(_ write: AggregatorDatabase.Write, toOutbox: Bool) {
        guard !write.upserts.isEmpty || !write.removals.isEmpty else { return }
        if toOutbox {
            for d in write.upserts { outbox[d.key] = .some(d) }
            for key in write.removals { outbox[key] = .some(nil) }
            doorbell.yield()
        }
        wakeWaiters()
    }

    public func retryPendingWrite() throws {
        guard let pending = pendingWrite else { return }
        try database.write(pending)
        pendingWrite = nil
    }

    public var hasPendingWrite: Bool { pendingWrite != nil }

    // MARK: observations

    /// Learns observations not seen before (in memory). They become durable with the next
    /// ``flushCatalog(now:parts:)``; acknowledge them only after that.
    @discardableResult
    public func learn(_ observations: [EndpointObservation]) -> Int {
        var fresh = 0
        for observation in observations {
            let id = observation.requestID
            guard id.isEmpty || observationSeen.insert(id) else {
                counters.duplicateObservations += 1
                metrics.duplicates.increment()
                continue
            }
            fresh += 1
            if !id.isEmpty { unsavedObservations.append(id) }
            _ = catalog.learn(observation)
            changedTrees.insert(.init(host: observation.endpoint.host, method: observation.endpoint.method))
        }
        counters.observations += fresh
        metrics.observations.increment(by: fresh)
        catalogDirty = catalogDirty || fresh > 0
        return fresh
    }

    private var catalogDirty = false
    /// Host+method trees changed since the last catalog write.
    private var changedTrees: Set<EndpointCatalog.HostMethod> = []

    /// Learned observations not yet persisted.
    public var unsavedObservationCount: Int { unsavedObservations.count }

    /// The host+method trees the next ``flushCatalog(now:parts:)`` writes, serialized (nil part:
    /// removed): for the state changelog, produced before the flush so that the changelog is
    /// never behind SQLite. Changes nothing.
    public func catalogParts() -> [(tree: EndpointCatalog.HostMethod, part: String?)] {
        guard catalogDirty else { return [] }
        return changedTrees.sorted().map { (tree: $0, part: catalog.treeSnapshot(of: $0)) }
    }

    /// Writes the catalog snapshot with the ids of the observations it holds; `parts` (from
    /// ``catalogParts()``, trees unchanged since) saves serializing those trees again.
    public func flushCatalog(
        now: Int64, parts prepared: [(tree: EndpointCatalog.HostMethod, part: String?)] = []
    ) throws {
        try retryPendingWrite()
        guard catalogDirty else { return }
        var write = AggregatorDatabase.Write()
        write.catalogSnapshot = catalog.snapshotHeader()
        var known: [EndpointCatalog.HostMethod: String?] = [:]
        for item in prepared { known[item.tree] = item.part }
        write.catalogTrees = changedTrees.sorted().map { tree in
            (tree.host, tree.method, known[tree] ?? catalog.treeSnapshot(of: tree))
        }
        write.catalogAt = now
        write.seen = unsavedObservations.map { (.observation, $0) }
        try database.write(write)
        unsavedObservations.removeAll(keepingCapacity: true)
        changedTrees.removeAll(keepingCapacity: true)
        catalogDirty = false
    }

    /// Host+method trees another aggregator learned, for observation partitions this one now owns
    /// (read from the state changelog): each replaces the local tree (stored at the next flush).
    /// Returns the trees adopted; parts that do not load are skipped and counted.
    public func adoptTrees(_ parts: [[UInt8]]) -> (adopted: [EndpointCatalog.HostMethod], damaged: Int) {
        var adopted: [EndpointCatalog.HostMethod] = []
        var damaged = 0
        for part in parts {
            do {
                let tree = try catalog.replaceTree(part: part)
                adopted.append(tree)
                changedTrees.insert(tree)
            } catch {
                damaged += 1
            }
        }
        if !adopted.isEmpty {
            Self.reconcile(&catalog, with: Array(templateOverrides.values))
            catalogDirty = true
        }
        counters.adoptedTrees += adopted.count
        return (adopted, damaged)
    }

    /// Drops trees whose observation partition moved to another aggregator (it learns them from
    /// the changelog now; keeping them here would publish stale baselines). Stored at the next flush.
    public func dropTrees(_ trees: [EndpointCatalog.HostMethod]) {
        for tree in trees {
            catalog.removeTree(tree)
            changedTrees.insert(tree)
        }
        if !trees.isEmpty { catalogDirty = true }
    }

    // MARK: housekeeping

    /// Expires decisions (removals persisted, published and delivered to waiters) and returns
    /// the baselines to publish.
    public func tick(now: Int64) throws -> [BaselinePublisher.Action] {
        try sweep(now: now)
        if now - behaviourSnapshotAt >= Int64(config.behaviourSnapshotIntervalMs) { try snapshotBehaviour(now: now) }
        // Tombstones only for endpoints of host+method trees this aggregator learns: the others
        // (restored from the topic) are other aggregators' to publish.
        let trees = Set(catalog.hostMethods)
        let actions = publisher.tick(catalog: catalog, now: now).filter { action in
            guard case .tombstone(let key) = action else { return true }
            return trees.contains(.init(host: key.host, method: key.method))
        }
        counters.baselinesPublished += actions.count
        return actions
    }

    private func sweep(now: Int64) throws {
        let effects = judgement.tick(now: now)
        guard !effects.isEmpty else { return }
        var write = AggregatorDatabase.Write()
        write.record(effects)
        try commit(write)
    }

    /// When the next decision expires (ms), for scheduling the sweep.
    public var nextExpiry: Int64? { judgement.store.nextExpiry }

    /// Baselines already on the compacted topic (after a restart), so versions keep increasing.
    public func restoreBaselines(_ baselines: [EndpointBaseline]) {
        publisher.restore(baselines)
    }

    public func trimRetention(now: Int64) throws -> Int {
        let cutoff = now - Int64(config.attackRetentionHours) * 3_600_000
        let dropped = try database.trimAttacks(maxCount: config.attackRetentionCount, olderThan: cutoff)
        try database.trimSeen(window: config.dedupWindowSize)
        try database.trimLiftGrace(now: now)
        return dropped
    }

    // MARK: policy

    public func reload(_ policy: Policy) {
        judgement.reload(policy)
        counters.policyReloads += 1
    }

    func countPolicyError() { counters.policyErrors += 1 }

    public var policy: Policy { judgement.policy }

    // MARK: decisions (operators)

    public func addDecision(
        scope: DecisionScope, value: String, action: DecisionAction, ttlSecs: Int, reason: String, actor: String,
        now: Int64
    ) throws -> Decision {
        try retryPendingWrite()
        let effect = try judgement.store.add(
            scope: scope, value: value, action: action, ttlSecs: ttlSecs, reason: reason, actor: actor, now: now,
            allowlist: judgement.policy.allowlist)
        var write = AggregatorDatabase.Write()
        write.record([effect])
        if let entry = judgement.store.audit.last { write.audit.append(entry) }
        if case .upserted(let d) = effect { write.liftGrace[d.key] = .some(nil) }
        try commit(write)
        guard case .upserted(let decision) = effect else {
            throw DecisionStoreError(code: .invalidValue, reason: "not stored")
        }
        return decision
    }

    public func liftDecision(scope: DecisionScope, value: String, actor: String, reason: String, now: Int64) throws
        -> Decision
    {
        try retryPendingWrite()
        let effect = try judgement.store.lift(scope: scope, value: value, actor: actor, reason: reason, now: now)
        var write = AggregatorDatabase.Write()
        write.record([effect])
        if let entry = judgement.store.audit.last { write.audit.append(entry) }
        if case .removed(let d) = effect { write.liftGrace[d.key] = .some(judgement.store.liftGrace(forKey: d.key)) }
        try commit(write)
        guard case .removed(let decision) = effect else {
            throw DecisionStoreError(code: .notFound, reason: "not lifted")
        }
        return decision
    }

    public var decisions: [Decision] { judgement.store.decisions }
    public var version: DecisionVersion { judgement.store.version }

    // MARK: long-poll

    public enum PollStart: Sendable {
        case answer(DecisionChanges)
        case parked(id: UInt64, deadline: Int64)
        case rejected
    }

    /// Registers a long-poll: answered now (something newer, a snapshot, or no wait), parked until
    /// a change or the deadline, or rejected (too many waiters).
    public func startPoll(since: String?, waitMs: Int64, now: Int64) throws -> PollStart {
        try sweep(now: now)
        nextWaiter &+= 1
        let id = nextWaiter
        switch hub.register(id, since: since, waitMs: waitMs, now: now, current: judgement.store.version) {
        case .answerNow: return .answer(judgement.store.changes(since: since))
        case .rejected: return .rejected
        case .parked(let deadline):
            waiters[id] = .pending
            return .parked(id: id, deadline: deadline)
        }
    }

    /// Suspends until the store changes or ``endPoll(_:since:now:)`` releases the waiter.
    public func waitForChange(_ id: UInt64) async {
        guard case .pending? = waiters[id] else { return }
        await withCheckedContinuation { continuation in
            waiters[id] = .waiting(continuation)
        }
    }

    /// Ends a parked poll (deadline reached, change seen, or client gone) and returns its answer.
    public func endPoll(_ id: UInt64, since: String?, now: Int64) throws -> DecisionChanges {
        release(id)
        hub.cancel(id)
        waiters[id] = nil
        try sweep(now: now)
        return judgement.store.changes(since: since)
    }

    /// Releases a waiter without answering (its deadline passed).
    public func timeoutPoll(_ id: UInt64) {
        release(id)
        hub.cancel(id)
    }

    private func release(_ id: UInt64) {
        if case .waiting(let continuation)? = waiters[id] { continuation.resume() }
        if waiters[id] != nil { waiters[id] = .done }
    }

    private func wakeWaiters() {
        for id in hub.changed(to: judgement.store.version) { release(id) }
    }

    public var parkedPolls: Int { hub.count }

    // MARK: outbox

    /// Takes the decisions to publish (latest per key; nil = tombstone).
    public func takeOutbox() -> [(key: String, decision: Decision?)] {
        let items = outbox.map { (key: $0.key, decision: $0.value) }
        outbox.removeAll(keepingCapacity: true)
        return items.sorted { $0.key < $1.key }
    }

    /// Puts back what could not be published, unless a newer change for the key came meanwhile.
    public func requeue(_ items: [(key: String, decision: Decision?)]) {
        for item in items where outbox[item.key] == nil { outbox[item.key] = .some(item.decision) }
        if !items.isEmpty { doorbell.yield() }
    }

    /// Keys on the compacted topic the store no longer has: tombstone them (after a restart).
    public func tombstoneStale(keys: [String]) {
        var added = 0
        for key in keys where judgement.store.decisionByKey(key) == nil && outbox[key] == nil {
            outbox[key] = .some(nil)
            added += 1
        }
        if added > 0 { doorbell.yield() }
    }

    public var outboxCount: Int { outbox.count }

    // MARK: template overrides (operators)

    /// Pins (a template with parameters) or splits (a literal path) for requests matching it,
    /// persisted and audited; applies to observations learned from now on.
    public func setTemplateOverride(_ stored: StoredTemplateOverride) throws {
        try retryPendingWrite()
        var write = AggregatorDatabase.Write()
        write.templateOverrides = [stored]
        write.otherAudit = [
            OtherAuditEntry(
                at: stored.createdAt, actor: stored.actor, operation: stored.kind.rawValue, scope: "template",
                value: stored.key.overrideDescription, reason: stored.reason)
        ]
        try database.write(write)
        templateOverrides[stored.key] = stored
        catalog.addOverride(stored.override)
        catalogDirty = true
    }

    /// Removes an override; false when there is none for the key.
    public func removeTemplateOverride(_ key: EndpointKey, actor: String, reason: String, now: Int64)
        throws -> Bool
    {
        try retryPendingWrite()
        guard let stored = templateOverrides[key] else { return false }
        var write = AggregatorDatabase.Write()
        write.templateOverridesRemoved = [key]
        write.otherAudit = [
            OtherAuditEntry(
                at: now, actor: actor, operation: "unpin", scope: "template", value: key.overrideDescription,
                reason: reason)
        ]
        try database.write(write)
        templateOverrides[key] = nil
        let o = stored.override
        catalog.removeOverride(host: o.host, method: o.method, template: o.template)
        catalogDirty = true
        return true
    }

    public var templateOverrideList: [StoredTemplateOverride] {
        templateOverrides.values.sorted {
            ($0.key.host, $0.key.method, $0.key.template) < ($1.key.host, $1.key.method, $1.key.template)
        }
    }

    // MARK: reading

    public func endpoints(host: String? = nil, method: String? = nil) -> [DiscoveredEndpoint] {
        catalog.endpoints(host: host, method: method)
    }

    public func baseline(for key: EndpointKey) -> EndpointBaseline? { publisher.lastPublished(key) }

    public func recentVerdict(_ id: String) -> VerdictRecord? { recent[id] }

    public var catalogOverflow: Int { catalog.totalOverflow }

    public var status: Status {
        Status(
            epoch: epoch, version: judgement.store.version, startedAt: startedAt, decisions: judgement.store.count,
            endpoints: catalog.endpoints().count, parkedPolls: hub.count, outbox: outbox.count,
            pendingWrite: pendingWrite != nil, counters: counters, storeStats: judgement.store.stats,
            dedupVerdicts: verdictSeen.count, dedupObservations: observationSeen.count,
            policyMode: judgement.policy.mode.rawValue, policyRules: judgement.policy.rules.count)
    }

    public struct Status: Sendable {
        var epoch: String
        var version: DecisionVersion
        var startedAt: Int64
        var decisions: Int
        var endpoints: Int
        var parkedPolls: Int
        var outbox: Int
        var pendingWrite: Bool
        var counters: Counters
        var storeStats: DecisionStore.Stats
        var dedupVerdicts: Int
        var dedupObservations: Int
        var policyMode: String
        var policyRules: Int
    }
}

/// A SQLite write that failed (kept for a retry).
public struct AggregatorWriteError: Error, Sendable, CustomStringConvertible {
    public var description: String
}

extension DecisionStore {
    func decisionByKey(_ key: String) -> Decision? {
        guard let colon = key.firstIndex(of: ":"), let scope = DecisionScope(rawValue: String(key[..<colon])) else {
            return nil
        }
        return decision(scope: scope, value: String(key[key.index(after: colon)...]))
    }
}
