import Testing

@testable import PalisadeCore
@testable import PalisadeDetect

/// Injection probes (`SQLProbe`): read at `high` sensitivity only. Values written for this test.
@Suite struct SQLProbeTests {
    static let probes: [(String, SQLProbe.Shape)] = [
        ("42'", .edgeQuote), ("'orders", .edgeQuote), ("'probe7", .edgeQuote),
        ("'x--", .edgeQuote), ("'#note", .edgeQuote), ("' OR", .edgeQuote), ("\" AND x", .edgeQuote),
        ("\\'", .metaQuote), ("\\\"value", .edgeQuote), ("`tbl", .edgeQuote), ("  ;'  ", .metaQuote),
        ("x=\"", .edgeQuote),
        ("'", .metaQuote), ("\"", .metaQuote), ("-';", .metaQuote), ("' ;", .metaQuote), ("= '", .metaQuote),
        ("[']", .metaQuote), ("(')", .metaQuote), ("%'", .metaQuote), ("= --", .metaQuote), ("=;", .metaQuote),
        ("=#", .metaQuote),
        ("~!@#$%^&*()_+|<>?", .metaRun), (";;;'''\"\"(((", .metaQuote), ("<>\"';()&|+%", .metaQuote),
        ("!!@@##$$%%^^&&**(())", .metaRun),
    ]

    /// Look-alikes that stay quiet even at `high`.
    static let benign = [
        "O'Brien", "don't stop", "\"blue running shoes\"", "\"\"", "''", "rock 'n' roll", "it's 5 o'clock",
        "Jones's", "5'11\"", "Дар'я", "Сім'я та друзі", "ג'ון", "צ'יפס", "Jones'", "Perm'", "Murmanskaja oblast'",
        "Shamāl Sīnā'", "jsmith'",
        "the students' notes were great", "a+b=c", "C++", "C#", ":)", ";-)", "<3", "=>",
        "N/A", "--", "***", "#hashtag", "@user", "100%", "P@ssw0rd!", "x>=1&&y<=2", "Zq!9#rT$2&uW*",
        "(555) 123-4567", "[1,2,3]", "'single'", "W/\"33a64df551425fcc55e4d42a148795d9\"",
        "https://example.com/search?q=a&b=c&d=e", "2026-11-22T21:30:00+01:00", "550e8400-e29b-41d4-a716-446655440000",
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln", "iVBORw0KGgo+AAAA/NSUhEUg==", "|a|b|c|d|e|f|g|h|i|j|",
        "He said \"hello there\" and left.", "https://example.com/a-b_c.d/e:f", "$19.99 (incl. VAT)",
    ]

    static func sqliHits(_ value: String, field: String = "q", _ sensitivity: Sensitivity) -> [Hit] {
        Corpus.hits(value, detector: SQLiDetector(), field: field, sensitivity: sensitivity)
    }

    @Test(arguments: probes)
    func probesHaveTheirShape(_ value: String, _ shape: SQLProbe.Shape) {
        let bytes = Array(value.utf8)
        #expect(SQLProbe.shape(bytes[...], bytes: ByteSet(presentIn: bytes[...])) == shape, "\(value)")
    }

    @Test(arguments: probes.map(\.0))
    func probesAreAttacksAtHighOnly(_ value: String) {
        let high = Self.sqliHits(value, .high)
        #expect(high.map(\.rule) == ["sqli.injection_probe"], "\(value)")
        #expect(high.first?.confidence == SQLProbe.confidence)
        #expect(Corpus.fires(value, detector: SQLiDetector(), sensitivity: .high), "\(value)")
        #expect(!Self.sqliHits(value, .default).contains { $0.rule == "sqli.injection_probe" }, "\(value)")
        #expect(!Corpus.fires(value, detector: SQLiDetector(), sensitivity: .default), "\(value)")
        #expect(!Corpus.fires(value, detector: SQLiDetector(), sensitivity: .low), "\(value)")
    }

    @Test(arguments: benign)
    func lookalikesStayQuietAtHigh(_ value: String) {
        let bytes = Array(value.utf8)
        #expect(SQLProbe.shape(bytes[...], bytes: ByteSet(presentIn: bytes[...])) == nil, "\(value)")
        #expect(!Self.sqliHits(value, .high).contains { $0.rule == "sqli.injection_probe" }, "\(value)")
    }

    /// A field that holds code discounts the reading below the report floor.
    @Test func codeFieldsDiscountTheProbe() {
        #expect(!Corpus.fires("'jsmith", detector: SQLiDetector(), field: "code", sensitivity: .high))
        let context = DetectionContext(source: .query, kind: .text, fieldName: "snippet", depth: 1, sensitivity: .high)
        let adjusted = Self.sqliHits("'x--", field: "snippet", .high).map { Scoring.adjust($0, context: context) }
        #expect(adjusted.map(\.rule) == ["sqli.injection_probe"])
        #expect(adjusted.allSatisfy { $0.confidence < Scoring.reportFloor })
    }

    /// A stronger SQL reading keeps its own rule.
    @Test func strongerReadingsWin() {
        for value in ["admin'--", "' or 1=1--", "@@version"] {
            let rules = Self.sqliHits(value, .high).map(\.rule)
            #expect(rules.count == 1 && rules != ["sqli.injection_probe"], "\(value): \(rules)")
        }
        // The environment probe keeps its own rule and figure at every sensitivity.
        #expect(Self.sqliHits("@@version", .default).map(\.rule) == ["sqli.probe"])
    }

    /// Through the analyzer: the hit sits at the parameter; the default verdict is unchanged.
    @Test func analyzerReportsTheProbeAtItsLocation() {
        let record = CaptureRecord(id: "p1", ts: 0, method: "GET", rawPath: "/api/v1/users?name=%27jsmith&page=2")
        let high = Analyzer(sensitivity: .high).analyze(record).verdict
        #expect(high.attack)
        #expect(high.hits.contains { $0.rule == "sqli.injection_probe" && $0.location == "query.name" })
        let normal = Analyzer(sensitivity: .default).analyze(record).verdict
        #expect(!normal.attack)
        #expect(!normal.hits.contains { $0.rule == "sqli.injection_probe" })
    }

    @Test func explainNamesTheProbe() {
        // A stronger reading counts instead: no probe line.
        #expect(
            !SQLiDetector.explain(Array("' or 1=1--".utf8)[...], source: .query, depth: 1).contains {
                $0.contains("sqli.injection_probe")
            })
        let lines = SQLiDetector.explain(Array("'x--".utf8)[...], source: .query, depth: 1)
        #expect(lines.contains { $0.contains("sqli.injection_probe") && $0.contains("high sensitivity only") })
        #expect(
            !SQLiDetector.explain(Array("O'Brien".utf8)[...], source: .query, depth: 1).contains {
                $0.contains("sqli.injection_probe")
            })
    }
}
