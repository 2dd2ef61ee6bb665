import ArgumentParser
import Testing

@testable import PalisadeCLI

@Suite struct DevKafkaCommandTests {
    @Test func parsesDefaults() throws {
        let command = try DevKafkaCommand.parse([])
        #expect(command.brokers == 3)
        #expect(command.partitions == 12)
        #expect(command.topicPrefix == "")
    }

    @Test func parsesOptions() throws {
        let command = try DevKafkaCommand.parse(["--brokers", "1", "--partitions", "4", "--topic-prefix", "acme."])
        #expect(command.brokers == 1)
        #expect(command.partitions == 4)
        #expect(command.topicPrefix == "acme.")
    }

    @Test func isASubcommand() throws {
        let parsed = try PalisadeCommand.parseAsRoot(["dev-kafka", "--brokers", "2"])
        #expect((parsed as? DevKafkaCommand)?.brokers == 2)
    }

    @Test func rejectsNonsense() {
        #expect(throws: (any Error).self) { try DevKafkaCommand.parse(["--brokers", "0"]) }
        #expect(throws: (any Error).self) { try DevKafkaCommand.parse(["--partitions", "0"]) }
    }
}
