import Foundation
import PalisadeCore
import Testing

@testable import PalisadeLearn

@Suite("Wire format of observations and baselines")
struct WireFormatTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    static func fixture(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: fixtures.appendingPathComponent(name)))
    }

    static func sampleObservation() -> EndpointObservation {
        var o = TrafficGenerator.observe(
            CaptureRecord(
                id: "01JFIXTURE", ts: 1_763_700_000_123, method: "POST", host: "api.example.com",
                rawPath: "/users/42/orders?dry_run=1",
                headers: [
                    .init("content-type", "application/json"), .init("user-agent", "fixture/1"),
                    .init("authorization", "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl"),
                ],
                body: Array(#"{"items":[{"sku":"SKU-1","qty":2}],"email":"a@b.example","note":"hi there"}"#.utf8),
                status: 201))
        for i in o.params.indices { o.params[i].point = -1 }
        return o
    }

    @Test func observationRoundTrips() throws {
        let o = Self.sampleObservation()
        let decoded = try EndpointObservation(json: Array(o.json().utf8))
        #expect(decoded == o)
    }

    @Test func baselineRoundTrips() throws {
        let b = try ScorerTests.baseline("POST", "/users/{id}/orders")
        let text = b.json()
        let decoded = try EndpointBaseline(json: Array(text.utf8))
        #expect(decoded.json() == text)
        #expect(decoded.endpoint == b.endpoint && decoded.version == b.version && decoded.state == b.state)
        #expect(decoded.parameters.map(\.location) == b.parameters.map(\.location))
        #expect(decoded.pathParameterIndex == b.pathParameterIndex)
    }

    /// Checked-in encodings (v1) must always decode. Regenerate only on a version bump.
    @Test func checkedInFixturesDecode() throws {
        let o = try EndpointObservation(json: Self.fixture("observation-v1.json"))
        #expect(o.endpoint.template == "/users/{id}/orders")
        #expect(o.params.contains { $0.location == "body.json.items[].sku" })
        // The format is frozen, not the builder: decoding and re-encoding must give the same text.
        #expect(o.json() + "\n" == String(decoding: try Self.fixture("observation-v1.json"), as: UTF8.self))
        #expect(o.auth == .bearerJWT)
        let b = try EndpointBaseline(json: Self.fixture("baseline-v1.json"))
        #expect(b.endpoint.template == "/search")
        #expect(b.state == .enforcing)
        #expect(b.parameter("query.q")?.required == true)
    }

    @Test(arguments: [
        "{}", #"{"v":2}"#, #"{"v":1,"endpoint":{"host":"h","method":"GET"}}"#, "[1,2]", "nul",
    ])
    func malformedRecordsAreRejected(text: String) {
        #expect(throws: WireError.self) { _ = try EndpointObservation(json: Array(text.utf8)) }
        #expect(throws: WireError.self) { _ = try EndpointBaseline(json: Array(text.utf8)) }
    }

    /// Writes the fixtures when PALISADE_WRITE_FIXTURES=1 (run once per schema version).
    @Test func writeFixturesWhenAsked() throws {
        guard ProcessInfo.processInfo.environment["PALISADE_WRITE_FIXTURES"] == "1" else { return }
        try FileManager.default.createDirectory(at: Self.fixtures, withIntermediateDirectories: true)
        try Data((Self.sampleObservation().json() + "\n").utf8).write(
            to: Self.fixtures.appendingPathComponent("observation-v1.json"))
        let b = try ScorerTests.baseline("GET", "/search")
        try Data((b.json() + "\n").utf8).write(to: Self.fixtures.appendingPathComponent("baseline-v1.json"))
    }
}

extension WireFormatTests {
    @Test func catalogSnapshotRestoresTheSameStateAndKeepsLearning() throws {
        var generator = TrafficGenerator(seed: 31)
        var catalog = EndpointCatalog()
        catalog.addOverride(TemplateOverride(host: TrafficGenerator.host, template: "/users/me"))
        for o in generator.observations(3_000) { catalog.learn(o) }
        let text = catalog.snapshot()
        var restored = try EndpointCatalog(snapshot: Array(text.utf8))
        #expect(restored == catalog)
        #expect(restored.snapshot() == text)
        for o in generator.observations(1_000) {
            catalog.learn(o)
            restored.learn(o)
        }
        #expect(restored == catalog)
        #expect(!text.contains("@example.com"))  // e-mails in paths and bodies are never kept
    }

    @Test(arguments: [
        "{}", #"{"v":1}"#, #"{"v":1,"host_overflow":0,"overrides":[],"pinned":[],"trees":[{"host":"h"}]}"#,
    ])
    func badSnapshotsAreRejected(text: String) {
        #expect(throws: WireError.self) { _ = try EndpointCatalog(snapshot: Array(text.utf8)) }
    }

    @Test func publishedRecordsCarryNoValues() throws {
        let secret = "Sup3rS3cretPassw0rdValue"
        var catalog = EndpointCatalog()
        for i in 0..<250 {
            let record = CaptureRecord(
                id: "x", ts: Int64(i), method: "POST", host: "h", rawPath: "/login",
                headers: [.init("content-type", "application/json")],
                body: Array(#"{"username":"user\#(i)@corp.example","password":"\#(secret)\#(i)"}"#.utf8))
            let o = TrafficGenerator.observe(record)
            #expect(!o.json().contains(secret))
            catalog.learn(o)
        }
        let baseline = BaselineBuilder().build(try #require(catalog.endpoints().first), now: 0)
        #expect(!baseline.json().contains(secret))
        #expect(!baseline.json().contains("corp.example"))
        #expect(!catalog.snapshot().contains(secret))
        #expect(!OpenAPIExporter().json(catalog.endpoints()).contains(secret))
    }
}
