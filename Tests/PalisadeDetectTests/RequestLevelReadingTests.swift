import Testing

@testable import PalisadeDetect

/// The byte-level readings of the scanner and protocol-anomaly detectors (header roles, framing
/// names, methods, the raw path): names in any case, near-misses, the path part against the query.
@Suite struct RequestLevelReadingTests {
    func record(
        method: String = "GET", path: String = "/api/items", headers: [CaptureRecord.Header] = []
    ) -> CaptureRecord {
        CaptureRecord(id: "t", ts: 0, method: method, host: "api.example.com", rawPath: path, headers: headers)
    }

    func hits(_ detector: some RequestDetector, _ record: CaptureRecord) -> [Hit] {
        let decoded = RequestDecoder().decode(record)
        var hits: [Hit] = []
        detector.detect(RequestContext(record: record, decoded: decoded, sensitivity: .default), hits: &hits)
        return hits
    }

    func rules(_ detector: some RequestDetector, _ record: CaptureRecord) -> [String] {
        hits(detector, record).map(\.rule)
    }

    // MARK: scanner

    @Test func scannerHeaderNamesInAnyCase() {
        for name in ["X-Scanner", "x-scanner", "ACUNETIX-PRODUCT", "X-Burp-Collaborator"] {
            let found = hits(ScannerDetector(), record(headers: [.init(name, "1")]))
            #expect(found.map(\.rule) == ["scanner.tool_header"], "\(name)")
            #expect(found.first?.location == "header." + name.lowercased(), "\(name)")
        }
        for name in ["User-Agent", "USER-AGENT", "user-agent"] {
            let found = hits(ScannerDetector(), record(headers: [.init(name, "sqlmap/1.7.2#stable")]))
            #expect(found.map(\.rule) == ["scanner.tool_user_agent"], "\(name)")
            #expect(found.first?.location == "header.user-agent", "\(name)")
        }
        // Near-misses are ordinary headers: no tool reading.
        for name in ["X-Scanners", "X-Scan", "User-Agent2", "Xuser-agent", "Acunetix"] {
            #expect(rules(ScannerDetector(), record(headers: [.init(name, "sqlmap/1.7.2")])).isEmpty, "\(name)")
        }
    }

