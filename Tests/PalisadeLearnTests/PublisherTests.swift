import PalisadeCore
import Testing

@testable import PalisadeLearn

@Suite("Baseline publication")
struct PublisherTests {
    static func observe(_ path: String, ts: Int64) -> EndpointObservation {
        TrafficGenerator.observe(CaptureRecord(id: "x", ts: ts, method: "GET", host: "h", rawPath: path))
    }

    @Test func publishesNewThenOnStateChangeThenOnGrowth() {
        var catalog = EndpointCatalog()
        var publisher = BaselinePublisher()
        var now: Int64 = 0
        for i in 0..<10 { catalog.learn(Self.observe("/a/\(i)", ts: now)) }
        var actions = publisher.tick(catalog: catalog, now: now)
        #expect(actions.count == 1)
        guard case .publish(let first)? = actions.first else { return }
        #expect(first.state == .learning && first.version == 1)

        // Unchanged: nothing. More samples but too soon: nothing.
        #expect(publisher.tick(catalog: catalog, now: now + 1).isEmpty)
        for i in 0..<10 { catalog.learn(Self.observe("/a/\(i)", ts: now)) }
        #expect(publisher.tick(catalog: catalog, now: now + 2).isEmpty)

        // Crossing minRequests publishes at once.
        for i in 0..<200 { catalog.learn(Self.observe("/a/\(i)", ts: now)) }
        actions = publisher.tick(catalog: catalog, now: now + 3)
        guard case .publish(let enforcing)? = actions.first else {
            Issue.record("expected a publication")
            return
        }
        #expect(enforcing.state == .enforcing && enforcing.version == 2)

        // Growth after the interval.
        for i in 0..<100 { catalog.learn(Self.observe("/a/\(i)", ts: now)) }
        now += 3 + 60_000
        actions = publisher.tick(catalog: catalog, now: now)
        #expect(actions.count == 1)
        #expect(publisher.lastPublished(enforcing.endpoint)?.version == 3)
    }

    @Test func foldedEndpointsGetTombstonesAndVersionsSurviveRestarts() throws {
        var catalog = EndpointCatalog()
        var publisher = BaselinePublisher()
        catalog.addOverride(TemplateOverride(template: "/x/{name}"))
        for name in ["a", "b"] { catalog.learn(Self.observe("/x/\(name)", ts: 0)) }
        let first = publisher.tick(catalog: catalog, now: 0)
        #expect(first.count == 1)
        catalog = EndpointCatalog()  // the override was removed and its stats dropped
        catalog.learn(Self.observe("/y", ts: 1))
        let second = publisher.tick(catalog: catalog, now: 1)
        #expect(second.contains(.tombstone(EndpointKey(host: "h", method: "GET", template: "/x/{name}"))))

        // Restart: restore from the compacted topic, the next version continues.
        guard case .publish(let y)? = second.first(where: { if case .publish = $0 { true } else { false } }) else {
            Issue.record("expected /y")
            return
        }
        var restarted = BaselinePublisher()
        restarted.restore([y])
        for _ in 0..<300 { catalog.learn(Self.observe("/y", ts: 2)) }
        let after = restarted.tick(catalog: catalog, now: 2)
        guard case .publish(let next)? = after.first else {
            Issue.record("expected a publication")
            return
        }
        #expect(next.version == y.version + 1)
    }
}
