import Foundation
import Testing

@testable import PalisadeDetect

/// The analyzer's memo of value-detector results (`DetectionMemo`): a remembered result is the
/// one the detectors give, under every context that can change it, and the memo stays bounded.
@Suite struct DetectionMemoTests {
    /// Values judged again and again: benign ones (most traffic) and attacks (remembered hits).
    static let values = [
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36",
        "1' UNION SELECT password FROM users--", "<script>alert(1)</script>", "../../../../etc/passwd",
        "http://169.254.169.254/latest/meta-data/", "; cat /etc/passwd", "${jndi:ldap://x.example/a}",
        "application/json", "en-GB,en;q=0.9", "1", "USD", "desc", "{{7*7}}", "https://evil.example/",
        "a@b.example\r\nBcc: c@d.example", "Robert'); DROP TABLE students;--", "O'Brien",
    ]

    /// Each value under several field names and sources, as a key, nested one decoder deeper
    /// (Base64 JSON inside JSON) and in a header: the same bytes in different contexts.
    static func records(_ value: String, tag: Int) -> [CaptureRecord] {
        let percent = value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? value
        let json = String(decoding: try! JSONEncoder().encode(value), as: UTF8.self)
        let nested = Data(#"{"q":\#(json)}"#.utf8).base64EncodedString()
        func record(_ path: String, body: String = "", headers: [(String, String)] = []) -> CaptureRecord {
            CaptureRecord(
                id: "r\(tag)", ts: Int64(tag), clientIP: "203.0.113.7", method: body.isEmpty ? "GET" : "POST",
                host: "api.example.com", rawPath: path,
                headers: (headers + (body.isEmpty ? [] : [("content-type", "application/json")])).map {
                    .init($0.0, $0.1)
                }, body: Array(body.utf8), status: 200)
        }
        var out = [
            record("/v1/search?q=\(percent)&code=\(percent)&comment=\(percent)"),
            record("/v1/search?url=\(percent)&next=\(percent)&cmd=\(percent)"),
            record("/v1/items", body: #"{"q":\#(json),"code":\#(json),\#(json):1,"meta":"\#(nested)"}"#),
            record("/v1/items", headers: [("cookie", "q=\(percent)"), ("x-forwarded-for", "198.51.100.1")]),
        ]
        if !value.contains("\r") {
            out.append(record("/v1/items", headers: [("user-agent", value), ("referer", value)]))
        }
        return out
    }

    /// A stream with repeats, interleaved: every value's records, three rounds, in an order that
    /// puts the same bytes under different contexts next to each other.
    static func stream() -> [CaptureRecord] {
        var out: [CaptureRecord] = []
        for round in 0..<3 {
            for (index, value) in values.enumerated() {
                var records = records(value, tag: round * 1000 + index)
                if round == 1 { records.reverse() }
                out += records
            }
        }
        return out
    }

    /// What a verdict says, without the decode time.
    struct Reading: Equatable {
        var score: Double
        var attack: Bool
        var hits: [Hit]
        var anomalies: [Verdict.Anomaly]

        init(_ verdict: Verdict) {
            score = verdict.score
            attack = verdict.attack
            hits = verdict.hits
            anomalies = verdict.anomalies
        }
    }

    @Test func memoGivesTheVerdictsOfTheDetectors() {
        let stream = Self.stream()
        for capacity in [DetectionMemo.defaultCapacity, 2] {
            // Three sensitivities sharing one memo (copies of an analyzer share it): the
            // sensitivity is part of the key.
            let on = Analyzer(memoCapacity: capacity)
            let off = Analyzer(memoCapacity: 0)
            #expect(off.memo == nil)
            var mismatches = 0
            var attacks = 0
            for record in stream {
                for sensitivity in [Sensitivity.default, .high, .low] {
                    var memoized = on
                    memoized.sensitivity = sensitivity
                    var plain = off
                    plain.sensitivity = sensitivity
                    let expected = Reading(plain.analyze(record).verdict)
                    if Reading(memoized.analyze(record).verdict) != expected { mismatches += 1 }
                    if expected.attack { attacks += 1 }
                }
            }
            #expect(mismatches == 0, "capacity \(capacity)")
            #expect(attacks > 100)
            let statistics = on.memo!.statistics
            #expect(statistics.misses > 0)
            if capacity == 2 {
                #expect(statistics.evictions > 0)
            } else {
                #expect(statistics.hits > statistics.misses)
            }
        }
    }

    /// Header values an analyzer found nothing in are kept with the decoder's remembered values
    /// (`RememberedAnalysis`) and neither judged nor looked up in the memo again; values with
    /// findings never are, and are found every time; one sensitivity's conclusion is not another's.
    @Test func rememberedHeaderValuesAreJudgedOnceAndOnlyWhenClean() throws {
        func record(_ agent: String) -> CaptureRecord {
            CaptureRecord(
                id: "r", ts: 0, clientIP: "203.0.113.7", method: "GET", host: "api.example.com",
                rawPath: "/v1/items", headers: [.init("user-agent", agent), .init("accept", "application/json")])
        }
        func lookups(_ analyzer: Analyzer) -> Int {
            let statistics = analyzer.memo!.statistics
            return statistics.hits + statistics.misses
        }
        let clean = "Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101 Firefox/128.0"
        let analyzer = Analyzer()
        let first = analyzer.analyze(record(clean))
        #expect(first.decoded.rememberedHeaders.count == 2)
        #expect(first.decoded.rememberedHeaders.allSatisfy { $0.analysis.token == 0 })
        let before = lookups(analyzer)
        let second = analyzer.analyze(record(clean))
        #expect(second.decoded.rememberedHeaders.count == 2)
        #expect(second.decoded.rememberedHeaders.allSatisfy { $0.analysis.token != 0 })
        // The other values (the path's) looked up again, the two header values not.
        #expect(lookups(analyzer) - before == before - 2, "remembered values were looked up in the memo")
        #expect(Reading(second.verdict) == Reading(first.verdict))

        // An attack in the header: judged, and found, each time; never kept as clean.
        let attack = "' UNION SELECT password FROM users--"
        for round in 0..<3 {
            let (decoded, verdict) = analyzer.analyze(record(attack))
            #expect(verdict.hits.contains { $0.location == "header.user-agent" }, "round \(round)")
            let agent = try #require(decoded.rememberedHeaders.first { decoded.points[Int($0.point)].value.count > 20 })
            #expect(agent.analysis.token == 0, "round \(round)")
        }

        // A value that is a finding at one sensitivity only (SQL probes are read at `high` only),
        // on the header's own point, judged at alternating sensitivities by copies of one
        // analyzer (one memo, one decoder cache): each gets its own verdict.
        let candidates = ["'sqlattempt1", "!@#$%^&*()", "admin'", "%27"]
        var plain = Analyzer(memoCapacity: 0)
        var telling: String?
        for candidate in candidates {
            func rootHits(_ sensitivity: Sensitivity) -> Int {
                plain.sensitivity = sensitivity
                return plain.analyze(record(candidate)).verdict.hits.filter { $0.location == "header.user-agent" }.count
            }
            if rootHits(.default) != rootHits(.high) {
                telling = candidate
                break
            }
        }
        let value = try #require(telling, "no candidate is judged differently at default and high")
        let shared = Analyzer()
        for round in 0..<3 {
            for sensitivity in [Sensitivity.default, .high, .low] {
                var memoized = shared
                memoized.sensitivity = sensitivity
                plain.sensitivity = sensitivity
                #expect(
                    Reading(memoized.analyze(record(value)).verdict) == Reading(plain.analyze(record(value)).verdict),
                    "\(value) at \(sensitivity), round \(round)")
            }
        }
    }

    /// The memo keeps field names' readings (`FieldRoles`) beside the values: a value judged under a
    /// known name gets that name's reading, never another name's — also when more names than the
    /// table's slots share it (names in one slot replace each other).
    @Test func fieldNameReadingsAreThoseOfTheName() throws {
        let memoized = Analyzer()
        let plain = Analyzer(memoCapacity: 0)
        // Names whose reading changes the verdict (a command line, a redirect target, a file),
        // between filler names enough to fill every slot of the table twice over.
        let telling = ["cmd", "next", "file", "returnUrl", "exec", "template", "q"]
        let values = ["ls -la /tmp", "https://evil.example/", "../../etc/passwd", "id"]
        var names: [String] = []
        for index in 0..<(2 * DetectionMemo.roleSlots) {
            names.append("filler\(index)")
            if index % 97 == 0 { names += telling }
        }
        var mismatches = 0
        var attacks = 0
        for round in 0..<2 {
            for (index, name) in names.enumerated() {
                for (offset, value) in values.enumerated() {
                    let percent = value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? value
                    let record = CaptureRecord(
                        id: "r\(index)", ts: Int64(round), clientIP: "203.0.113.7", method: "GET",
                        host: "api.example.com", rawPath: "/v1/run?\(name)=\(percent)&n\(offset)=\(round)",
                        headers: [], body: [], status: 200)
                    let expected = Reading(plain.analyze(record).verdict)
                    if Reading(memoized.analyze(record).verdict) != expected { mismatches += 1 }
                    if expected.attack { attacks += 1 }
                }
            }
        }
        #expect(mismatches == 0)
        #expect(attacks > 0)
        // A name analyzed last is in its slot, with its own reading.
        let memo = try #require(memoized.memo)
        let fresh = Array("never-seen-value".utf8)[...]
        for name in ["cmd", "next", "filler1023"] {
            let probe = try #require(
                memo.probe(fresh, source: .query, kind: .text, fieldName: name, depth: 1, sensitivity: .default))
            guard case .missed(_, let roles) = memo.lookup(probe, value: fresh, fieldName: name) else {
                Issue.record("\(name): a value never seen was found")
                continue
            }
            if name == "filler1023" {
                #expect(roles == FieldRoles.of(name))
            } else if let roles {
                #expect(roles == FieldRoles.of(name))
            }
        }
        #expect(FieldRoles.of("cmd") != FieldRoles.of("next"))
    }

