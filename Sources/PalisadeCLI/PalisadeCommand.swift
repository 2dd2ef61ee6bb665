import ArgumentParser

/// The `palisade` binary: one executable, roles and tools as subcommands.
public struct PalisadeCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "palisade",
        abstract: "Out-of-band API protection: decode, score, learn and block.",
        version: "0.1.0",
        subcommands: [
            ScanCommand.self, UpCommand.self, MirrorCommand.self, WorkerCommand.self, AggregatorCommand.self,
            ReplayCommand.self,
            DecisionsCommand.self, OpenAPICommand.self, DevKafkaCommand.self,
        ]
    )

    public init() {}
}
