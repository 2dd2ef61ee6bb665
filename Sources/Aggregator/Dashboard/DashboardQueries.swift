import GRDB

/// The dashboard's read-only aggregate queries over stored attacks (bound arguments only).
extension AggregatorDatabase {
    struct Count: Sendable, Equatable {
        var name: String
        var count: Int
    }

    struct ClientCount: Sendable, Equatable {
        var client: String
        var attacks: Int
        var classes: Int
        var lastSeen: Int64
    }

    struct EndpointCount: Sendable, Equatable {
        var host: String
        var method: String
        var template: String
        var attacks: Int
        var clients: Int
    }

    /// Attacked requests (distinct request ids) per bucket of `bucketMs` in [from, to): bucket
    /// start → count; buckets without attacks are absent.
    func attackTimeline(from: Int64, to: Int64, bucketMs: Int64) throws -> [Int64: Int] {
        try pool.read { db in
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT (ts / ?) * ? AS bucket, COUNT(DISTINCT request_id) AS n FROM attacks
                    WHERE ts >= ? AND ts < ? GROUP BY bucket
                    """,
                arguments: [bucketMs, bucketMs, from, to])
            var out: [Int64: Int] = [:]
            for row in rows { out[row["bucket"]] = row["n"] }
            return out
        }
    }

    /// Stored attacks per class since `from`, most first.
    func attackClasses(from: Int64) throws -> [Count] {
        try pool.read { db in
            try Row.fetchAll(
                db,
                sql: "SELECT class, COUNT(*) AS n FROM attacks WHERE ts >= ? GROUP BY class ORDER BY n DESC, class",
                arguments: [from]
            ).map { Count(name: $0["class"], count: $0["n"]) }
        }
    }

    /// The clients with the most stored attacks since `from`.
    func topClients(from: Int64, limit: Int) throws -> [ClientCount] {
        try pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT client, COUNT(*) AS n, COUNT(DISTINCT class) AS classes, MAX(ts) AS last FROM attacks
                    WHERE ts >= ? GROUP BY client ORDER BY n DESC, client LIMIT ?
                    """,
                arguments: [from, limit]
            ).map { ClientCount(client: $0["client"], attacks: $0["n"], classes: $0["classes"], lastSeen: $0["last"]) }
        }
    }

    /// The endpoints with the most stored attacks since `from`.
    func topEndpoints(from: Int64, limit: Int) throws -> [EndpointCount] {
        try pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT host, method, template, COUNT(*) AS n, COUNT(DISTINCT client) AS clients FROM attacks
                    WHERE ts >= ? GROUP BY host, method, template ORDER BY n DESC, template LIMIT ?
                    """,
                arguments: [from, limit]
            ).map {
                EndpointCount(
                    host: $0["host"], method: $0["method"], template: $0["template"], attacks: $0["n"],
                    clients: $0["clients"])
            }
        }
    }

    /// One stored attack by its row id.
    func attack(id: Int64) throws -> StoredAttack? {
        try pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM attacks WHERE id = ?", arguments: [id]).map(
                StoredAttack.init(row:))
        }
    }
}
