#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Reads a file or standard input in fixed-size chunks (bounded memory whatever the size).
struct ByteSource: ~Copyable {
    struct OpenError: Error, CustomStringConvertible {
        var path: String
        var reason: String
        var description: String { "cannot open \(path): \(reason)" }
    }

    struct ReadError: Error, CustomStringConvertible {
        var reason: String
        var description: String { "read failed: \(reason)" }
    }

    private let fd: Int32
    private let ownsDescriptor: Bool
    private var buffer: [UInt8]

    /// `path` "-" means standard input.
    init(path: String, chunkSize: Int = 1 << 16) throws(OpenError) {
        if path == "-" {
            fd = STDIN_FILENO
            ownsDescriptor = false
        } else {
            let opened = open(path, O_RDONLY | O_CLOEXEC)
            guard opened >= 0 else { throw OpenError(path: path, reason: String(cString: strerror(errno))) }
            fd = opened
            ownsDescriptor = true
        }
        buffer = [UInt8](repeating: 0, count: chunkSize)
    }

    deinit {
        if ownsDescriptor { close(fd) }
    }

    /// The next chunk (a copy), nil at end of input.
    mutating func nextChunk() throws -> [UInt8]? {
        let fd = self.fd
        while true {
            let count = buffer.withUnsafeMutableBytes { raw in read(fd, raw.baseAddress, raw.count) }
            if count == 0 { return nil }
            if count < 0 {
                if errno == EINTR { continue }
                throw ReadError(reason: String(cString: strerror(errno)))
            }
            return Array(buffer[0..<count])
        }
    }

    /// Calls `body` with each chunk until end of input.
    mutating func forEachChunk(_ body: (UnsafeBufferPointer<UInt8>) throws -> Void) throws {
        let fd = self.fd
        while true {
            let count = buffer.withUnsafeMutableBytes { raw in read(fd, raw.baseAddress, raw.count) }
            if count == 0 { return }
            if count < 0 {
                if errno == EINTR { continue }
                throw ReadError(reason: String(cString: strerror(errno)))
            }
            try buffer.withUnsafeBufferPointer { try body(UnsafeBufferPointer(rebasing: $0[0..<count])) }
        }
    }
}

/// Buffered writes to standard output/error without Foundation, or to memory (tests).
struct OutputSink {
    private var buffer: [UInt8] = []
    /// nil: keep everything in memory (`captured`).
    private let fd: Int32?
    private(set) var captured: [UInt8] = []

    init(fd: Int32?) {
        self.fd = fd
        buffer.reserveCapacity(1 << 16)
    }

    static func stdout() -> OutputSink { OutputSink(fd: STDOUT_FILENO) }
    static func stderr() -> OutputSink { OutputSink(fd: STDERR_FILENO) }
    static func memory() -> OutputSink { OutputSink(fd: nil) }

    var capturedText: String { String(decoding: captured, as: UTF8.self) }

    mutating func write(_ text: String) {
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= 1 << 16 { flush() }
    }

    mutating func line(_ text: String) {
        write(text)
        write("\n")
    }

    mutating func flush() {
        guard let fd else {
            captured.append(contentsOf: buffer)
            buffer.removeAll(keepingCapacity: true)
            return
        }
        var offset = 0
        while offset < buffer.count {
            let written = buffer.withUnsafeBytes { raw in
                Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset)
            }
            if written < 0 {
                if errno == EINTR { continue }
                break  // closed pipe: drop output, as `head` users expect
            }
            offset += written
        }
        buffer.removeAll(keepingCapacity: true)
    }
}
