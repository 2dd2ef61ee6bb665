import Foundation
import Hummingbird
import HummingbirdTesting
import PalisadeDetect
import PalisadePolicy
import PalisadeRuntime
import Synchronization
import Testing

@testable import AggregatorService

/// Rendering, escaping, forms, sessions and CSRF of the dashboard (the browser suite,
/// scripts/test-browser.sh, drives the same pages in Chromium).
@Suite struct DashboardUnitTests {
    @Test func escapingCoversTextAndAttributeContexts() {
        #expect(
            HTML.escape(#"<a href="x" onclick='y'>&</a>"#)
                == "&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;&lt;/a&gt;")
        #expect(HTML.escape("plain text, ünïcode ✓") == "plain text, ünïcode ✓")
        var h = HTML()
        let payload = #""><script>alert(1)</script><img src=x onerror='a()'>"#
        h.element("td", ["title": payload, "data-x": payload], payload)
        #expect(!h.output.contains("<script"))
        #expect(!h.output.contains("<img"))
        #expect(!h.output.contains("'"))
        // the only double quotes are the attribute delimiters we wrote: 2 attributes × 2
        #expect(h.output.filter { $0 == "\"" }.count == 4)
    }

    @Test func linksPercentEncodeQueryValues() {
        #expect(
            HTML.url("/ui/attacks", query: [("client", "a&b=<c>"), ("class", nil), ("x", "")])
                == "/ui/attacks?client=a%26b%3D%3Cc%3E")
        var h = HTML()
        h.link("/ui/attacks", query: [("client", #"" onmouseover="x"#)], "c")
        #expect(h.output == #"<a href="/ui/attacks?client=%22%20onmouseover%3D%22x">c</a>"#)
    }

    @Test func formsDecodePlusPercentAndBadEscapes() {
        let form = Form(encoded: "a=1+2&b=%3Cx%3E&c=%zz&d&a=second&e=%E2%9C%93")
        #expect(form["a"] == "1 2")
        #expect(form["b"] == "<x>")
        #expect(form["c"] == "%zz")
        #expect(form["d"] == "")
        #expect(form["e"] == "✓")
        #expect(form["missing"] == nil)
    }

    @Test func sessionsExpireWhenIdleOrOld() {
        let sessions = DashboardSessions(limits: .init(idleMs: 1_000, maxAgeMs: 5_000))
        let s = sessions.create(role: .full, now: 0)
        #expect(s.id.count == 64 && s.csrf.count == 64 && s.id != s.csrf)
        #expect(sessions.find(s.id, now: 900)?.role == .full)
        #expect(sessions.find(s.id, now: 1_800) != nil)  // 900 ms idle: still live
        #expect(sessions.find(s.id, now: 2_900) == nil)  // 1,100 ms idle
        let t = sessions.create(role: .readOnly, now: 10_000)
        for now in stride(from: Int64(10_500), through: 14_500, by: 500) {
            #expect(sessions.find(t.id, now: now) != nil)
        }
        #expect(sessions.find(t.id, now: 15_000) == nil)  // 5 s after login, however busy
        #expect(sessions.find("nope", now: 15_000) == nil)
    }

    @Test func sessionsAreBoundedAndRemovable() {
        var limits = DashboardSessions.Limits(idleMs: 60_000, maxAgeMs: 60_000)
        limits.capacity = 3
        let sessions = DashboardSessions(limits: limits)
        let first = sessions.create(role: .full, now: 0)
        let ids = (1...3).map { sessions.create(role: .full, now: Int64($0)).id }
        #expect(sessions.count == 3)
        #expect(sessions.find(first.id, now: 10) == nil)  // least recently seen, dropped
        sessions.remove(ids[0])
        #expect(sessions.find(ids[0], now: 10) == nil)
        #expect(sessions.find(ids[1], now: 10) != nil)
    }

    @Test func tokensGrantRoles() {
        #expect(DashboardSessions.role(of: "op", tokens: ["op"], readTokens: ["ro"]) == .full)
        #expect(DashboardSessions.role(of: "ro", tokens: ["op"], readTokens: ["ro"]) == .readOnly)
        #expect(DashboardSessions.role(of: "same", tokens: ["same"], readTokens: ["same"]) == .full)
        #expect(DashboardSessions.role(of: "o", tokens: ["op"], readTokens: ["ro"]) == nil)
        #expect(DashboardSessions.role(of: "", tokens: [""], readTokens: [""]) == nil)
        #expect(DashboardSessions.constantTimeEquals(Array("abc".utf8), Array("abc".utf8)))
        #expect(!DashboardSessions.constantTimeEquals(Array("abc".utf8), Array("abcd".utf8)))
    }

    @Test func failedLoginsAreLimited() {
        var limits = DashboardSessions.Limits(idleMs: 1_000, maxAgeMs: 1_000)
        limits.maxFailures = 2
        limits.failureWindowMs = 1_000
        let sessions = DashboardSessions(limits: limits)
        #expect(sessions.loginAllowed(now: 0))
        sessions.recordFailure(now: 0)
        sessions.recordFailure(now: 10)
        #expect(!sessions.loginAllowed(now: 500))
        #expect(sessions.loginAllowed(now: 1_001))
    }

    @Test func lineChartsDrawTheirPoints() {
        var h = HTML()
        let points = (0..<5).map { SVGChart.Point(t: Int64($0) * 1_000, value: Double($0 * 3)) }
        SVGChart.line(points, from: 0, to: 4_000, label: "x", unit: "u", id: "c", into: &h)
        #expect(h.output.contains(#"data-points="5""#))
        #expect(h.output.contains(#"data-max="20""#))
        let polyline = h.output.components(separatedBy: #"<polyline class="series" points=""#).last?.prefix {
            $0 != "\""
        }
        #expect(polyline?.split(separator: " ").count == 5)
        #expect(!h.output.contains("no data"))
        var empty = HTML()
        SVGChart.line([], from: 0, to: 1_000, label: "x", unit: "u", id: "c", into: &empty)
        #expect(empty.output.contains("no data in this range") && empty.output.contains(#"data-points="0""#))
        #expect(!empty.output.contains("<polyline"))
    }

    @Test func barChartsEscapeLabels() {
        var h = HTML()
        SVGChart.bars([("<b>xss</b>", 4), ("sqli", 2)], id: "b", into: &h)
        #expect(h.output.contains(#"data-bars="2""#))
        #expect(h.output.contains("&lt;b&gt;xss&lt;/b&gt;"))
        #expect(h.output.components(separatedBy: "<rect").count == 3)
    }

    @Test func numbersAndTimesFormat() {
        #expect(SVGChart.niceCeiling(0) == 1)
        #expect(SVGChart.niceCeiling(7) == 10)
        #expect(SVGChart.niceCeiling(120) == 200)
        #expect(SVGChart.niceCeiling(400) == 500)
        #expect(SVGChart.format(2.0) == "2" && SVGChart.format(2.25) == "2.3" && SVGChart.format(.nan) == "0")
        #expect(DashboardFormat.time(0) == "1970-01-01 00:00:00Z")
        #expect(DashboardFormat.time(1_763_700_000_123) == "2025-11-21 04:40:00Z")
        #expect(DashboardFormat.time(951_782_400_000) == "2000-02-29 00:00:00Z")
        #expect(DashboardFormat.duration(90_000) == "90 s" && DashboardFormat.duration(7_200_000) == "2 h")
    }

    @Test func historyTurnsSamplesIntoRatesAndNoticesEndedDecisions() {
        let history = DashboardHistory(sampleCapacity: 3)
        let version = DecisionVersion(epoch: "e", counter: 1)
        let d = Decision(
            scope: .ip, value: "192.0.2.1", action: .block, reason: "r", sourceRule: "manual", createdAt: 0,
            expiresAt: 5_000, version: version)
        history.record(.init(at: 0, verdicts: 0, observations: 0), decisions: [d])
        history.record(.init(at: 2_000, verdicts: 100, observations: 0), decisions: nil)
        history.record(.init(at: 4_000, verdicts: 100, observations: 0), decisions: [d])
        history.record(.init(at: 6_000, verdicts: 130, observations: 0), decisions: [])
        #expect(history.samples.count == 3)
        #expect(history.requestRates(from: 0).map(\.rate) == [0, 15])
        #expect(history.lastVerdictAt == 6_000)
        #expect(history.ended.map(\.how) == ["expired"])
    }
}

/// The dashboard served by an assembled aggregator (router test client).
@Suite(.timeLimit(.minutes(1))) struct DashboardRouteTests {
    static let readToken = "read-only-token"

    final class TestClock: Sendable {
        let now = Mutex(nowMs)
        func advance(_ ms: Int64) { now.withLock { $0 += ms } }
        var read: MillisClock { { self.now.withLock { $0 } } }
    }

    func withDashboard(
        probe: PipelineProbe? = nil,
        _ body: @Sendable (AggregatorCore, any TestClientProtocol, TestClock) async throws -> Void
    ) async throws {
        let dir = TempDirectory()
        var config = testConfiguration(database: dir.database)
        config.dashboard.readTokens = [Self.readToken]
        let clock = TestClock()
        let aggregator = try buildAggregator(
            configuration: config, transport: try await inProcessTransport(), logger: quietLogger(),
            policy: try blockingPolicy(), clock: clock.read, pipelineProbe: probe)
        let core = aggregator.core
        try await aggregator.application(logger: quietLogger()).test(.router) { client in
            try await body(core, client, clock)
        }
    }

    struct Login {
        var cookie: String
        var csrf: String
    }

    /// Logs in like a browser: the form's nonce and cookie, then the token. Nil when refused.
    func login(_ client: any TestClientProtocol, token: String) async throws -> Login? {
        let form = try await client.executeRequest(uri: "/ui/login", method: .get, headers: [:], body: nil)
        let nonce = try #require(Self.capture(#"name="nonce" value="([0-9a-f]+)""#, in: String(buffer: form.body)))
        let nonceCookie = try #require(form.headers[values: .setCookie].first { $0.hasPrefix("palisade_login=") })
        let response = try await client.executeRequest(
            uri: "/ui/login", method: .post,
            headers: [
                .contentType: "application/x-www-form-urlencoded", .cookie: String(nonceCookie.prefix { $0 != ";" }),
            ],
            body: ByteBuffer(string: "nonce=\(nonce)&token=\(HTML.percentEncoded(token))"))
        guard response.status == .seeOther,
            let set = response.headers[values: .setCookie].first(where: { $0.hasPrefix("palisade_session=") })
        else { return nil }
        #expect(set.contains("HttpOnly") && set.contains("SameSite=Strict") && set.contains("Path=/ui"))
        #expect(!set.contains("Secure"))  // no TLS in this test
        let cookie = String(set.prefix { $0 != ";" })
        let page = try await client.executeRequest(
            uri: "/ui/decisions", method: .get, headers: [.cookie: cookie], body: nil)
        let csrf = try #require(Self.capture(#"name="csrf" value="([0-9a-f]+)""#, in: String(buffer: page.body)))
        return Login(cookie: cookie, csrf: csrf)
    }

    static func capture(_ pattern: String, in text: String) -> String? {
        guard let regex = try? NSRegularExpression(pattern: pattern),
            let match = regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)),
            let range = Range(match.range(at: 1), in: text)
        else { return nil }
        return String(text[range])
    }

