import Foundation
import Testing

@testable import PalisadeCore

@Suite struct Base64DecoderTests {
    typealias F = BinaryFixtures
    let decoder = Base64Decoder()

    func sniff(_ text: String) -> Decoded? {
        var budget = F.budget()
        return decoder.decode(Array(text.utf8)[...], context: F.context(), budget: &budget)
    }

    @Test(arguments: [
        ("eyJxIjoiMSBPUiAxPTEifQ==", #"{"q":"1 OR 1=1"}"#),
        ("eyJxIjoiMSBPUiAxPTEifQ", #"{"q":"1 OR 1=1"}"#),
        ("aGVsbG8=", "hello"),
        ("PD94bWwgdmVyc2lvbj0iMS4wIj8+PGE+YjwvYT4=", #"<?xml version="1.0"?><a>b</a>"#),
        ("PD94bWwgdmVyc2lvbj0iMS4wIj8-PGE-YjwvYT4", #"<?xml version="1.0"?><a>b</a>"#),
        ("Pz8-Pj8_Pj4gc3ViamVjdHM_", "??>>??>> subjects?"),
        ("Pz8+Pj8/Pj4gc3ViamVjdHM/", "??>>??>> subjects?"),
    ])
    func decodesTextInEitherAlphabet(_ encoded: String, _ expected: String) {
        let decoded = sniff(encoded)
        #expect(decoded?.children == [Child(path: "", value: Array(expected.utf8), kind: .text)])
        #expect(decoded?.annotations.isEmpty == true)
    }

    @Test func decodesUTF8TextWithMultibyteCharacters() {
        let text = "Grüße aus Köln — ünïcödé ✓"
        #expect(F.child(sniff(F.base64(Array(text.utf8))), "")?.value == Array(text.utf8))
    }

    @Test(arguments: [
        "",  // empty
        "aGVsbG8",  // 7 characters, no padding: too short
        "aGVsbG8gd28",  // 11 characters
        "internationalization",  // all lowercase letters
        "ABCDEFGHIJKLMNOPQRST",  // all uppercase letters
        "123456789012",  // all digits
        "deadbeefcafebabe12345678",  // hex id
        "DEADBEEFCAFEBABE12345678",  // hex id, uppercase
        "123e4567-e89b-12d3-a456-426614174000",  // UUID
        "CamelCaseIdentifierX",  // decodes to binary noise
        "userName12345678",  // decodes to binary noise
        "Pz8+Pj8_Pj4gc3ViamVjdHM",  // mixed alphabets
        "eyJxIjoiMSBPUiAxPTEif",  // length mod 4 == 1
        "eyJxIjoi=MSBPUiAxPTEifQ==",  // padding inside
        "eyJxIjoiMSBPUiAxPTEifQ===",  // three padding characters
        "eyJxIjoiMSBPUiAxPTEifQ=",  // wrong padding for the length
        "eyJxIjoiMSBP UiAxPTEifQ==",  // space
        "eyJxIjoiMSBP\nUiAxPTEifQ==",  // line break (only when declared)
        "hello world, how are you",
        "//4=////",  // padding not at the end
    ])
    func rejectsWhatIsNotPlausibleBase64(_ text: String) {
        #expect(sniff(text) == nil)
    }

    @Test func leavesRandomBinaryAlone() {
        for seed in UInt64(1)...50 {
            #expect(sniff(F.base64(F.noise(48, seed: seed))) == nil)
        }
    }

    @Test func decodesKnownBinarySignaturesAsBinary() throws {
        let gzipped = F.gzip(Array(#"{"q":"1 OR 1=1"}"#.utf8))
        let java: [UInt8] = [0xAC, 0xED, 0x00, 0x05, 0x73, 0x72, 0x00, 0x11] + Array("java.util.HashMap".utf8)
        let dotNet: [UInt8] = [0x00, 0x01, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0x01, 0x00, 0x00, 0x00]
        let pickle: [UInt8] =
            [0x80, 0x04, 0x95, 0x1E, 0x00] + Array("cposix\nsystem\nq\u{0}X\u{2}\u{0}\u{0}\u{0}idq\u{1}\u{85}R.".utf8)
        let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0x0D, 0x49, 0x48, 0x44, 0x52]
        let jpeg: [UInt8] = [0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 0x4A, 0x46, 0x49, 0x46, 0x00, 0x01]
        let zip: [UInt8] = [0x50, 0x4B, 0x03, 0x04, 0x14, 0x00, 0x00, 0x00, 0x08, 0x00, 0x99, 0x88]
        let zlib = F.zlib(Array("some text that is compressed with zlib".utf8))
        let pdf: [UInt8] = Array("%PDF-1.7\n%".utf8) + [0xE2, 0xE3, 0xCF, 0xD3, 0x0A, 0x01, 0x02]
        let gif: [UInt8] = Array("GIF89a".utf8) + [0x01, 0x00, 0x01, 0x00, 0x80, 0x00, 0x00]
        for bytes in [gzipped, java, dotNet, pickle, png, jpeg, zip, zlib, pdf, gif] {
            let decoded = sniff(F.base64(bytes))
            #expect(decoded?.children == [Child(path: "", value: bytes, kind: .binary)], "\(bytes.prefix(4))")
        }
        // Java serialization in its usual `rO0AB` form.
        #expect(sniff("rO0ABXNyABFqYXZhLnV0aWwuSGFzaE1hcA==")?.children.first?.kind == .binary)
    }

    @Test func pickleMagicNeedsTheStopOpcode() {
        let notPickle: [UInt8] = [0x80, 0x03] + F.noise(20, seed: 7)
        #expect(sniff(F.base64(notPickle)) == nil)
    }

    @Test func decodesDataURIWithItsMediaType() throws {
        let json = Array(#"{"q":"' OR 1=1--"}"#.utf8)
        let decoded = try #require(sniff("data:application/json;base64," + F.base64(json)))
        #expect(decoded.children == [Child(path: "", value: json, kind: .text, contentType: "application/json")])

        let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0x0D]
        let image = try #require(sniff("DATA:image/PNG;charset=x;BASE64," + F.base64(png)))
        #expect(image.children == [Child(path: "", value: png, kind: .binary, contentType: "image/png")])

        // Short and binary content is fine once declared by the URI.
        let short = try #require(sniff("data:;base64,//4="))
        #expect(short.children == [Child(path: "", value: [0xFF, 0xFE], kind: .binary)])

        #expect(sniff("data:text/plain,hello") == nil)
        #expect(sniff("data:text/plain;base64,not base64!") == nil)
    }

    @Test func declaredAcceptsMIMELineBreaksAndAnyContent() {
        var budget = F.budget()
        let text = String(repeating: "The quick brown fox jumps over the lazy dog. ", count: 4)
        var encoded = Array(F.base64(Array(text.utf8)).utf8)
        var wrapped: [UInt8] = []
        for (i, byte) in encoded.enumerated() {
            if i > 0, i % 76 == 0 { wrapped += [0x0D, 0x0A] }
            wrapped.append(byte)
        }
        let decoded = decoder.decode(wrapped[...], context: F.context(declared: true), budget: &budget)
        #expect(decoded?.children == [Child(path: "", value: Array(text.utf8), kind: .text)])
        #expect(decoder.decode(wrapped[...], context: F.context(), budget: &budget) == nil)

        encoded = Array(F.base64([0xDE, 0xAD, 0xBE, 0xEF]).utf8)
        let binary = decoder.decode(encoded[...], context: F.context(declared: true), budget: &budget)
        #expect(binary?.children == [Child(path: "", value: [0xDE, 0xAD, 0xBE, 0xEF], kind: .binary)])
    }

    @Test func tenMegabytesOfBase64ZerosAreLeftAloneQuickly() {
        let encoded = Array(F.base64([UInt8](repeating: 0, count: 7_500_000)).utf8)
        #expect(encoded.count == 10_000_000)
        var budget = F.budget()
        let clock = ContinuousClock()
        let elapsed = clock.measure {
            #expect(decoder.decode(encoded[...], context: F.context(), budget: &budget) == nil)
        }
        #expect(elapsed < .seconds(10))  // a hang guard, not a speed test
        #expect(budget.remainingBytes == DecodeLimits().maxDecodedBytes)
    }

    @Test func largeTextBeyondTheByteAllowanceIsCutWithALimit() {
        let text = [UInt8](repeating: UInt8(ascii: "a"), count: 6_000_000)
        let encoded = Array(F.base64(text).utf8)
        var budget = F.budget()
        let decoded = decoder.decode(encoded[...], context: F.context(), budget: &budget)
        #expect(decoded?.children.isEmpty == true)
        #expect(F.codes(decoded) == [.limitBytes])
        #expect(budget.hits == [.bytes])
    }

    @Test func takesDecodedBytesFromTheBudget() {
        var budget = F.budget(maxDecodedBytes: 100)
        let encoded = Array("eyJxIjoiMSBPUiAxPTEifQ==".utf8)
        _ = decoder.decode(encoded[...], context: F.context(), budget: &budget)
        #expect(budget.remainingBytes == 84)
    }
}
