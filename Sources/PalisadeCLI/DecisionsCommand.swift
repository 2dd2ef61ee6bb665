import ArgumentParser
import Foundation
import PalisadeCore
import PalisadeRecords

/// `palisade decisions list|add|lift`: the aggregator's decision set over its HTTP API.
struct DecisionsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decisions",
        abstract: "List, add and lift block decisions on a running aggregator.",
        subcommands: [List.self, Add.self, Lift.self]
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the current decisions (JSON with --json).")
        @OptionGroup var endpoint: AggregatorEndpointOptions
        @Flag(help: "Print the API's JSON answer as is.") var json = false

        func run() async throws {
            let data = try await endpoint.client().send(
                "GET", "/v1/decisions", query: [URLQueryItem(name: "since", value: "0")])
            if json { return writeStandardOutput(data) }
            let value = try JSONReader().parse(Array(data))
            guard case .array(let upserts)? = value["upserts"] else { return writeStandardOutput(data) }
            print("version \(value["version"]?.stringValue ?? "?"), \(upserts.count) decision(s)")
            for d in upserts {
                let expires: String
                if case .number(let ms)? = d["expires_at"], let millis = Double(ms) {
                    expires = ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: millis / 1_000))
                } else {
                    expires = "-"
                }
                let fields = [
                    d["scope"]?.stringValue ?? "", d["value"]?.stringValue ?? "", d["action"]?.stringValue ?? "",
                    "until \(expires)", d["source_rule"]?.stringValue ?? "", d["reason"]?.stringValue ?? "",
                ]
                print(fields.joined(separator: "\t"))
            }
        }
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add (or replace) a decision; audited.")
        @OptionGroup var endpoint: AggregatorEndpointOptions
        @Option(help: "ip | cidr | api_key | jwt_sub | header") var scope: String
        @Option(help: "Address, network, key digest, subject, or name:value for header.") var value: String
        @Flag(help: "api_key: --value is the key itself; send its digest (the key never leaves this machine).")
        var hashKey = false
        @Option(help: "block | throttle | monitor") var action: String = "block"
        @Option(name: .customLong("ttl"), help: "Seconds until it expires (1…2592000).") var ttlSecs: Int = 3_600
        @Option(help: "Why (kept in the audit trail).") var reason: String = "manual decision"
        @Option(help: "Who (kept in the audit trail).") var actor: String =
            ProcessInfo.processInfo.environment["USER"] ?? "cli"

        func run() async throws {
            var w = JSONWriter()
            w.beginObject()
            for (key, text) in [
                ("scope", scope), ("value", try keyValue(scope: scope, value: value, hash: hashKey)),
                ("action", action), ("reason", reason), ("actor", actor),
            ] {
                w.key(key)
                w.string(text)
            }
            w.key("ttl_secs")
            w.int(ttlSecs)
            w.endObject()
            let data = try await endpoint.client().send(
                "POST", "/v1/decisions", body: Data(w.output.utf8), contentType: "application/json")
            writeStandardOutput(data)
        }
    }

    struct Lift: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Lift a decision; audited.")
        @OptionGroup var endpoint: AggregatorEndpointOptions
        @Option(help: "ip | cidr | api_key | jwt_sub | header") var scope: String
        @Option(help: "The decision's value.") var value: String
        @Flag(help: "api_key: --value is the key itself; lift by its digest.") var hashKey = false
        @Option(help: "Why (kept in the audit trail).") var reason: String = "lifted by an operator"
        @Option(help: "Who (kept in the audit trail).") var actor: String =
            ProcessInfo.processInfo.environment["USER"] ?? "cli"

        func run() async throws {
            let value = try keyValue(scope: scope, value: value, hash: hashKey)
            let path = "/v1/decisions/\(AggregatorClient.segment(scope))/\(AggregatorClient.segment(value))"
            let data = try await endpoint.client().send(
                "DELETE", path,
                query: [URLQueryItem(name: "reason", value: reason), URLQueryItem(name: "actor", value: actor)])
            writeStandardOutput(data)
        }
    }
}

/// The value to send: with `--hash-key`, the digest workers and the gateway use for API keys.
func keyValue(scope: String, value: String, hash: Bool) throws -> String {
    guard hash else { return value }
    guard scope == "api_key" else { throw ValidationError("--hash-key applies to --scope api_key only") }
    return IdentityHash.apiKey(value)
}

/// `palisade openapi export|compare`: the discovered API as OpenAPI 3.1, and a comparison with a
/// spec (shadow, zombie and undocumented).
struct OpenAPICommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "openapi",
        abstract: "Export the discovered API or compare it with a spec, from a running aggregator.",
        subcommands: [Export.self, Compare.self]
    )

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the discovered API as OpenAPI 3.1.")
        @OptionGroup var endpoint: AggregatorEndpointOptions
        @Option(help: "json | yaml") var format: String = "yaml"
        @Option(help: "Only this host.") var host: String?
        @Option(name: .shortAndLong, help: "Write to this file instead of standard output.") var output: String?

        func validate() throws {
            guard format == "json" || format == "yaml" else { throw ValidationError("--format is json or yaml") }
        }

        func run() async throws {
            let data = try await endpoint.client().send(
                "GET", "/v1/openapi.\(format)", query: host.map { [URLQueryItem(name: "host", value: $0)] } ?? [])
            if let output {
                try data.write(to: URL(fileURLWithPath: output))
            } else {
                writeStandardOutput(data)
            }
        }
    }

    struct Compare: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Compare an OpenAPI 3.x spec (JSON or YAML) with the discovered API.")
        @OptionGroup var endpoint: AggregatorEndpointOptions
        @Argument(help: "The spec file.") var spec: String
        @Option(help: "Only this host.") var host: String?
        @Option(name: .customLong("window-hours"), help: "Operations without traffic for this long are zombies.")
        var windowHours: Int = 720

        func run() async throws {
            let body = try Data(contentsOf: URL(fileURLWithPath: spec))
            var query = [URLQueryItem(name: "window_hours", value: String(windowHours))]
            if let host { query.append(URLQueryItem(name: "host", value: host)) }
            let data = try await endpoint.client().send(
                "POST", "/v1/openapi/compare", query: query, body: body, contentType: "application/octet-stream")
            writeStandardOutput(data)
        }
    }
}
