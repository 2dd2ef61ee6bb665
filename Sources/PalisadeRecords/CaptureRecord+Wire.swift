import PalisadeCore

extension CaptureRecord {
    /// Decodes a `palisade.v1.CaptureRecord` value straight into the domain record: the same
    /// result as `CaptureRecord(try CaptureRecordMessage.decodeRecord(bytes))` without the
    /// intermediate message (its storage, header messages and body `Data`). Bytes the direct
    /// reader does not take (malformed ones, a known field with another wire type, groups) go
    /// through SwiftProtobuf, which decides — so errors are its errors.
    public static func decodeRecord(_ bytes: [UInt8]) throws(RecordError) -> CaptureRecord {
        if let record = bytes.withUnsafeBufferPointer({ buffer in
            var reader = CaptureWireReader(bytes: buffer)
            return reader.record()
        }) {
            return record
        }
        return CaptureRecord(try CaptureRecordMessage.decodeRecord(bytes))
    }
}

/// Protobuf wire reading of one `CaptureRecord`; every method returns nil on anything unexpected.
struct CaptureWireReader {
    let bytes: UnsafeBufferPointer<UInt8>
    var index = 0

    init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    mutating func record() -> CaptureRecord? {
        var id = ""
        var ts: Int64 = 0
        var node: String?
        var clientIP: String?
        var method = ""
        var scheme: String?
        var host: String?
        var rawPath = ""
        var headers: [CaptureRecord.Header] = []
        var body: [UInt8] = []
        var bodyTruncated = false
        var status: Int?
        var latencyMs: Double?
        var responseBytes: Int?
        var service: String?
        var route: String?
        var consumer: String?
        while index < bytes.count {
            guard let (field, wireType) = tag() else { return nil }
            switch (field, wireType) {
            case (1, 2):
                guard let s = string() else { return nil }
                id = s
            case (2, 0):
                guard let v = varint() else { return nil }
                ts = Int64(bitPattern: v)
            case (3, 2):
                guard let s = string() else { return nil }
                node = s
            case (4, 2):
                guard let s = string() else { return nil }
                clientIP = s
            case (5, 2):
                guard let s = string() else { return nil }
                method = s
            case (6, 2):
                guard let s = string() else { return nil }
                scheme = s
            case (7, 2):
                guard let s = string() else { return nil }
                host = s
            case (8, 2):
                guard let s = string() else { return nil }
                rawPath = s
            case (9, 2):
                guard let range = lengthDelimited() else { return nil }
                var inner = CaptureWireReader(bytes: UnsafeBufferPointer(rebasing: bytes[range]))
                guard let header = inner.header() else { return nil }
                if headers.isEmpty {
                    // Room for the headers the rest of the record can hold at ~40 bytes each (an
                    // array grown from one header doubled four times for a typical request).
                    headers.reserveCapacity(min(64, max(4, (bytes.count - range.lowerBound) / 40)))
                }
                headers.append(header)
            case (10, 2):
                guard let range = lengthDelimited() else { return nil }
                body = Array(bytes[range])
            case (11, 0):
                guard let v = varint() else { return nil }
                bodyTruncated = v != 0
            case (12, 0):
                guard let v = varint() else { return nil }
                status = Int(Int32(truncatingIfNeeded: v))
            case (13, 1):
                guard let v = fixed64() else { return nil }
                latencyMs = Double(bitPattern: v)
            case (14, 0):
                guard let v = varint() else { return nil }
                responseBytes = Int(Int64(bitPattern: v))
            case (15, 2):
                guard let s = string() else { return nil }
                service = s
            case (16, 2):
                guard let s = string() else { return nil }
                route = s
            case (17, 2):
                guard let s = string() else { return nil }
                consumer = s
            default:
                guard field > 17, skip(wireType) else { return nil }
            }
        }
        return CaptureRecord(
            id: id, ts: ts, node: node, clientIP: clientIP, method: method, scheme: scheme, host: host,
            rawPath: rawPath, headers: headers, body: body, bodyTruncated: bodyTruncated, status: status,
            latencyMs: latencyMs, responseBytes: responseBytes, service: service, route: route, consumer: consumer)
    }

    /// A `palisade.v1.Header` (the whole buffer).
    mutating func header() -> CaptureRecord.Header? {
        var name = ""
        var value = ""
        while index < bytes.count {
            guard let (field, wireType) = tag() else { return nil }
            switch (field, wireType) {
            case (1, 2):
                guard let range = lengthDelimited() else { return nil }
                let bytes = UnsafeBufferPointer(rebasing: bytes[range])
                // The common names are shared strings, not checked and built again per request.
                guard let read = CaptureRecord.Header.knownName(bytes) ?? Self.text(bytes) else { return nil }
                name = read
            case (2, 2):
                guard let s = string() else { return nil }
                value = s
            default: guard field > 2, skip(wireType) else { return nil }
            }
        }
        return CaptureRecord.Header(name, value)
    }

    private mutating func tag() -> (UInt64, UInt64)? {
        guard let key = varint(), key >> 3 != 0, key >> 3 <= 0x1FFF_FFFF else { return nil }
        return (key >> 3, key & 7)
    }

    private mutating func varint() -> UInt64? {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while index < bytes.count, shift < 64 {
            let byte = bytes[index]
            index += 1
            value |= UInt64(byte & 0x7F) << shift
            if byte < 0x80 { return value }
            shift += 7
        }
        return nil
    }

    private mutating func fixed64() -> UInt64? {
        guard bytes.count - index >= 8 else { return nil }
        var value: UInt64 = 0
        for i in 0..<8 { value |= UInt64(bytes[index + i]) << UInt64(8 * i) }
        index += 8
        return value
    }

    private mutating func lengthDelimited() -> Range<Int>? {
        guard let length = varint(), length <= UInt64(bytes.count - index) else { return nil }
        let range = index..<index + Int(length)
        index = range.upperBound
        return range
    }

    /// A string field; nil for invalid UTF-8 (SwiftProtobuf rejects it).
    private mutating func string() -> String? {
        guard let range = lengthDelimited() else { return nil }
        return Self.text(UnsafeBufferPointer(rebasing: bytes[range]))
    }

    /// A string field's bytes as a string; nil for invalid UTF-8.
    private static func text(_ bytes: UnsafeBufferPointer<UInt8>) -> String? {
        guard UTF8Check.isValid(bytes) else { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Skips an unknown field; groups (wire types 3, 4) are left to SwiftProtobuf.
    private mutating func skip(_ wireType: UInt64) -> Bool {
        switch wireType {
        case 0: return varint() != nil
        case 1:
            guard bytes.count - index >= 8 else { return false }
            index += 8
            return true
        case 2: return lengthDelimited() != nil
        case 5:
            guard bytes.count - index >= 4 else { return false }
            index += 4
            return true
        default: return false
        }
    }
}
