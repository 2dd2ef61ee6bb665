/// Protobuf binary encoding written by hand, for the records a hot path publishes (the worker's
/// verdicts and observations): the same bytes SwiftProtobuf writes for the same message — fields
/// in number order, proto3 defaults left out, repeated enums packed — without building the
/// message objects first. Callers decide presence exactly as the generated `traverse` does.
///
/// The bytes are written into memory of its own (grown by doubling), with one capacity check per
/// field rather than an array append per byte (each with its uniqueness and capacity checks: the
/// observation record cost ~13k instructions that way); `bytes` copies them out once.
struct WireWriter: ~Copyable {
    private var base: UnsafeMutablePointer<UInt8>
    private var count = 0
    private var capacity: Int

    init(capacity: Int) {
        self.capacity = max(capacity, 64)
        self.base = .allocate(capacity: self.capacity)
    }

    deinit { base.deallocate() }

    /// The record written so far.
    var bytes: [UInt8] { Array(UnsafeBufferPointer(start: base, count: count)) }

    /// Room for `needed` more bytes.
    @inline(__always)
    private mutating func reserve(_ needed: Int) {
        if count + needed > capacity { grow(count + needed) }
    }

    @inline(never)
    private mutating func grow(_ needed: Int) {
        let newCapacity = max(capacity * 2, needed)
        let grown = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        grown.update(from: base, count: count)
        base.deallocate()
        base = grown
        capacity = newCapacity
    }

    /// Appends a varint; room for it must have been reserved (ten bytes at most).
    @inline(__always)
    private mutating func putVarint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            base[count] = UInt8(truncatingIfNeeded: v) | 0x80
            count += 1
            v >>= 7
        }
        base[count] = UInt8(v)
        count += 1
    }

    /// Wire types used here.
    enum WireType: UInt64 {
        case varint = 0
        case fixed64 = 1
        case lengthDelimited = 2
    }

    @inline(__always)
    mutating func tag(_ field: Int, _ type: WireType) {
        reserve(10)
        putVarint(UInt64(field) << 3 | type.rawValue)
    }

    mutating func varint(_ value: UInt64) {
        reserve(10)
        putVarint(value)
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

    /// The string's UTF-8 read in place (native strings, small ones on the stack): a mutable copy
    /// for `withUTF8` retained and released every heap string written.
    mutating func string(_ field: Int, _ value: String) {
        if value.utf8.withContiguousStorageIfAvailable({ lengthDelimited(field, $0) }) != nil { return }
        var value = value
        value.withUTF8 { lengthDelimited(field, $0) }
    }

    /// A length-delimited field holding `utf8`.
    @inline(__always)
    private mutating func lengthDelimited(_ field: Int, _ utf8: UnsafeBufferPointer<UInt8>) {
        reserve(20 + utf8.count)
        putVarint(UInt64(field) << 3 | WireType.lengthDelimited.rawValue)
        putVarint(UInt64(utf8.count))
        if let source = utf8.baseAddress { (base + count).update(from: source, count: utf8.count) }
        count += utf8.count
    }

    /// `int32`, `int64` and enum fields: negative values take ten bytes (sign-extended), as
    /// protobuf specifies.
    @inline(__always)
    mutating func int64(_ field: Int, _ value: Int64) {
        reserve(20)
        putVarint(UInt64(field) << 3 | WireType.varint.rawValue)
        putVarint(UInt64(bitPattern: value))
    }

    @inline(__always)
    mutating func uint64(_ field: Int, _ value: UInt64) {
        reserve(20)
        putVarint(UInt64(field) << 3 | WireType.varint.rawValue)
        putVarint(value)
    }

    @inline(__always)
    mutating func bool(_ field: Int, _ value: Bool) {
        reserve(11)
        putVarint(UInt64(field) << 3 | WireType.varint.rawValue)
        base[count] = value ? 1 : 0
        count += 1
    }

    @inline(__always)
    mutating func fixed64(_ field: Int, _ value: UInt64) {
        reserve(18)
        putVarint(UInt64(field) << 3 | WireType.fixed64.rawValue)
        var v = value
        for _ in 0..<8 {
            base[count] = UInt8(truncatingIfNeeded: v)
            count += 1
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
    /// Inlined, so that `body` is code in the caller rather than a closure context holding copies
    /// of what it reads.
    @inline(__always)
    mutating func message(_ field: Int, _ body: (inout WireWriter) -> Void) {
        tag(field, .lengthDelimited)
        reserve(1)
        let at = count
        count += 1
        body(&self)
        let length = count - at - 1
        if length < 0x80 {
            base[at] = UInt8(length)
            return
        }
        // A longer prefix: the body moves along by the extra bytes.
        let extra = Self.varintSize(UInt64(length)) - 1
        reserve(extra)
        UnsafeMutableRawPointer(base + at + 1 + extra).copyMemory(from: base + at + 1, byteCount: length)  // memmove
        let end = count + extra
        count = at
        putVarint(UInt64(length))
        count = end
    }

    // MARK: proto3 singular fields: left out when at their default

    @inline(__always)
    mutating func stringIfSet(_ field: Int, _ value: String) {
        if !value.isEmpty { string(field, value) }
    }

    @inline(__always)
    mutating func int64IfSet(_ field: Int, _ value: Int64) {
        if value != 0 { int64(field, value) }
    }

    @inline(__always)
    mutating func uint64IfSet(_ field: Int, _ value: UInt64) {
        if value != 0 { uint64(field, value) }
    }

    mutating func boolIfSet(_ field: Int, _ value: Bool) {
        if value { bool(field, value) }
    }

    @inline(__always)
    mutating func fixed64IfSet(_ field: Int, _ value: UInt64) {
        if value != 0 { fixed64(field, value) }
    }

    /// Doubles are left out only for +0.0 (SwiftProtobuf compares the bit pattern, so −0.0 is
    /// written).
    mutating func doubleIfSet(_ field: Int, _ value: Double) {
        if value.bitPattern != 0 { double(field, value) }
    }
}
