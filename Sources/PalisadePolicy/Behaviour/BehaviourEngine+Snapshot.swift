import PalisadeDetect

/// Persistence of the behaviour windows (docs/POLICY.md, "Persistence"): a snapshot of every
/// detector's tables, and a compact form of events for the journal replayed on top of it.
extension BehaviourEngine {
    static let snapshotFormat: UInt8 = 1

    /// Every detector's windows, counters and the configuration they were built with.
    public func snapshot() -> [UInt8] {
        var w = StateWriter()
        w.u8(Self.snapshotFormat)
        w.u64(Self.fingerprint(config))
        attackBurst.encodeState(to: &w)
        bruteForce.encodeState(to: &w)
        credentialStuffing.encodeState(to: &w)
        enumeration.encodeState(to: &w)
        forcedBrowsing.encodeState(to: &w)
        rateAnomaly.encodeState(to: &w)
        return w.bytes
    }

    /// The engine of `config` with the windows of `snapshot`. Nil when the snapshot was taken
    /// with other behaviour settings (the detectors then start over, as on a policy reload that
    /// changes them). Throws on a damaged snapshot.
    public init?(config: Config, snapshot: [UInt8]) throws {
        var r = StateReader(snapshot)
        guard try r.u8() == Self.snapshotFormat else { throw StateCodingError("unknown snapshot format") }
        guard try r.u64() == Self.fingerprint(config) else { return nil }
        self.init(config: config)
        try attackBurst.restoreState(from: &r)
        try bruteForce.restoreState(from: &r)
        try credentialStuffing.restoreState(from: &r)
        try enumeration.restoreState(from: &r)
        try forcedBrowsing.restoreState(from: &r)
        try rateAnomaly.restoreState(from: &r)
        guard r.isAtEnd else { throw StateCodingError("trailing bytes") }
    }

    /// A stable hash of the configuration (sets in sorted order, so equal configurations hash
    /// equally in every process).
    static func fingerprint(_ config: Config) -> UInt64 {
        func describe(_ value: Any) -> String {
            let mirror = Mirror(reflecting: value)
            switch mirror.displayStyle {
            case .set: return "{" + mirror.children.map { describe($0.value) }.sorted().joined(separator: ",") + "}"
            case .struct, .class, .tuple, .collection, .dictionary, .optional, .enum:
                if mirror.children.isEmpty { return String(describing: value) }
                let inner = mirror.children.map { "\($0.label ?? ""):\(describe($0.value))" }
                return "(" + (mirror.displayStyle == .dictionary ? inner.sorted() : inner).joined(separator: ",") + ")"
            default: return String(describing: value)
            }
        }
        return StableHash.fnv1a64(describe(config))
    }

    /// The configuration the engine was built with.
    var config: Config {
        var c = Config()
        c.maxTrackedClients = bruteForce.table.capacity
        c.attackBurst = attackBurst.config
        c.bruteForce = bruteForce.config
        c.credentialStuffing = credentialStuffing.config
        c.enumeration = enumeration.config
        c.forcedBrowsing = forcedBrowsing.config
        c.rateAnomaly = rateAnomaly.config
        return c
    }
}

// MARK: detectors

/// A detector whose whole state is one LRU table of windows plus its findings counter.
protocol TableDetector {
    associatedtype Key: Hashable & Sendable & StateCodable
    associatedtype State: Sendable & StateCodable
    var table: LRUTable<Key, State> { get set }
    var fired: Int { get set }
}

extension TableDetector {
    func encodeState(to w: inout StateWriter) {
        w.int(fired)
        table.encode(to: &w)
    }
    mutating func restoreState(from r: inout StateReader) throws {
        fired = try r.int()
        table = try LRUTable(capacity: table.capacity, from: &r)
    }
}

extension AttackBurstDetector: TableDetector {}
extension BruteForceDetector: TableDetector {}
extension CredentialStuffingDetector: TableDetector {}
extension EnumerationDetector: TableDetector {}
extension ForcedBrowsingDetector: TableDetector {}

extension RateAnomalyDetector {
    func encodeState(to w: inout StateWriter) {
        w.int(fired)
        clients.encode(to: &w)
        baselines.encode(to: &w)
        ipUsers.encode(to: &w)
    }
    mutating func restoreState(from r: inout StateReader) throws {
        fired = try r.int()
        clients = try LRUTable(capacity: clients.capacity, from: &r)
        baselines = try LRUTable(capacity: baselines.capacity, from: &r)
        ipUsers = try LRUTable(capacity: ipUsers.capacity, from: &r)
    }
}

// MARK: keys and window states

extension String: StateCodable {
    func encode(to w: inout StateWriter) { w.string(self) }
    init(from r: inout StateReader) throws { self = try r.string() }
}

extension AttackClass {
    static func read(from r: inout StateReader) throws -> AttackClass {
        let name = try r.string()
        guard let value = AttackClass(rawValue: name) else { throw StateCodingError("unknown attack class") }
        return value
    }
}

extension ClientIdentity: StateCodable {
    func encode(to w: inout StateWriter) {
        w.string(scope.rawValue)
        w.string(value)
    }
    init(from r: inout StateReader) throws {
        guard let scope = IdentityScope(rawValue: try r.string()) else { throw StateCodingError("unknown scope") }
        self.init(scope, try r.string())
    }
}

