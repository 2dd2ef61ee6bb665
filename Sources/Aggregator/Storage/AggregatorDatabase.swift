import Foundation
import GRDB
import PalisadeCore
import PalisadeLearn
import PalisadePolicy

/// The aggregator's SQLite database (GRDB, WAL): decisions and their audit trail, stored attacks
/// and behaviour findings, the de-duplication window, the endpoint catalog snapshot and small
/// state (`meta`). Every write of one processing step is one transaction; every value that came
/// from a request is bound as an argument, never spliced into SQL.
public final class AggregatorDatabase: Sendable {
    let pool: DatabasePool

    /// Opens (creating when needed) and migrates the database at `path`.
    public init(path: String) throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(5)
        pool = try DatabasePool(path: path, configuration: configuration)
        try Self.migrator.migrate(pool)
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE meta (key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL);
                    CREATE TABLE decisions (
                        key TEXT PRIMARY KEY NOT NULL, scope TEXT NOT NULL, value TEXT NOT NULL,
                        action TEXT NOT NULL, reason TEXT NOT NULL, source_rule TEXT NOT NULL,
                        created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL, version TEXT NOT NULL);
                    CREATE TABLE audit (
                        id INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL, actor TEXT NOT NULL,
                        operation TEXT NOT NULL, scope TEXT NOT NULL, value TEXT NOT NULL, action TEXT,
                        reason TEXT NOT NULL, version TEXT NOT NULL);
                    CREATE TABLE attacks (
                        id INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL, request_id TEXT NOT NULL,
                        ts INTEGER NOT NULL, client TEXT NOT NULL, host TEXT NOT NULL, method TEXT NOT NULL,
                        template TEXT NOT NULL, status INTEGER, score REAL NOT NULL, class TEXT NOT NULL,
                        confidence REAL NOT NULL, detail TEXT NOT NULL);
                    CREATE UNIQUE INDEX attacks_identity ON attacks(kind, request_id, class);
                    CREATE INDEX attacks_ts ON attacks(ts);
                    CREATE INDEX attacks_client ON attacks(client, ts);
                    CREATE INDEX attacks_class ON attacks(class, ts);
                    CREATE INDEX attacks_endpoint ON attacks(template, ts);
                    CREATE TABLE seen (
                        seq INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL, id TEXT NOT NULL);
                    CREATE UNIQUE INDEX seen_id ON seen(kind, id);
                    CREATE TABLE catalog (
                        id INTEGER PRIMARY KEY CHECK (id = 1), snapshot BLOB NOT NULL, updated_at INTEGER NOT NULL);
                    """)
        }
        // v2: behaviour windows (snapshot + journal of events since), lift grace periods,
        // operators' template overrides, and the catalog in parts: `catalog` then holds the header
        // (overrides, pinned endpoints) and `catalog_trees` one row per host+method tree, so a
        // flush rewrites only the trees that changed (docs/API.md, "Delivery guarantees").
        migrator.registerMigration("v2") { db in
            try db.execute(
                sql: """
                    CREATE TABLE behaviour (
                        id INTEGER PRIMARY KEY CHECK (id = 1), snapshot BLOB NOT NULL, updated_at INTEGER NOT NULL);
                    CREATE TABLE behaviour_journal (seq INTEGER PRIMARY KEY AUTOINCREMENT, events BLOB NOT NULL);
                    CREATE TABLE lift_grace (key TEXT PRIMARY KEY NOT NULL, until INTEGER NOT NULL);
                    CREATE TABLE catalog_trees (
                        host TEXT NOT NULL, method TEXT NOT NULL, snapshot BLOB NOT NULL, PRIMARY KEY (host, method));
                    CREATE TABLE template_overrides (
                        host TEXT NOT NULL, method TEXT NOT NULL, template TEXT NOT NULL, kind TEXT NOT NULL,
                        created_at INTEGER NOT NULL, actor TEXT NOT NULL, reason TEXT NOT NULL,
                        PRIMARY KEY (host, method, template));
                    """)
        }
        return migrator
    }

    // MARK: writing

    /// Everything one processing step changes, written in one transaction.
    public struct Write: Sendable {
        public var upserts: [Decision] = []
        public var removals: [String] = []
        public var audit: [AuditEntry] = []
        public var attacks: [StoredAttack] = []
        public var seen: [(kind: SeenKind, id: String)] = []
        /// The catalog snapshot, or its header when `catalogTrees` carries the trees that changed.
        public var catalogSnapshot: String?
        public var catalogAt: Int64 = 0
        /// Catalog trees that changed (`EndpointCatalog.treeSnapshot(of:)`); nil deletes the row.
        public var catalogTrees: [(host: String, method: String, snapshot: String?)] = []
        /// Deletes every catalog tree part first (a catalog that did not load).
        public var clearCatalogTrees = false
        public var meta: [String: String] = [:]
        /// Behaviour events of this step (a journal row, encoded by `BehaviourEvent.encode`).
        public var behaviourEvents: [UInt8]?
        /// A snapshot of the behaviour windows holding every event journaled so far: replaces the
        /// stored one and empties the journal (in the same transaction).
        public var behaviourSnapshot: [UInt8]?
        public var behaviourAt: Int64 = 0
        /// Lift grace periods: key → end (ms), nil = none any more.
        public var liftGrace: [String: Int64?] = [:]
        /// Template overrides added (or replaced) and removed.
        public var templateOverrides: [StoredTemplateOverride] = []
        public var templateOverridesRemoved: [EndpointKey] = []
        /// Operator actions that are not decisions (template overrides), for the audit trail.
        public var otherAudit: [OtherAuditEntry] = []
        public init() {}

        public var isEmpty: Bool {
            upserts.isEmpty && removals.isEmpty && audit.isEmpty && attacks.isEmpty && seen.isEmpty
                && catalogSnapshot == nil && catalogTrees.isEmpty && !clearCatalogTrees && meta.isEmpty
                && behaviourEvents == nil && behaviourSnapshot == nil
                && liftGrace.isEmpty && templateOverrides.isEmpty && templateOverridesRemoved.isEmpty
                && otherAudit.isEmpty
        }

        /// Adds the store effects (decisions to upsert or delete).
        public mutating func record(_ effects: [DecisionStore.Effect]) {
            for effect in effects {
                switch effect {
                case .upserted(let d):
                    removals.removeAll { $0 == d.key }
                    upserts.append(d)
                case .removed(let d):
                    upserts.removeAll { $0.key == d.key }
                    removals.append(d.key)
                case .unchanged, .rejected: break
                }
            }
        }
    }

    public enum SeenKind: String, Sendable {
        case verdict, observation
    }

    public func write(_ w: Write) throws {
        guard !w.isEmpty else { return }
        try pool.write { db in try Self.apply(w, in: db) }
    }

    static func apply(_ w: Write, in db: Database) throws {
        for d in w.upserts {
            try db.execute(
                sql: """
                    INSERT INTO decisions (key, scope, value, action, reason, source_rule, created_at, expires_at, version)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT(key) DO UPDATE SET scope = excluded.scope, value = excluded.value,
                        action = excluded.action, reason = excluded.reason, source_rule = excluded.source_rule,
                        created_at = excluded.created_at, expires_at = excluded.expires_at, version = excluded.version
                    """,
                arguments: [
                    d.key, d.scope.rawValue, d.value, d.action.rawValue, d.reason, d.sourceRule, d.createdAt,
                    d.expiresAt, d.version.description,
                ])
        }
        for key in w.removals {
            try db.execute(sql: "DELETE FROM decisions WHERE key = ?", arguments: [key])
        }
        for a in w.audit {
            try db.execute(
                sql: """
                    INSERT INTO audit (at, actor, operation, scope, value, action, reason, version)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    a.at, a.actor, a.operation.rawValue, a.scope.rawValue, a.value, a.action?.rawValue, a.reason,
                    a.version.description,
                ])
        }
        for a in w.attacks {
            try db.execute(
                sql: """
                    INSERT OR IGNORE INTO attacks
                        (kind, request_id, ts, client, host, method, template, status, score, class, confidence, detail)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    a.kind.rawValue, a.requestID, a.ts, a.client, a.host, a.method, a.template, a.status, a.score,
                    a.attackClass, a.confidence, a.detail,
                ])
        }
        for s in w.seen {
            try db.execute(
                sql: "INSERT OR IGNORE INTO seen (kind, id) VALUES (?, ?)", arguments: [s.kind.rawValue, s.id])
        }
        if let snapshot = w.catalogSnapshot {
            try db.execute(
                sql: """
                    INSERT INTO catalog (id, snapshot, updated_at) VALUES (1, ?, ?)
                    ON CONFLICT(id) DO UPDATE SET snapshot = excluded.snapshot, updated_at = excluded.updated_at
                    """,
                arguments: [Data(snapshot.utf8), w.catalogAt])
        }
        if w.clearCatalogTrees { try db.execute(sql: "DELETE FROM catalog_trees") }
        for tree in w.catalogTrees {
            if let snapshot = tree.snapshot {
                try db.execute(
                    sql: """
                        INSERT INTO catalog_trees (host, method, snapshot) VALUES (?, ?, ?)
                        ON CONFLICT(host, method) DO UPDATE SET snapshot = excluded.snapshot
                        """, arguments: [tree.host, tree.method, Data(snapshot.utf8)])
            } else {
                try db.execute(
                    sql: "DELETE FROM catalog_trees WHERE host = ? AND method = ?", arguments: [tree.host, tree.method])
            }
        }
        if let snapshot = w.behaviourSnapshot {
            try db.execute(
                sql: """
                    INSERT INTO behaviour (id, snapshot, updated_at) VALUES (1, ?, ?)
                    ON CONFLICT(id) DO UPDATE SET snapshot = excluded.snapshot, updated_at = excluded.updated_at
                    """,
                arguments: [Data(snapshot), w.behaviourAt])
            try db.execute(sql: "DELETE FROM behaviour_journal")
        } else if let events = w.behaviourEvents {
            try db.execute(sql: "INSERT INTO behaviour_journal (events) VALUES (?)", arguments: [Data(events)])
        }
        for (key, until) in w.liftGrace {
            if let until {
                try db.execute(
                    sql: """
                        INSERT INTO lift_grace (key, until) VALUES (?, ?)
                        ON CONFLICT(key) DO UPDATE SET until = excluded.until
                        """, arguments: [key, until])
            } else {
                try db.execute(sql: "DELETE FROM lift_grace WHERE key = ?", arguments: [key])
            }
        }
        for o in w.templateOverrides {
            try db.execute(
                sql: """
                    INSERT INTO template_overrides (host, method, template, kind, created_at, actor, reason)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT(host, method, template) DO UPDATE SET kind = excluded.kind,
                        created_at = excluded.created_at, actor = excluded.actor, reason = excluded.reason
                    """,
                arguments: [o.key.host, o.key.method, o.key.template, o.kind.rawValue, o.createdAt, o.actor, o.reason])
        }
        for k in w.templateOverridesRemoved {
            try db.execute(
                sql: "DELETE FROM template_overrides WHERE host = ? AND method = ? AND template = ?",
                arguments: [k.host, k.method, k.template])
        }
        for a in w.otherAudit {
            try db.execute(
                sql: """
                    INSERT INTO audit (at, actor, operation, scope, value, action, reason, version)
                    VALUES (?, ?, ?, ?, ?, NULL, ?, '')
                    """,
                arguments: [a.at, a.actor, a.operation, a.scope, a.value, a.reason])
        }
        for (key, value) in w.meta {
            try db.execute(
                sql:
                    "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                arguments: [key, value])
        }
    }

    /// Replaces the whole decision set (after a restore re-versioned it in a new epoch).
    public func replaceDecisions(_ decisions: [Decision], meta: [String: String]) throws {
        var w = Write()
        w.upserts = decisions
        w.meta = meta
        try pool.write { db in
            try db.execute(sql: "DELETE FROM decisions")
            try Self.apply(w, in: db)
        }
    }

    // MARK: housekeeping

    /// Drops attacks beyond the retention limits; returns how many were dropped.
    @discardableResult
    public func trimAttacks(maxCount: Int, olderThan cutoff: Int64) throws -> Int {
        try pool.write { db in
            try db.execute(sql: "DELETE FROM attacks WHERE ts < ?", arguments: [cutoff])
            var dropped = db.changesCount
            let count = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM attacks") ?? 0
            if count > maxCount {
                try db.execute(
                    sql: "DELETE FROM attacks WHERE id IN (SELECT id FROM attacks ORDER BY ts, id LIMIT ?)",
                    arguments: [count - maxCount])
                dropped += db.changesCount
            }
            return dropped
        }
    }

    /// Drops lift grace periods that ended before `now`.
    public func trimLiftGrace(now: Int64) throws {
        try pool.write { db in try db.execute(sql: "DELETE FROM lift_grace WHERE until <= ?", arguments: [now]) }
    }

    /// Keeps the newest `window` ids of each kind.
    public func trimSeen(window: Int) throws {
        try pool.write { db in
            for kind in ["verdict", "observation"] {
                try db.execute(
                    sql: """
                        DELETE FROM seen WHERE kind = ? AND seq <= (
                            SELECT seq FROM seen WHERE kind = ? ORDER BY seq DESC LIMIT 1 OFFSET ?)
                        """,
                    arguments: [kind, kind, window])
            }
        }
    }

    // MARK: reading (restore)

    public func loadDecisions() throws -> [Decision] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM decisions ORDER BY key").compactMap(Self.decision)
        }
    }

    public func loadAudit(limit: Int) throws -> [AuditEntry] {
        try pool.read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM audit WHERE scope != 'template' ORDER BY id DESC LIMIT ?", arguments: [limit]
            )
            .compactMap(Self.audit).reversed()
        }
    }

    /// The behaviour snapshot and the journal written after it, oldest first.
    public func loadBehaviour() throws -> (snapshot: [UInt8]?, journal: [[UInt8]]) {
        try pool.read { db in
            let snapshot = try Data.fetchOne(db, sql: "SELECT snapshot FROM behaviour WHERE id = 1").map { [UInt8]($0) }
            let journal = try Data.fetchAll(db, sql: "SELECT events FROM behaviour_journal ORDER BY seq").map {
                [UInt8]($0)
            }
            return (snapshot, journal)
        }
    }

    /// Lift grace periods still running at `now`.
    public func loadLiftGrace(now: Int64) throws -> [String: Int64] {
        try pool.read { db in
            var out: [String: Int64] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT key, until FROM lift_grace WHERE until > ?", arguments: [now])
            {
                out[row["key"]] = row["until"]
            }
            return out
        }
    }

    public func loadTemplateOverrides() throws -> [StoredTemplateOverride] {
        try pool.read { db in
            let rows = try Row.fetchAll(db, sql: "SELECT * FROM template_overrides ORDER BY host, method, template")
            return rows.compactMap { row -> StoredTemplateOverride? in
                guard let kind = StoredTemplateOverride.Kind(rawValue: row["kind"]) else { return nil }
                return StoredTemplateOverride(
                    key: .init(host: row["host"], method: row["method"], template: row["template"]), kind: kind,
                    createdAt: row["created_at"], actor: row["actor"], reason: row["reason"])
            }
        }
    }

    /// The newest `limit` ids of a kind, oldest first.
    public func loadSeen(_ kind: SeenKind, limit: Int) throws -> [String] {
        try pool.read { db in
            try String.fetchAll(
                db, sql: "SELECT id FROM seen WHERE kind = ? ORDER BY seq DESC LIMIT ?",
                arguments: [kind.rawValue, limit]
            ).reversed()
        }
    }

    /// The catalog snapshot (or header) and its tree parts; nil when none was written.
    public func loadCatalog() throws -> (snapshot: [UInt8], trees: [[UInt8]])? {
        try pool.read { db in
            guard let header = try Data.fetchOne(db, sql: "SELECT snapshot FROM catalog WHERE id = 1") else {
                return nil
            }
            let trees = try Data.fetchAll(db, sql: "SELECT snapshot FROM catalog_trees ORDER BY host, method")
            return ([UInt8](header), trees.map { [UInt8]($0) })
        }
    }

    public func meta(_ key: String) throws -> String? {
        try pool.read { db in try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = ?", arguments: [key]) }
    }

    static func decision(_ row: Row) -> Decision? {
        guard let scope = DecisionScope(rawValue: row["scope"]), let action = DecisionAction(rawValue: row["action"]),
            let version = DecisionVersion(parsing: row["version"])
        else { return nil }
        return Decision(
            scope: scope, value: row["value"], action: action, reason: row["reason"], sourceRule: row["source_rule"],
            createdAt: row["created_at"], expiresAt: row["expires_at"], version: version)
    }

    static func audit(_ row: Row) -> AuditEntry? {
        guard let operation = AuditEntry.Operation(rawValue: row["operation"]),
            let scope = DecisionScope(rawValue: row["scope"]), let version = DecisionVersion(parsing: row["version"])
        else { return nil }
        let action: String? = row["action"]
        return AuditEntry(
            at: row["at"], actor: row["actor"], operation: operation, scope: scope, value: row["value"],
            action: action.flatMap(DecisionAction.init(rawValue:)), reason: row["reason"], version: version)
    }
}

/// An operator's template override as stored: `host` / `method` empty = any.
public struct StoredTemplateOverride: Sendable, Equatable {
    /// `pin`: a template with parameters groups paths; `split`: a literal path kept apart.
    public enum Kind: String, Sendable {
        case pin, split
    }

    /// Empty `host` / `method` = any.
    public var key: EndpointKey
    public var kind: Kind
    public var createdAt: Int64
    public var actor: String
    public var reason: String

    public init(key: EndpointKey, kind: Kind, createdAt: Int64, actor: String, reason: String) {
        self.key = key
        self.kind = kind
        self.createdAt = createdAt
        self.actor = actor
        self.reason = reason
    }
}

/// An audited operator action that is not a decision (stored in `audit` with scope `template`).
public struct OtherAuditEntry: Sendable, Equatable {
    public var at: Int64
    public var actor: String
    /// `pin`, `split`, `unpin`.
    public var operation: String
    public var scope: String
    public var value: String
    public var reason: String
}

extension StoredTemplateOverride {
    /// The catalog's form (empty host / method = any).
    public var override: TemplateOverride {
        TemplateOverride(
            host: key.host.isEmpty ? nil : key.host, method: key.method.isEmpty ? nil : key.method,
            template: key.template)
    }
}

extension EndpointKey {
    /// A template override's key in the audit trail: `host METHOD template` like the endpoint key
    /// of `palisade.baselines`, `*` for any.
    var overrideDescription: String {
        (host.isEmpty ? "*" : host) + " " + (method.isEmpty ? "*" : method) + " " + template
    }
}
