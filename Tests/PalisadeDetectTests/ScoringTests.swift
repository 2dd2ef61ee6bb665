import Testing

@testable import PalisadeDetect

@Suite struct ScoringTests {
    static func context(_ field: String?, kind: ValueKind = .text) -> DetectionContext {
        DetectionContext(source: .body, kind: kind, fieldName: field, depth: 1, sensitivity: .default)
    }

    static func hit(_ attackClass: AttackClass, _ confidence: Double) -> Hit {
        Hit(attackClass: attackClass, point: -1, confidence: confidence, evidence: "", rule: "t")
    }

    @Test(
        arguments: [
            ("code", FieldProfile.code), ("sourceCode", .code), ("sql", .code), ("html_snippet", .code),
            ("html", .plain),
            ("comment", .freeText), ("productDescription", .freeText), ("body", .freeText), ("title", .freeText),
            ("id", .plain), ("q", .plain), ("email", .plain), (nil, .plain),
        ] as [(String?, FieldProfile)])
    func fieldProfiles(_ field: String?, _ profile: FieldProfile) {
        #expect(FieldProfile.of(field) == profile)
    }

    @Test func contextWeights() {
        let sqli = Self.hit(.sqli, 0.9)
        #expect(Scoring.adjust(sqli, context: Self.context("id")).confidence == 0.9)
        #expect(Scoring.adjust(sqli, context: Self.context("code")).confidence < Scoring.threshold(.default))
        #expect(Scoring.adjust(sqli, context: Self.context("comment")).confidence < 0.9)
        let xss = Self.hit(.xss, 0.9)
        #expect(Scoring.adjust(xss, context: Self.context("comment")).confidence == 0.9)
        #expect(Scoring.adjust(xss, context: Self.context("x", kind: .binary)).confidence < 0.9)
        let anomaly = Self.hit(.protocolAnomaly, 0.5)
        #expect(Scoring.adjust(anomaly, context: Self.context("code")).confidence == 0.5)
    }

    @Test func verdictFollowsSensitivity() {
        let hits = [Self.hit(.xss, 0.65)]
        #expect(!Scoring.score(hits, sensitivity: .low).attack)
        #expect(Scoring.score(hits, sensitivity: .default).attack)
        #expect(Scoring.score(hits, sensitivity: .high).attack)
    }

    @Test func weakHitsAreDroppedAndAnomaliesNeverDecide() {
        let scored = Scoring.score(
            [Self.hit(.sqli, 0.1), Self.hit(.protocolAnomaly, 0.9), Self.hit(.xss, 0.5)], sensitivity: .default)
        #expect(!scored.attack)
        #expect(scored.hits.map(\.attackClass) == [.protocolAnomaly, .xss])
        #expect(scored.score == 95)
    }
}

extension ScoringTests {
    @Test func registryNamesAreUnique() {
        let names = DetectorRegistry.standard.map(\.name)
        #expect(Set(names).count == names.count)
        #expect(DetectorRegistry.detector(named: "sqli") is SQLiDetector)
        #expect(DetectorRegistry.detector(named: "xss") is XSSDetector)
        #expect(DetectorRegistry.detector(named: "nope") == nil)
    }
}