    func post(
        _ client: any TestClientProtocol, _ uri: String, _ login: Login, _ body: String
    ) async throws -> TestResponse {
        try await client.executeRequest(
            uri: uri, method: .post,
            headers: [.contentType: "application/x-www-form-urlencoded", .cookie: login.cookie],
            body: ByteBuffer(string: body))
    }

    @Test func pipelineHealthShowsWhatAProbeKnowsAndOnlySaysUnknownOtherwise() async throws {
        let probe: PipelineProbe = {
            PipelineReport(
                mirror: .init(state: .bad, label: "not ready", detail: "buffer full <b>"),
                workers: .init(state: .bad, label: "0 of 2 ready", detail: "0 of 2 worker(s) consuming"),
                consumerLag: .init(state: .warn, label: "12345", detail: "not consumed yet"))
        }
        for probe in [probe, nil] {
            try await withDashboard(probe: probe) { _, client, _ in
                let session = try #require(try await login(client, token: testToken))
                let page = try await client.executeRequest(
                    uri: "/ui/", method: .get, headers: [.cookie: session.cookie], body: nil)
                let text = String(buffer: page.body)
                let pipeline = try #require(text.range(of: #"id="pipeline""#).map { String(text[$0.lowerBound...]) })
                if probe != nil {
                    #expect(pipeline.contains(#"<span class="badge bad">not ready</span>"#))
                    #expect(pipeline.contains("buffer full &lt;b&gt;"))
                    #expect(pipeline.contains(#"<span class="badge bad">0 of 2 ready</span>"#))
                    #expect(pipeline.contains(#"<span class="badge warn">12345</span>"#))
                    #expect(!pipeline.contains("badge unknown\">unknown"))
                } else {
                    #expect(pipeline.contains("The aggregator has no direct view of mirrors"))
                    #expect(pipeline.contains("Not measured by the aggregator"))
                }
            }
        }
    }

