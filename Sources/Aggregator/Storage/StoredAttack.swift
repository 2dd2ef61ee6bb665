import GRDB
import PalisadeCore
import PalisadePolicy

/// One stored attack: a verdict with attack hits (one row per attack class, the evidence of its
/// hits already masked by the worker and capped here), or a behaviour finding.
public struct StoredAttack: Sendable, Equatable {
    public enum Kind: String, Sendable {
        /// A request whose verdict carried hits of this class.
        case verdict
        /// A behaviour finding (brute force, enumeration, …) completed by this request.
        case finding
    }

    public var id: Int64 = 0
    public var kind: Kind
    public var requestID: String
    public var ts: Int64
    public var client: String
    public var host: String
    public var method: String
    public var template: String
    public var status: Int?
    public var score: Double
    public var attackClass: String
    public var confidence: Double
    /// JSON: the hits of this class (`[{location, confidence, evidence, rule}]`) for verdicts,
    /// `{behaviour, evidence, identity}` for findings.
    public var detail: String

    /// Longest evidence excerpt stored, in UTF-8 bytes.
    public static let maxEvidenceBytes = 256

    public init(
        kind: Kind, requestID: String, ts: Int64, client: String, host: String, method: String, template: String,
        status: Int?, score: Double, attackClass: String, confidence: Double, detail: String
    ) {
        self.kind = kind
        self.requestID = requestID
        self.ts = ts
        self.client = client
        self.host = host
        self.method = method
        self.template = template
        self.status = status
        self.score = score
        self.attackClass = attackClass
        self.confidence = confidence
        self.detail = detail
    }

    /// Cuts text to `maxEvidenceBytes` on a character boundary.
    public static func capped(_ text: String, bytes: Int = maxEvidenceBytes) -> String {
        guard text.utf8.count > bytes else { return text }
        var out = ""
        var used = 0
        for ch in text {
            let n = String(ch).utf8.count
            if used + n > bytes - 3 { break }
            out.append(ch)
            used += n
        }
        return out + "…"
    }

    init(row: Row) {
        id = row["id"]
        kind = Kind(rawValue: row["kind"]) ?? .verdict
        requestID = row["request_id"]
        ts = row["ts"]
        client = row["client"]
        host = row["host"]
        method = row["method"]
        template = row["template"]
        status = row["status"]
        score = row["score"]
        attackClass = row["class"]
        confidence = row["confidence"]
        detail = row["detail"]
    }

    public func write(to w: inout JSONWriter) {
        w.beginObject()
        w.key("id")
        w.int(Int(id))
        w.key("kind")
        w.string(kind.rawValue)
        w.key("request_id")
        w.string(requestID)
        w.key("ts")
        w.int(Int(ts))
        w.key("client")
        w.string(client)
        w.key("endpoint")
        w.beginObject()
        w.key("host")
        w.string(host)
        w.key("method")
        w.string(method)
        w.key("template")
        w.string(template)
        w.endObject()
        w.key("status")
        if let status { w.int(status) } else { w.null() }
        w.key("score")
        w.double(score, decimals: 1)
        w.key("class")
        w.string(attackClass)
        w.key("confidence")
        w.double(confidence, decimals: 2)
        w.key("detail")
        w.raw(detail)
        w.endObject()
    }
}

/// Filters of `GET /v1/attacks` and `GET /v1/incidents`.
public struct AttackFilter: Sendable, Equatable {
    public var attackClass: String?
    public var client: String?
    public var host: String?
    public var method: String?
    public var template: String?
    public var kind: StoredAttack.Kind?
    /// ms, inclusive.
    public var from: Int64?
    /// ms, exclusive.
    public var to: Int64?
    /// Rows with an id below this (the previous page's `next_cursor`).
    public var before: Int64?
    public var limit: Int = 100

    public init() {}

    var whereClause: (sql: String, arguments: StatementArguments) {
        var clauses: [String] = []
        var arguments = StatementArguments()
        func add(_ clause: String, _ value: some DatabaseValueConvertible) {
            clauses.append(clause)
            _ = arguments.append(contentsOf: [value])
        }
        if let attackClass { add("class = ?", attackClass) }
        if let client { add("client = ?", client) }
        if let host { add("host = ?", host) }
        if let method { add("method = ?", method) }
        if let template { add("template = ?", template) }
        if let kind { add("kind = ?", kind.rawValue) }
        if let from { add("ts >= ?", from) }
        if let to { add("ts < ?", to) }
        return (clauses.isEmpty ? "" : "WHERE " + clauses.joined(separator: " AND "), arguments)
    }
}

