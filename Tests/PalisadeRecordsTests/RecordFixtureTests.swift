import Foundation
import PalisadeRecords
import SwiftProtobuf
import Testing

/// The checked-in encodings of every record type (Fixtures/*.pb) must decode, on every build,
/// to the samples they were made from: the `palisade.v1` schema is frozen (STYLE 17).
///
/// To add a fixture (never to rewrite one): add the sample to `RecordSamples`, then run
/// `PALISADE_WRITE_FIXTURES=1 swift test --filter RecordFixtureTests`, which writes only the
/// fixture files that do not exist yet.
@Suite
struct RecordFixtureTests {
    static let fixtures: [(file: String, bytes: @Sendable () -> [UInt8], decodes: @Sendable ([UInt8]) throws -> Bool)] =
        [
            (
                "capture_record.v1.pb", { RecordSamples.captureRecord.encodedRecord() },
                { try CaptureRecordMessage.decodeRecord($0) == RecordSamples.captureRecord }
            ),
            (
                "verdict.v1.pb", { RecordSamples.verdict.encodedRecord() },
                { try VerdictMessage.decodeRecord($0) == RecordSamples.verdict }
            ),
            (
                "endpoint_observation.v1.pb", { RecordSamples.endpointObservation.encodedRecord() },
                { try EndpointObservationMessage.decodeRecord($0) == RecordSamples.endpointObservation }
            ),
            (
                "endpoint_baseline.v1.pb", { RecordSamples.endpointBaseline.encodedRecord() },
                { try EndpointBaselineMessage.decodeRecord($0) == RecordSamples.endpointBaseline }
            ),
            (
                "decision.v1.pb", { RecordSamples.decision.encodedRecord() },
                { try DecisionMessage.decodeRecord($0) == RecordSamples.decision }
            ),
            // Revision 2 (PalisadeLearn's types, verdict identities, dead letters).
            (
                "verdict.v1.2.pb", { RecordSamples.verdictRevision2.encodedRecord() },
                { try VerdictMessage.decodeRecord($0) == RecordSamples.verdictRevision2 }
            ),
            (
                "endpoint_observation.v1.2.pb", { RecordSamples.endpointObservationRevision2.encodedRecord() },
                { try EndpointObservationMessage.decodeRecord($0) == RecordSamples.endpointObservationRevision2 }
            ),
            (
                "endpoint_baseline.v1.2.pb", { RecordSamples.endpointBaselineRevision2.encodedRecord() },
                { try EndpointBaselineMessage.decodeRecord($0) == RecordSamples.endpointBaselineRevision2 }
            ),
            (
                "dead_letter.v1.2.pb", { RecordSamples.deadLetter.encodedRecord() },
                { try DeadLetterMessage.decodeRecord($0) == RecordSamples.deadLetter }
            ),
        ]

    static var fixtureDirectory: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
    }

    static func fixtureURL(_ file: String) -> URL {
        Bundle.module.url(forResource: "Fixtures/\(file)", withExtension: nil)
            ?? fixtureDirectory.appendingPathComponent(file)
    }

    @Test("every fixture decodes to its sample", arguments: fixtures.map(\.file))
    func fixtureDecodes(file: String) throws {
        let fixture = try #require(Self.fixtures.first { $0.file == file })
        if ProcessInfo.processInfo.environment["PALISADE_WRITE_FIXTURES"] == "1" {
            let target = Self.fixtureDirectory.appendingPathComponent(file)
            if !FileManager.default.fileExists(atPath: target.path) {
                try Data(fixture.bytes()).write(to: target)
            }
        }
        let bytes = try [UInt8](Data(contentsOf: Self.fixtureURL(file)))
        #expect(!bytes.isEmpty)
        #expect(try fixture.decodes(bytes), "\(file) no longer decodes to its sample")
    }

    @Test("a reader skips fields it does not know (forward compatibility)")
    func unknownFieldsAreIgnored() throws {
        // Field 99 (varint 1) appended, as a newer writer within v1 might.
        let bytes = RecordSamples.decision.encodedRecord() + [0x98, 0x06, 0x01]
        let decoded = try DecisionMessage.decodeRecord(bytes)
        #expect(decoded.value == RecordSamples.decision.value)
        #expect(decoded.version == "1763700000:42")
    }
}
