/// Protobuf binary encoding written by hand, for the records a hot path publishes (the worker's
/// verdicts and observations): the same bytes SwiftProtobuf writes for the same message — fields
/// in number order, proto3 defaults left out, repeated enums packed — without building the
/// message objects first. Callers decide presence exactly as the generated `traverse` does.
struct WireWriter {
    private(set) var bytes: [UInt8] = []

    init(capacity: Int) { bytes.reserveCapacity(capacity) }

    /// Wire types used here.
    enum WireType: UInt64 {
        case varint = 0
        case fixed64 = 1
        case lengthDelimited = 2
    }

    mutating func tag(_ field: Int, _ type: WireType) {
        varint(UInt64(field) << 3 | type.rawValue)
    }

    mutating func varint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    static func varintSize(_ value: UInt64) -> Int {
        var v = value
        var n = 1
        while v >= 0x80 {
            v >>= 7
            n += 1
        }
        return n
    }

    // MARK: Fields, written unconditionally (callers apply proto3 presence)

    mutating func string(_ field: Int, _ value: String) {
        tag(field, .lengthDelimited)
        var value = value
        value.withUTF8 { utf8 in
            varint(UInt64(utf8.count))
            bytes.append(contentsOf: utf8)
        }
    }

    /// `int32`, `int64` and enum fields: negative values take ten bytes (sign-extended), as
    /// protobuf specifies.
    mutating func int64(_ field: Int, _ value: Int64) {
        tag(field, .varint)
        varint(UInt64(bitPattern: value))
    }

    mutating func uint64(_ field: Int, _ value: UInt64) {
        tag(field, .varint)
        varint(value)
    }

    mutating func bool(_ field: Int, _ value: Bool) {
        tag(field, .varint)
        bytes.append(value ? 1 : 0)
    }

    mutating func fixed64(_ field: Int, _ value: UInt64) {
        tag(field, .fixed64)
        var v = value
        for _ in 0..<8 {
            bytes.append(UInt8(truncatingIfNeeded: v))
            v >>= 8
        }
    }

    mutating func double(_ field: Int, _ value: Double) { fixed64(field, value.bitPattern) }

    /// A packed repeated enum field, left out when `values` is empty; negative values take ten
    /// bytes.
    mutating func packed(_ field: Int, _ values: some Collection<Int>) {
        var length = 0
        for value in values { length += Self.varintSize(UInt64(bitPattern: Int64(Int32(truncatingIfNeeded: value)))) }
        guard length > 0 else { return }
        tag(field, .lengthDelimited)
        varint(UInt64(length))
        for value in values { varint(UInt64(bitPattern: Int64(Int32(truncatingIfNeeded: value)))) }
    }

    /// An embedded message: `body` writes its fields; the length prefix is fixed up after (one
    /// byte reserved, moved along when the message is 128 bytes or longer).
    mutating func message(_ field: Int, _ body: (inout WireWriter) -> Void) {
        tag(field, .lengthDelimited)
        let at = bytes.count
        bytes.append(0)
        body(&self)
        let length = bytes.count - at - 1
        if length < 0x80 {
            bytes[at] = UInt8(length)
            return
        }
        var prefix: [UInt8] = []
        var v = UInt64(length)
        while v >= 0x80 {
            prefix.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        prefix.append(UInt8(v))
        bytes.replaceSubrange(at..<at + 1, with: prefix)
    }

    // MARK: proto3 singular fields: left out when at their default

    mutating func stringIfSet(_ field: Int, _ value: String) {
        if !value.isEmpty { string(field, value) }
    }

    mutating func int64IfSet(_ field: Int, _ value: Int64) {
        if value != 0 { int64(field, value) }
    }

    mutating func uint64IfSet(_ field: Int, _ value: UInt64) {
        if value != 0 { uint64(field, value) }
    }

    mutating func boolIfSet(_ field: Int, _ value: Bool) {
        if value { bool(field, value) }
    }

    mutating func fixed64IfSet(_ field: Int, _ value: UInt64) {
        if value != 0 { fixed64(field, value) }
    }

    /// Doubles are left out only for +0.0 (SwiftProtobuf compares the bit pattern, so −0.0 is
    /// written).
    mutating func doubleIfSet(_ field: Int, _ value: Double) {
        if value.bitPattern != 0 { double(field, value) }
    }
}
