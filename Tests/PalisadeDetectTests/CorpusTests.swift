import Testing

@testable import PalisadeDetect

/// Corpus gates (docs/DETECTION.md): per-class recall on the attack corpora and the false-positive
/// rate on the benign corpus, at default sensitivity, through `Scoring.adjust` like the analyzer.
/// Misses and false positives are printed so a failure says what to look at.
@Suite struct CorpusTests {
    /// Minimum recall per class at default sensitivity (docs/DETECTION.md).
    static let minimumRecall: [String: Double] = ["sqli": 0.97, "xss": 0.97]
    /// Maximum false-positive rate on benign.txt at default sensitivity, all detectors together.
    static let maximumFalsePositiveRate = 0.005

    static let detectors: [String: any Detector] = ["sqli": SQLiDetector(), "xss": XSSDetector()]

    @Test(arguments: ["sqli", "xss"])
    func recall(of attackClass: String) throws {
        let detector = try #require(Self.detectors[attackClass])
        let entries = Corpus.entries("\(attackClass).txt")
        #expect(entries.count >= 150, "corpus \(attackClass).txt has \(entries.count) entries")
        var misses: [String] = []
        for entry in entries where !Corpus.fires(entry.value, detector: detector, field: entry.field) {
            let finding = Corpus.hits(entry.value, detector: detector, field: entry.field).first
            misses.append("  miss [\(finding.map { "\($0.rule) \($0.confidence)" } ?? "none")] \(entry)")
        }
        let recall = Double(entries.count - misses.count) / Double(max(entries.count, 1))
        print("\(attackClass): recall \(recall) (\(entries.count - misses.count)/\(entries.count))")
        for miss in misses { print(miss) }
        #expect(recall >= Self.minimumRecall[attackClass] ?? 1, "\(attackClass) recall \(recall)")
    }

    @Test func falsePositiveRate() {
        let entries = Corpus.entries("benign.txt")
        #expect(entries.count >= 400, "benign.txt has \(entries.count) entries")
        var falsePositives: [String] = []
        for entry in entries {
            for (name, detector) in Self.detectors.sorted(by: { $0.key < $1.key })
            where Corpus.fires(entry.value, detector: detector, field: entry.field) {
                let hit = Corpus.hits(entry.value, detector: detector, field: entry.field).first
                falsePositives.append("  FP \(name) [\(hit.map { "\($0.rule) \($0.confidence)" } ?? "")] \(entry)")
            }
        }
        let rate = Double(falsePositives.count) / Double(max(entries.count, 1))
        print("benign: false-positive rate \(rate) (\(falsePositives.count)/\(entries.count))")
        for line in falsePositives { print(line) }
        #expect(rate <= Self.maximumFalsePositiveRate, "false-positive rate \(rate)")
    }

    /// Cross-check: SQL payloads must not be XSS and vice versa only where it makes sense; this
    /// just reports the overlap so the classes stay distinct.
    @Test func crossClassReport() {
        var sqlAsXSS = 0
        for value in Corpus.load("sqli.txt") where Corpus.fires(value, detector: XSSDetector()) { sqlAsXSS += 1 }
        print("sqli payloads also flagged as xss: \(sqlAsXSS)")
    }
}

extension CorpusTests {
    /// Recall and false-positive rate at every sensitivity, printed for docs/SCORING.md. Only the
    /// ordering is asserted (higher sensitivity never finds less and never has fewer false positives).
    @Test func sensitivityReport() {
        var previous: (recall: Double, fpr: Double)? = nil
        for sensitivity in [Sensitivity.low, .default, .high] {
            var found = 0
            var total = 0
            for (name, detector) in Self.detectors {
                for entry in Corpus.entries("\(name).txt") {
                    total += 1
                    if Corpus.fires(entry.value, detector: detector, field: entry.field, sensitivity: sensitivity) {
                        found += 1
                    }
                }
            }
            let benign = Corpus.entries("benign.txt")
            let falsePositives = benign.filter { entry in
                Self.detectors.values.contains {
                    Corpus.fires(entry.value, detector: $0, field: entry.field, sensitivity: sensitivity)
                }
            }
            let recall = Double(found) / Double(max(total, 1))
            let fpr = Double(falsePositives.count) / Double(max(benign.count, 1))
            print(
                "sensitivity \(sensitivity): recall \(recall) (\(found)/\(total)), FPR \(fpr) (\(falsePositives.count)/\(benign.count))"
            )
            if sensitivity == .high {
                for entry in falsePositives { print("  high FP: \(entry)") }
            }
            if let previous {
                #expect(recall >= previous.recall)
                #expect(fpr >= previous.fpr)
            }
            previous = (recall, fpr)
        }
    }
}
