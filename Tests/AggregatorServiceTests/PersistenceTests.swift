import Hummingbird
import HummingbirdTesting
import PalisadeCore
import PalisadeDetect
import PalisadeLearn
import PalisadePolicy
import PalisadeTransport
import Testing

@testable import AggregatorService

/// State that must survive a restart on the same SQLite file: behaviour windows (snapshot +
/// journal), lift grace periods, template overrides.
@Suite(.timeLimit(.minutes(1))) struct PersistenceTests {
    /// Failed logins from one address, a second apart: brute force fires at the 10th.
    static let logins = (0..<14).map { i in
        verdict(
            id: "login-\(i)", client: "198.51.100.9", method: "POST", template: "/v1/login", status: 401,
            ts: nowMs + Int64(i) * 1_000)
    }

    func aggregator(_ dir: TempDirectory, snapshotEvery: Int = 50_000) async throws -> Aggregator {
        var config = testConfiguration(database: dir.database)
        config.behaviourSnapshotEvents = snapshotEvery
        return try buildAggregator(
            configuration: config, transport: try await inProcessTransport(), logger: quietLogger(),
            policy: try blockingPolicy())
    }

    /// Feeds verdicts one by one; returns the index (in `logins`) of the first that led to a block
    /// on the address, and the findings counted.
    func feed(_ core: AggregatorCore, _ range: Range<Int>) async throws -> (blockedAt: Int?, findings: Int) {
        var blockedAt: Int?
        for i in range {
            try await core.absorb([Self.logins[i]])
            if blockedAt == nil, await core.decisions.contains(where: { $0.value == "198.51.100.9" }) { blockedAt = i }
        }
        return (blockedAt, await core.status.counters.findings)
    }

    enum Interruption: CaseIterable {
        /// Only the journal holds the first half.
        case journal
        /// A snapshot after three events, the journal holds the rest.
        case snapshotThenJournal
        /// Snapshots written with the verdict batches (every 4 events).
        case snapshotsByCount
    }

    @Test(arguments: Interruption.allCases)
    func aBruteForceRunSplitByARestartFiresAsIfNothingHappened(_ interruption: Interruption) async throws {
        let control = try await aggregator(TempDirectory())
        let reference = try await feed(control.core, 0..<14)
        #expect(reference.blockedAt == 9)
        #expect(reference.findings == 1)

        let dir = TempDirectory()
        let snapshotEvery = interruption == .snapshotsByCount ? 4 : 50_000
        do {
            let first = try await aggregator(dir, snapshotEvery: snapshotEvery)
            if interruption == .snapshotThenJournal {
                _ = try await feed(first.core, 0..<3)
                try await first.core.snapshotBehaviour(now: nowMs)
                _ = try await feed(first.core, 3..<6)
            } else {
                _ = try await feed(first.core, 0..<6)
            }
            #expect(await first.core.decisions.isEmpty)
        }
        let second = try await aggregator(dir, snapshotEvery: snapshotEvery)
        let journaled = await second.core.behaviourJournalEvents
        switch interruption {
        case .journal: #expect(journaled == 6)
        case .snapshotThenJournal: #expect(journaled == 3)
        case .snapshotsByCount: #expect(journaled == 2)
        }
        let resumed = try await feed(second.core, 6..<14)
        #expect(resumed.blockedAt == reference.blockedAt, "the decision fires at the same login")
        #expect(resumed.findings == 1)
        var findings = AttackFilter()
        findings.kind = .finding
        #expect(try second.core.database.attackCount(findings) == 1)
    }

    @Test func aDamagedBehaviourSnapshotStartsTheDetectorsEmptyAndKeepsTheRest() async throws {
        let dir = TempDirectory()
        do {
            let first = try await aggregator(dir)
            _ = try await feed(first.core, 0..<6)
            var write = AggregatorDatabase.Write()
            write.behaviourSnapshot = [1, 2, 3]
            try first.core.database.write(write)
            try await first.core.absorb([verdict(id: "x1", client: "203.0.113.7", attackClass: .sqli)])
        }
        let second = try await aggregator(dir)
        #expect(await second.core.decisions.map(\.value) == ["203.0.113.7"])
        #expect(await second.core.behaviourJournalEvents == 0)
        #expect(try await feed(second.core, 6..<14).blockedAt == nil, "the windows started over")
    }

    @Test func theLiftGracePeriodSurvivesARestart() async throws {
        let dir = TempDirectory()
        do {
            let first = try await aggregator(dir)
            try await first.core.absorb([verdict(id: "a1", client: "203.0.113.7", attackClass: .sqli)])
            #expect(await first.core.decisions.count == 1)
            _ = try await first.core.liftDecision(
                scope: .ip, value: "203.0.113.7", actor: "alice", reason: "false positive", now: nowMs)
        }
        let second = try await aggregator(dir)
        try await second.core.absorb([verdict(id: "a2", client: "203.0.113.7", attackClass: .sqli, ts: nowMs + 5)])
        #expect(await second.core.decisions.isEmpty, "the trigger of a lifted false positive does not re-add it")
        #expect(await second.core.status.storeStats.rejectedLifted == 1)
        // a manual add ends the grace, also across restarts
        _ = try await second.core.addDecision(
            scope: .ip, value: "203.0.113.7", action: .monitor, ttlSecs: 1, reason: "watch", actor: "alice", now: nowMs)
        let third = try await aggregator(dir)
        #expect(await third.core.status.storeStats.rejectedLifted == 0)
        try await third.core.absorb([verdict(id: "a3", client: "203.0.113.7", attackClass: .sqli, ts: nowMs + 9)])
        #expect(await third.core.decisions.first?.action == .block)
    }

    // MARK: catalog in parts

    func hostObservation(_ host: String, _ i: Int) -> EndpointObservation {
        var o = observation(id: "\(host)-\(i)", path: "/v1/things/\(i % 4)/items")
        o.endpoint.host = host
        return o
    }

    func requests(_ core: AggregatorCore) async -> [String: Int] {
        var out: [String: Int] = [:]
        for e in await core.endpoints() { out[e.key.host, default: 0] += e.stats.requests }
        return out
    }

    @Test func theCatalogIsWrittenInPartsAndRestoredWhole() async throws {
        let dir = TempDirectory()
        do {
            let first = try await aggregator(dir)
            await first.core.learn((0..<20).map { hostObservation("a.example", $0) })
            await first.core.learn((0..<10).map { hostObservation("b.example", $0) })
            try await first.core.flushCatalog(now: nowMs)
            await first.core.learn((20..<30).map { hostObservation("a.example", $0) })
            try await first.core.flushCatalog(now: nowMs)  // rewrites a.example's tree only
            #expect(try first.core.database.loadCatalog()?.trees.count == 2)
        }
        let second = try await aggregator(dir)
        #expect(await requests(second.core) == ["a.example": 30, "b.example": 10])

        // a database holding one whole snapshot (before parts): every tree becomes a part at the
        // next flush, so learning on one host does not lose the others
        var whole = EndpointCatalog()
        for i in 0..<7 { whole.learn(hostObservation("c.example", i)) }
        var write = AggregatorDatabase.Write()
        write.catalogSnapshot = whole.snapshot()
        write.clearCatalogTrees = true
        try second.core.database.write(write)
        do {
            let third = try await aggregator(dir)
            #expect(await requests(third.core) == ["c.example": 7])
            await third.core.learn([hostObservation("d.example", 1)])
            try await third.core.flushCatalog(now: nowMs)
        }
        let fourth = try await aggregator(dir)
        #expect(await requests(fourth.core) == ["c.example": 7, "d.example": 1])
    }

    // MARK: template overrides

    func send(_ client: some TestClientProtocol, _ method: HTTPRequest.Method, _ uri: String, _ body: String? = nil)
        async throws -> TestResponse
    {
        try await client.executeRequest(
            uri: uri, method: method, headers: auth, body: body.map { ByteBuffer(string: $0) })
    }

    @Test func templatePinsAndSplitsAreValidatedAuditedPersistedAndApplied() async throws {
        let dir = TempDirectory()
        let first = try await aggregator(dir)
        try await first.application(logger: quietLogger()).test(.router) { client in
            for (kind, body) in [
                ("pin", #"{"template":"/v1/users/admin"}"#), ("split", #"{"template":"/v1/users/{id}"}"#),
                ("pin", #"{"method":"GET"}"#), ("pin", #"{"template":"v1/x/{id}"}"#),
                ("pin", #"{"template":"/a/{b}x"}"#), ("pin", #"{"template":"/a/{b}","method":7}"#),
                ("pin", #"{"template":"/a/{b}","method":"G T"}"#), ("split", "[1]"),
            ] {
                let response = try await send(client, .post, "/v1/endpoints/templates/\(kind)", body)
                #expect(response.status == .badRequest, "\(kind) \(body)")
                #expect(try json(response.body)["error"]?.stringValue == "bad_request")
            }
            let pin = try await send(
                client, .post, "/v1/endpoints/templates/pin",
                #"{"host":"API.example.com","method":"get","template":"/v1/tenants/{tenant}/items","actor":"alice","reason":"tenants are not resources"}"#
            )
            #expect(pin.status == .created)
            let pinned = try json(pin.body)
            #expect(pinned["host"]?.stringValue == "api.example.com")
            #expect(pinned["method"]?.stringValue == "GET")
            #expect(pinned["kind"]?.stringValue == "pin")
            let split = try await send(
                client, .post, "/v1/endpoints/templates/split", #"{"template":"/v1/users/admin","actor":"bob"}"#)
            #expect(split.status == .created)
            #expect(try json(split.body)["host"] == .null)
            let list = try json(try await client.get("/v1/endpoints/templates").body)["templates"]?.array ?? []
            #expect(
                list.compactMap { $0["template"]?.stringValue }.sorted() == [
                    "/v1/tenants/{tenant}/items", "/v1/users/admin",
                ])
        }

        var observations: [EndpointObservation] = []
        for i in 0..<30 {
            observations.append(observation(id: "t\(i)", path: "/v1/tenants/tenant\(i % 3)/items"))
            observations.append(observation(id: "u\(i)", path: "/v1/users/\(1000 + i)"))
            if i < 6 { observations.append(observation(id: "a\(i)", path: "/v1/users/admin")) }
        }
        await first.core.learn(observations)
        let endpoints = await first.core.endpoints()
        let tenants = try #require(endpoints.first { $0.key.template == "/v1/tenants/{tenant}/items" })
        #expect(tenants.pinned && tenants.stats.requests == 30)
        let admin = try #require(endpoints.first { $0.key.template == "/v1/users/admin" })
        #expect(admin.pinned && admin.stats.requests == 6)
        #expect(!endpoints.contains { $0.key.template.hasPrefix("/v1/tenants/tenant") })

        // workers find the pinned and split templates through the published baselines
        var workerView = BaselineSet()
        for action in try await first.core.tick(now: nowMs) {
            if case .publish(let baseline) = action { workerView.apply(baseline) }
        }
        func matched(_ path: String) -> String? {
            workerView.baseline(host: "api.example.com", method: "GET", path: path[...])?.endpoint.template
        }
        #expect(matched("/v1/tenants/initech/items") == "/v1/tenants/{tenant}/items")
        #expect(matched("/v1/users/admin") == "/v1/users/admin")
        #expect(matched("/v1/users/77")?.hasPrefix("/v1/users/{") == true)

        // a restart keeps them (the catalog snapshot was never written)
        let second = try await aggregator(dir)
        #expect(await second.core.templateOverrideList.count == 2)
        await second.core.learn([observation(id: "t-new", path: "/v1/tenants/hooli/items")])
        #expect(await second.core.endpoints().contains { $0.key.template == "/v1/tenants/{tenant}/items" && $0.pinned })
        try await second.application(logger: quietLogger()).test(.router) { client in
            let uri =
                "/v1/endpoints/templates?host=api.example.com&method=GET&template=/v1/tenants/%7Btenant%7D/items&actor=carol"
            #expect(try await send(client, .delete, uri).status == .ok)
            #expect(try await send(client, .delete, uri).status == .notFound)
            #expect(try await send(client, .delete, "/v1/endpoints/templates").status == .badRequest)
            let audit = try json(try await client.get("/v1/audit").body)["audit"]?.array ?? []
            #expect(audit.compactMap { $0["operation"]?.stringValue } == ["unpin", "split", "pin"])
            #expect(audit.last?["actor"]?.stringValue == "alice")
            #expect(audit.last?["value"]?.stringValue == "api.example.com GET /v1/tenants/{tenant}/items")
        }
        try await second.core.flushCatalog(now: nowMs)
        let third = try await aggregator(dir)
        #expect(await third.core.templateOverrideList.map(\.key.template) == ["/v1/users/admin"])
    }
}
