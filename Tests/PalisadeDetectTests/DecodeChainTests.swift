import Testing

@testable import PalisadeCore
@testable import PalisadeDetect

/// The decode chain as scoring context (`DecodeChain`, `Scoring.adjust`).
@Suite struct DecodeChainTests {
    static func record(_ path: String, json body: String? = nil) -> CaptureRecord {
        CaptureRecord(
            id: "c", ts: 0, method: body == nil ? "GET" : "POST", rawPath: path,
            headers: body == nil ? [] : [.init("content-type", "application/json")], body: Array((body ?? "").utf8))
    }

    static func marked(_ record: CaptureRecord) -> [String] {
        let decoded = RequestDecoder().decode(record)
        let evasive = DecodeChain.evasive(decoded)
        return evasive.indices.filter { evasive[$0] }.map { decoded.location(of: $0) }
    }

    @Test func marksWhatComesOutOfAnEvasiveDecoding() {
        // The query's own decoding saw the overlong `/`: its values are marked, the path is not.
        #expect(Self.marked(Self.record("/a/b?q=..%c0%af&page=2")) == ["query.q", "query.page"])
        // A `%u` escape inside a JSON string: the sniffed `>url` output is marked, the string is not.
        #expect(Self.marked(Self.record("/items", json: #"{"q":"..%u002f","n":"x"}"#)) == ["body.json.q>url"])
        // A NUL stays in the value, where the detectors weigh it: not a chain mark.
        #expect(Self.marked(Self.record("/a?file=report%00.pdf")).isEmpty)
    }

    /// The length-first test agrees with the list, for every code the project names.
    @Test func evasiveCodesByLength() {
        for code in DecodeChain.evasiveCodes { #expect(DecodeChain.isEvasive(code), "\(code)") }
        let others: [AnnotationCode] = [
            .limitDepth, .limitPoints, .limitBytes, .limitRatio, .limitTime, .limitStructureDepth, .limitBodyBytes,
            .malformed, .contentTypeMismatch, .invalidUTF8, .multipleEncoding, .nulByte, .jsonDuplicateKey,
            .xmlDoctype, .xmlEntityDeclaration, .xmlExternalEntity, .xmlParameterEntity, .xmlProcessingInstruction,
            .graphqlIntrospection, .graphqlDepth, .graphqlAliases, .graphqlBatch, .graphqlFields, .graphqlDirectives,
            .graphqlRepeatedField, .graphqlRepeatedMutation, .multipartParts, .multipartBoundary, .jwtAlgNone,
        ]
        for code in others { #expect(!DecodeChain.isEvasive(code), "\(code)") }
    }

    @Test func ordinaryEncodingsMarkNothing() {
        for path in [
            "/a/b?q=blue+running+shoes&next=%2Fhome%3Fa%3D1",
            "/a?redirect_uri=https%253A%252F%252Fapp.example.com%252Fcb",
            "/a?name=caf%C3%A9&emoji=%F0%9F%98%80", "/caf%C3%A9/menu",
        ] {
            #expect(Self.marked(Self.record(path)).isEmpty, "\(path)")
            #expect(DecodeChain.evasive(RequestDecoder().decode(Self.record(path))).isEmpty, "\(path)")
        }
    }

    /// Weighed classes leave `adjust` rounded to two decimals even when no factor applies (some
    /// detectors multiply unrounded figures); anomalies are kept as found.
    @Test func adjustRoundsWeighedClasses() {
        let context = DetectionContext(source: .query, kind: .text, fieldName: "q", depth: 1, sensitivity: .high)
        let rce = Hit(attackClass: .rce, point: -1, confidence: 0.396, evidence: "", rule: "t")
        #expect(Scoring.adjust(rce, context: context).confidence == 0.4)
        #expect(Scoring.score([Scoring.adjust(rce, context: context)], sensitivity: .high).attack)
        let anomaly = Hit(attackClass: .protocolAnomaly, point: -1, confidence: 0.396, evidence: "", rule: "t")
        #expect(Scoring.adjust(anomaly, context: context).confidence == 0.396)
    }

    @Test func scoringWeighsTheChain() {
        var context = DetectionContext(source: .query, kind: .text, fieldName: "q", depth: 1, sensitivity: .default)
        let weak = Hit(attackClass: .pathTraversal, point: -1, confidence: 0.5, evidence: "", rule: "t")
        #expect(Scoring.adjust(weak, context: context).confidence == 0.5)
        context.evasiveChain = true
        #expect(Scoring.adjust(weak, context: context).confidence == 0.63)
        // Capped at 0.95, or the detector's figure when higher.
        #expect(
            Scoring.adjust(
                Hit(attackClass: .sqli, point: -1, confidence: 0.9, evidence: "", rule: "t"), context: context
            ).confidence == 0.95)
        #expect(
            Scoring.adjust(
                Hit(attackClass: .sqli, point: -1, confidence: 0.99, evidence: "", rule: "t"), context: context
            ).confidence == 0.99)
        // Anomalies and behaviour classes are not weighed.
        let anomaly = Hit(attackClass: .protocolAnomaly, point: -1, confidence: 0.55, evidence: "", rule: "t")
        #expect(Scoring.adjust(anomaly, context: context).confidence == 0.55)
    }

