import Testing

@testable import PalisadeCLI

@Suite struct ScanCommandTests {
    @Test func parsesArguments() throws {
        let command = try ScanCommand.parse(["captures.jsonl"])
        #expect(command.file == "captures.jsonl")
    }
}
