import Foundation
import Logging
import PalisadePolicy
import ServiceLifecycle
import UnixSignals

/// Reloads the policy file on SIGHUP. A file with errors is refused as a whole (every error
/// logged) and the running policy stays. Without a policy file (the built-in default) SIGHUP is
/// still trapped, so that it never terminates the process.
struct PolicyReloadService: Service {
    let core: AggregatorCore
    let path: String?
    let logger: Logger

    func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        for await _ in signals.cancelOnGracefulShutdown() {
            guard let path, !path.isEmpty else {
                logger.info("SIGHUP: no policy file configured; the built-in default policy stays")
                continue
            }
            do {
                let policy = try loadPolicy(path: path)
                await core.reload(policy)
                logger.info("policy reloaded", metadata: ["path": "\(path)", "rules": "\(policy.rules.count)"])
            } catch {
                await core.countPolicyError()
                logger.error("policy reload refused; keeping the running policy", metadata: ["error": "\(error)"])
            }
        }
    }
}

/// Reads and validates a policy file (at most `Policy.maxFileBytes`).
public func loadPolicy(path: String?) throws -> Policy {
    guard let path, !path.isEmpty else { return Policy.default }
    let text = try readSmallFile(path, maxBytes: Policy.maxFileBytes)
    return try Policy.parse(yaml: text)
}

struct FileError: Error, CustomStringConvertible {
    var description: String
}

func readSmallFile(_ path: String, maxBytes: Int) throws -> String {
    guard let handle = FileHandle(forReadingAtPath: path) else { throw FileError(description: "cannot open \(path)") }
    defer { try? handle.close() }
    let bytes = [UInt8]((try? handle.read(upToCount: maxBytes + 1)) ?? Data())
    guard bytes.count <= maxBytes else { throw FileError(description: "\(path) is larger than \(maxBytes) bytes") }
    return String(decoding: bytes, as: UTF8.self)
}
