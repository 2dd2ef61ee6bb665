import Testing

@testable import PalisadeRuntime

@Suite struct SettingsTests {
    let definitions: [Settings.Definition] = [
        .init("mirror.max_body_bytes", default: "1048576", "Body limit."),
        .init("mirror.tokens", default: "", "Tokens.", secret: true),
        .init("kafka.bootstrap", default: "", "Brokers."),
        .init("kafka.properties.*", default: "", "Passthrough."),
        .init("debug", default: "false", "Debug."),
    ]

    @Test func layersDefaultsFileEnvironmentAndFlags() throws {
        let yaml = """
            mirror:
              max_body_bytes: 2_000
              tokens: [a, b]
            kafka:
              bootstrap: 127.0.0.1:9092
              properties:
                security.protocol: SSL
            """
        let settings = try Settings(
            definitions: definitions, yaml: yaml, yamlPath: "p.yaml",
            environment: ["PALISADE_KAFKA_BOOTSTRAP": "10.0.0.1:9092", "UNRELATED": "x"],
            overrides: ["debug": "yes"])
        #expect(try settings.int("mirror.max_body_bytes") == 2000)
        #expect(settings.origin("mirror.max_body_bytes") == .file("p.yaml"))
        #expect(settings.list("mirror.tokens") == ["a", "b"])
        #expect(settings.string("kafka.bootstrap") == "10.0.0.1:9092")
        #expect(settings.origin("kafka.bootstrap") == .environment("PALISADE_KAFKA_BOOTSTRAP"))
        #expect(try settings.bool("debug"))
        #expect(settings.subtree("kafka.properties.") == ["security.protocol": "SSL"])
        #expect(settings.redactedDescription().contains("mirror.tokens = ********"))
        #expect(!settings.redactedDescription().contains("a,b"))
    }

    @Test func passthroughKeysComeFromTheEnvironmentToo() throws {
        let yaml = """
            kafka:
              properties:
                security.protocol: PLAINTEXT
                sasl.mechanisms: PLAIN
            """
        let settings = try Settings(
            definitions: definitions, yaml: yaml,
            environment: [
                "PALISADE_KAFKA_PROPERTIES_SECURITY_PROTOCOL": "SASL_SSL",
                "PALISADE_KAFKA_PROPERTIES_SSL_CA_LOCATION": "/etc/ca.pem",
                "PALISADE_KAFKA_PROPERTIES_": "ignored: no property name",
                "PALISADE_KAFKA_PROPERTIESX": "ignored: not under the prefix",
            ])
        #expect(
            settings.subtree("kafka.properties.") == [
                "security.protocol": "SASL_SSL", "sasl.mechanisms": "PLAIN", "ssl.ca.location": "/etc/ca.pem",
            ])
        #expect(
            settings.origin("kafka.properties.security.protocol")
                == .environment("PALISADE_KAFKA_PROPERTIES_SECURITY_PROTOCOL"))
    }

    @Test func unknownKeysAndBadValuesAreClearErrors() {
        #expect {
            try Settings(definitions: definitions, yaml: "mirror:\n  max_body_bytez: 1\n", yamlPath: "c.yaml")
        } throws: { error in
            (error as? Settings.Error)
                == .init(key: "mirror.max_body_bytez", origin: .file("c.yaml"), reason: "unknown setting")
        }
        #expect(throws: Settings.Error.self) { try Settings(definitions: definitions, yaml: "- a\n- b\n") }
        #expect(throws: Settings.Error.self) { try Settings(definitions: definitions, yaml: "a: [b\n") }
        #expect(throws: Settings.Error.self) { try Settings(definitions: definitions, overrides: ["nope": "1"]) }
        let settings = try? Settings(definitions: definitions, environment: ["PALISADE_MIRROR_MAX_BODY_BYTES": "lots"])
        #expect {
            try settings?.int("mirror.max_body_bytes")
        } throws: { error in
            "\(error)"
                == "mirror.max_body_bytes (from environment variable PALISADE_MIRROR_MAX_BODY_BYTES): expected an integer, got 'lots'"
        }
        #expect(throws: Settings.Error.self) { try settings?.int("debug", range: 0...1) }
    }

    @Test func listenerRequiresTokensAndPairedTLSFiles() throws {
        let defs = ListenerConfiguration.definitions(prefix: "mirror", port: 8470)
        #expect(throws: Settings.Error.self) {
            try ListenerConfiguration.from(try Settings(definitions: defs), prefix: "mirror")
        }
        #expect(throws: Settings.Error.self) {
            try ListenerConfiguration.from(
                try Settings(definitions: defs, overrides: ["mirror.tokens": "t", "mirror.tls_cert_file": "/c.pem"]),
                prefix: "mirror")
        }
        let ok = try ListenerConfiguration.from(
            try Settings(definitions: defs, overrides: ["mirror.tokens": "t1, t2"]), prefix: "mirror")
        #expect(ok == .init(host: "127.0.0.1", port: 8470, tokens: ["t1", "t2"]))
        #expect(!ok.tlsEnabled)
    }
}
