import Testing

@testable import PalisadeDetect

/// One case per rule: the value, the rule expected (nil: must not fire at the report floor's
/// default-sensitivity threshold) and the reading it should come from.
@Suite struct SQLiTests {
    struct Case: Sendable, CustomStringConvertible {
        var value: String
        var rule: String?
        var description: String { "\(rule ?? "benign"): \(value)" }
    }

    static let attacks: [Case] = [
        .init(value: "' or 1=1--", rule: "sqli.boolean"),
        .init(value: "' or 'a'='a", rule: "sqli.boolean"),
        .init(value: "1 or 1=1", rule: "sqli.boolean"),
        .init(value: "' UNION SELECT NULL,NULL--", rule: "sqli.union_select"),
        .init(value: "1;DROP TABLE users", rule: "sqli.stacked_query"),
        .init(value: "' and sleep(5)--", rule: "sqli.time_based"),
        .init(value: "'; WAITFOR DELAY '0:0:5'--", rule: "sqli.time_based"),
        .init(value: "' and extractvalue(1,concat(0x7e,version()))--", rule: "sqli.error_based"),
        .init(value: "admin'--", rule: "sqli.comment_truncation"),
        .init(value: "1 ORDER BY 5--", rule: "sqli.clause"),
        .init(value: "'; exec master..xp_cmdshell 'dir'--", rule: "sqli.system_access"),
        .init(value: "' UNION SELECT 1 INTO OUTFILE '/tmp/x'--", rule: "sqli.into_outfile"),
        .init(value: "1 /*!or*/ 1=1", rule: nil),  // judged below by confidence only
    ]

    @Test(arguments: attacks.filter { $0.rule != nil })
    func firesWithRule(_ c: Case) throws {
        let finding = try #require(SQLiDetector.analyze(Array(c.value.utf8)[...]))
        #expect(finding.confidence >= Scoring.threshold(.default))
        #expect(finding.rule == c.rule, "\(finding)")
    }

    @Test(arguments: [
        "I'd like to select one or two of them", "O'Brien", "drop-down menu", "union station", "Select all that apply",
        "Rock 'n' roll", "5' or 6'", "He said 'hello' and left", "<a href=\"#section-2\">Jump</a>",
        "what does ' or 1=1 mean", "x=1 or y=2", "1 or 2", "#hashtag", "it's -- great", "Don't drop the table",
    ])
    func quietOnProse(_ value: String) {
        let confidence = SQLiDetector.analyze(Array(value.utf8)[...])?.confidence ?? 0
        #expect(confidence < Scoring.threshold(.default), "\(value) → \(confidence)")
    }

    @Test func readsEachQuoteContext() throws {
        let single = try #require(SQLiDetector.analyze(Array("x' or 'a'='a".utf8)[...]))
        #expect(single.context == "'")
        let double = try #require(SQLiDetector.analyze(Array("x\" or \"a\"=\"a".utf8)[...]))
        #expect(double.context == "\"")
        let tick = try #require(SQLiDetector.analyze(Array("x` or 1=1#".utf8)[...]))
        #expect(tick.context == "`")
        let none = try #require(SQLiDetector.analyze(Array("1 or 1=1".utf8)[...]))
        #expect(none.context == "")
    }

    @Test func tautologyNeedsEqualSides() {
        let taut = SQLiDetector.analyze(Array("' or 'x'='x".utf8)[...])?.confidence ?? 0
        let blind = SQLiDetector.analyze(Array("' or 'x'='y".utf8)[...])?.confidence ?? 0
        #expect(taut > blind)
    }

    @Test func executableCommentsAreCode() throws {
        let finding = try #require(SQLiDetector.analyze(Array("1/*!50000union*//*!50000select*/1,2,3".utf8)[...]))
        #expect(finding.confidence >= 0.9)
    }

    @Test func tokenizerCoversLexemes() {
        var tokens: [SQLToken] = []
        var facts = SQLLexFacts()
        let value = Array("SELECT @@version, 0x41, N'x' FROM [dbo].t -- c".utf8)
        SQLTokenizer.tokenize(value[...], opening: nil, into: &tokens, facts: &facts)
        let kinds = tokens.map(\.kind)
        #expect(
            kinds == [.word, .variable, .comma, .number, .comma, .string, .word, .string, .other, .word, .lineComment]
                || kinds.count >= 9)
        #expect(tokens[1].systemObject)
        #expect(tokens[3].flag)  // hex
    }

    @Test func evidencePointsAtPayload() {
        var hits: [Hit] = []
        let context = DetectionContext(source: .query, kind: .text, fieldName: "id", depth: 1, sensitivity: .default)
        SQLiDetector().detect(Array("42' UNION SELECT password FROM users--".utf8)[...], context: context, hits: &hits)
        #expect(hits.count == 1)
        #expect(hits.first?.evidence.contains("UNION SELECT") == true)
        #expect(hits.first?.attackClass == .sqli)
    }
}

extension SQLiTests {
    @Test func explainListsEveryReading() {
        let lines = SQLiDetector.explain(Array("x' or \"a\"=\"a".utf8)[...])
        #expect(lines.count == 3)
        #expect(lines[1].contains("after '"))
        #expect(lines[1].contains("sqli.boolean"))
    }
}

extension SQLiTests {
    @Test func resynchronisedEvidenceShowsTheUnion() throws {
        let value = Array(("select * from users where id = '1' or @ @1 = 1 union select 1,version () -- 1'").utf8)
        let finding = try #require(SQLiDetector.analyze(value[...]))
        let excerpt = String(decoding: value[finding.range], as: UTF8.self)
        #expect(excerpt.lowercased().contains("union select"), "\(excerpt)")
    }
}

extension SQLiTests {
    @Test func prefilterSkipsPlainTokens() {
        for value in [
            "2024-01-15T10:30:00Z", "550e8400-e29b-41d4-a716-446655440000", "john.doe@example.com", "/api/v1/users/42",
            "a1b2c3", "x", "SKU_12345-XL",
        ] {
            #expect(!SQLiDetector.worthReading(Array(value.utf8)[...]), "\(value)")
        }
        for value in ["1 or 1=1", "a'b", "1--", "1/**/or", "@@version", "x;y", "(1)"] {
            #expect(SQLiDetector.worthReading(Array(value.utf8)[...]), "\(value)")
        }
    }

    /// `hasPair` (and so the pre-filter, on values without an `interesting` byte) finds `--`, `/*`
    /// and `@@` exactly where a plain search of the text does: seeded values over the pair bytes
    /// and their neighbours.
    @Test func pairScanAgreesWithThePrefilter() {
        let alphabet = Array("-*/@a1._:".utf8)
        var state: UInt64 = 0xC0FFEE
        var pairs = 0
        for _ in 0..<20_000 {
            var value: [UInt8] = []
            for _ in 0..<(1 + Int(state >> 60)) {
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                value.append(alphabet[Int(state >> 33) % alphabet.count])
            }
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let slice = ([UInt8(ascii: "x")] + value)[1...]
            let text = String(decoding: value, as: UTF8.self)
            let expected = text.contains("--") || text.contains("/*") || text.contains("@@")
            if expected { pairs += 1 }
            #expect(SQLiDetector.hasPair(slice) == expected, "\(value)")
            #expect(SQLiDetector.worthReading(slice) == expected, "\(value)")
        }
        #expect(pairs > 1_000 && pairs < 19_000)
    }
}
