import Testing

@testable import PalisadeCore

@Suite struct DeflateDecoderTests {
    typealias F = BinaryFixtures
    let decoder = DeflateDecoder()
    let text = Array(#"{"cmd":"; cat /etc/passwd","pad":"aaaaaaaaaaaaaaaaaaaaaaaa"}"#.utf8)

    func decode(_ bytes: [UInt8], declared: Bool) -> Decoded? {
        var budget = F.budget()
        return decoder.decode(bytes[...], context: F.context(declared: declared), budget: &budget)
    }

    @Test func sniffsZlib() {
        let decoded = decode(F.zlib(text), declared: false)
        #expect(decoded?.children == [Child(path: "", value: text, kind: .text)])
        #expect(decoded?.annotations.isEmpty == true)
    }

    @Test func rawDeflateOnlyWhenDeclared() {
        let raw = F.rawDeflate(text)
        #expect(decode(raw, declared: false) == nil)
        #expect(decode(raw, declared: true)?.children == [Child(path: "", value: text, kind: .text)])
        #expect(decode(F.zlib(text), declared: true)?.children == [Child(path: "", value: text, kind: .text)])
    }

    @Test(arguments: [
        Array("x^ looks like a zlib header but is text".utf8),
        [0x78, 0x9C, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF],  // bad block
        [0x78, 0xBB, 0x00, 0x00, 0x00, 0x01, 0x01, 0x01],  // preset dictionary
        [0x78, 0x9D, 0x01, 0x02, 0x03, 0x04],  // header check fails
        [0x88, 0x98, 0x01, 0x02, 0x03, 0x04],  // window too large
        [0x78, 0x9C],
        Array("hello".utf8),
    ])
    func sniffingRejectsNonZlib(_ bytes: [UInt8]) {
        var budget = F.budget()
        #expect(decoder.decode(bytes[...], context: F.context(), budget: &budget) == nil)
        #expect(budget.remainingBytes == DecodeLimits().maxDecodedBytes)
    }

    @Test func sniffedCorruptStreamCostsNothing() {
        var zlib = F.zlib(text)
        zlib[zlib.count - 1] ^= 0x55  // Adler-32: everything inflates, then the check fails
        var budget = F.budget()
        #expect(decoder.decode(zlib[...], context: F.context(), budget: &budget) == nil)
        #expect(budget.remainingBytes == DecodeLimits().maxDecodedBytes)
    }

    @Test func corruptChecksumKeepsOutputWhenDeclared() {
        var zlib = F.zlib(text)
        zlib[zlib.count - 1] ^= 0x55
        let declared = decode(zlib, declared: true)
        #expect(declared?.children.first?.value == text)
        #expect(F.codes(declared) == [.malformed])
    }

    @Test func bombIsCapped() {
        let bomb = F.zlib([UInt8](repeating: 0, count: 5_000_000))
        var budget = F.budget()
        let decoded = decoder.decode(bomb[...], context: F.context(), budget: &budget)
        #expect(decoded?.children.first?.value.count == bomb.count * 100)
        #expect(F.codes(decoded) == [.limitRatio])
        #expect(budget.hits == [.ratio])
    }

    @Test func hostileInputNeverTraps() {
        for seed in UInt64(1)...200 {
            let bytes: [UInt8] = [0x78, 0x9C] + F.noise(Int(seed % 80), seed: seed)
            _ = decode(bytes, declared: false)
            _ = decode(bytes, declared: true)
            _ = decode(F.noise(Int(seed % 80), seed: seed), declared: true)
        }
    }
}
