import Testing

@testable import PalisadeDetect

/// Unit tests of the network-family readings: notations, folding and the rules' edges.
@Suite struct NetDetectorTests {
    @Test(arguments: [
        ("127.0.0.1", UInt32(0x7F00_0001)), ("2130706433", 0x7F00_0001), ("0x7f000001", 0x7F00_0001),
        ("0177.0.0.1", 0x7F00_0001), ("127.1", 0x7F00_0001), ("0x7f.1", 0x7F00_0001), ("169.254.43518", 0xA9FE_A9FE),
        ("0251.0376.0251.0376", 0xA9FE_A9FE), ("10.1", 0x0A00_0001),
    ])
    func ipv4Notations(_ text: String, _ expected: UInt32) {
        #expect(HostClassifier.parseV4Lenient(Array(text.utf8)[...])?.0 == expected)
    }

    @Test(arguments: ["256.0.0.1", "1.2.3.4.5", "0x", "08.0.0.1", "example.com", "1..2", ""])
    func invalidIPv4(_ text: String) {
        #expect(HostClassifier.parseV4Lenient(Array(text.utf8)[...]) == nil)
    }

    @Test(arguments: [
        ("[::1]", HostClassifier.Category.loopback), ("[::ffff:127.0.0.1]", .loopback), ("[::ffff:7f00:1]", .loopback),
        ("[fd00:ec2::254]", .metadata), ("[fc00::1]", .privateNetwork), ("[fe80::1%25eth0]", .linkLocal),
        ("localhost", .loopback), ("api.localhost", .loopback), ("metadata.google.internal", .metadata),
        ("127.0.0.1.nip.io", .loopback), ("10-0-0-1.sslip.io", .privateNetwork), ("localtest.me", .loopback),
        ("１２７．０．０．１", .loopback), ("ⓛⓞⓒⓐⓛⓗⓞⓢⓣ", .loopback), ("%31%32%37.0.0.1", .loopback),
        ("example.com", .publicHost), ("8.8.8.8", .publicHost), ("[2001:db8::1]", .publicHost),
        ("100.100.100.200", .metadata), ("100.64.1.1", .privateNetwork), ("0.0.0.0", .unspecified),
    ])
    func hostCategories(_ host: String, _ category: HostClassifier.Category) {
        #expect(HostClassifier.classify(Array(host.utf8)[...])?.category == category, "\(host)")
    }

    @Test func ssrfWeighsTheField() {
        let url = Array("http://127.0.0.1:8080/admin".utf8)[...]
        let inURLField = SSRFDetector.analyze(url, fieldName: "callback_url", source: .body)
        let inIPField = SSRFDetector.analyze(Array("127.0.0.1".utf8)[...], fieldName: "ip", source: .body)
        let inReferer = SSRFDetector.analyze(
            Array("http://localhost:3000/x".utf8)[...], fieldName: "referer", source: .header)
        #expect((inURLField?.confidence ?? 0) >= 0.85)
        #expect(inIPField == nil)
        #expect(inReferer == nil)
    }

    @Test func traversalFoldsEncodings() {
        for payload in [
            "%252e%252e%252fetc%252fpasswd", "%c0%ae%c0%ae/etc/passwd", "．．／．．／etc／passwd", "..%u2215etc%u2215passwd",
        ] {
            let finding = TraversalDetector.analyze(Array(payload.utf8)[...], fieldName: "file", source: .query)
            #expect((finding?.confidence ?? 0) >= 0.9, "\(payload): \(String(describing: finding))")
        }
    }

    @Test func traversalStaysQuietOnOrdinaryValues() {
        for value in ["report.pdf", "Read more...", "git log v1.0...v2.0", "https://example.com/a/../b", "1..10"] {
            let finding = TraversalDetector.analyze(Array(value.utf8)[...], fieldName: "q", source: .query)
            #expect((finding?.confidence ?? 0) < 0.6, "\(value): \(String(describing: finding))")
        }
    }

    @Test func xxeReadsDeclarations() {
        let external = XXEDetector.analyze(
            Array(#"<!DOCTYPE r [<!ENTITY % p SYSTEM "http://a.example/x.dtd">%p;]>"#.utf8)[...])
        #expect(external?.rule == "xxe.parameter_entity")
        let xhtml = XXEDetector.analyze(
            Array(
                #"<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">"#
                    .utf8)[...])
        #expect(xhtml == nil)
    }

    @Test func ldapNeedsABreakout() {
        #expect(
            (LDAPInjectionDetector.analyze(Array("*)(uid=*))(|(uid=*".utf8)[...], fieldName: "user")?.confidence ?? 0)
                >= 0.9)
        #expect(
            LDAPInjectionDetector.analyze(Array("cn=John Smith,ou=People,dc=example,dc=com".utf8)[...], fieldName: nil)
                == nil)
        #expect((LDAPInjectionDetector.analyze(Array("f(x)(y=2)".utf8)[...], fieldName: nil)?.confidence ?? 0) < 0.6)
    }

