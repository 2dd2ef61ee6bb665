import Testing

@testable import PalisadeDetect

/// Inputs built to make a tokenizer slow or trap. Each must finish without trapping; time is
/// checked loosely (a quadratic path would take minutes on these sizes, linear takes milliseconds
/// even in debug builds), so the bound is generous and the test is not a benchmark.
@Suite struct HostileInputTests {
    static let inputs: [(String, [UInt8])] = [
        ("1 MB of single quotes", Array(repeating: UInt8(ascii: "'"), count: 1 << 20)),
        ("100k '<'", Array(repeating: UInt8(ascii: "<"), count: 100_000)),
        (
            "nested parentheses",
            Array(String(repeating: "(", count: 50_000).utf8) + Array("select 1".utf8)
                + Array(String(repeating: ")", count: 50_000).utf8)
        ),
        ("unterminated attributes", Array(String(repeating: "<a b=\"", count: 20_000).utf8)),
        ("alternating quotes", Array(String(repeating: "'\"`", count: 100_000).utf8)),
        ("comment openers", Array(String(repeating: "/*", count: 100_000).utf8)),
        ("executable comments", Array(String(repeating: "/*!", count: 50_000).utf8)),
        ("on-handlers", Array(String(repeating: " onload=", count: 30_000).utf8)),
        ("entities", Array(String(repeating: "&#106;", count: 50_000).utf8)),
        ("javascript words", Array(String(repeating: "javascript", count: 30_000).utf8)),
        ("calls", Array(String(repeating: "alert(", count: 30_000).utf8)),
        ("template openers", Array(String(repeating: "${", count: 50_000).utf8)),
        ("invalid UTF-8", (0..<200_000).map { UInt8(truncatingIfNeeded: $0 &* 131) }),
        ("tokens", Array(String(repeating: "or 1=1 ", count: 40_000).utf8)),
    ]

    @Test(arguments: 0..<inputs.count)
    func boundedTime(_ index: Int) {
        let (name, value) = Self.inputs[index]
        let clock = ContinuousClock()
        let context = DetectionContext(source: .body, kind: .text, fieldName: "q", depth: 0, sensitivity: .default)
        var hits: [Hit] = []
        let elapsed = clock.measure {
            SQLiDetector().detect(value[...], context: context, hits: &hits)
            XSSDetector().detect(value[...], context: context, hits: &hits)
        }
        print("hostile \(name): \(elapsed)")
        #expect(elapsed < .seconds(20), "\(name) took \(elapsed)")
        for hit in hits { #expect(hit.evidence.utf8.count <= 4 * Evidence.maxLength) }
    }

    @Test func emptyAndTinyValues() {
        let context = DetectionContext(source: .query, kind: .text, fieldName: nil, depth: 0, sensitivity: .default)
        var hits: [Hit] = []
        for value in ["", "'", "<", "\"", "`", "--", "/*", "#", "&", "&#", "<!--", "</", "on=", "${", "{{"] {
            SQLiDetector().detect(Array(value.utf8)[...], context: context, hits: &hits)
            XSSDetector().detect(Array(value.utf8)[...], context: context, hits: &hits)
        }
        #expect(hits.allSatisfy { $0.confidence < 0.6 })
    }
}

extension HostileInputTests {
    @Test func longIdentifiersBeforeCalls() {
        let value = Array((String(repeating: "a", count: 300_000) + "(" + String(repeating: "'b(", count: 20_000)).utf8)
        let clock = ContinuousClock()
        var hits: [Hit] = []
        let context = DetectionContext(source: .body, kind: .text, fieldName: "q", depth: 0, sensitivity: .default)
        let elapsed = clock.measure { XSSDetector().detect(value[...], context: context, hits: &hits) }
        print("hostile long identifiers: \(elapsed)")
        #expect(elapsed < .seconds(20))
    }
}

extension HostileInputTests {
    /// A deterministic soup of the bytes and words both tokenizers care about: no input may trap,
    /// and every hit must carry a valid confidence and a bounded excerpt.
    @Test func randomSoupNeverTraps() {
        let pieces: [String] = [
            "'", "\"", "`", "(", ")", "<", ">", "/", "*", "-", "#", ";", "=", "&", "#x", ";", "{", "}", "$", "\\",
            " ", "\n", "\t", "\u{0}", "or", "and", "union", "select", "sleep(", "/*!", "*/", "--", "<script", "<svg",
            "on", "onload=", "javascript:", "&#", "&#x6a;", "alert(", "`", "${", "{{", "[", "]", "0x", "1", "é",
            "\u{FFFD}", "@@", "@", ":", "::", "||", "&&", "!", "~", "%", "+", ".", ",", "N'", "_utf8'", "/**/",
        ]
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int(truncatingIfNeeded: state >> 33)
        }
        let context = DetectionContext(source: .query, kind: .text, fieldName: "q", depth: 0, sensitivity: .default)
        var hits: [Hit] = []
        for _ in 0..<3000 {
            var value = ""
            for _ in 0..<(next() % 40) { value += pieces[next() % pieces.count] }
            var bytes = Array(value.utf8)
            if next() % 7 == 0, !bytes.isEmpty { bytes[next() % bytes.count] = UInt8(truncatingIfNeeded: next()) }
            SQLiDetector().detect(bytes[...], context: context, hits: &hits)
            XSSDetector().detect(bytes[...], context: context, hits: &hits)
            _ = SQLiDetector.explain(bytes[...])
            _ = XSSDetector.explain(bytes[...])
        }
        for hit in hits {
            #expect(hit.confidence >= 0 && hit.confidence <= 1)
            #expect(hit.evidence.count <= Evidence.maxLength * 4 + 2)
        }
    }
}

extension HostileInputTests {
    /// Detectors index slices by their own indices: a value that starts mid-buffer must read the same.
    @Test(arguments: ["' UNION SELECT 1,2--", "<img src=x onerror=alert(1)>", "';alert(1)//", "1 or 1=1", "O'Brien"])
    func subSlicesReadTheSame(_ payload: String) {
        let whole = Array(payload.utf8)
        let padded = Array("PADDING:".utf8) + whole
        let slice = padded[8...]
        #expect(SQLiDetector.analyze(whole[...])?.confidence == SQLiDetector.analyze(slice)?.confidence)
        #expect(XSSDetector.analyze(whole[...])?.confidence == XSSDetector.analyze(slice)?.confidence)
        let context = DetectionContext(source: .query, kind: .text, fieldName: "q", depth: 0, sensitivity: .default)
        var a: [Hit] = []
        var b: [Hit] = []
        SQLiDetector().detect(whole[...], context: context, hits: &a)
        SQLiDetector().detect(slice, context: context, hits: &b)
        XSSDetector().detect(whole[...], context: context, hits: &a)
        XSSDetector().detect(slice, context: context, hits: &b)
        #expect(a.map(\.evidence) == b.map(\.evidence))
    }
}
