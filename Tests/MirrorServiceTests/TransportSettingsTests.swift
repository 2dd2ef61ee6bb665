import PalisadeKafka
import PalisadeRuntime
import PalisadeTransport
import Testing

@testable import MirrorService

@Suite struct TransportSettingsTests {
    func settings(_ overrides: [String: String], environment: [String: String] = [:]) throws -> Settings {
        var all = overrides
        all["mirror.tokens"] = all["mirror.tokens"] ?? "t"
        return try Settings(
            definitions: MirrorConfiguration.allDefinitions, environment: environment, overrides: all)
    }

    @Test func inProcessByDefault() async throws {
        let transport = try TransportSettings.from(try settings([:]))
        #expect(transport.kind == .inprocess)
        #expect(transport.kafka == nil)
        #expect(transport.name(.requests) == "palisade.requests")
        // The in-process transport comes with Palisade's topics.
        let made = try await transport.makeTransport(logger: testLogger)
        let producer = try made.makeProducer()
        _ = try await producer.send(OutgoingRecord(topic: "palisade.requests", key: nil, value: [1]))
    }

    @Test func kafkaNeedsBootstrapServers() throws {
        #expect(throws: Settings.Error.self) { try TransportSettings.from(try settings(["transport.kind": "kafka"])) }
        #expect(throws: Settings.Error.self) { try TransportSettings.from(try settings(["transport.kind": "rabbit"])) }
        #expect(throws: Settings.Error.self) {
            try TransportSettings.from(
                try settings([
                    "kafka.bootstrap_servers": "k:9092", "transport.kind": "kafka", "kafka.compression": "lzma",
                ]))
        }
    }

    @Test func kafkaSettingsAndPassthroughProperties() throws {
        let transport = try TransportSettings.from(
            try settings(
                [
                    "transport.kind": "kafka", "kafka.topic_prefix": "acme.", "kafka.linger_ms": "20",
                    "kafka.properties.security.protocol": "sasl_ssl",
                ],
                environment: ["PALISADE_KAFKA_BOOTSTRAP_SERVERS": "k1:9092,k2:9092"]))
        #expect(transport.kind == .kafka)
        #expect(transport.name(.requests) == "acme.palisade.requests")
        let kafka = try #require(transport.kafka)
        #expect(kafka.bootstrapServers == "k1:9092,k2:9092")
        #expect(kafka.producer.lingerMs == 20)
        #expect(kafka.producer.compression == .lz4)
        #expect(kafka.properties == ["security.protocol": "sasl_ssl"])
    }

    @Test func mirrorSettingsAreValidated() throws {
        let config = try MirrorConfiguration.from(
            try settings([
                "mirror.raw.enabled": "true", "mirror.raw.tokens": "r", "mirror.raw.trusted_proxies": "10.0.0.0/8, ::1",
                "mirror.buffer_max_records": "1_000",
            ]))
        #expect(config.rawListener?.port == 8471)
        #expect(config.rawTrustedProxies.count == 2)
        #expect(config.bufferMaxRecords == 1_000)
        #expect(throws: Settings.Error.self) {
            try MirrorConfiguration.from(
                try settings([
                    "mirror.raw.enabled": "true", "mirror.raw.tokens": "r", "mirror.raw.trusted_proxies": "nope",
                ]))
        }
        // The raw listener needs its own token.
        #expect(throws: Settings.Error.self) {
            try MirrorConfiguration.from(try settings(["mirror.raw.enabled": "true"]))
        }
        #expect(throws: Settings.Error.self) { try MirrorConfiguration.from(try settings(["mirror.tokens": ""])) }
    }
}