    @Test func xpathLeavesSQLToSQL() {
        let sql = XPathInjectionDetector.analyze(Array("' or 1=1-- ".utf8)[...])
        #expect((sql?.confidence ?? 0) < 0.6)
        let xpath = XPathInjectionDetector.analyze(Array("' or count(/*)=1 or '".utf8)[...])
        #expect((xpath?.confidence ?? 0) >= 0.9)
    }

    @Test func crlfNeedsAHeaderAfterTheBreak() {
        #expect(
            (CRLFDetector.analyze(Array("en%0d%0aSet-Cookie: a=1".utf8)[...], fieldName: "lang", source: .query)?
                .confidence ?? 0) >= 0.9)
        #expect(CRLFDetector.analyze(Array("Line one\nLine two".utf8)[...], fieldName: "comment", source: .body) == nil)
        // `č` is a Czech letter, not a line feed, unless a real header follows it.
        #expect(CRLFDetector.analyze(Array("Počet: 5".utf8)[...], fieldName: "q", source: .query) == nil)
    }

    @Test func openRedirectOnlyFlagsTricksInRedirectFields() {
        #expect(
            (OpenRedirectDetector.analyze(Array("/\\evil.example".utf8)[...], fieldName: "next", source: .query)?
                .confidence ?? 0) >= 0.9)
        #expect(OpenRedirectDetector.analyze(Array("/dashboard".utf8)[...], fieldName: "next", source: .query) == nil)
        #expect(
            (OpenRedirectDetector.analyze(
                Array("https://app.example.com/cb".utf8)[...], fieldName: "redirect_uri", source: .query)?.confidence
                ?? 0) < 0.4)
    }

    @Test func evidenceIsMaskedInSecretFields() {
        let context = DetectionContext(
            source: .body, kind: .text, fieldName: "password", depth: 1, sensitivity: .default)
        var hits: [Hit] = []
        let value = Array("hunter2hunter2hunter2hunter2)(uid=*))(|(uid=*".utf8)
        LDAPInjectionDetector().detect(value[...], context: context, hits: &hits)
        #expect(hits.first.map { !$0.evidence.contains("hunter2hunter2") } == true, "\(hits)")
    }

    static let hostile: [(String, [UInt8])] = [
        ("dots", Array(repeating: UInt8(ascii: "."), count: 1 << 20)),
        ("climbs", Array(String(repeating: "../", count: 200_000).utf8)),
        ("encoded climbs", Array(String(repeating: "%252e%252e%252f", count: 40_000).utf8)),
        ("urls", Array(String(repeating: "http://127.0.0.1/", count: 40_000).utf8)),
        ("schemes", Array(String(repeating: "a:", count: 200_000).utf8)),
        ("slashes", Array(String(repeating: "/\\", count: 200_000).utf8)),
        ("breaks", Array(String(repeating: "%0d%0a", count: 100_000).utf8)),
        ("header lines", Array(String(repeating: "\r\nX-A: b", count: 50_000).utf8)),
        ("doctypes", Array(String(repeating: "<!DOCTYPE x [", count: 40_000).utf8)),
        ("entities", Array(String(repeating: "<!ENTITY % a SYSTEM \"", count: 20_000).utf8)),
        ("includes", Array(String(repeating: "<xi:include href=", count: 30_000).utf8)),
        ("parens", Array(String(repeating: ")(", count: 200_000).utf8)),
        ("ldap items", Array(String(repeating: ")(&(|(!(a=*", count: 30_000).utf8)),
        ("quotes", Array(String(repeating: "' or '", count: 60_000).utf8)),
        ("calls", Array(String(repeating: "count(name(", count: 40_000).utf8)),
        ("equals", Array(String(repeating: "'1'=", count: 100_000).utf8)),
        ("axes", Array(String(repeating: "child::", count: 60_000).utf8)),
        ("invalid UTF-8", (0..<200_000).map { UInt8(truncatingIfNeeded: $0 &* 197) }),
    ]

    static let netDetectors: [any Detector] = [
        TraversalDetector(), SSRFDetector(), OpenRedirectDetector(), CRLFDetector(), MailInjectionDetector(),
        XXEDetector(), LDAPInjectionDetector(), XPathInjectionDetector(),
    ]

    @Test(arguments: 0..<hostile.count)
    func hostileInputsAreBounded(_ index: Int) {
        let (name, value) = Self.hostile[index]
        let clock = ContinuousClock()
        var hits: [Hit] = []
        for fieldName in ["q", "url", "email"] {
            let context = DetectionContext(
                source: .query, kind: .text, fieldName: fieldName, depth: 0, sensitivity: .default)
            let elapsed = clock.measure {
                for detector in Self.netDetectors { detector.detect(value[...], context: context, hits: &hits) }
            }
            print("net hostile \(name) [\(fieldName)]: \(elapsed)")
            #expect(elapsed < .seconds(20), "\(name) took \(elapsed)")
        }
        for hit in hits {
            #expect(hit.confidence >= 0 && hit.confidence <= 1)
            #expect(hit.evidence.utf8.count <= 4 * Evidence.maxLength + 8)
        }
    }

    @Test func randomSoupNeverTraps() {
        let pieces: [String] = [
            ".", "..", "/", "\\", "%", "%2e", "%2f", "%c0%ae", "%0d%0a", "\r\n", "\n", ":", "//", "http:", "file:",
            "@", "[", "]", "(", ")", "*", "=", "|", "&", "!", "'", "\"", "<!DOCTYPE", "<!ENTITY", "SYSTEM", "%",
            "127.0.0.1", "0x7f", "::", "localhost", "Set-Cookie:", "Bcc:", "or", "count(", "/*", "xi:include", "\u{0}",
            "．", "／", "嘊", "č", "é", "\u{FFFD}", "1", " ",
        ]
        var state: UInt64 = 0xDEAD_BEEF
        func next() -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int(truncatingIfNeeded: state >> 33)
        }
        var hits: [Hit] = []
        for round in 0..<3000 {
            var value = ""
            for _ in 0..<(next() % 30) { value += pieces[next() % pieces.count] }
            var bytes = Array(value.utf8)
            if next() % 5 == 0, !bytes.isEmpty { bytes[next() % bytes.count] = UInt8(truncatingIfNeeded: next()) }
            let field = ["q", "url", "next", "email", "file", "ip", "host"][round % 7]
            let context = DetectionContext(
                source: .query, kind: .text, fieldName: field, depth: 0, sensitivity: .default)
            for detector in Self.netDetectors { detector.detect(bytes[...], context: context, hits: &hits) }
            // Slices that do not start at 0 read the same.
            let padded = [UInt8](repeating: 0x41, count: 5) + bytes
            var a: [Hit] = []
            var b: [Hit] = []
            for detector in Self.netDetectors {
                detector.detect(bytes[...], context: context, hits: &a)
                detector.detect(padded[5...], context: context, hits: &b)
            }
            #expect(a == b, "\(value)")
        }
        for hit in hits { #expect(hit.confidence >= 0 && hit.confidence <= 1) }
    }

    /// `classify` skips `normalize` for hosts `isNormal` accepts: for those, `normalize` must give
    /// the same bytes back and report no change. Checked over seeded hosts built from the bytes
    /// that matter (capitals, `%`, dots, controls, non-ASCII, IPv6 punctuation).
    @Test func normalHostsNeedNoNormalizing() {
        let alphabet = Array("aZ.%0x9f:[]-_ \t\u{7F}~".utf8) + [0xE2, 0x91, 0xA0, 0xEF, 0xBC]
        var state: UInt64 = 0x5EED
        var accepted = 0
        for _ in 0..<20_000 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let length = Int(state >> 59) + 1
            var host: [UInt8] = []
            for _ in 0..<length {
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                host.append(alphabet[Int(state >> 33) % alphabet.count])
            }
            let slice = ([0x2F] + host)[1...]
            guard HostClassifier.isNormal(slice) else { continue }
            accepted += 1
            let (normalized, changed) = HostClassifier.normalize(slice)
            #expect(normalized == host && !changed, "\(host)")
            #expect(HostClassifier.classify(slice) == HostClassifier.classifyNormalized(normalized[...]))
        }
        #expect(accepted > 500 && accepted < 19_000)
    }

    /// Schemes are held inline: read lowercased, compared with names and with each other.
    @Test func schemesInline() throws {
        let value = Array("HtTpS://example.com".utf8)[...]
        let (scheme, after, control) = try #require(URLReader.scheme(value, at: value.startIndex))
        #expect(scheme.description == "https" && scheme.bytes == Array("https".utf8) && after == 6 && !control)
        #expect(scheme.is("https") && !scheme.is("http") && scheme.isSpecial)
        #expect(scheme == URLScheme("https") && scheme != URLScheme("http"))
        let tabbed = Array("go\tpher://x".utf8)[...]
        let (gopher, _, tab) = try #require(URLReader.scheme(tabbed, at: tabbed.startIndex))
        #expect(gopher.is("gopher") && tab && !gopher.isSpecial)
        let longest = Array((String(repeating: "a", count: 32) + ":").utf8)[...]
        #expect(URLReader.scheme(longest, at: longest.startIndex)?.scheme.count == 32)
        let tooLong = Array((String(repeating: "a", count: 33) + ":").utf8)[...]
        #expect(URLReader.scheme(tooLong, at: tooLong.startIndex) == nil)
        for name in ["ws", "wss", "ftp", "http", "https"] {
            let v = Array((name + "://h").utf8)[...]
            #expect(URLReader.scheme(v, at: v.startIndex)?.scheme.isSpecial == true, "\(name)")
        }
        for name in ["file", "gopher", "wsx", "ftps", "httpx"] {
            let v = Array((name + "://h").utf8)[...]
            #expect(URLReader.scheme(v, at: v.startIndex)?.scheme.isSpecial == false, "\(name)")
        }
    }
}