/// Attacks of one client and class, grouped.
public struct Incident: Sendable, Equatable {
    public var client: String
    public var attackClass: String
    public var attacks: Int
    public var firstSeen: Int64
    public var lastSeen: Int64
    public var endpoints: Int
    public var maxConfidence: Double
}

extension AggregatorDatabase {
    /// A page of attacks, newest first, and the cursor of the next page (nil on the last).
    public func attacks(_ filter: AttackFilter) throws -> (attacks: [StoredAttack], nextCursor: Int64?) {
        try pool.read { db in
            var (sql, arguments) = filter.whereClause
            if let before = filter.before {
                sql += sql.isEmpty ? "WHERE id < ?" : " AND id < ?"
                _ = arguments.append(contentsOf: [before])
            }
            _ = arguments.append(contentsOf: [filter.limit + 1])
            let rows = try Row.fetchAll(
                db, sql: "SELECT * FROM attacks \(sql) ORDER BY id DESC LIMIT ?", arguments: arguments)
            var attacks = rows.map(StoredAttack.init(row:))
            var next: Int64?
            if attacks.count > filter.limit {
                attacks.removeLast()
                next = attacks.last?.id
            }
            return (attacks, next)
        }
    }

    public func attackCount(_ filter: AttackFilter = AttackFilter()) throws -> Int {
        try pool.read { db in
            let (sql, arguments) = filter.whereClause
            return try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM attacks \(sql)", arguments: arguments) ?? 0
        }
    }

    /// Attacks grouped by client and class, most recent activity first.
    public func incidents(_ filter: AttackFilter, offset: Int) throws -> [Incident] {
        try pool.read { db in
            var (sql, arguments) = filter.whereClause
            _ = arguments.append(contentsOf: [filter.limit, offset])
            sql = """
                SELECT client, class, COUNT(*) AS n, MIN(ts) AS first, MAX(ts) AS last,
                       COUNT(DISTINCT host || ' ' || method || ' ' || template) AS endpoints,
                       MAX(confidence) AS conf
                FROM attacks \(sql) GROUP BY client, class ORDER BY last DESC, client, class LIMIT ? OFFSET ?
                """
            return try Row.fetchAll(db, sql: sql, arguments: arguments).map { row in
                Incident(
                    client: row["client"], attackClass: row["class"], attacks: row["n"], firstSeen: row["first"],
                    lastSeen: row["last"], endpoints: row["endpoints"], maxConfidence: row["conf"])
            }
        }
    }

    /// Stored attacks of one request.
    public func attacks(requestID: String) throws -> [StoredAttack] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM attacks WHERE request_id = ? ORDER BY id", arguments: [requestID])
                .map(StoredAttack.init(row:))
        }
    }

    /// One line of the audit trail: a decision entry, or a template override (scope `template`,
    /// operation pin|split|unpin).
    public struct AuditRow: Sendable {
        public var at: Int64
        public var actor: String
        public var operation: String
        /// The action added (decision adds only).
        public var action: String?
        public var scope: String
        public var value: String
        public var reason: String
        /// Set for decision entries.
        public var decision: AuditEntry?
    }

    /// The audit trail, newest first.
    public func auditRows(limit: Int) throws -> [AuditRow] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM audit ORDER BY id DESC LIMIT ?", arguments: [limit]).compactMap {
                row -> AuditRow? in
                if let entry = Self.audit(row) {
                    return AuditRow(
                        at: entry.at, actor: entry.actor, operation: entry.operation.rawValue,
                        action: entry.action?.rawValue, scope: entry.scope.rawValue, value: entry.value,
                        reason: entry.reason, decision: entry)
                }
                guard row["scope"] == "template" else { return nil }
                return AuditRow(
                    at: row["at"], actor: row["actor"], operation: row["operation"], action: nil, scope: "template",
                    value: row["value"], reason: row["reason"], decision: nil)
            }
        }
    }

    /// The audit trail, newest first, as JSON objects: decision entries (`AuditEntry.json`) and
    /// template overrides (`{at, actor, operation: pin|split|unpin, scope: "template", value, reason}`).
    public func auditTrail(limit: Int) throws -> [String] {
        try auditRows(limit: limit).map { row in
            if let entry = row.decision { return entry.json }
            var w = JSONWriter()
            w.beginObject()
            w.key("at")
            w.int(Int(row.at))
            for (name, text) in [
                ("actor", row.actor), ("operation", row.operation), ("scope", row.scope), ("value", row.value),
                ("reason", row.reason),
            ] {
                w.key(name)
                w.string(text)
            }
            w.endObject()
            return w.output
        }
    }
}