    /// Open redirect reads the request's host (an off-site target), which the key does not hold:
    /// the same `next` URL is same-site for one host and off-site for another, and the memo must
    /// not hand one host's result to the other.
    @Test func redirectFieldsFollowTheRequestHost() {
        let memoized = Analyzer()
        let plain = Analyzer(memoCapacity: 0)
        func record(host: String, tag: Int) -> CaptureRecord {
            CaptureRecord(
                id: "r\(tag)", ts: Int64(tag), clientIP: "203.0.113.7", method: "GET", host: host,
                rawPath: "/v1/login?next=https%3A%2F%2Fshop.example%2Faccount", headers: [], body: [], status: 200)
        }
        var offsite = 0
        // Each host several times in turn, so the value is stored (second miss) under one host and
        // looked up under the other.
        for round in 0..<6 {
            let host = round % 3 == 2 ? "api.example.com" : "shop.example"
            let expected = Reading(plain.analyze(record(host: host, tag: round)).verdict)
            #expect(Reading(memoized.analyze(record(host: host, tag: round)).verdict) == expected, "host \(host)")
            if expected.hits.contains(where: { $0.attackClass == .openRedirect }) { offsite += 1 }
        }
        // Off-site only for api.example.com (rounds 2 and 5): the test can tell the hosts apart.
        #expect(offsite == 2)
    }

