import Hummingbird
import NIOCore

/// Reads a request body with a size bound and a deadline.
enum BodyReader {
    enum Outcome: Sendable {
        /// `truncated`: the body was longer than the limit and was cut (raw mirror only).
        case complete(ByteBuffer, truncated: Bool)
        case tooLarge
        case timedOut
    }

    /// Reads `body` up to `limit` bytes within `timeout`. Beyond the limit: `.tooLarge`, or with
    /// `truncate` the first `limit` bytes (the rest is read and discarded).
    static func read(_ body: RequestBody, limit: Int, truncate: Bool, timeout: Duration) async throws -> Outcome {
        try await withThrowingTaskGroup(of: Outcome.self) { group in
            group.addTask {
                var collected = ByteBuffer()
                var truncated = false
                for try await chunk in body {
                    let room = limit - collected.readableBytes
                    if chunk.readableBytes <= room {
                        var chunk = chunk
                        collected.writeBuffer(&chunk)
                    } else if truncate {
                        if room > 0, let part = chunk.getSlice(at: chunk.readerIndex, length: room) {
                            var part = part
                            collected.writeBuffer(&part)
                        }
                        truncated = true
                    } else {
                        return .tooLarge
                    }
                }
                return .complete(collected, truncated: truncated)
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                return .timedOut
            }
            let first = try await group.next()!
            group.cancelAll()
            return first
        }
    }
}
