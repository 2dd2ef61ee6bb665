import Testing

@testable import PalisadeCore
@testable import PalisadeRecords

/// The direct protobuf reader of capture records against SwiftProtobuf's message: whatever the
/// reader takes must be what the message gives.
@Suite
struct CaptureWireReaderTests {
    static let full = CaptureRecord(
        id: "01JD0000000000000000000009", ts: 1_763_700_000_123, node: "kong-1", clientIP: "203.0.113.7",
        method: "POST", scheme: "https", host: "api.example.com", rawPath: "/v1/users/42?expand=1",
        headers: [.init("content-type", "application/json"), .init("x-empty", ""), .init("x-dup", "é✓")],
        body: Array(#"{"a":1}"#.utf8) + [0x00, 0xff], bodyTruncated: true, status: 201, latencyMs: 3.25,
        responseBytes: 512, service: "users", route: "users-v1", consumer: "mobile-app")

    func direct(_ bytes: [UInt8]) -> CaptureRecord? {
        bytes.withUnsafeBufferPointer { buffer in
            var reader = CaptureWireReader(bytes: buffer)
            return reader.record()
        }
    }

    func viaMessage(_ bytes: [UInt8]) -> CaptureRecord? {
        (try? CaptureRecordMessage.decodeRecord(bytes)).map(CaptureRecord.init)
    }

    /// Compared by encoding (a NaN latency is equal to itself there).
    func same(_ a: CaptureRecord?, _ b: CaptureRecord?) -> Bool {
        a.map { CaptureRecordMessage($0).encodedRecord() } == b.map { CaptureRecordMessage($0).encodedRecord() }
    }

    @Test("records read directly equal the message's, optional fields absent or present")
    func roundTrips() throws {
        let records = [
            Self.full,
            CaptureRecord(id: "x", ts: 0, method: "GET", rawPath: "/"),
            CaptureRecord(
                id: "", ts: -5, node: "", method: "GET", host: "", rawPath: "/", status: -1, latencyMs: 0,
                responseBytes: 0, service: ""),
        ]
        for record in records {
            let bytes = CaptureRecordMessage(record).encodedRecord()
            let read = try #require(direct(bytes))
            #expect(same(read, viaMessage(bytes)))
            #expect(try CaptureRecord.decodeRecord(bytes) == record)
        }
    }

    @Test("repeated fields: the last wins; unknown fields of every wire type are skipped")
    func wireDetails() throws {
        var bytes = CaptureRecordMessage(Self.full).encodedRecord()
        bytes += [0x2A, 0x03] + Array("PUT".utf8)  // method again
        bytes += [0xA0, 0x06, 0x96, 0x01]  // field 100, varint
        bytes += [0xA1, 0x06] + [UInt8](repeating: 7, count: 8)  // field 100, fixed64
        bytes += [0xA2, 0x06, 0x02, 0x61, 0x62]  // field 100, bytes
        bytes += [0xA5, 0x06, 1, 2, 3, 4]  // field 100, fixed32
        bytes += [0x4A, 0x07, 0x0A, 0x01, 0x61, 0x18, 0x01, 0x12, 0x00]  // a header with an unknown field
        let read = try #require(direct(bytes))
        #expect(same(read, viaMessage(bytes)))
        #expect(read.method == "PUT")
        #expect(read.headers.last == CaptureRecord.Header("a", ""))
    }

    @Test("what the reader does not take goes to SwiftProtobuf, errors included")
    func fallBack() throws {
        // Invalid UTF-8 in a string, a truncated field, a group, a known field with another wire type.
        let cases: [[UInt8]] = [
            [0x0A, 0x02, 0xC3, 0x28], [0x0A, 0x05, 0x61], [0xA3, 0x06, 0xA4, 0x06], [0x10, 0x01, 0x12, 0x00],
            [0x28, 0x01], [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01],
        ]
        for bytes in cases {
            #expect(direct(bytes) == nil, "\(bytes)")
            #expect(same(try? CaptureRecord.decodeRecord(bytes), viaMessage(bytes)))
        }
        #expect(throws: RecordError.self) { try CaptureRecord.decodeRecord([0x0A, 0x05, 0x61]) }
    }

    @Test("string fields: the reader accepts exactly the valid UTF-8 (UTF8Check) and reads it as the message does")
    func stringValidation() {
        var rng = SplitMix64(state: 41)
        let pieces: [[UInt8]] = [
            [0x61], [0x7F], [0xC2, 0x80], [0xDF, 0xBF], [0xC0, 0x80], [0xC1, 0xBF], [0xE0, 0xA0, 0x80],
            [0xE0, 0x80, 0x80],
            [0xED, 0x9F, 0xBF], [0xED, 0xA0, 0x80], [0xEF, 0xBF, 0xBF], [0xF0, 0x90, 0x80, 0x80],
            [0xF0, 0x80, 0x80, 0x80],
            [0xF4, 0x8F, 0xBF, 0xBF], [0xF4, 0x90, 0x80, 0x80], [0xF5, 0x80, 0x80, 0x80], [0x80], [0xBF], [0xC3],
            [0xE2, 0x82],
            [0xFF], [0x00],
        ]
        var valid = 0
        for _ in 0..<5_000 {
            var text: [UInt8] = []
            for _ in 0..<Int(rng.next() % 6) { text += pieces[Int(rng.next() % UInt64(pieces.count))] }
            // palisade.v1.CaptureRecord: 1 = id, 5 = method, 8 = raw_path.
            let bytes: [UInt8] =
                [0x0A, UInt8(text.count)] + text + [0x2A, 0x03] + Array("GET".utf8) + [0x42, 0x01, 0x2F]
            let read = direct(bytes)
            let isValid = text.withUnsafeBufferPointer { UTF8Check.isValid($0) }
            #expect((read != nil) == isValid, "\(text)")
            #expect(same(read, viaMessage(bytes)), "\(text)")
            if let read {
                valid += 1
                #expect(Array(read.id.utf8) == text)
            }
        }
        #expect(valid > 500)
        #expect(valid < 4_500)
        // Longer strings: ASCII runs (read eight bytes at a time) with the pieces between them.
        var longValid = 0
        for _ in 0..<3_000 {
            var text: [UInt8] = []
            for _ in 0..<Int(rng.next() % 5) {
                text += Array("abcdefghijklmnopq".utf8.prefix(Int(rng.next() % 17)))
                if rng.next() % 3 == 0 { text += pieces[Int(rng.next() % UInt64(pieces.count))] }
            }
            let bytes: [UInt8] =
                [0x0A, UInt8(text.count)] + text + [0x2A, 0x03] + Array("GET".utf8) + [0x42, 0x01, 0x2F]
            let read = direct(bytes)
            #expect(same(read, viaMessage(bytes)), "\(text)")
            #expect((read != nil) == (viaMessage(bytes) != nil), "\(text)")
            if read != nil { longValid += 1 }
        }
        #expect(longValid > 500)
        #expect(longValid < 2_900)
    }

    @Test("header names: the common ones shared, near misses and invalid UTF-8 read as themselves")
    func commonHeaderNames() {
        // Every known name is found, as itself, and the table holds each once.
        let known = HeaderRoots.standard.entries.map(\.name)
        #expect(Set(known).count == known.count)
        for name in known {
            let found = Array(name.utf8).withUnsafeBufferPointer { CaptureRecord.Header.knownName($0) }
            #expect(found == name)
        }
        // Names next to them (a byte changed, added or cut, other case) are not; read off the
        // wire, every one of them (and a name that is not UTF-8) is what the message reads.
        var names: [[UInt8]] = [[0xC3, 0x28], [0x61, 0xFF], [], [0x74]]
        for name in known {
            let bytes = Array(name.utf8)
            names.append(bytes)
            names.append(bytes + [0x73])
            names.append(Array(bytes.dropLast()))
            names.append(Array(name.uppercased().utf8))
            var changed = bytes
            changed[changed.count / 2] ^= 0x01
            names.append(changed)
        }
        for name in names {
            let common = name.withUnsafeBufferPointer { CaptureRecord.Header.knownName($0) }
            #expect(common == nil || known.contains(String(decoding: name, as: UTF8.self)))
            // palisade.v1.CaptureRecord: 5 = method, 8 = raw_path, 9 = header (1 = name, 2 = value).
            let header: [UInt8] = [0x0A, UInt8(name.count)] + name + [0x12, 0x01, 0x76]
            let bytes: [UInt8] =
                [0x2A, 0x03] + Array("GET".utf8) + [0x42, 0x01, 0x2F] + [0x4A, UInt8(header.count)] + header
            let read = direct(bytes)
            #expect(same(read, viaMessage(bytes)), "\(name)")
            #expect((read != nil) == name.withUnsafeBufferPointer { UTF8Check.isValid($0) }, "\(name)")
            if let read { #expect(Array(read.headers[0].name.utf8) == name) }
        }
    }

    @Test("damaged encodings: whatever the reader accepts, the message reads the same")
    func mutations() {
        var rng = SplitMix64(state: 7)
        func next() -> UInt64 { rng.next() }
        let seed = CaptureRecordMessage(Self.full).encodedRecord()
        var taken = 0
        for _ in 0..<5_000 {
            var bytes = seed
            for _ in 0..<(1 + Int(next() % 3)) {
                let position = Int(next() % UInt64(bytes.count))
                switch next() % 3 {
                case 0: bytes[position] = UInt8(truncatingIfNeeded: next())
                case 1: bytes.insert(UInt8(truncatingIfNeeded: next()), at: position)
                default: bytes.remove(at: position)
                }
            }
            guard let read = direct(bytes) else { continue }
            taken += 1
            #expect(same(read, viaMessage(bytes)), "\(bytes)")
        }
        #expect(taken > 100)
    }
}
