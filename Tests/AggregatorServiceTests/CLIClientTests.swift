import Foundation
import HummingbirdTesting
import Testing

@testable import AggregatorService
@testable import PalisadeCLI

/// `palisade decisions …` and `palisade openapi …` against a live aggregator on loopback.
@Suite(.timeLimit(.minutes(1))) struct CLIClientTests {
    @Test func decisionsAndOpenAPIClients() async throws {
        let dir = TempDirectory()
        let aggregator = try buildAggregator(
            configuration: testConfiguration(database: dir.database), transport: try await inProcessTransport(),
            logger: quietLogger())
        let core = aggregator.core
        try await aggregator.application(logger: quietLogger()).test(.live) { client in
            let port = try #require(client.port)
            let endpoint = ["--url", "http://127.0.0.1:\(port)", "--token", testToken]

            let add = try DecisionsCommand.Add.parse(
                endpoint + ["--scope", "cidr", "--value", "198.51.100.0/24", "--action", "throttle", "--reason", "cli"])
            try await add.run()
            #expect(await core.decisions.map(\.key) == ["cidr:198.51.100.0/24"])
            #expect(await core.decisions.first?.action == .throttle)

            let list = try DecisionsCommand.List.parse(endpoint)
            try await list.run()

            let lift = try DecisionsCommand.Lift.parse(endpoint + ["--scope", "cidr", "--value", "198.51.100.0/24"])
            try await lift.run()
            #expect(await core.decisions.isEmpty)

            let liftAgain = try DecisionsCommand.Lift.parse(
                endpoint + ["--scope", "cidr", "--value", "198.51.100.0/24"])
            await #expect(throws: AggregatorClient.Failure.self) { try await liftAgain.run() }

            let wrongToken = try DecisionsCommand.List.parse(["--url", "http://127.0.0.1:\(port)", "--token", "nope"])
            await #expect(throws: AggregatorClient.Failure.self) { try await wrongToken.run() }

            let output = dir.path + "/discovered.json"
            let export = try OpenAPICommand.Export.parse(endpoint + ["--format", "json", "-o", output])
            try await export.run()
            #expect(try String(contentsOfFile: output, encoding: .utf8).contains("\"openapi\":\"3.1.0\""))

            let spec = dir.path + "/spec.yaml"
            try "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /v1/legacy:\n    get: {}\n".write(
                toFile: spec, atomically: true, encoding: .utf8)
            let compare = try OpenAPICommand.Compare.parse(endpoint + [spec])
            try await compare.run()
        }
    }
}
