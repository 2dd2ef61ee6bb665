/// Splits a byte stream into lines incrementally, with a bound on line length so that memory
/// stays bounded on any input (a multi-GB file without newlines included).
///
/// Lines end at `\n`; a trailing `\r` is dropped. Blank lines are reported as `.blank` so line
/// numbers stay right. A line longer than `maxLineBytes` is reported once as `.oversized` and
/// skipped up to its end.
public struct LineSplitter: Sendable {
    public enum Event {
        case line(ArraySlice<UInt8>, number: Int)
        case blank(number: Int)
        case oversized(number: Int, bytes: Int)
    }

    public let maxLineBytes: Int
    private var pending: [UInt8] = []
    private var skipping = false
    private var skippedBytes = 0
    public private(set) var lineNumber = 0

    public init(maxLineBytes: Int = 16 << 20) {
        self.maxLineBytes = maxLineBytes
    }

    /// Feeds a chunk; calls `emit` for every complete line in it.
    public mutating func feed(_ chunk: UnsafeBufferPointer<UInt8>, emit: (Event) -> Void) {
        var start = 0
        while start < chunk.count {
            guard let newline = Self.firstNewline(in: chunk, from: start) else {
                absorb(UnsafeBufferPointer(rebasing: chunk[start...]))
                return
            }
            absorb(UnsafeBufferPointer(rebasing: chunk[start..<newline]))
            finishLine(emit: emit)
            start = newline + 1
        }
    }

    /// Convenience for arrays (tests, in-memory batches).
    public mutating func feed(_ bytes: [UInt8], emit: (Event) -> Void) {
        bytes.withUnsafeBufferPointer { feed($0, emit: emit) }
    }

    /// Ends the stream: emits a last line that had no trailing newline.
    public mutating func finish(emit: (Event) -> Void) {
        if !pending.isEmpty || skipping { finishLine(emit: emit) }
    }

    private mutating func absorb(_ bytes: UnsafeBufferPointer<UInt8>) {
        if skipping {
            skippedBytes &+= bytes.count
            return
        }
        if pending.count + bytes.count > maxLineBytes {
            skipping = true
            skippedBytes = pending.count + bytes.count
            pending.removeAll(keepingCapacity: false)
            return
        }
        pending.append(contentsOf: bytes)
    }

    private mutating func finishLine(emit: (Event) -> Void) {
        lineNumber += 1
        if skipping {
            emit(.oversized(number: lineNumber, bytes: skippedBytes))
            skipping = false
            skippedBytes = 0
            return
        }
        var end = pending.count
        if end > 0, pending[end - 1] == UInt8(ascii: "\r") { end -= 1 }
        let line = pending[0..<end]
        if Bytes.trimmed(line).isEmpty {
            emit(.blank(number: lineNumber))
        } else {
            emit(.line(line, number: lineNumber))
        }
        pending.removeAll(keepingCapacity: pending.capacity <= 1 << 20)
    }

    private static func firstNewline(in chunk: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        var index = start
        while index < chunk.count {
            if chunk[index] == 0x0A { return index }
            index += 1
        }
        return nil
    }
}