extension Verdict.Endpoint: StateCodable {
    func encode(to w: inout StateWriter) {
        w.string(host)
        w.string(method)
        w.string(template)
    }
    init(from r: inout StateReader) throws {
        self.init(host: try r.string(), method: try r.string(), template: try r.string())
    }
}

extension AttackBurstDetector.Entry: StateCodable {
    func encode(to w: inout StateWriter) {
        w.i64(ts)
        w.string(attackClass.rawValue)
        w.double(confidence)
    }
    init(from r: inout StateReader) throws {
        self.init(ts: try r.i64(), attackClass: try AttackClass.read(from: &r), confidence: try r.double())
    }
}

extension AttackBurstDetector.State: StateCodable {
    func encode(to w: inout StateWriter) {
        recent.encode(to: &w)
        w.optional(lastFired) { $0.i64($1) }
    }
    init(from r: inout StateReader) throws {
        self.init(recent: try Ring(from: &r), lastFired: try r.optional { try $0.i64() })
    }
}

extension BruteForceDetector.State: StateCodable {
    func encode(to w: inout StateWriter) {
        counts.encode(to: &w)
        w.optional(lastFired) { $0.i64($1) }
    }
    init(from r: inout StateReader) throws {
        self.init(counts: try WindowCounts(from: &r), lastFired: try r.optional { try $0.i64() })
    }
}

extension IdentityAtEndpoint: StateCodable {
    func encode(to w: inout StateWriter) {
        identity.encode(to: &w)
        endpoint.encode(to: &w)
    }
    init(from r: inout StateReader) throws {
        self.init(identity: try ClientIdentity(from: &r), endpoint: try Verdict.Endpoint(from: &r))
    }
}

extension DistinctWindowState: StateCodable {
    func encode(to w: inout StateWriter) {
        counts.encode(to: &w)
        distinct.encode(to: &w)
        w.optional(lastFired) { $0.i64($1) }
    }
    init(from r: inout StateReader) throws {
        self.init(
            counts: try WindowCounts(from: &r), distinct: try DistinctSet(from: &r),
            lastFired: try r.optional { try $0.i64() })
    }
}

extension RateAnomalyDetector.Bucket: StateCodable {
    func encode(to w: inout StateWriter) {
        w.i64(id)
        w.int(count)
        w.bool(flagged)
        w.bool(shared)
        w.optional(lastFired) { $0.i64($1) }
    }
    init(from r: inout StateReader) throws {
        self.init(
            id: try r.i64(), count: try r.int(), flagged: try r.bool(), shared: try r.bool(),
            lastFired: try r.optional { try $0.i64() })
    }
}

// MARK: events (the journal)

extension BehaviourEvent {
    /// A batch of events in the journal's compact form.
    public static func encode(_ events: [BehaviourEvent]) -> [UInt8] {
        var w = StateWriter()
        w.array(events) { w, e in e.encode(to: &w) }
        return w.bytes
    }

    /// Reads a batch written by ``encode(_:)``.
    public static func decode(_ bytes: [UInt8]) throws -> [BehaviourEvent] {
        var r = StateReader(bytes)
        let events = try r.array(minBytes: 16) { try BehaviourEvent(from: &$0) }
        guard r.isAtEnd else { throw StateCodingError("trailing bytes") }
        return events
    }

    func encode(to w: inout StateWriter) {
        w.i64(ts)
        w.string(requestID)
        w.optional(identities.ip) { $0.string($1) }
        w.optional(identities.apiKeyHash) { $0.string($1) }
        w.optional(identities.jwtSub) { $0.string($1) }
        w.array(identities.headers) {
            $0.string($1.name)
            $0.string($1.value)
        }
        endpoint.encode(to: &w)
        w.bool(isAuthEndpoint)
        w.optional(status) { $0.int($1) }
        w.double(score)
        w.bool(attack)
        w.array(classes) {
            $0.string($1.attackClass.rawValue)
            $0.double($1.confidence)
        }
        w.optional(objectIDHash) { $0.u64($1) }
        w.optional(usernameHash) { $0.u64($1) }
        w.optional(pathHash) { $0.u64($1) }
    }

    init(from r: inout StateReader) throws {
        let ts = try r.i64()
        let requestID = try r.string()
        let identities = ClientIdentities(
            ip: try r.optional { try $0.string() }, apiKeyHash: try r.optional { try $0.string() },
            jwtSub: try r.optional { try $0.string() },
            headers: try r.array { ClientIdentities.HeaderValue(name: try $0.string(), value: try $0.string()) })
        self.init(
            ts: ts, requestID: requestID, identities: identities, endpoint: try Verdict.Endpoint(from: &r),
            isAuthEndpoint: try r.bool(), status: try r.optional { try $0.int() }, score: try r.double(),
            attack: try r.bool(),
            classes: try r.array { ClassConfidence(try AttackClass.read(from: &$0), try $0.double()) },
            objectIDHash: try r.optional { try $0.u64() }, usernameHash: try r.optional { try $0.u64() },
            pathHash: try r.optional { try $0.u64() })
    }
}
