import PalisadeCore
import PalisadeLearn

extension EndpointObservation {
    /// The binary revision-2 `palisade.v1.EndpointObservation` record of this observation: the
    /// same bytes as `EndpointObservationMessage(self, client:score:attack:).encodedRecord()`,
    /// written directly (no message objects). `client`, `score` and `attack` come from the
    /// verdict of the same request.
    public func encodedRecord(client: String = "", score: Double = 0, attack: Bool = false) -> [UInt8] {
        var w = WireWriter(capacity: 160 + 24 * segments.count + 64 * params.count)
        w.message(1) { w in
            w.stringIfSet(1, endpoint.host)
            w.stringIfSet(2, endpoint.method)
            w.stringIfSet(3, endpoint.template)
        }
        w.stringIfSet(2, requestID)
        w.int64IfSet(3, ts)
        w.stringIfSet(4, client)
        if let status { w.int64(5, Int64(Int32(clamping: status))) }
        w.stringIfSet(6, auth.rawValue)
        if let contentType { w.stringIfSet(9, contentType) }
        w.uint64IfSet(10, UInt64(UInt32(clamping: bodyBytes)))
        w.doubleIfSet(11, score)
        w.boolIfSet(12, attack)
        // Segments and parameters read in place: `for param in params` copied each one (a retain
        // and release of its strings).
        segments.withUnsafeBufferPointer { segments in
            for index in segments.indices {
                let segment = segments.baseAddress! + index
                w.message(13) { w in
                    w.int64IfSet(1, Int64(Palisade_V1_SegmentKind(segment.pointee.kind).rawValue))
                    if segment.pointee.literal != nil { w.string(2, segment.pointee.literal!) }
                    w.fixed64IfSet(3, segment.pointee.hash)
                    w.shape(4, segment.pointee.shape)
                    w.packed(5, segment.pointee.sensitive)
                }
            }
        }
        params.withUnsafeBufferPointer { params in
            for index in params.indices {
                let param = params.baseAddress! + index
                w.message(14) { w in
                    w.stringIfSet(1, param.pointee.location)
                    w.int64IfSet(2, Int64(Palisade_V1_ParameterLocation(param.pointee.source).rawValue))
                    w.shape(3, param.pointee.shape)
                    w.packed(4, param.pointee.formats)
                    w.uint64IfSet(5, UInt64(max(param.pointee.minLength, 0)))
                    w.int64IfSet(6, Int64(Palisade_V1_ScalarType(param.pointee.type).rawValue))
                    w.packed(7, param.pointee.sensitive)
                    w.packed(8, param.pointee.encodings)
                    w.uint64IfSet(9, UInt64(UInt32(clamping: param.pointee.occurrences)))
                }
            }
        }
        w.uint64IfSet(15, UInt64(UInt32(clamping: droppedParams)))
        w.uint64(16, UInt64(recordSchemaRevision))
        return w.bytes
    }
}

extension WireWriter {
    /// A `palisade.v1.ValueShape` field (always present, as the message mapping sets it).
    fileprivate mutating func shape(_ field: Int, _ shape: ValueShape) {
        message(field) { w in
            w.int64IfSet(1, Int64(Palisade_V1_ValueFormat(shape.format).rawValue))
            w.uint64IfSet(2, UInt64(max(shape.length, 0)))
            w.uint64IfSet(3, UInt64(shape.charset.rawValue))
        }
    }

    // Sets as packed enum lists, in the order of the message mapping (`allCases`), left out when
    // empty (bits of no known member are ignored, as the mapping does).

    fileprivate mutating func packed(_ field: Int, _ set: FormatSet) {
        guard !set.isEmpty else { return }  // the common case, without a table walk
        packedBits(field, UInt64(set.rawValue), LearnWireTables.formatsByBit)
    }

    fileprivate mutating func packed(_ field: Int, _ set: SensitiveSet) {
        guard !set.isEmpty else { return }  // the common case, without a table walk
        packedBits(field, UInt64(set.rawValue), LearnWireTables.sensitiveByBit)
    }

    fileprivate mutating func packed(_ field: Int, _ set: EncodingSet) {
        guard !set.isEmpty else { return }  // the common case, without a table walk
        packedBits(field, UInt64(set.rawValue), LearnWireTables.encodingsByBit)
    }

    /// A set's members as a packed enum list: its set bits from the lowest, each mapped to its
    /// enum number (bits of no known member skipped). The members' bits rise in `allCases` order
    /// (checked when the tables are built), so this is the message mapping's order. The number
    /// of a member is at most a few dozen: one byte each.
    fileprivate mutating func packedBits(_ field: Int, _ bits: UInt64, _ table: LearnWireTables.ByBit) {
        var remaining = bits & table.known
        guard remaining != 0 else { return }
        guard table.oneByte else {
            packed(field, table.members(of: bits))
            return
        }
        tag(field, .lengthDelimited)
        varint(UInt64(remaining.nonzeroBitCount))
        while remaining != 0 {
            let bit = remaining.trailingZeroBitCount
            varint(UInt64(table.raw[bit]))
            remaining &= remaining - 1
        }
    }
}

/// Each set member's bit and its `palisade.v1` enum number, in `allCases` order.
enum LearnWireTables {
    static let formats: [(bit: UInt64, raw: Int)] = ValueFormat.allCases.map {
        (UInt64(FormatSet($0).rawValue), Palisade_V1_ValueFormat($0).rawValue)
    }
    static let sensitive: [(bit: UInt64, raw: Int)] = SensitiveKind.allCases.map {
        (UInt64(SensitiveSet($0).rawValue), Palisade_V1_SensitiveKind($0).rawValue)
    }
    static let encodings: [(bit: UInt64, raw: Int)] = ValueEncoding.allCases.map {
        (UInt64(EncodingSet($0).rawValue), Palisade_V1_ValueEncoding($0).rawValue)
    }
    static let formatsByBit = ByBit(formats)
    static let sensitiveByBit = ByBit(sensitive)
    static let encodingsByBit = ByBit(encodings)

    /// A table by bit position.
    struct ByBit: Sendable {
        /// The members' bits.
        var known: UInt64 = 0
        /// Enum number by bit position.
        var raw = [Int](repeating: 0, count: 64)
        /// One bit per member, rising in `allCases` order, every number in 0..<128: the fast path
        /// applies (the packed list is one byte per member).
        var oneByte = true
        let members: [(bit: UInt64, raw: Int)]

        init(_ members: [(bit: UInt64, raw: Int)]) {
            self.members = members
            var previous: UInt64 = 0
            for member in members {
                if member.bit.nonzeroBitCount != 1 || member.bit <= previous || !(0..<128).contains(member.raw) {
                    oneByte = false
                }
                previous = member.bit
                known |= member.bit
                if member.bit.nonzeroBitCount == 1 { raw[member.bit.trailingZeroBitCount] = member.raw }
            }
        }

        /// The enum numbers of the members in `bits`, in `allCases` order (the general path).
        func members(of bits: UInt64) -> [Int] { members.filter { bits & $0.bit != 0 }.map(\.raw) }
    }
}
