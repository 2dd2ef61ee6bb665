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
        for segment in segments {
            w.message(13) { w in
                w.int64IfSet(1, Int64(Palisade_V1_SegmentKind(segment.kind).rawValue))
                if let literal = segment.literal { w.string(2, literal) }
                w.fixed64IfSet(3, segment.hash)
                w.shape(4, segment.shape)
                w.packed(5, segment.sensitive)
            }
        }
        for param in params {
            w.message(14) { w in
                w.stringIfSet(1, param.location)
                w.int64IfSet(2, Int64(Palisade_V1_ParameterLocation(param.source).rawValue))
                w.shape(3, param.shape)
                w.packed(4, param.formats)
                w.uint64IfSet(5, UInt64(max(param.minLength, 0)))
                w.int64IfSet(6, Int64(Palisade_V1_ScalarType(param.type).rawValue))
                w.packed(7, param.sensitive)
                w.packed(8, param.encodings)
                w.uint64IfSet(9, UInt64(UInt32(clamping: param.occurrences)))
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
        packed(field, LearnWireTables.formats.lazy.filter { set.rawValue & $0.bit != 0 }.map(\.raw))
    }

    fileprivate mutating func packed(_ field: Int, _ set: SensitiveSet) {
        guard !set.isEmpty else { return }  // the common case, without a table walk
        packed(field, LearnWireTables.sensitive.lazy.filter { set.rawValue & $0.bit != 0 }.map(\.raw))
    }

    fileprivate mutating func packed(_ field: Int, _ set: EncodingSet) {
        guard !set.isEmpty else { return }  // the common case, without a table walk
        packed(field, LearnWireTables.encodings.lazy.filter { set.rawValue & $0.bit != 0 }.map(\.raw))
    }
}

/// Each set member's bit and its `palisade.v1` enum number, in `allCases` order.
private enum LearnWireTables {
    static let formats: [(bit: UInt32, raw: Int)] = ValueFormat.allCases.map {
        (FormatSet($0).rawValue, Palisade_V1_ValueFormat($0).rawValue)
    }
    static let sensitive: [(bit: UInt8, raw: Int)] = SensitiveKind.allCases.map {
        (SensitiveSet($0).rawValue, Palisade_V1_SensitiveKind($0).rawValue)
    }
    static let encodings: [(bit: UInt16, raw: Int)] = ValueEncoding.allCases.map {
        (EncodingSet($0).rawValue, Palisade_V1_ValueEncoding($0).rawValue)
    }
}
