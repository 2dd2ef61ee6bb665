import Foundation
import Logging
import PalisadeKafka
import PalisadeTransport
import Testing

/// `palisade dev-kafka` as another process, as the README uses it: read the bootstrap line,
/// produce and read through it, stop it with SIGTERM.
@Suite(.timeLimit(.minutes(1)))
struct DevKafkaProcessTests {
    /// The `palisade` binary next to the test bundle (`swift build --build-tests` builds both).
    static var binary: URL? {
        let directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        let candidate = directory.appendingPathComponent("palisade")
        return FileManager.default.isExecutableFile(atPath: candidate.path) ? candidate : nil
    }

    @Test(
        "dev-kafka prints its bootstrap servers, serves another process, stops on SIGTERM",
        .enabled(if: binary != nil, "the palisade binary is not built next to the tests"))
    func devKafkaProcess() async throws {
        guard let binary = Self.binary else { return }
        let process = Process()
        process.executableURL = binary
        process.arguments = ["dev-kafka", "--brokers", "2", "--partitions", "3", "--topic-prefix", "proc."]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer { if process.isRunning { process.terminate() } }

        // The first line of standard output.
        var line = ""
        let reader = output.fileHandleForReading
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(20)
        while !line.contains("\n") && clock.now < deadline {
            let chunk = reader.availableData
            if chunk.isEmpty { break }
            line += String(decoding: chunk, as: UTF8.self)
        }
        let bootstrap = line.split(separator: "\n").first.map(String.init) ?? ""
        #expect(bootstrap.split(separator: ",").count == 2)
        #expect(bootstrap.split(separator: ",").allSatisfy { $0.hasPrefix("127.0.0.1:") })

        var logger = Logger(label: "test.dev-kafka-process")
        logger.logLevel = .warning
        var configuration = KafkaConfiguration(bootstrapServers: bootstrap)
        configuration.producer.lingerMs = 1
        let producer = try KafkaProducer(configuration: configuration, logger: logger)
        let receipt = try await producer.send(
            OutgoingRecord(topic: "proc.palisade.baselines", key: "api.example.com GET /x", value: [7]))
        #expect((0..<3).contains(receipt.partition))
        await producer.shutdown(timeout: .seconds(5))
        let reader2 = try KafkaCompactedReader(
            configuration: configuration, topic: "proc.palisade.baselines", logger: logger)
        #expect(try await reader2.catchUp(timeout: .seconds(10)) == [Array("api.example.com GET /x".utf8): [7]])
        await reader2.close()

        process.terminate()  // SIGTERM
        let stopped = await eventuallyStopped(process, timeout: .seconds(15))
        #expect(stopped)
        #expect(process.terminationStatus == 0)
    }

    func eventuallyStopped(_ process: Process, timeout: Duration) async -> Bool {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while process.isRunning && clock.now < deadline { try? await Task.sleep(for: .milliseconds(50)) }
        return !process.isRunning
    }
}
