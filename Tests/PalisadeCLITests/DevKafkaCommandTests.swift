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

    @Test func parsesControlFlag() throws {
        #expect(try DevKafkaCommand.parse([]).controlStdin == false)
        #expect(try DevKafkaCommand.parse(["--control-stdin"]).controlStdin == true)
    }

    @Test func parsesControlCommands() throws {
        #expect(try DevKafkaControl("broker down 2") == .broker(id: 2, up: false))
        #expect(try DevKafkaControl("  broker up 3\r") == .broker(id: 3, up: true))
        #expect(try DevKafkaControl("rtt 1 250") == .rtt(broker: 1, milliseconds: 250))
        #expect(
            try DevKafkaControl("leader palisade.requests 4 2")
                == .leader(topic: "palisade.requests", partition: 4, broker: 2))
        #expect(try DevKafkaControl("") == nil)
        #expect(try DevKafkaControl("# a comment") == nil)
        #expect(try DevKafkaControl("broker down 2")?.description == "broker down 2")
    }

    @Test func rejectsBadControlCommands() {
        for line in [
            "broker sideways 1", "broker down", "broker down zero", "broker down 0", "rtt 1", "rtt 1 -5",
            "leader t x 1", "reboot",
        ] {
            #expect(throws: DevKafkaControl.ParseError.self, "\(line)") { try DevKafkaControl(line) }
        }
    }
}
