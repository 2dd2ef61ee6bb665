import ArgumentParser

/// The `palisade` binary: one executable, roles and tools as subcommands.
public struct PalisadeCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "palisade",
        abstract: "Out-of-band API protection: decode, score, learn and block.",
        version: "0.1.0",
        subcommands: [ScanCommand.self, DevKafkaCommand.self, WorkerCommand.self]
    )

    public init() {}
}
