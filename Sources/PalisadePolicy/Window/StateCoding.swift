/// A compact binary form of detector state (behaviour windows) and behaviour events, so the
/// aggregator can persist them and restore them after a restart (docs/POLICY.md, "Persistence").
/// Little-endian fixed-width integers, length-prefixed strings and arrays. Not a wire format
/// between processes: a snapshot is read back by the same build, and every read is bounds-checked
/// so a damaged snapshot is an error, never a crash.
public struct StateWriter: Sendable {
    public private(set) var bytes: [UInt8] = []

    public init() {}

    public mutating func u8(_ value: UInt8) { bytes.append(value) }

    public mutating func u64(_ value: UInt64) {
        var v = value
        for _ in 0..<8 {
            bytes.append(UInt8(truncatingIfNeeded: v))
            v >>= 8
        }
    }

    public mutating func i64(_ value: Int64) { u64(UInt64(bitPattern: value)) }
    public mutating func int(_ value: Int) { i64(Int64(value)) }
    public mutating func i32(_ value: Int32) { i64(Int64(value)) }
    public mutating func double(_ value: Double) { u64(value.bitPattern) }
    public mutating func bool(_ value: Bool) { u8(value ? 1 : 0) }

    public mutating func string(_ value: String) {
        int(value.utf8.count)
        bytes.append(contentsOf: value.utf8)
    }

    public mutating func optional<T>(_ value: T?, _ write: (inout StateWriter, T) -> Void) {
        guard let value else { return u8(0) }
        u8(1)
        write(&self, value)
    }

    public mutating func array<T>(_ values: [T], _ write: (inout StateWriter, T) -> Void) {
        int(values.count)
        for value in values { write(&self, value) }
    }
}

/// Why a snapshot could not be read.
public struct StateCodingError: Error, CustomStringConvertible, Sendable {
    public var reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { "behaviour state: \(reason)" }
}

/// Reads what ``StateWriter`` wrote; every read checks the remaining length.
public struct StateReader {
    let bytes: [UInt8]
    var position = 0

    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    public var isAtEnd: Bool { position == bytes.count }

    public mutating func u8() throws -> UInt8 {
        guard position < bytes.count else { throw StateCodingError("truncated") }
        defer { position += 1 }
        return bytes[position]
    }

    public mutating func u64() throws -> UInt64 {
        guard bytes.count - position >= 8 else { throw StateCodingError("truncated") }
        var value: UInt64 = 0
        for i in (0..<8).reversed() { value = value << 8 | UInt64(bytes[position + i]) }
        position += 8
        return value
    }

    public mutating func i64() throws -> Int64 { Int64(bitPattern: try u64()) }

    public mutating func int() throws -> Int {
        let value = try i64()
        guard let int = Int(exactly: value) else { throw StateCodingError("integer out of range") }
        return int
    }

    public mutating func i32() throws -> Int32 {
        guard let value = Int32(exactly: try i64()) else { throw StateCodingError("integer out of range") }
        return value
    }

    public mutating func double() throws -> Double { Double(bitPattern: try u64()) }

    public mutating func bool() throws -> Bool {
        switch try u8() {
        case 0: return false
        case 1: return true
        default: throw StateCodingError("bad boolean")
        }
    }

    /// A count of items that each take at least `minBytes`: bounded by what is left.
    public mutating func count(minBytes: Int = 1) throws -> Int {
        let n = try int()
        guard n >= 0, n <= (bytes.count - position) / max(1, minBytes) else { throw StateCodingError("bad length") }
        return n
    }

    public mutating func string() throws -> String {
        let n = try count()
        defer { position += n }
        return String(decoding: bytes[position..<position + n], as: UTF8.self)
    }

    public mutating func optional<T>(_ read: (inout StateReader) throws -> T)
        throws -> T?
    {
        try bool() ? try read(&self) : nil
    }

    public mutating func array<T>(minBytes: Int = 1, _ read: (inout StateReader) throws -> T)
        throws -> [T]
    {
        let n = try count(minBytes: minBytes)
        var out: [T] = []
        out.reserveCapacity(n)
        for _ in 0..<n { out.append(try read(&self)) }
        return out
    }
}

/// State that can be written to a snapshot and read back.
protocol StateCodable {
    func encode(to w: inout StateWriter)
    init(from r: inout StateReader) throws
}
