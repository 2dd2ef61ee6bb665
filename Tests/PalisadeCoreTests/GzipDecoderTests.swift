import Foundation
import Testing

@testable import PalisadeCore

@Suite struct GzipDecoderTests {
    typealias F = BinaryFixtures
    let decoder = GzipDecoder()

    func decode(_ bytes: [UInt8], budget: inout DecodeBudget, declared: Bool = false) -> Decoded? {
        decoder.decode(bytes[...], context: F.context(declared: declared), budget: &budget)
    }

    func decode(_ bytes: [UInt8]) -> Decoded? {
        var budget = F.budget()
        return decode(bytes, budget: &budget)
    }

    @Test func inflatesTextAndTakesItFromTheBudget() {
        let text = Array(#"{"q":"1 OR 1=1","note":"ünïcödé"}"#.utf8)
        var budget = F.budget()
        let decoded = decode(F.gzip(text), budget: &budget)
        #expect(decoded?.children == [Child(path: "", value: text, kind: .text)])
        #expect(decoded?.annotations.isEmpty == true)
        #expect(budget.remainingBytes == DecodeLimits().maxDecodedBytes - text.count)
        #expect(budget.hits.isEmpty)
    }

    @Test func binaryOutputIsBinary() {
        let bytes = F.noise(300)
        #expect(decode(F.gzip(bytes))?.children == [Child(path: "", value: bytes, kind: .binary)])
    }

    @Test(arguments: [
        [UInt8](),
        [0x1F, 0x8B],
        [0x1F, 0x8B, 0x07, 0, 0, 0, 0, 0, 0, 0x03, 0x01, 0x02],  // not deflate
        [0x1F, 0x8B, 0x08, 0xE0, 0, 0, 0, 0, 0, 0x03, 0x01, 0x02],  // reserved flags
        Array("plain words are not gzip".utf8),
    ])
    func rejectsWhatIsNotGzip(_ bytes: [UInt8]) {
        #expect(decode(bytes) == nil)
    }

    @Test func emptyStreamChangesNothing() {
        #expect(decode(F.gzip([])) == nil)
    }

    @Test func truncatedStreamKeepsWhatInflated() throws {
        let text = Array(String(repeating: "line of text number something\n", count: 200).utf8)
        let gzipped = F.gzip(text)
        // Without the 8-byte trailer: every byte is there, the stream is not finished.
        let noTrailer = try #require(decode(Array(gzipped.dropLast(8))))
        #expect(noTrailer.children == [Child(path: "", value: text, kind: .text)])
        #expect(noTrailer.annotations == [Annotation(.malformed, detail: "gzip: truncated stream", value: text.count)])
        // Cut in the middle of the deflate data: a prefix of the text.
        let cut = try #require(decode(Array(gzipped.prefix(40))))
        let prefix = try #require(cut.children.first?.value)
        #expect(!prefix.isEmpty && prefix.count < text.count)
        #expect(Array(text.prefix(prefix.count)) == prefix)
        #expect(F.codes(cut) == [.malformed])
    }

    @Test func corruptStreamIsMalformed() throws {
        var gzipped = F.gzip(Array(String(repeating: "abcdefgh", count: 100).utf8))
        gzipped[gzipped.count - 6] ^= 0xFF  // CRC-32
        let decoded = try #require(decode(gzipped))
        #expect(decoded.children.first?.value.count == 800)
        #expect(decoded.annotations == [Annotation(.malformed, detail: "gzip: corrupt stream", value: 800)])
        // Garbage right after the header: nothing inflates, nothing to return.
        let garbage: [UInt8] = [0x1F, 0x8B, 0x08, 0, 0, 0, 0, 0, 0, 0x03, 0xFF, 0xFF, 0xFF, 0xFF]
        #expect(decode(garbage) == nil)
    }

    @Test func inflatesEveryMemberAndFlagsTrailingData() {
        let first = Array("first member, ".utf8)
        let second = Array("second member".utf8)
        let both = decode(F.gzip(first) + F.gzip(second))
        #expect(both?.children == [Child(path: "", value: first + second, kind: .text)])
        #expect(both?.annotations.isEmpty == true)

        let trailing = decode(F.gzip(first) + Array("<script>".utf8))
        #expect(trailing?.children.first?.value == first)
        #expect(
            trailing?.annotations == [
                Annotation(.compressionTrailingData, detail: "gzip: data after the stream", value: 8)
            ])
    }

    @Test func manyMembersAreBounded() {
        let member = F.gzip(Array("x".utf8))
        let stream = Array([[UInt8]](repeating: member, count: 100).joined())
        let decoded = decode(stream)
        #expect(decoded?.children.first?.value.count == Inflate.maxMembers)
        #expect(F.codes(decoded) == [.malformed])
    }

