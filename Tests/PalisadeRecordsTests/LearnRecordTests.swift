import Foundation
import PalisadeCore
import PalisadeLearn
import PalisadeRecords
import Testing

/// PalisadeLearn's observation and baseline travel as `palisade.v1` revision-2 messages without
/// loss, and hostile or older records convert without trapping.
@Suite
struct LearnRecordTests {
    @Test("an observation survives message encoding unchanged")
    func observationRoundTrip() throws {
        let original = RecordSamples.learnObservation
        let bytes = EndpointObservationMessage(original, client: "c", score: 1, attack: true).encodedRecord()
        let message = try EndpointObservationMessage.decodeRecord(bytes)
        #expect(message.revision == 2)
        #expect(message.client == "c")
        #expect(message.attack)
        #expect(EndpointObservation(message) == original)
    }

    @Test("an observation built by ObservationBuilder survives message encoding")
    func builtObservationRoundTrip() throws {
        let record = CaptureRecord(
            id: "r1", ts: 1, method: "POST", host: "api.example.com",
            rawPath: "/v1/users/42/orders?expand=items&page=2",
            headers: [.init("content-type", "application/json"), .init("x-api-key", "secret-1")],
            body: Array(#"{"items":[{"sku":"ab12cd34ef56"},{"sku":"12345678"}],"note":"hello world"}"#.utf8))
        let decoded = RequestDecoder().decode(record)
        var built = ObservationBuilder().observe(record: record, decoded: decoded)
        for i in built.params.indices { built.params[i].point = -1 }  // worker-local, not sent
        let message = try EndpointObservationMessage.decodeRecord(EndpointObservationMessage(built).encodedRecord())
        #expect(EndpointObservation(message) == built)
        #expect(!built.params.isEmpty)
    }

    @Test("a baseline survives message encoding unchanged, derived indexes included")
    func baselineRoundTrip() throws {
        let original = RecordSamples.learnBaseline
        let message = try EndpointBaselineMessage.decodeRecord(EndpointBaselineMessage(original).encodedRecord())
        let decoded = EndpointBaseline(message)
        #expect(decoded == original)
        #expect(decoded.acceptedFormatsMatch(original))
        #expect(decoded.expectsEncoded(location: "header.x-session"))
    }

    @Test("a revision-1 baseline converts to one that is never enforced")
    func revision1BaselineIsNotEnforced() throws {
        let baseline = EndpointBaseline(RecordSamples.endpointBaseline)
        #expect(baseline.state == .learning)
        #expect(baseline.parameters.isEmpty)
        #expect(baseline.segments == [.literal("v1"), .literal("users"), .param(name: "id", kind: .number)])
    }

    @Test("hostile numbers are clamped, unknown enum values read permissively")
    func hostileBaseline() throws {
        var message = RecordSamples.endpointBaselineRevision2
        let i = try #require(message.params.firstIndex { $0.location == "path.{id}" })
        message.params[i].maxLength = .max
        message.params[i].p99Length = .max
        message.params[i].presence = .nan
        message.params[i].formats[0].format = .UNRECOGNIZED(99)
        message.version = .max
        message.authSchemes.append("kerberos")
        let baseline = EndpointBaseline(try EndpointBaselineMessage.decodeRecord(message.encodedRecord()))
        let p = try #require(baseline.parameter("path.{id}"))
        #expect(p.maxLength == RecordLimits.maxLength)
        #expect(p.presence == 0)
        #expect(p.formats.first?.format == .text)
        #expect(baseline.version == RecordLimits.maxCount)
        #expect(baseline.authSchemes == [.bearerJWT, .none])
        // Scoring against it never traps.
        _ = BaselineScorer().score(RecordSamples.learnObservation, against: baseline)
    }

    @Test("SHA-256 matches the FIPS 180-4 test vectors; api key hashes are 32 hex digits")
    func sha256Vectors() {
        func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }
        #expect(
            hex(SHA256.hash(Array("abc".utf8)))
                == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(
            hex(SHA256.hash([UInt8]())) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(
            hex(SHA256.hash(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)))
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(hex(SHA256.hash([UInt8](repeating: 0x61, count: 1_000))).count == 64)
        #expect(IdentityHash.apiKey("abc") == "ba7816bf8f01cfea414140de5dae2223")
        #expect(IdentityHash.fnv1a64("") == 0xcbf2_9ce4_8422_2325)
        #expect(IdentityHash.fnv1a64("a") == 0xaf63_dc4c_8601_ec8c)
        // Contiguous storage (strings, substrings, arrays) and plain iteration (a lazy map) agree.
        for text in ["", "a", "/v1/users/42/orders", "ünïcödé/日本", String(repeating: "x/", count: 300)] {
            let iterated = IdentityHash.fnv1a64(text.utf8.lazy.map { $0 })
            #expect(IdentityHash.fnv1a64(text) == iterated)
            #expect(IdentityHash.fnv1a64(Array(text.utf8)) == iterated)
            let sub = text.dropFirst()
            #expect(IdentityHash.fnv1a64(sub.utf8) == IdentityHash.fnv1a64(sub.utf8.lazy.map { $0 }))
        }
    }
}

extension EndpointBaseline {
    fileprivate func acceptedFormatsMatch(_ other: EndpointBaseline) -> Bool {
        parameters.map(\.acceptedFormats) == other.parameters.map(\.acceptedFormats)
    }
}