    @Test func cookieAndAuthorizationAreNeverRead() {
        let probe = "() { :;}; echo; /bin/id"
        // No header-level hit (the cookie's decoded values are read as parameters, at their points).
        for name in ["Cookie", "COOKIE", "Authorization", "authorization"] {
            let found = hits(ScannerDetector(), record(headers: [.init(name, probe)]))
            #expect(!found.contains { $0.point == -1 }, "\(name)")
        }
        for name in ["Cookie2", "X-Authorization", "Referer"] {
            #expect(
                rules(ScannerDetector(), record(headers: [.init(name, probe)])) == ["scanner.shellshock"], "\(name)")
        }
    }

    @Test func oneFindingPerRuleAcrossHeaders() {
        let found = hits(
            ScannerDetector(),
            record(headers: [
                .init("X-Nuclei", "1"), .init("User-Agent", "Nmap Scripting Engine"),
                .init("Referer", "http://a1b2.oast.fun/x"), .init("X-Forwarded-Host", "c3.interact.sh"),
            ]))
        #expect(found.map(\.rule) == ["scanner.tool_header", "scanner.oast_domain"])
        #expect(found.map(\.location) == ["header.x-nuclei", "header.referer"])
        // A survey crawler does not stop the tool reading of a later header.
        let survey = rules(
            ScannerDetector(), record(headers: [.init("User-Agent", "Shodan/1.0"), .init("User-Agent", "nikto/2.5")]))
        #expect(survey == ["scanner.survey_crawler", "scanner.tool_user_agent"])
    }

    @Test func callbackDomainsStartAfterADot() {
        let domain = { (value: String) in rules(ScannerDetector(), record(headers: [.init("Referer", value)])) }
        #expect(domain("https://x1.oast.fun/a") == ["scanner.oast_domain"])
        #expect(domain("x.oast.fun") == ["scanner.oast_domain"])
        #expect(domain("oast.fun").isEmpty)
        #expect(domain("https://boast.fun/").isEmpty)
        #expect(domain("https://x.oast.funny/").isEmpty)
        #expect(domain("https://x.oast.fun-house/").isEmpty)
        #expect(domain("a.b.c.d.e.x.OAST.FUN") == ["scanner.oast_domain"])
    }

    @Test func probePathsAreReadUpToTheQuery() throws {
        let probe = { (path: String) in self.hits(ScannerDetector(), self.record(path: path)) }
        #expect(probe("/.env?x=1").map(\.rule) == ["scanner.probe_sensitive"])
        #expect(try #require(probe("/app/.git/config").first).evidence.contains("/.git/"))
        #expect(probe("/WP-ADMIN/setup").map(\.rule) == ["scanner.probe_application"])
        // A sensitive path wins over an application path wherever each sits.
        #expect(probe("/wp-admin/.env").map(\.rule) == ["scanner.probe_sensitive"])
        #expect(probe("/api?next=/.env").isEmpty)
        #expect(probe("/api#/.git/").isEmpty)
        #expect(probe("/.environment").isEmpty)
        #expect(probe("/x").isEmpty)
        #expect(probe("").isEmpty)
    }

    @Test func probePathsAllStartWithASlash() {
        // `findPath` visits only the slashes when this holds (and every position when it does not).
        #expect(ScannerDetector.probesStartWithSlash)
    }

    // MARK: protocol_anomaly

    @Test func framingHeaderNamesInAnyCase() {
        let both = record(
            method: "POST", headers: [.init("CONTENT-LENGTH", "4"), .init("transfer-Encoding", "chunked")])
        #expect(rules(ProtocolAnomalyDetector(), both) == ["protocol_anomaly.smuggling_cl_te"])
        let underscored = record(method: "POST", headers: [.init("Transfer_Encoding", "chunked")])
        #expect(rules(ProtocolAnomalyDetector(), underscored) == ["protocol_anomaly.header_name_invalid"])
        let folded = record(
            method: "POST", headers: [.init("Transfer-Encoding ", "chunked"), .init("Content-Length", "4")])
        #expect(
            rules(ProtocolAnomalyDetector(), folded) == [
                "protocol_anomaly.header_name_invalid", "protocol_anomaly.smuggling_cl_te",
            ])
        for name in ["Content-Lengths", "Content.Length", "Transfer-Encodings", "ContentLength"] {
            #expect(
                rules(ProtocolAnomalyDetector(), record(headers: [.init(name, "x")])).isEmpty, "\(name)")
        }
        let conflict = record(method: "POST", headers: [.init("Content-Length", "4"), .init("content-length", "5")])
        #expect(rules(ProtocolAnomalyDetector(), conflict) == ["protocol_anomaly.smuggling_cl_conflict"])
    }

    @Test func traceMethodsInAnyCase() {
        for method in ["TRACE", "trace", "Track", "dEbUg"] {
            let found = hits(ProtocolAnomalyDetector(), record(method: method))
            #expect(found.map(\.rule) == ["protocol_anomaly.method_trace"], "\(method)")
            #expect(found.first?.evidence == method)
        }
        for method in ["TRACES", "TRAC", "GET", "PROPFIND"] {
            #expect(rules(ProtocolAnomalyDetector(), record(method: method)).isEmpty, "\(method)")
        }
    }

    @Test func dotSegmentsInThePathPartOnly() {
        let dots = { (path: String) in rules(ProtocolAnomalyDetector(), self.record(path: path)) }
        for path in ["/a/./b", "/a/../b", "/a/.", "/a/..", "/./", "/.."] {
            #expect(dots(path) == ["protocol_anomaly.path_dot_segments"], "\(path)")
        }
        for path in ["/a/.b", "/a/..b", "/.well-known/x", "/a?x=/../", "/a#/./", "/a.", "/a/b..", "/"] {
            #expect(dots(path).isEmpty, "\(path)")
        }
    }

    @Test func overlongEscapesInTheRawPath() throws {
        let overlong = { (path: String) in
            self.hits(ProtocolAnomalyDetector(), self.record(path: path)).filter {
                $0.rule == "protocol_anomaly.overlong_utf8"
            }
        }
        for path in ["/a/%c0%ae%c0%ae/etc", "/a/%C1%9C", "/x?q=%c0", "/%25%c1"] {
            #expect(overlong(path).count == 1, "\(path)")
        }
        for path in ["/a/%c2%a9", "/a/%c", "/a/%c%30", "/a/c0", "/a/%cf"] {
            #expect(overlong(path).isEmpty, "\(path)")
        }
        // The first `%c0` is reported before an earlier `%c1` (far apart: one excerpt cannot show both).
        let first = try #require(overlong("/%c1x/" + String(repeating: "a", count: 400) + "/%c0y").first)
        #expect(first.evidence.contains("%c0"))
        #expect(!first.evidence.contains("%c1"))
    }

    @Test func controlBytesAndAbsoluteForms() {
        #expect(rules(ProtocolAnomalyDetector(), record(path: "/a\u{7F}b")) == ["protocol_anomaly.path_control_char"])
        #expect(rules(ProtocolAnomalyDetector(), record(path: "a/b")) == ["protocol_anomaly.path_not_origin_form"])
        #expect(rules(ProtocolAnomalyDetector(), record(path: "HTTPS://api.example.com/a")).isEmpty)
        #expect(rules(ProtocolAnomalyDetector(), record(path: "*")).isEmpty)
    }

    // MARK: prototype_pollution

    @Test func quotedProtoIsTheFirstOccurrence() {
        for text in [
            #""__proto__""#, #"{"__proto__":{}}"#, #"{"a":"__proto__","__proto__":1}"#, #""__proto__"#,
            #"__proto__""#, #"x"__proto_""__proto__""#, #"""#, "", #"{"_":"__","__proto__x":1}"#,
        ] {
            let slice = ([0x41] + Array(text.utf8))[1...]
            #expect(
                PrototypePollutionDetector.quotedProto(in: slice) == ByteFind.index(of: "\"__proto__\"", in: slice),
                "\(text)")
        }
        // Every string over a small alphabet up to 14 bytes would be too many: a fixed pseudo-random
        // sample, with the needle planted in some.
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        let alphabet = Array("\"_protx:".utf8)
        for round in 0..<4000 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            var bytes = (0..<Int(state >> 58)).map { i in alphabet[Int((state >> UInt64(i % 50)) & 7)] }
            if round % 3 == 0 {
                let at = bytes.isEmpty ? 0 : Int(state >> 40) % (bytes.count + 1)
                bytes.insert(contentsOf: Array("\"__proto__\"".utf8), at: at)
            }
            let slice = ([0x41] + bytes)[1...]
            #expect(
                PrototypePollutionDetector.quotedProto(in: slice) == ByteFind.index(of: "\"__proto__\"", in: slice),
                "\(String(decoding: bytes, as: UTF8.self))")
        }
    }
}
