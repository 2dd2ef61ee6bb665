import Testing

@testable import PalisadeDetect

/// SQL in the raw request path (docs/DETECTION.md, "Session 6: SQL in the raw path"): the path
/// decoder splits segments at `/` and matrix parameters at `;`, so `1;SELECT * FROM users` or
/// `7/**/or/**/1=1` reach the value detectors in pieces. `sqli` also reads the raw path from the
/// segment its first raw `;`, `/*` or `*/` ends, decoded once.
@Suite struct SQLiRawPathTests {
    static let analyzer = Analyzer()

    static func sqli(_ line: String) -> [Hit] {
        analyzer.analyze(RequestCorpus.record(line)).verdict.hits.filter { $0.attackClass == .sqli }
    }

    static var benignPaths: [String] { Corpus.load("benign-data.txt").filter { $0.hasPrefix("[path] ") } }

    @Test func sqlCutByThePathDecoderIsRead() {
        let lines = Corpus.load("sqli-path.txt")
        #expect(lines.count >= 10)
        for line in lines {
            let hit = Self.sqli(line).first { $0.location == "path" }
            #expect(hit != nil && hit!.confidence >= 0.6, "\(line): \(Self.sqli(line))")
        }
    }

    @Test func ordinaryPathsStayQuiet() {
        #expect(Self.benignPaths.count >= 40)
        for line in Self.benignPaths {
            #expect(Self.sqli(line).isEmpty, "\(line): \(Self.sqli(line))")
        }
    }

    /// The reading is the raw path's only: the same bytes elsewhere (a query value, a decoded
    /// segment at depth 1) are judged as before.
    @Test func onlyTheRawPathIsReadThisWay() {
        let value = Array("/api/v1/items/1;SELECT%20*%20FROM%20users".utf8)[...]
        #expect(SQLiDetector.rawPathReading(value, bytes: ByteSet(presentIn: value)) != nil)
        for (source, depth) in [(Source.query, 1), (.path, 1), (.header, 0)] {
            var hits: [Hit] = []
            let context = DetectionContext(
                source: source, kind: .text, fieldName: nil, depth: depth, sensitivity: .default)
            SQLiDetector().detect(value, context: context, hits: &hits)
            #expect(hits.isEmpty, "\(source) \(depth)")
        }
        // Without a raw `;`, `/*` or `*/` the path is not re-read: its segments are what a route sees.
        let plain = Array("/api/v1/items/1%3BSELECT%20*%20FROM%20users".utf8)[...]
        #expect(SQLiDetector.rawPathReading(plain, bytes: ByteSet(presentIn: plain)) == nil)
    }

    @Test func explainShowsTheRawPathReading() throws {
        let line = "[path] /api/v1/orders/7/**/or/**/1=1"
        let record = RequestCorpus.record(line)
        let (decoded, verdict) = Self.analyzer.analyze(record)
        let hit = try #require(verdict.hits.first { $0.attackClass == .sqli })
        let lines = HitExplanation.lines(for: hit, in: decoded, record: record)
        #expect(lines.first?.contains("raw path read from the segment the decoder cut") == true, "\(lines)")
        #expect(lines.first?.contains("7/**/or/**/1=1") == true, "\(lines)")
        #expect(lines.contains { $0.hasPrefix("sqli as-is: sqli.") }, "\(lines)")
    }
}