    @Test func repeatedRequestIsJudgedFromTheMemo() throws {
        let analyzer = Analyzer()
        let memo = try #require(analyzer.memo)
        let record = Self.records(Self.values[1], tag: 1)[0]
        // First sighting: judged, not stored.
        let first = analyzer.analyze(record).verdict
        let afterFirst = memo.statistics
        #expect(afterFirst.hits == 0)
        #expect(afterFirst.misses > 0)
        #expect(afterFirst.firstSightings == afterFirst.misses)
        #expect(afterFirst.entries == 0)
        // Second: judged again and stored.
        let second = analyzer.analyze(record).verdict
        let afterSecond = memo.statistics
        #expect(afterSecond.entries > 0)
        #expect(afterSecond.entries + afterSecond.evictions == afterSecond.misses - afterSecond.firstSightings)
        // Third: every value from the memo.
        let third = analyzer.analyze(record).verdict
        let afterThird = memo.statistics
        #expect(afterThird.misses == afterSecond.misses)
        #expect(afterThird.hits - afterSecond.hits == afterFirst.misses)
        #expect(Reading(second) == Reading(first))
        #expect(Reading(third) == Reading(first))
        #expect(first.attack)
    }

    @Test func boundHolds() throws {
        let analyzer = Analyzer(memoCapacity: 8)
        let memo = try #require(analyzer.memo)
        #expect(memo.capacity == 8)
        // Each request twice: its values are stored on their second miss.
        for n in 0..<1000 {
            _ = analyzer.analyze(
                CaptureRecord(
                    id: "r", ts: 0, clientIP: nil, method: "GET", host: "api.example.com",
                    rawPath: "/v1/search?q=value-\(n / 2)&sort=name-\(n / 2)", headers: [], body: [], status: 200))
        }
        let statistics = memo.statistics
        #expect(statistics.entries <= 8)
        #expect(statistics.entries > 0)
        #expect(statistics.misses >= 1000)
        #expect(statistics.evictions >= 900)
        #expect(statistics.evictions == statistics.misses - statistics.firstSightings - statistics.entries)
        // Too long to keep: judged, not remembered.
        let long = String(repeating: "a", count: DetectionMemo.maxValueBytes + 1)
        let before = memo.statistics
        _ = analyzer.analyze(
            CaptureRecord(
                id: "r", ts: 0, clientIP: nil, method: "GET", host: "api.example.com", rawPath: "/v1/search?q=\(long)",
                headers: [], body: [], status: 200))
        let after = memo.statistics
        #expect(after.skipped == before.skipped + 1)
        memo.removeAll()
        #expect(memo.statistics.entries == 0)
        // Values that never repeat are not stored (but for the rare value whose sighting bit
        // another set: ~15 expected here). A default-sized memo, where the three repeated values
        // (the path and its two segments) have their own slots.
        let large = Analyzer()
        for n in 0..<1000 {
            _ = large.analyze(
                CaptureRecord(
                    id: "r", ts: 0, clientIP: nil, method: "GET", host: "api.example.com",
                    rawPath: "/v1/search?q=once-\(n)", headers: [], body: [], status: 200))
        }
        let unique = large.memo!.statistics
        #expect(unique.firstSightings >= 940)
        #expect(unique.hits >= 2990)
        #expect(unique.entries <= 63)
        // Capacities round up to a power of two.
        #expect(DetectionMemo(capacity: 1000).capacity == 1024)
        #expect(DetectionMemo(capacity: 0).capacity == 1)
    }

