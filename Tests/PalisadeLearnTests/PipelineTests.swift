import PalisadeCore
import PalisadeDetect
import Testing

@testable import PalisadeLearn

/// The whole loop without transport: worker observes → wire → aggregator learns and publishes →
/// wire → worker applies the baseline and scores the next requests.
@Suite("Learning pipeline")
struct PipelineTests {
    @Test func observationsToBaselinesToScoring() throws {
        var generator = TrafficGenerator(seed: 77)
        var catalog = EndpointCatalog()
        var publisher = BaselinePublisher()
        var worker = BaselineSet()
        var now: Int64 = 1_763_700_000_000

        for _ in 0..<4 {
            for _ in 0..<1_500 {
                let record = generator.nextRecord()
                let wire = generator.observe(record).json()  // worker → palisade.observations
                catalog.learn(try EndpointObservation(json: Array(wire.utf8)))  // aggregator
            }
            now += 120_000
            for action in publisher.tick(catalog: catalog, now: now) {  // aggregator → palisade.baselines
                switch action {
                case .publish(let b): worker.apply(try EndpointBaseline(json: Array(b.json().utf8)))
                case .tombstone(let key): worker.remove(key)
                }
            }
        }
        #expect(worker.baselines.count == TrafficGenerator.expectedTemplates.count)
        // Every endpoint past minRequests enforces at the workers (state changes publish at once).
        for e in catalog.endpoints() where e.stats.requests >= BaselineConfig().minRequests {
            #expect(worker.baselines[e.key]?.state == .enforcing, "\(e.key)")
        }
        #expect(worker.baselines.values.filter { $0.state == .enforcing }.count >= 13)

        // The worker scores a clean request and an injection in an integer id.
        let scorer = BaselineScorer()
        let clean = CaptureRecord(
            id: "c", ts: now, method: "GET", host: TrafficGenerator.host, rawPath: "/v2/items/17/reviews?limit=5",
            headers: [.init("user-agent", "Mozilla/5.0 (X11; Linux x86_64) palisade-test/2")])
        let attack = CaptureRecord(
            id: "a", ts: now, method: "GET", host: TrafficGenerator.host,
            rawPath: "/v2/items/17/reviews?limit=5%27%20OR%20%271%27=%271",
            headers: [.init("user-agent", "Mozilla/5.0 (X11; Linux x86_64) palisade-test/2")])
        let baseline = try #require(worker.baseline(for: clean))
        #expect(baseline.endpoint.template == "/v2/items/{id}/reviews")
        #expect(scorer.score(generator.observe(clean), against: baseline).isEmpty)
        let hits = scorer.score(generator.observe(attack), against: baseline)
        #expect(hits.contains { $0.rule == "schema.format" && $0.location == "query.limit" })
        #expect(hits.allSatisfy { $0.attackClass == .schemaAnomaly })
    }
}