    @Test func pagesNeedASessionAndTheAPIStillNeedsItsToken() async throws {
        try await withDashboard { _, client, _ in
            for path in [
                "/ui", "/ui/", "/ui/attacks", "/ui/attacks/1", "/ui/inventory", "/ui/decisions", "/ui/openapi.json",
            ] {
                let response = try await client.executeRequest(uri: path, method: .get, headers: [:], body: nil)
                #expect(response.status == .seeOther, "\(path)")
                #expect(response.headers[.location] == "/ui/login")
            }
            let forged = try await client.executeRequest(
                uri: "/ui/decisions", method: .post, headers: [.cookie: "palisade_session=guess"],
                body: ByteBuffer(string: "scope=ip&value=192.0.2.1"))
            #expect(forged.status == .forbidden)
            let api = try await client.executeRequest(uri: "/v1/status", method: .get, headers: [:], body: nil)
            #expect(api.status == .unauthorized)
            for sneaky in ["/ui/../v1/status", "/ui/%2e%2e/v1/status", "/ui//v1/status", "/ui/./../v1/audit"] {
                let response = try await client.executeRequest(uri: sneaky, method: .get, headers: [:], body: nil)
                #expect(response.status != .ok, "\(sneaky) reached the API without a token")
            }
            let asset = try await client.executeRequest(uri: "/ui/static/app.js", method: .get, headers: [:], body: nil)
            #expect(asset.status == .ok)
            #expect(asset.headers[.contentType]?.hasPrefix("text/javascript") == true)
            let again = try await client.executeRequest(
                uri: "/ui/static/app.js", method: .get, headers: [.ifNoneMatch: asset.headers[.eTag] ?? ""], body: nil)
            #expect(again.status == .notModified)
        }
    }

