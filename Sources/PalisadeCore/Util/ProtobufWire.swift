/// Reading the Protocol Buffers wire format without a schema: tags, varints, fixed-width
/// values, length-delimited ranges and (deprecated) groups. Shared by the protobuf and gRPC
/// decoders. Every length is checked against the bytes left before it is used; nothing here
/// traps or allocates except the small stack used to skip nested groups.
enum ProtobufWire {
    /// The largest field number protobuf allows (2^29 - 1).
    static let maxFieldNumber = (1 << 29) - 1
    /// Groups nested deeper than this are invalid. Structure depth limits apply separately
    /// (decoders stop descending earlier and skip the rest); this only bounds the skipping.
    static let maxGroupNesting = 1024

    enum Value: Sendable, Equatable {
        case varint(UInt64)
        case fixed64(UInt64)
        case fixed32(UInt32)
        /// Length-delimited: a string, bytes, a nested message or a packed array. Indices are
        /// those of the slice being read.
        case bytes(Range<Int>)
        /// A group's content, between its start and end tags.
        case group(Range<Int>)
        /// A start-group tag, when the reader streams groups instead of skipping them.
        case startGroup
        /// An end-group tag, when the reader streams groups.
        case endGroup
    }

    struct Field: Sendable, Equatable {
        var number: Int
        var value: Value
    }

    /// Reads a varint at `offset`, advancing it; nil (offset unchanged) if it runs past the end,
    /// is longer than 10 bytes, or does not fit in 64 bits.
    static func readVarint(_ bytes: ArraySlice<UInt8>, _ offset: inout Int) -> UInt64? {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        var index = offset
        while index < bytes.endIndex {
            let byte = bytes[index]
            index += 1
            if shift == 63, byte > 1 { return nil }  // 10th byte: only bit 63 is left
            result |= UInt64(byte & 0x7F) << shift
            if byte < 0x80 {
                offset = index
                return result
            }
            shift += 7
        }
        return nil
    }

    /// Reads the fields of one message in order.
    struct Reader {
        let bytes: ArraySlice<UInt8>
        /// Where the next field starts (or where reading failed).
        private(set) var offset: Int
        /// Set when the bytes stopped being a valid message at `offset`.
        private(set) var failed = false
        /// Groups nested deeper than this inside one message are rejected.
        let maxGroupDepth: Int
        /// Report start and end tags (`.startGroup`, `.endGroup`) instead of reading a whole
        /// group as one `.group` value: a caller walking nested groups then reads each byte
        /// once, where skipping would walk every group again at each level. Matching start and
        /// end tags is then the caller's job.
        let streamsGroups: Bool

        init(_ bytes: ArraySlice<UInt8>, maxGroupDepth: Int = maxGroupNesting, streamsGroups: Bool = false) {
            self.bytes = bytes
            self.offset = bytes.startIndex
            self.maxGroupDepth = max(maxGroupDepth, 1)
            self.streamsGroups = streamsGroups
        }

        /// The next field; nil at the end of the message or when it is invalid (`failed`).
        mutating func next() -> Field? {
            guard !failed, offset < bytes.endIndex else { return nil }
            var cursor = offset
            guard let (number, wireType) = Self.tag(bytes, &cursor) else { return fail() }
            let value: Value
            switch wireType {
            case 0:
                guard let varint = ProtobufWire.readVarint(bytes, &cursor) else { return fail() }
                value = .varint(varint)
            case 1:
                guard bytes.endIndex - cursor >= 8 else { return fail() }
                value = .fixed64(Self.littleEndian(bytes, at: cursor, count: 8))
                cursor += 8
            case 5:
                guard bytes.endIndex - cursor >= 4 else { return fail() }
                value = .fixed32(UInt32(truncatingIfNeeded: Self.littleEndian(bytes, at: cursor, count: 4)))
                cursor += 4
            case 2:
                guard let length = ProtobufWire.readVarint(bytes, &cursor),
                    length <= UInt64(bytes.endIndex - cursor)
                else { return fail() }
                let end = cursor + Int(length)
                value = .bytes(cursor..<end)
                cursor = end
            case 3 where streamsGroups:
                value = .startGroup
            case 4 where streamsGroups:
                value = .endGroup
            case 3:
                let start = cursor
                guard let end = skipGroup(number, from: &cursor) else { return fail() }
                value = .group(start..<end)
            default:
                // 4 (an end-group without its start), 6 and 7 (no such wire types).
                return fail()
            }
            offset = cursor
            return Field(number: number, value: value)
        }

