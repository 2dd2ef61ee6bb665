import Testing

@testable import PalisadeDetect

/// Corpus gates for the request-level classes (docs/DETECTION.md): each line of `Corpus/<class>.txt`
/// is placed in a realistic request (`RequestCorpus`) and judged by the whole `Analyzer` at default
/// sensitivity. A line is detected when a hit of its class reaches the default threshold, or —
/// for the monitor-level rules below, which are designed to stay under it — is reported at all.
@Suite struct RequestCorpusTests {
    /// Minimum recall per class at default sensitivity.
    static let minimumRecall: [String: Double] = [
        "nosqli": 0.95, "prototype_pollution": 0.95, "graphql_abuse": 0.95, "scanner": 0.95,
        "protocol_anomaly": 0.95,
    ]
    /// Maximum rate of benign requests these detectors call an attack, over every benign file.
    static let maximumFalsePositiveRate = 0.005

    /// Rules that are monitor-level by design: reported, below the default threshold.
    static let monitorRules: Set<String> = [
        "graphql_abuse.introspection", "scanner.probe_sensitive", "scanner.probe_application",
        "scanner.survey_crawler",
    ]

    static let analyzer = Analyzer(detectors: [])

    static func detected(_ verdict: Verdict, as attackClass: AttackClass) -> Bool {
        verdict.hits.contains { hit in
            guard hit.attackClass == attackClass else { return false }
            if attackClass == .protocolAnomaly || monitorRules.contains(hit.rule) { return true }
            return hit.confidence >= Scoring.threshold(.default)
        }
    }

    /// The lines `analyzer` does not detect as `attackClass`, each with the hits it did report.
    static func misses(_ lines: [String], as attackClass: AttackClass, analyzer: Analyzer) -> [String] {
        lines.compactMap { line in
            let verdict = analyzer.analyze(RequestCorpus.record(line)).verdict
            guard !detected(verdict, as: attackClass) else { return nil }
            let best = verdict.hits.map { "\($0.rule) \($0.confidence)" }.joined(separator: ", ")
            return "  miss [\(best)] \(line.prefix(160))"
        }
    }

    @Test(arguments: ["nosqli", "prototype_pollution", "graphql_abuse", "scanner", "protocol_anomaly"])
    func recall(of name: String) throws {
        let attackClass = try #require(AttackClass(rawValue: name))
        let lines = Corpus.load("\(name).txt")
        #expect(lines.count >= 60, "corpus \(name).txt has \(lines.count) entries")
        let misses = Self.misses(lines, as: attackClass, analyzer: Self.analyzer)
        let recall = Double(lines.count - misses.count) / Double(max(lines.count, 1))
        print("\(name): recall \(recall) (\(lines.count - misses.count)/\(lines.count))")
        for miss in misses { print(miss) }
        #expect(recall >= Self.minimumRecall[name] ?? 1, "\(name) recall \(recall)")
    }

    @Test func falsePositiveRateOnAllBenignFiles() {
        let files = RequestCorpus.benignFiles()
        #expect(files.contains("benign-data.txt"))
        var total = 0
        var falsePositives: [String] = []
        var anomalies: [String] = []
        for file in files {
            let lines = Corpus.load(file)
            if file == "benign-data.txt" { #expect(lines.count >= 200, "benign-data.txt has \(lines.count)") }
            for line in lines {
                total += 1
                let verdict = Self.analyzer.analyze(RequestCorpus.record(line)).verdict
                if verdict.attack {
                    let hit = verdict.hits.first { $0.confidence >= Scoring.threshold(.default) }
                    falsePositives.append(
                        "  FP \(file) [\(hit.map { "\($0.rule) \($0.confidence) \($0.location)" } ?? "")] \(line.prefix(160))"
                    )
                }
                for hit in verdict.hits where hit.attackClass == .protocolAnomaly && hit.confidence >= 0.5 {
                    anomalies.append("  anomaly \(file) [\(hit.rule) \(hit.confidence)] \(line.prefix(120))")
                }
            }
        }
        let rate = Double(falsePositives.count) / Double(max(total, 1))
        print("request-level detectors on benign files: false-positive rate \(rate) (\(falsePositives.count)/\(total))")
        for line in falsePositives { print(line) }
        print("protocol anomalies ≥ 0.5 on benign files: \(anomalies.count)/\(total)")
        for line in anomalies { print(line) }
        #expect(rate <= Self.maximumFalsePositiveRate, "false-positive rate \(rate)")
        #expect(Double(anomalies.count) / Double(max(total, 1)) <= 0.01)
    }

    /// Recall and false positives at every sensitivity, printed for docs/DETECTION.md; only the
    /// ordering is asserted.
    @Test func sensitivityReport() {
        var previous: (Int, Int)?
        for sensitivity in [Sensitivity.low, .default, .high] {
            let analyzer = Analyzer(sensitivity: sensitivity, detectors: [])
            var found = 0
            var total = 0
            for name in ["nosqli", "prototype_pollution", "graphql_abuse", "scanner"] {
                for line in Corpus.load("\(name).txt") {
                    total += 1
                    if analyzer.analyze(RequestCorpus.record(line)).verdict.attack { found += 1 }
                }
            }
            var benign = 0
            var fp = 0
            for file in RequestCorpus.benignFiles() {
                for line in Corpus.load(file) {
                    benign += 1
                    if analyzer.analyze(RequestCorpus.record(line)).verdict.attack { fp += 1 }
                }
            }
            print(
                "request-level, sensitivity \(sensitivity): attack on \(found)/\(total) attacks, \(fp)/\(benign) benign"
            )
            if let previous {
                #expect(found >= previous.0)
                #expect(fp >= previous.1)
            }
            previous = (found, fp)
        }
    }
}