    /// Slots are sets of two: values that share a set and both repeat stay remembered together,
    /// and a third one replaces the one of the two used less recently. A two-slot memo is one set.
    @Test func setsKeepTwoValuesAndReplaceTheLeastRecent() throws {
        let memo = DetectionMemo(capacity: 2, seed: 7)
        #expect(memo.ways == 2)
        #expect(DetectionMemo(capacity: 1).ways == 1)
        func probe(_ text: String) -> (DetectionMemo.Probe, ArraySlice<UInt8>) {
            let value = Array(text.utf8)[...]
            let probe = memo.probe(
                value, source: .query, kind: .text, fieldName: "q", depth: 0, sensitivity: .default)!
            return (probe, value)
        }
        func isFound(_ text: String) -> Bool {
            let (p, value) = probe(text)
            if case .found = memo.lookup(p, value: value, fieldName: "q") { return true }
            return false
        }
        func store(_ text: String) {
            let (p, value) = probe(text)
            memo.store(p, value: value, fieldName: "q", summary: ByteSet(), hits: [])
        }
        store("alpha")
        store("beta")
        // Both stay, however often they alternate.
        for _ in 0..<10 {
            #expect(isFound("alpha"))
            #expect(isFound("beta"))
        }
        #expect(memo.statistics.entries == 2)
        #expect(memo.statistics.evictions == 0)
        // `beta` was used last: `gamma` replaces `alpha`.
        store("gamma")
        #expect(memo.statistics.evictions == 1)
        #expect(isFound("beta"))
        #expect(isFound("gamma"))
        #expect(!isFound("alpha"))
        // `gamma` was used last: `alpha` comes back in place of `beta`.
        store("alpha")
        #expect(isFound("alpha"))
        #expect(isFound("gamma"))
        #expect(!isFound("beta"))
        memo.removeAll()
        #expect(!isFound("alpha"))
        #expect(!isFound("gamma"))
    }

    @Test func otherDetectorListsAreNotMemoized() throws {
        var analyzer = Analyzer()
        let original = try #require(analyzer.memo)
        _ = analyzer.analyze(Self.records(Self.values[1], tag: 1)[0])
        analyzer.detectors = [SQLiDetector()]
        let fresh = try #require(analyzer.memo)
        #expect(fresh !== original)
        #expect(fresh.capacity == original.capacity)
        let verdict = analyzer.analyze(Self.records(Self.values[1], tag: 1)[0]).verdict
        #expect(verdict.attack)
        #expect(fresh.statistics == DetectionMemo.Statistics())
    }

