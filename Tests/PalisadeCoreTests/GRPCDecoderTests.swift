import Testing

@testable import PalisadeCore

@Suite struct GRPCDecoderTests {
    typealias F = BinaryFixtures
    typealias P = ProtobufBytes
    let decoder = GRPCDecoder()

    static func frame(_ message: [UInt8], flags: UInt8 = 0) -> [UInt8] {
        let count = UInt32(message.count)
        return [flags, UInt8(count >> 24), UInt8(count >> 16 & 0xFF), UInt8(count >> 8 & 0xFF), UInt8(count & 0xFF)]
            + message
    }

    static let request = P.field(1, bytes: P.field(2, string: "' OR 1=1--")) + P.field(3, varint: 5)

    func decode(_ bytes: [UInt8], declared: Bool = true, budget: inout DecodeBudget) -> Decoded? {
        decoder.decode(bytes[...], context: F.context(declared: declared, fieldName: "body"), budget: &budget)
    }

    func decode(_ bytes: [UInt8], declared: Bool = true) -> Decoded? {
        var budget = F.budget()
        return decode(bytes, declared: declared, budget: &budget)
    }

    func summary(_ decoded: Decoded?) -> [String] {
        (decoded?.children ?? []).map { "\($0.path)=\(String(decoding: $0.value, as: UTF8.self)) (\($0.kind))" }
    }

    @Test func decodesFramesAsProtobuf() {
        let body = Self.frame(Self.request) + Self.frame(P.field(1, string: "second"))
        let decoded = decode(body)
        #expect(summary(decoded) == ["[0].1.2=' OR 1=1-- (text)", "[0].3=5 (number)", "[1].1=second (text)"])
        #expect(decoded?.annotations.isEmpty == true)
    }

    @Test func inflatesCompressedFrames() {
        for compressed in [F.gzip(Self.request), F.zlib(Self.request)] {
            let decoded = decode(Self.frame(compressed, flags: 1))
            #expect(summary(decoded) == ["[0].1.2=' OR 1=1-- (text)", "[0].3=5 (number)"])
            #expect(decoded?.annotations.isEmpty == true)
        }
    }

    @Test func compressedFrameBombIsCapped() throws {
        let bomb = F.gzip([UInt8](repeating: 0, count: 10_000_000))
        var budget = F.budget()
        let decoded = try #require(decode(Self.frame(bomb, flags: 1), budget: &budget))
        #expect(decoded.annotations.map(\.code) == [.limitRatio, .malformed])
        #expect(budget.hits == [.ratio])
        // Zeros are not protobuf (field 0): the capped message is kept whole.
        #expect(decoded.children.map(\.path) == ["[0]"])
        #expect(decoded.children.first?.value.count == bomb.count * 100)
        #expect(decoded.children.first?.kind == .binary)
    }

    @Test func unknownCompressionKeepsTheMessageAsBinary() {
        let decoded = decode(Self.frame([0x01, 0x02, 0x03], flags: 1))
        #expect(decoded?.children == [Child(path: "[0]", value: [1, 2, 3], kind: .binary, fieldName: "body")])
        #expect(decoded?.annotations == [Annotation(.malformed, detail: "grpc frame 0: unknown compression")])
    }

    @Test func skipsGRPCWebTrailers() {
        let trailer = Self.frame(Array("grpc-status:0\r\ngrpc-message:\r\n".utf8), flags: 0x80)
        let decoded = decode(trailer + Self.frame(P.field(1, string: "after")))
        #expect(summary(decoded) == ["[1].1=after (text)"])
    }

    @Test func keepsCompleteFramesBeforeATruncatedOne() {
        let body = Self.frame(Self.request) + Self.frame(P.field(1, string: "cut")).dropLast(2)
        let decoded = decode(body)
        #expect(summary(decoded) == ["[0].1.2=' OR 1=1-- (text)", "[0].3=5 (number)"])
        #expect(
            decoded?.annotations == [Annotation(.malformed, detail: "grpc frame 1: length beyond the body", value: 5)])

        let header = decode(Self.frame(Self.request) + [0, 0, 0])
        #expect(summary(header).count == 2)
        #expect(header?.annotations == [Annotation(.malformed, detail: "grpc frame 1: truncated header", value: 3)])
    }

    @Test func messageThatIsNotProtobufIsKeptWhole() {
        let decoded = decode(Self.frame(Array("' OR 1=1--".utf8)))
        #expect(summary(decoded) == ["[0]=' OR 1=1-- (text)"])
        #expect(decoded?.annotations.map(\.code) == [.malformed])
        #expect(decoded?.annotations.first?.detail.hasPrefix("grpc frame 0: protobuf: invalid field") == true)
    }

    @Test func emptyMessageHasNoChildren() {
        let decoded = decode(Self.frame([]))
        #expect(decoded?.children.isEmpty == true)
        #expect(decoded?.annotations.isEmpty == true)
    }

    @Test(arguments: [
        [UInt8](),
        [0x00, 0x00, 0x00],
        [0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0x01],
        [0x00, 0x00, 0x00, 0x00, 0x09, 0x01],
        Array(#"{"not":"grpc"}"#.utf8),
    ])
    func rejectsBodiesWithoutACompleteFrame(_ bytes: [UInt8]) {
        #expect(decode(bytes) == nil)
    }

    @Test func onlyWhenDeclared() {
        #expect(decode(Self.frame(Self.request), declared: false) == nil)
    }

    @Test func manyEmptyFramesAreCheap() {
        let body = [UInt8](repeating: 0, count: 1_000_000)  // 200,000 empty frames
        let clock = ContinuousClock()
        var decoded: Decoded?
        let elapsed = clock.measure { decoded = decode(body) }
        #expect(elapsed < .seconds(10))  // a hang guard, not a speed test
        #expect(decoded?.children.isEmpty == true)
    }

    @Test func hostileBytesNeverTrap() {
        for seed in UInt64(1)...300 {
            let noise = F.noise(Int(seed % 100), seed: seed)
            _ = decode(noise)
            _ = decode(Self.frame(noise, flags: UInt8(seed & 0x81)) + noise)
        }
    }
}
