import Hummingbird
import HummingbirdTesting
import PalisadeCore
import PalisadeDetect
import PalisadePolicy
import Testing

@testable import AggregatorService

@Suite(.timeLimit(.minutes(1))) struct APITests {
    func withAPI(_ body: @Sendable (AggregatorCore, any TestClientProtocol) async throws -> Void) async throws {
        let dir = TempDirectory()
        let aggregator = try buildAggregator(
            configuration: testConfiguration(database: dir.database), transport: try await inProcessTransport(),
            logger: quietLogger(), policy: try blockingPolicy())
        let core = aggregator.core
        try await aggregator.application(logger: quietLogger()).test(.router) { client in try await body(core, client) }
    }

    @Test func everyRouteButTheProbesNeedsTheToken() async throws {
        try await withAPI { _, client in
            for path in [
                "/v1/decisions", "/v1/attacks", "/v1/incidents", "/v1/endpoints", "/v1/openapi.json", "/v1/status",
                "/v1/verdicts/x", "/v1/audit",
            ] {
                let anonymous = try await client.executeRequest(uri: path, method: .get, headers: [:], body: nil)
                #expect(anonymous.status == .unauthorized)
                let wrong = try await client.executeRequest(
                    uri: path, method: .get, headers: [.authorization: "Bearer nope"], body: nil)
                #expect(wrong.status == .unauthorized)
            }
            let health = try await client.executeRequest(uri: "/healthz", method: .get, headers: [:], body: nil)
            #expect(health.status == .ok)
            let ready = try await client.executeRequest(uri: "/readyz", method: .get, headers: [:], body: nil)
            #expect(ready.status == .ok)
            let status = try await client.get("/v1/status")
            #expect(status.status == .ok)
        }
    }

    @Test func attacksArePaginatedAndFiltered() async throws {
        try await withAPI { core, client in
            var records: [VerdictRecord] = []
            for i in 0..<25 {
                records.append(
                    verdict(
                        id: "a\(i)", client: i % 5 == 0 ? "192.0.2.9" : "203.0.113.\(i)",
                        attackClass: i % 2 == 0 ? .sqli : .xss, confidence: 0.5, ts: nowMs + Int64(i)))
            }
            try await core.absorb(records)
            var seen: Set<String> = []
            var cursor: String?
            var pages = 0
            repeat {
                let uri = "/v1/attacks?limit=10" + (cursor.map { "&cursor=\($0)" } ?? "")
                let page = try json(try await client.get(uri).body)
                for attack in page["attacks"]?.array ?? [] { seen.insert(attack["request_id"]?.stringValue ?? "") }
                cursor = page["next_cursor"]?.stringValue
                pages += 1
            } while cursor != nil && pages < 10
            #expect(pages == 3)
            #expect(seen.count == 25)

            let sqli =
                try json(try await client.get("/v1/attacks?class=sqli&kind=verdict&limit=100").body)["attacks"]?.array
                ?? []
            #expect(sqli.count == 13)
            #expect(sqli.allSatisfy { $0["class"]?.stringValue == "sqli" })
            let one =
                try json(try await client.get("/v1/attacks?client=192.0.2.9&kind=verdict").body)["attacks"]?.array ?? []
            #expect(one.count == 5)
            let window = try json(
                try await client.get("/v1/attacks?from=\(nowMs + 20)&to=\(nowMs + 23)&kind=verdict").body)
            #expect(window["attacks"]?.array.count == 3)
            let endpoint = try json(
                try await client.get("/v1/attacks?endpoint=%2Fv1%2Fsearch&method=get&kind=verdict").body)
            #expect(endpoint["attacks"]?.array.count == 25)
            #expect(try json(try await client.get("/v1/attacks?endpoint=/other").body)["attacks"]?.array.count == 0)

            // five attacks from one client within a minute are also an attack burst (a finding)
            let burst = try json(try await client.get("/v1/attacks?kind=finding").body)["attacks"]?.array ?? []
            #expect(burst.count == 1)
            #expect(burst.first?["client"]?.stringValue == "192.0.2.9")
            #expect(burst.first?["detail"]?["behaviour"]?.stringValue == "attack_burst")

            let incidents =
                try json(try await client.get("/v1/incidents?client=192.0.2.9").body)["incidents"]?.array ?? []
            #expect(incidents.count == 2)  // sqli (3 verdicts + the burst) and xss (2)
            #expect(incidents.map { $0["attacks"]?.int ?? 0 }.reduce(0, +) == 6)

            let verdictBody = try json(try await client.get("/v1/verdicts/a3").body)
            #expect(verdictBody["id"]?.stringValue == "a3")
            #expect(verdictBody["hits"]?.array.first?["class"]?.stringValue == "xss")
            let missing = try await client.get("/v1/verdicts/nope")
            #expect(missing.status == .notFound)
        }
    }

    @Test func badInputGets400WithAReason() async throws {
        try await withAPI { _, client in
            for uri in [
                "/v1/attacks?limit=0", "/v1/attacks?limit=abc", "/v1/attacks?class=bogus", "/v1/attacks?from=5&to=1",
                "/v1/attacks?kind=x", "/v1/decisions?wait=-1", "/v1/decisions?wait=soon", "/v1/incidents?offset=-3",
            ] {
                let response = try await client.get(uri)
                #expect(response.status == .badRequest, "\(uri)")
                let body = try json(response.body)
                #expect(body["error"]?.stringValue == "bad_request")
                let reason = body["reason"]?.stringValue ?? ""
                #expect(!reason.isEmpty)
            }
            for body in [
                "not json", "[1]", #"{"value":"1.2.3.4"}"#, #"{"scope":"planet","value":"x"}"#,
                #"{"scope":"ip","value":"not-an-ip"}"#, #"{"scope":"ip","value":"192.0.2.1","ttl_secs":0}"#,
                #"{"scope":"ip","value":"192.0.2.1","action":"nuke"}"#,
            ] {
                let response = try await client.executeRequest(
                    uri: "/v1/decisions", method: .post, headers: auth, body: ByteBuffer(string: body))
                #expect(response.status == .badRequest, "\(body)")
                #expect(try json(response.body)["reason"] != nil)
            }
            let spec = try await client.executeRequest(
                uri: "/v1/openapi/compare", method: .post, headers: auth,
                body: ByteBuffer(string: "{\"swagger\":\"2.0\"}"))
            #expect(spec.status == .badRequest)
            #expect(try json(spec.body)["error"]?.stringValue == "invalid_spec")
        }
    }

    @Test func manualDecisionsAreAddedLiftedAndAudited() async throws {
        try await withAPI { core, client in
            let added = try await client.executeRequest(
                uri: "/v1/decisions", method: .post, headers: auth,
                body: ByteBuffer(
                    string:
                        #"{"scope":"cidr","value":"198.51.100.0/24","action":"throttle","ttl_secs":120,"reason":"noisy","actor":"alice"}"#
                ))
            #expect(added.status == .created)
            #expect(try json(added.body)["source_rule"]?.stringValue == "manual")
            let header = try await client.executeRequest(
                uri: "/v1/decisions", method: .post, headers: auth,
                body: ByteBuffer(string: #"{"scope":"header","value":"X-Partner:evil co"}"#))
            #expect(try json(header.body)["value"]?.stringValue == "x-partner:evil co")

            let lifted = try await client.executeRequest(
                uri: "/v1/decisions/cidr/198.51.100.0%2F24?actor=bob&reason=false%20positive", method: .delete,
                headers: auth, body: nil)
            #expect(lifted.status == .ok)
            let again = try await client.executeRequest(
                uri: "/v1/decisions/cidr/198.51.100.0/24", method: .delete, headers: auth, body: nil)
            #expect(again.status == .notFound)
            #expect(await core.decisions.map(\.key) == ["header:x-partner:evil co"])

            let audit = try json(try await client.get("/v1/audit").body)["audit"]?.array ?? []
            #expect(audit.map { $0["operation"]?.stringValue } == ["lift", "add", "add"])
            #expect(audit.first?["actor"]?.stringValue == "bob")
            #expect(audit.first?["reason"]?.stringValue == "false positive")
        }
    }

    @Test func attackRetentionKeepsTheNewest() throws {
        let dir = TempDirectory()
        let database = try AggregatorDatabase(path: dir.database)
        var write = AggregatorDatabase.Write()
        for i in 0..<20 {
            write.attacks += AggregatorCore.attacks(
                of: verdict(id: "x\(i)", client: "c", attackClass: .sqli, ts: 1_000 + Int64(i)).verdict)
        }
        try database.write(write)
        #expect(try database.trimAttacks(maxCount: 15, olderThan: 1_003) == 5)
        #expect(try database.attackCount() == 15)
        #expect(try database.trimAttacks(maxCount: 10, olderThan: 0) == 5)
        let (page, _) = try database.attacks(AttackFilter())
        #expect(page.first?.requestID == "x19")
        #expect(page.last?.requestID == "x10")
    }
}