        private mutating func fail() -> Field? {
            failed = true
            return nil
        }

        /// Marks the message invalid at the current offset (a streamed group that does not match).
        mutating func invalidate() {
            failed = true
        }

        /// Skips the rest of a streamed group whose start tag (`number`) was just read; false
        /// (and the reader failed) if it has no matching end tag.
        mutating func skipStartedGroup(_ number: Int) -> Bool {
            var cursor = offset
            guard !failed, skipGroup(number, from: &cursor) != nil else {
                failed = true
                return false
            }
            offset = cursor
            return true
        }

        /// Skips to the end tag matching a group started with `number`; returns where the end
        /// tag starts (the end of the group's content), `cursor` moving past it.
        private func skipGroup(_ number: Int, from cursor: inout Int) -> Int? {
            var open = [number]
            while cursor < bytes.endIndex {
                let tagStart = cursor
                guard let (inner, wireType) = Self.tag(bytes, &cursor) else { return nil }
                switch wireType {
                case 0:
                    guard ProtobufWire.readVarint(bytes, &cursor) != nil else { return nil }
                case 1:
                    guard bytes.endIndex - cursor >= 8 else { return nil }
                    cursor += 8
                case 5:
                    guard bytes.endIndex - cursor >= 4 else { return nil }
                    cursor += 4
                case 2:
                    guard let length = ProtobufWire.readVarint(bytes, &cursor),
                        length <= UInt64(bytes.endIndex - cursor)
                    else { return nil }
                    cursor += Int(length)
                case 3:
                    guard open.count < maxGroupDepth else { return nil }
                    open.append(inner)
                case 4:
                    guard open.last == inner else { return nil }
                    open.removeLast()
                    if open.isEmpty { return tagStart }
                default:
                    return nil
                }
            }
            return nil  // ran out before the end tag
        }

        /// A tag: field number 1…2^29-1 and wire type.
        private static func tag(_ bytes: ArraySlice<UInt8>, _ cursor: inout Int) -> (Int, UInt8)? {
            guard let tag = ProtobufWire.readVarint(bytes, &cursor), tag <= UInt64(UInt32.max) else { return nil }
            let number = Int(tag >> 3)
            guard number >= 1, number <= ProtobufWire.maxFieldNumber else { return nil }
            return (number, UInt8(tag & 7))
        }

        private static func littleEndian(_ bytes: ArraySlice<UInt8>, at start: Int, count: Int) -> UInt64 {
            var value: UInt64 = 0
            for i in stride(from: count - 1, through: 0, by: -1) {
                value = value << 8 | UInt64(bytes[start + i])
            }
            return value
        }
    }

    /// The number of top-level fields if `bytes` is one complete, valid message; else nil.
    static func fieldCount(_ bytes: ArraySlice<UInt8>, maxGroupDepth: Int = maxGroupNesting) -> Int? {
        var reader = Reader(bytes, maxGroupDepth: maxGroupDepth)
        var count = 0
        while reader.next() != nil { count += 1 }
        return reader.failed ? nil : count
    }

    /// Whether the first byte can start a field (a valid wire type, a non-zero field number).
    static func canStartField(_ bytes: ArraySlice<UInt8>) -> Bool {
        guard let first = bytes.first else { return false }
        let wireType = first & 7
        guard wireType != 4, wireType != 6, wireType != 7 else { return false }
        return first >= 0x80 || first >> 3 != 0
    }
}
