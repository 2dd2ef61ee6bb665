import AggregatorService
import PalisadeRuntime
import Testing
import WorkerService

@testable import PalisadeCLI

/// Every role reads the one transport configuration (`transport.kind`, `kafka.*`) and takes the
/// same shared flags.
@Suite struct RoleSettingsTests {
    @Test func workerReadsTheSharedTransportKeys() throws {
        let settings = try WorkerCommand.parse([
            "--kafka-bootstrap", "k1:9092", "--topic-prefix", "acme.", "--set", "worker.tokens=t",
            "--set", "kafka.session_timeout_ms=6000", "--log-level", "debug",
        ]).loadSettings()
        let transport = try TransportSettings.from(settings)
        #expect(transport.kind == .kafka)
        #expect(transport.kafka?.bootstrapServers == "k1:9092")
        #expect(transport.kafka?.consumer.sessionTimeoutMs == 6_000)
        #expect(transport.kafka?.consumer.closeCommitTimeoutMs == 3_000)
        let worker = try WorkerSettings.from(settings)
        #expect(worker.topic(.requests) == "acme.palisade.requests")
        // The drain must end before the session times out.
        var slow = worker
        slow.drainTimeoutMs = 6_000
        #expect(throws: WorkerConfigurationError.self) { try slow.validate(against: transport, settings) }
        // The worker's own transport keys are gone.
        #expect(throws: (any Error).self) {
            try WorkerCommand.parse(["--set", "worker.topic_prefix=x"]).loadSettings()
        }
    }

    @Test func aggregatorReadsTheSharedTransportKeys() throws {
        let settings = try AggregatorCommand.parse([
            "--token", "t", "--topic-prefix", "acme.", "--kafka-bootstrap", "k1:9092,k2:9092", "--database", "a.sqlite",
            "--set", "kafka.properties.security.protocol=ssl", "--log-level", "warning",
        ]).loadSettings()
        let configuration = try AggregatorConfiguration.from(settings)
        #expect(configuration.databasePath == "a.sqlite")
        #expect(configuration.topicPrefix == "acme.")
        let transport = try TransportSettings.from(settings)
        #expect(transport.kind == .kafka)
        #expect(transport.kafka?.properties == ["security.protocol": "ssl"])
        #expect(throws: (any Error).self) {
            try AggregatorCommand.parse(["--set", "aggregator.kafka_bootstrap_servers=k:1"]).loadSettings()
        }
        #expect(throws: (any Error).self) {
            try AggregatorCommand.parse(["--set", "aggregator.topic_prefix=x"]).loadSettings()
        }
        #expect(throws: (any Error).self) { try AggregatorCommand.parse(["--log-level", "loud"]) }
        // Without --kafka-bootstrap: in-process.
        let local = try AggregatorCommand.parse(["--token", "t"]).loadSettings()
        #expect(try TransportSettings.from(local).kind == .inprocess)
    }

    @Test func upAcceptsEveryRoleKeyAndMasksSecrets() throws {
        let (settings, _) = try UpConfiguration.load(
            yaml: """
                mirror: {tokens: [m-secret], buffer_max_records: 5000}
                aggregator: {tokens: a-secret}
                worker: {sensitivity: high}
                kafka: {topic_prefix: acme.}
                """, yamlPath: "up.yaml", environment: ["PALISADE_UP_WORKERS": "3"], overrides: [:], generate: false)
        let text = settings.redactedDescription()
        #expect(!text.contains("m-secret") && !text.contains("a-secret"))
        let configuration = try UpConfiguration.from(settings, tokenFile: nil)
        #expect(configuration.workers == 3)
        #expect(configuration.mirror.bufferMaxRecords == 5_000)
        #expect(configuration.worker.sensitivity == .high)
        #expect(configuration.mirror.topicPrefix == "acme.")
        #expect(configuration.worker.topic(.verdicts) == "acme.palisade.verdicts")
        #expect(configuration.aggregator.topicPrefix == "acme.")
        #expect(configuration.aggregator.databasePath == "./palisade-data/palisade.sqlite")
    }
}