    @Test func cookiesAreSecureBehindTLS() async throws {
        let dir = TempDirectory()
        var config = testConfiguration(database: dir.database)
        config.listener.tlsCertificatePath = "/etc/palisade/cert.pem"  // not read: no server is started
        config.listener.tlsKeyPath = "/etc/palisade/key.pem"
        let aggregator = try buildAggregator(
            configuration: config, transport: try await inProcessTransport(), logger: quietLogger())
        let dashboard = Dashboard(core: aggregator.core, configuration: config, clock: { nowMs })
        #expect(
            dashboard.cookie("palisade_session", "abc", path: "/ui", maxAge: 60)
                == "palisade_session=abc; Path=/ui; Max-Age=60; HttpOnly; SameSite=Strict; Secure")
    }

    @Test func loginChecksTheTokenAndTheFormNonce() async throws {
        try await withDashboard { _, client, _ in
            #expect(try await login(client, token: "wrong") == nil)
            let noNonce = try await client.executeRequest(
                uri: "/ui/login", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                body: ByteBuffer(string: "token=\(testToken)"))
            #expect(noNonce.status == .forbidden)
            #expect(noNonce.headers[values: .setCookie].allSatisfy { !$0.hasPrefix("palisade_session=") })
            let session = try #require(try await login(client, token: testToken))
            let page = try await client.executeRequest(
                uri: "/ui/", method: .get, headers: [.cookie: session.cookie], body: nil)
            #expect(page.status == .ok)
            let csp = try #require(page.headers[.contentSecurityPolicy])
            for directive in ["script-src 'self'", "object-src 'none'", "frame-ancestors 'none'", "base-uri 'none'"] {
                #expect(csp.contains(directive))
            }
            #expect(!csp.contains("unsafe-inline"))
            #expect(page.headers[.xContentTypeOptions] == "nosniff")
            #expect(page.headers[.init("Referrer-Policy")!] == "no-referrer")
            let text = String(buffer: page.body)
            #expect(text.contains(#"id="chart-requests""#) && text.contains(#"id="pipeline""#))
            #expect(!text.contains("<script>"))  // only <script src=…>
        }
    }

    @Test func formsNeedTheSessionsCSRFToken() async throws {
        try await withDashboard { core, client, _ in
            let session = try #require(try await login(client, token: testToken))
            let missing = try await post(client, "/ui/decisions", session, "scope=ip&value=192.0.2.7&action=block")
            #expect(missing.status == .forbidden)
            let wrong = try await post(
                client, "/ui/decisions", session, "csrf=\(String(repeating: "0", count: 64))&scope=ip&value=192.0.2.7")
            #expect(wrong.status == .forbidden)
            let other = try #require(try await login(client, token: testToken))
            let crossed = try await post(
                client, "/ui/decisions", session, "csrf=\(other.csrf)&scope=ip&value=192.0.2.7")
            #expect(crossed.status == .forbidden)
            #expect(await core.decisions.isEmpty)
        }
    }

    @Test func operatorsAddAndLiftWithAudit() async throws {
        try await withDashboard { core, client, _ in
            let session = try #require(try await login(client, token: testToken))
            let added = try await post(
                client, "/ui/decisions", session,
                "csrf=\(session.csrf)&scope=ip&value=192.0.2.7&action=block&ttl_secs=600&reason=%3Cb%3Enasty%3C%2Fb%3E")
            #expect(added.status == .seeOther)
            let decision = try #require(await core.decisions.first)
            #expect(decision.value == "192.0.2.7" && decision.action == .block && decision.reason == "<b>nasty</b>")
            let page = String(
                buffer: try await client.executeRequest(
                    uri: "/ui/decisions?notice=added", method: .get, headers: [.cookie: session.cookie], body: nil
                ).body)
            #expect(page.contains("&lt;b&gt;nasty&lt;/b&gt;") && !page.contains("<b>nasty"))
            #expect(page.contains("Decision added."))
            let invalid = try await post(
                client, "/ui/decisions", session, "csrf=\(session.csrf)&scope=ip&value=not-an-ip")
            #expect(invalid.status == .badRequest)
            let lifted = try await post(
                client, "/ui/decisions/lift", session, "csrf=\(session.csrf)&scope=ip&value=192.0.2.7")
            #expect(lifted.status == .seeOther)
            #expect(await core.decisions.isEmpty)
            let audit = try core.database.auditRows(limit: 10)
            #expect(audit.map(\.operation) == ["lift", "add"])
            #expect(audit.allSatisfy { $0.actor == "dashboard" })
        }
    }

    @Test func readOnlySessionsCannotChangeDecisions() async throws {
        try await withDashboard { core, client, _ in
            let viewer = try #require(try await login(client, token: Self.readToken))
            let page = String(
                buffer: try await client.executeRequest(
                    uri: "/ui/decisions", method: .get, headers: [.cookie: viewer.cookie], body: nil
                ).body)
            #expect(page.contains("read-only") && !page.contains(#"id="add-decision""#))
            let add = try await post(client, "/ui/decisions", viewer, "csrf=\(viewer.csrf)&scope=ip&value=192.0.2.8")
            #expect(add.status == .forbidden)
            #expect(await core.decisions.isEmpty)
            _ = try await core.addDecision(
                scope: .ip, value: "192.0.2.9", action: .block, ttlSecs: 60, reason: "t", actor: "test", now: nowMs)
            let lift = try await post(
                client, "/ui/decisions/lift", viewer, "csrf=\(viewer.csrf)&scope=ip&value=192.0.2.9")
            #expect(lift.status == .forbidden)
            #expect(await core.decisions.count == 1)
        }
    }

    @Test func sessionsEndAtLogoutAndWhenIdle() async throws {
        try await withDashboard { _, client, clock in
            let session = try #require(try await login(client, token: testToken))
            clock.advance(1_799_000)
            let live = try await client.executeRequest(
                uri: "/ui/", method: .get, headers: [.cookie: session.cookie], body: nil)
            #expect(live.status == .ok)
            clock.advance(1_800_001)
            let idle = try await client.executeRequest(
                uri: "/ui/", method: .get, headers: [.cookie: session.cookie], body: nil)
            #expect(idle.status == .seeOther)
            let other = try #require(try await login(client, token: testToken))
            let out = try await post(client, "/ui/logout", other, "csrf=\(other.csrf)")
            #expect(out.status == .seeOther)
            #expect(
                out.headers[values: .setCookie].contains {
                    $0.hasPrefix("palisade_session=;") && $0.contains("Max-Age=0")
                })
            let after = try await client.executeRequest(
                uri: "/ui/", method: .get, headers: [.cookie: other.cookie], body: nil)
            #expect(after.status == .seeOther)
        }
    }

    @Test func attackerTextIsShownEscapedOnEveryPage() async throws {
        try await withDashboard { core, client, _ in
            let payload = #"<script>window.__xss=1</script>"#
            let client0 = #"203.0.113.5"><img src=x onerror=alert(1)>"#
            var record = verdict(id: "x1", client: client0, template: "/v1/<svg onload=alert(2)>", attackClass: .xss)
            record.verdict.hits = [
                Hit(
                    attackClass: .xss, point: 1, location: "body.json.data>base64>xml", confidence: 0.97,
                    evidence: payload, rule: "xss.script_tag")
            ]
            try await core.absorb([record])
            let session = try #require(try await login(client, token: testToken))
            let list = try await client.executeRequest(
                uri: "/ui/attacks", method: .get, headers: [.cookie: session.cookie], body: nil)
            let id = try #require(Self.capture(#"href="/ui/attacks/(\d+)""#, in: String(buffer: list.body)))
            for path in [
                "/ui/", "/ui/attacks", "/ui/attacks/\(id)", "/ui/attacks?client=\(HTML.percentEncoded(client0))",
                "/ui/decisions",
            ] {
                let response = try await client.executeRequest(
                    uri: path, method: .get, headers: [.cookie: session.cookie], body: nil)
                #expect(response.status == .ok, "\(path)")
                let text = String(buffer: response.body)
                #expect(!text.contains("<script>window"), "\(path)")
                #expect(!text.contains("<img src=x"), "\(path)")
                #expect(!text.contains("<svg onload"), "\(path)")
            }
            let detail = String(
                buffer: try await client.executeRequest(
                    uri: "/ui/attacks/\(id)", method: .get, headers: [.cookie: session.cookie], body: nil
                ).body)
            #expect(detail.contains("&lt;script&gt;window.__xss=1&lt;/script&gt;"))
            #expect(detail.contains("<code>body.json.data</code><span class=\"sep\">›</span><code>base64</code>"))
        }
    }
}