    @Test func aRelativeLinkIsNotAnAttackButItsOverlongSpellingIs() {
        let analyzer = Analyzer()
        let plain = analyzer.analyze(Self.record("/api/v1/items?q=../assets/logo.svg")).verdict
        #expect(!plain.attack)
        #expect(plain.hits.contains { $0.rule == "path_traversal.dot_segment" && $0.confidence == 0.5 })
        let overlong = analyzer.analyze(Self.record("/api/v1/items?q=..%c0%afassets/logo.svg")).verdict
        #expect(overlong.attack)
        #expect(
            overlong.hits.contains {
                $0.rule == "path_traversal.dot_segment" && $0.location == "query.q" && $0.confidence == 0.63
            })
        // The same through the memo (a repeated value): the chain is the request's, not the value's.
        let again = analyzer.analyze(Self.record("/api/v1/items?q=..%c0%afassets/logo.svg")).verdict
        #expect(again.attack)
        #expect(again.hits.contains { $0.rule == "path_traversal.dot_segment" && $0.confidence == 0.63 })
        #expect(!analyzer.analyze(Self.record("/api/v1/items?q=../assets/logo.svg")).verdict.attack)
    }

    /// `--explain` names the factors scoring applied, and nothing when there were none.
    @Test func explainListsTheScoringContext() throws {
        let analyzer = Analyzer()
        func contextLines(_ path: String, rule: String) throws -> [String] {
            let (decoded, verdict) = analyzer.analyze(Self.record(path))
            let hit = try #require(verdict.hits.first { $0.rule == rule }, "\(path)")
            return HitExplanation.lines(for: hit, in: decoded).filter { $0.hasPrefix("scoring context:") }
        }
        #expect(
            try contextLines("/api/v1/items?q=..%c0%afassets/logo.svg", rule: "path_traversal.dot_segment") == [
                "scoring context: × 1.25 (decoded out of overlong UTF-8 or %u escapes; capped at 0.95)"
            ])
        #expect(
            try contextLines("/api/v1/items?code=%27%20or%201%3D1--", rule: "sqli.boolean") == [
                "scoring context: × 0.55 (the field's name says it holds code)"
            ])
        #expect(try contextLines("/api/v1/items?q=../assets/logo.svg", rule: "path_traversal.dot_segment").isEmpty)
        let binaryCode = DetectionContext(
            source: .query, kind: .binary, fieldName: "code", depth: 1, sensitivity: .default)
        #expect(Scoring.factors(for: .protocolAnomaly, context: binaryCode).isEmpty)
        #expect(Scoring.factors(for: .xss, context: binaryCode) == [.codeField, .binaryValue])
    }
}
