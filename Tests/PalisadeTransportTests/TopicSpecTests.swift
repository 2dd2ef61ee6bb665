import PalisadeTransport
import Testing

@Suite
struct TopicSpecTests {
    @Test("DESIGN's topics table: names under a prefix, compaction, retention")
    func palisadeTopics() {
        let specs = PalisadeTopic.allSpecs(prefix: "acme.", partitions: 12, replicationFactor: 3, retentionHours: 6)
        #expect(
            specs.map(\.name) == [
                "acme.palisade.requests", "acme.palisade.verdicts", "acme.palisade.observations",
                "acme.palisade.baselines", "acme.palisade.decisions", "acme.palisade.deadletter",
                "acme.palisade.aggregator-state",
            ])
        #expect(specs.allSatisfy { $0.partitions == 12 && $0.replicationFactor == 3 })
        let byName = Dictionary(uniqueKeysWithValues: specs.map { ($0.name, $0.config) })
        #expect(byName["acme.palisade.baselines"] == ["cleanup.policy": "compact"])
        #expect(byName["acme.palisade.decisions"] == ["cleanup.policy": "compact"])
        #expect(byName["acme.palisade.aggregator-state"] == ["cleanup.policy": "compact"])
        #expect(byName["acme.palisade.requests"] == ["cleanup.policy": "delete", "retention.ms": "21600000"])
        #expect(byName["acme.palisade.verdicts"]?["cleanup.policy"] == "delete")
        #expect(byName["acme.palisade.observations"]?["cleanup.policy"] == "delete")
        #expect(byName["acme.palisade.deadletter"]?["cleanup.policy"] == "delete")
        #expect(PalisadeTopic.requests.name() == "palisade.requests")
    }
}
