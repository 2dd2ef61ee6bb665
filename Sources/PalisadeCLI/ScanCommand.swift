import ArgumentParser
import PalisadeCore

struct ScanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scan",
        abstract: "Decode and score capture records offline; print one verdict per request."
    )

    @Argument(help: "Capture file (JSON lines or HAR); '-' or nothing reads standard input.")
    var file: String = "-"

    func run() async throws {}
}