    @Test func bombStopsAtTheRatioCap() throws {
        let bomb = F.gzip([UInt8](repeating: 0, count: 10_000_000))
        #expect(bomb.count < 12_000)
        var budget = F.budget()
        let clock = ContinuousClock()
        var decoded: Decoded?
        let elapsed = clock.measure { decoded = decode(bomb, budget: &budget) }
        #expect(elapsed < .seconds(10))  // a hang guard, not a speed test
        let cap = bomb.count * DecodeLimits().maxExpansionRatio
        let child = try #require(decoded?.children.first)
        #expect(child.value.count == cap)
        #expect(child.kind == .binary)
        #expect(decoded?.annotations == [Annotation(.limitRatio, detail: "gzip", value: cap)])
        #expect(budget.hits == [.ratio])
        #expect(budget.remainingBytes == DecodeLimits().maxDecodedBytes - cap)
    }

    @Test func bombStopsAtTheByteAllowanceWhenTighter() {
        let bomb = F.gzip([UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000))
        var budget = F.budget(maxDecodedBytes: 5_000)
        let decoded = decode(bomb, budget: &budget)
        #expect(decoded?.children == [Child(path: "", value: [UInt8](repeating: UInt8(ascii: "a"), count: 5_000))])
        #expect(decoded?.annotations == [Annotation(.limitBytes, detail: "gzip", value: 5_000)])
        #expect(budget.hits == [.bytes])
        #expect(budget.remainingBytes == 0)
        // Nothing left: the limit is reported, nothing produced.
        let again = decode(bomb, budget: &budget)
        #expect(again?.children.isEmpty == true)
        #expect(F.codes(again) == [.limitBytes])
    }

    @Test func outputExactlyAtTheCapIsComplete() {
        // Letters in random order compress less than 100:1, so the byte allowance is the cap.
        let text = F.noise(4_000).map { UInt8(ascii: "a") + $0 % 26 }
        var budget = F.budget(maxDecodedBytes: 4_000)
        let decoded = decode(F.gzip(text), budget: &budget)
        #expect(decoded?.children == [Child(path: "", value: text)])
        #expect(decoded?.annotations.isEmpty == true)
        #expect(budget.hits.isEmpty)
    }

    @Test func nestedBombStopsAtTheInnerCap() throws {
        let inner = F.gzip([UInt8](repeating: 0, count: 10_000_000))
        let outer = F.gzip(inner)
        var budget = F.budget()
        let first = try #require(decode(outer, budget: &budget)?.children.first)
        #expect(first.value == inner)
        #expect(first.kind == .binary)
        let second = try #require(decode(first.value, budget: &budget))
        #expect(second.children.first?.value.count == inner.count * DecodeLimits().maxExpansionRatio)
        #expect(F.codes(second) == [.limitRatio])
    }

    @Test func cutMultibyteCharacterAtTheCapStillCountsAsText() {
        let text = Array(String(repeating: "é", count: 10_000).utf8)
        var budget = F.budget(maxDecodedBytes: 1_001)
        let decoded = decode(F.gzip(text), budget: &budget)
        #expect(decoded?.children.first?.value.count == 1_001)
        #expect(decoded?.children.first?.kind == .text)
    }

    @Test func hostileHeadersNeverTrap() {
        for seed in UInt64(1)...200 {
            let bytes: [UInt8] = [0x1F, 0x8B, 0x08, UInt8(seed & 0x1F)] + F.noise(Int(seed % 64), seed: seed)
            var budget = F.budget()
            if let decoded = decode(bytes, budget: &budget) {
                #expect(!decoded.annotations.isEmpty)
            }
        }
    }

    #if os(Linux)
        /// Resident memory in bytes, from /proc.
        static func residentBytes() -> Int {
            guard let statm = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8),
                let pages = statm.split(separator: " ").dropFirst().first.flatMap({ Int($0) })
            else { return 0 }
            return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
        }

        /// Every path out of the inflater (complete, capped, truncated, corrupt, multi-member)
        /// releases zlib's state: 20,000 runs must not grow memory by anything like the
        /// ~40 KB per run that a missing `inflateEnd` would leak.
        @Test func inflaterReleasesZlibStateOnEveryPath() {
            let text = Array(String(repeating: "some text to compress ", count: 200).utf8)
            let complete = F.gzip(text)
            var corrupt = complete
            corrupt[corrupt.count - 6] ^= 0xFF
            let inputs: [(ArraySlice<UInt8>, Inflate.Format, Int)] = [
                (complete[...], .gzip, 1 << 20), (complete[...], .gzip, 100), (complete.dropLast(20), .gzip, 1 << 20),
                (corrupt[...], .gzip, 1 << 20), ((complete + complete)[...], .gzip, 1 << 20),
                (F.zlib(text)[...], .zlib, 1 << 20), (F.rawDeflate(text)[...], .raw, 1 << 20),
                (complete[...], .zlib, 1 << 20),
            ]
            for (input, format, cap) in inputs { _ = Inflate.inflate(input, format: format, cap: cap) }
            let before = Self.residentBytes()
            for round in 0..<20_000 {
                let (input, format, cap) = inputs[round % inputs.count]
                _ = Inflate.inflate(input, format: format, cap: cap)
            }
            let growth = Self.residentBytes() - before
            #expect(growth < 64 << 20, "resident memory grew by \(growth) bytes")
        }
    #endif
}