    /// NoSQLi's JavaScript readings are remembered with the value (`ValueFacts.javaScriptFree`): a
    /// repeated value with JavaScript in it keeps its hit when it comes from the memo, a plain one
    /// is marked free of it, and only text values get the fact.
    @Test func javaScriptFactsAreRememberedWithTheValue() throws {
        func bytes(_ text: String) -> ArraySlice<UInt8> { Array(text.utf8)[...] }
        func facts(_ text: String, _ kind: ValueKind = .text) -> ValueFacts {
            ValueFacts.of(
                bytes(text), kind: kind, source: .body, fieldName: "name", depth: 0,
                bytes: ByteSet(presentIn: bytes(text)))
        }
        #expect(facts("this.password.match(/^a/)") == [])
        #expect(facts("'; return true; var x='") == [])
        #expect(facts("'; sleep(5000)") == [])
        #expect(facts("hello (world) = fine") == .javaScriptFree)
        #expect(facts("hello (world) = fine", .key) == [])

        let analyzer = Analyzer()
        let memo = try #require(analyzer.memo)
        let plain = Analyzer(memoCapacity: 0)
        for (tag, value) in ["this.password.match(/^a/)", "plain words (and brackets) = ok"].enumerated() {
            let record = CaptureRecord(
                id: "js\(tag)", ts: 0, clientIP: "203.0.113.9", method: "POST", host: "api.example.com",
                rawPath: "/v1/items", headers: [.init("Content-Type", "application/json")],
                body: Array(#"{"name":"\#(value)"}"#.utf8), status: 200)
            let expected = plain.analyze(record).verdict.hits.map(\.rule)
            #expect(expected.contains("nosqli.js_this_field") == (tag == 0))
            // Judged, stored on the second sighting, then read from the memo.
            for round in 0..<4 {
                #expect(analyzer.analyze(record).verdict.hits.map(\.rule) == expected, "\(value) round \(round)")
            }
        }
        #expect(memo.statistics.hits > 0)
    }

    /// The scanner's header readings are remembered with the header's value
    /// (`ValueFacts.scannerHeaderFree`, found through `DecodedRequest.headerPoints`): a tool's
    /// `User-Agent` keeps its hit when it comes from the memo, a browser's is marked free, and
    /// headers the scanner never reads or values it would flag get no fact.
    @Test func scannerHeaderFactsAreRememberedWithTheValue() throws {
        func facts(_ value: String, header: String, depth: Int = 0) -> ValueFacts {
            let bytes = Array(value.utf8)[...]
            return ValueFacts.of(
                bytes, kind: .text, source: .header, fieldName: header, depth: depth, bytes: ByteSet(presentIn: bytes)
            )
        }
        let browser = Self.values[0]
        #expect(facts(browser, header: "user-agent").contains(.scannerHeaderFree))
        #expect(!facts(browser, header: "user-agent", depth: 1).contains(.scannerHeaderFree))
        #expect(!facts("sqlmap/1.7.2#stable (https://sqlmap.org)", header: "user-agent").contains(.scannerHeaderFree))
        #expect(!facts("() { :; }; /bin/cat /etc/passwd", header: "referer").contains(.scannerHeaderFree))
        #expect(!facts("x7f3.oast.fun", header: "x-forwarded-host").contains(.scannerHeaderFree))
        #expect(!facts("abc", header: "authorization").contains(.scannerHeaderFree))

        let analyzer = Analyzer()
        let plain = Analyzer(memoCapacity: 0)
        for (tag, agent) in [browser, "sqlmap/1.7.2#stable (https://sqlmap.org)", "Mozilla/5.0 (compatible; Nuclei)"]
            .enumerated()
        {
            let record = CaptureRecord(
                id: "ua\(tag)", ts: 0, clientIP: "203.0.113.9", method: "GET", host: "api.example.com",
                rawPath: "/v1/items?page=2", headers: [.init("User-Agent", agent), .init("Accept", "*/*")], body: [],
                status: 200)
            let expected = plain.analyze(record).verdict.hits.map(\.rule)
            #expect(expected.contains { $0.hasPrefix("scanner.") } == (tag > 0), "\(agent)")
            for round in 0..<4 {
                #expect(analyzer.analyze(record).verdict.hits.map(\.rule) == expected, "\(agent) round \(round)")
            }
        }
        #expect(try #require(analyzer.memo).statistics.hits > 0)
    }
}
