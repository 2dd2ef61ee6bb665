import Foundation
import Hummingbird
import PalisadeCore
import PalisadeDetect
import PalisadePolicy

/// Attacks: a filterable, paginated list (the API's filters and cursor) and a detail view per
/// stored attack.
extension Dashboard {
    static let pageSize = 50

    func attacks(_ request: Request, _ session: DashboardSession) async throws -> Response {
        // the API's filters (class, client, host, method, endpoint, kind, from, to, cursor)
        var filter = try AggregatorRoutes(core: core, config: config, clock: clock).attackFilter(request)
        let query = Query(request: request)
        let range = try query.string("range", maxBytes: 8)
        let now = clock()
        if let range, let span = Self.ranges.first(where: { $0.name == range }) { filter.from = now - span.spanMs }
        filter.limit = Self.pageSize
        let page = try core.database.attacks(filter)
        let total = try core.database.attackCount(filter)
        let filterQuery: [(String, String?)] = [
            ("class", filter.attackClass), ("client", filter.client), ("host", filter.host), ("method", filter.method),
            ("endpoint", filter.template), ("kind", filter.kind?.rawValue), ("range", range),
        ]

        var h = HTML()
        h.raw(
            "<h1>Attacks</h1><section class=\"card\"><form class=\"filters\" method=\"get\" action=\"/ui/attacks\" id=\"attack-filters\">"
        )
        h.raw(
            "<label>Class<select name=\"class\" id=\"filter-class\" data-autosubmit=\"1\"><option value=\"\">any</option>"
        )
        for c in AttackClass.allCases.map(\.rawValue).sorted() {
            option(c, selected: filter.attackClass, into: &h)
        }
        h.raw(
            "</select></label><label>Kind<select name=\"kind\" id=\"filter-kind\" data-autosubmit=\"1\"><option value=\"\">any</option>"
        )
        for k in ["verdict", "finding"] { option(k, selected: filter.kind?.rawValue, into: &h) }
        h.raw(
            "</select></label><label>Time<select name=\"range\" id=\"filter-range\" data-autosubmit=\"1\"><option value=\"\">all stored</option>"
        )
        for r in Self.ranges.map(\.name) { option(r, selected: range, into: &h) }
        h.raw("</select></label><label>Client")
        h.open(
            "input",
            ["name": "client", "id": "filter-client", "value": filter.client ?? "", "placeholder": "203.0.113.7"])
        h.raw("</label><label>Method")
        h.open("input", ["name": "method", "id": "filter-method", "value": filter.method ?? "", "size": "6"])
        h.raw("</label><label>Host")
        h.open("input", ["name": "host", "id": "filter-host", "value": filter.host ?? ""])
        h.raw("</label><label>Endpoint template")
        h.open(
            "input",
            [
                "name": "endpoint", "id": "filter-endpoint", "value": filter.template ?? "",
                "placeholder": "/v1/users/{id}",
            ])
        h.raw("</label><button type=\"submit\" id=\"filter-apply\">Filter</button>")
        h.link("/ui/attacks", "clear")
        h.raw("</form></section><section class=\"card\">")
        h.element(
            "p", ["id": "attack-count"],
            "\(total) matching stored attacks (one row per request and attack class, or per behaviour finding).")
        h.raw(
            "<table id=\"attacks\"><thead><tr><th>time</th><th>client</th><th>class</th><th class=\"num\">conf.</th><th class=\"num\">score</th><th>endpoint</th><th>where</th><th></th></tr></thead><tbody>"
        )
        for a in page.attacks {
            h.raw("<tr><td>")
            h.text(DashboardFormat.time(a.ts))
            h.raw("</td><td class=\"mono\">")
            h.link("/ui/attacks", query: [("client", a.client)], a.client)
            h.raw("</td><td>")
            h.link(
                "/ui/attacks", query: [("class", a.attackClass)], a.attackClass,
                class: a.kind == .finding ? "badge warn" : "badge bad")
            h.raw("</td><td class=\"num\">")
            h.text(SVGChart.format(a.confidence * 100) + "%")
            h.raw("</td><td class=\"num\">")
            h.text(SVGChart.format(a.score))
            h.raw("</td><td class=\"mono\">")
            h.text("\(a.method) \(a.host)\(a.template)")
            h.raw("</td><td>")
            let hits = AttackDetail(a).hits
            if let first = hits.first {
                Self.chain(first.location, into: &h)
            } else {
                h.text(AttackDetail(a).behaviour ?? "")
            }
            h.raw("</td><td>")
            h.link("/ui/attacks/\(a.id)", "details", class: "detail-link")
            h.raw("</td></tr>")
        }
        if page.attacks.isEmpty { h.raw("<tr><td colspan=\"8\" class=\"muted\">no stored attacks match</td></tr>") }
        h.raw("</tbody></table><div class=\"pager\">")
        if filter.before != nil { h.link("/ui/attacks", query: filterQuery, "← newest", class: "pager-first") }
        if let next = page.nextCursor {
            h.link("/ui/attacks", query: filterQuery + [("cursor", String(next))], "older →", class: "pager-next")
        }
        h.raw("</div></section>")
        return Self.html(
            Layout.page(
                title: "Attacks", active: .attacks, session: session, refreshSecs: config.dashboard.refreshSecs * 3,
                content: h))
    }

    /// The decision scope and value that stop a client key (`api_key:…`, `jwt_sub:…`, else an IP).
    static func decisionTarget(ofClient client: String) -> (scope: DecisionScope, value: String) {
        for scope in [DecisionScope.apiKey, .jwtSub, .ip] where client.hasPrefix(scope.rawValue + ":") {
            return (scope, String(client.dropFirst(scope.rawValue.count + 1)))
        }
        return (.ip, client)
    }

    func option(_ value: String, selected: String?, into h: inout HTML) {
        if value == selected {
            h.element("option", ["value": value, "selected": "selected"], value)
        } else {
            h.element("option", ["value": value], value)
        }
    }

    /// A location chain `body.json.data>base64>xml` as its steps.
    static func chain(_ location: String, into h: inout HTML) {
        h.open("span", ["class": "chain", "title": location])
        for (i, step) in location.split(separator: ">", omittingEmptySubsequences: false).enumerated() {
            if i > 0 { h.raw("<span class=\"sep\">›</span>") }
            h.element("code", String(step))
        }
        h.close("span")
    }

    func attackDetail(_ request: Request, _ session: DashboardSession, id text: String) async throws -> Response {
        guard let id = Int64(text), id > 0 else {
            throw APIError.badRequest("the attack id must be a positive integer")
        }
        guard let attack = try core.database.attack(id: id) else {
            throw APIError.notFound("no stored attack \(id) (it may have been trimmed by retention)")
        }
        let now = clock()
        let detail = AttackDetail(attack)
        let siblings = try core.database.attacks(requestID: attack.requestID).filter { $0.id != attack.id }
        let recent = await core.recentVerdict(attack.requestID)
        var historyFilter = AttackFilter()
        historyFilter.client = attack.client
        historyFilter.limit = 20
        let clientAttacks = try core.database.attacks(historyFilter).attacks
        let clientTotal = try core.database.attackCount(historyFilter)
        let incidents = try core.database.incidents(historyFilter, offset: 0)
        let target = Self.decisionTarget(ofClient: attack.client)
        let decisions = await core.decisions.filter { $0.scope == target.scope && $0.value == target.value }
        let mode = await core.policy.mode(
            for: .init(host: attack.host, method: attack.method, template: attack.template))

        var h = HTML()
        h.element("h1", "Attack \(attack.id): \(attack.attackClass)")
        h.raw("<div class=\"grid\"><section class=\"card\"><h2>Summary</h2><dl class=\"facts\" id=\"attack-summary\">")
        for (name, value) in [
            ("kind", attack.kind == .finding ? "behaviour finding" : "verdict hit"), ("class", attack.attackClass),
            ("time", DashboardFormat.time(attack.ts)), ("client", attack.client), ("request id", attack.requestID),
            ("confidence", SVGChart.format(attack.confidence * 100) + "%"),
            ("request score", SVGChart.format(attack.score)),
            ("policy mode of the route", mode.rawValue),
        ] {
            h.element("dt", name)
            h.element("dd", ["class": "mono"], value)
        }
        h.raw(
            "</dl></section><section class=\"card\"><h2>The request (masked)</h2><dl class=\"facts\" id=\"attack-request\">"
        )
        h.element("dt", "request")
        h.element("dd", ["class": "mono"], "\(attack.method) \(attack.host)\(attack.template)")
        h.element("dt", "response status")
        h.element("dd", attack.status.map(String.init) ?? "unknown")
        if let verdict = recent?.verdict {
            h.element("dt", "decode time")
            h.element("dd", SVGChart.format(verdict.decodeMs) + " ms")
            h.element("dt", "anomalies")
            h.open("dd")
            if verdict.anomalies.isEmpty { h.text("none") }
            for anomaly in verdict.anomalies {
                h.element("div", ["class": "mono"], "\(anomaly.code) at \(anomaly.location): \(anomaly.detail)")
            }
            h.close("dd")
        }
        h.raw(
            "</dl><p class=\"muted\">The aggregator never receives the raw request: it keeps what the worker reported — the endpoint's"
        )
        h.raw(
            " learned template (identifiers folded into parameters) and evidence excerpts in which the worker already masked secrets"
        )
        h.raw(" (authorization, cookies, password-like fields).</p></section></div>")

        h.raw("<section class=\"card\"><h2>Evidence</h2>")
        if detail.hits.isEmpty && detail.behaviour == nil {
            h.raw("<p class=\"muted\">no detail stored</p>")
        }
        if !detail.hits.isEmpty {
            h.raw(
                "<table id=\"hits\"><thead><tr><th>decoded location chain</th><th>rule</th><th class=\"num\">conf.</th><th>evidence</th></tr></thead><tbody>"
            )
            for hit in detail.hits {
                h.raw("<tr><td>")
                Self.chain(hit.location, into: &h)
                h.raw("</td><td class=\"mono\">")
                h.text(hit.rule)
                h.raw("</td><td class=\"num\">")
                h.text(SVGChart.format(hit.confidence * 100) + "%")
                h.raw("</td><td><code class=\"evidence\">")
                h.text(hit.evidence)
                h.raw("</code></td></tr>")
            }
            h.raw("</tbody></table>")
        }
        if let behaviour = detail.behaviour {
            h.raw("<dl class=\"facts\" id=\"finding\">")
            for (name, value) in [("behaviour", behaviour)] + detail.findingFacts {
                h.element("dt", name)
                h.element("dd", ["class": "mono"], value)
            }
            h.raw("</dl>")
        }
        if !siblings.isEmpty {
            h.raw("<p>Other classes in the same request: ")
            for s in siblings {
                h.link("/ui/attacks/\(s.id)", s.attackClass, class: "badge bad")
                h.raw(" ")
            }
            h.raw("</p>")
        }
        h.raw("</section>")

        h.raw("<section class=\"card\" id=\"client-history\"><h2>The client's history</h2>")
        h.element("p", "\(clientTotal) stored attacks from \(attack.client).")
        if !decisions.isEmpty {
            h.raw("<p>Active decisions: ")
            for d in decisions {
                Self.actionBadge(d.action, into: &h)
                h.text(" \(d.scope.rawValue) \(d.value), \(DashboardFormat.ago(d.expiresAt, now: now)) — \(d.reason) ")
            }
            h.raw("</p>")
        } else if session.role.canChange, !target.value.isEmpty {
            h.open("form", ["method": "post", "action": "/ui/decisions", "class": "stack", "id": "block-client"])
            Layout.csrfField(session, into: &h)
            h.open("input", ["type": "hidden", "name": "scope", "value": target.scope.rawValue])
            h.open("input", ["type": "hidden", "name": "value", "value": target.value])
            h.open("input", ["type": "hidden", "name": "action", "value": "block"])
            h.open("input", ["type": "hidden", "name": "ttl_secs", "value": "3600"])
            h.open(
                "input",
                ["type": "hidden", "name": "reason", "value": "dashboard: attack \(attack.id) (\(attack.attackClass))"])
            h.raw("<button type=\"submit\" class=\"danger\">Block this client for an hour</button></form>")
        }
        h.raw(
            "<table><thead><tr><th>class</th><th class=\"num\">attacks</th><th>first</th><th>last</th><th class=\"num\">endpoints</th></tr></thead><tbody>"
        )
        for i in incidents {
            h.raw("<tr><td>")
            h.link("/ui/attacks", query: [("client", attack.client), ("class", i.attackClass)], i.attackClass)
            h.raw("</td><td class=\"num\">")
            h.text(i.attacks)
            h.raw("</td><td>")
            h.text(DashboardFormat.time(i.firstSeen))
            h.raw("</td><td>")
            h.text(DashboardFormat.time(i.lastSeen))
            h.raw("</td><td class=\"num\">")
            h.text(i.endpoints)
            h.raw("</td></tr>")
        }
        h.raw("</tbody></table><h2>Latest</h2><table><tbody>")
        for a in clientAttacks {
            h.raw("<tr><td>")
            h.text(DashboardFormat.time(a.ts))
            h.raw("</td><td>")
            h.link("/ui/attacks/\(a.id)", a.attackClass)
            h.raw("</td><td class=\"mono\">")
            h.text("\(a.method) \(a.host)\(a.template)")
            h.raw("</td></tr>")
        }
        h.raw("</tbody></table>")
        h.link("/ui/attacks", query: [("client", attack.client)], "All attacks of this client →")
        h.raw("</section>")
        return Self.html(
            Layout.page(title: "Attack \(attack.id)", active: .attacks, session: session, refreshSecs: 0, content: h))
    }
}

/// The stored detail JSON of an attack, read back: verdict hits, or a behaviour finding's facts.
struct AttackDetail {
    struct HitRow: Equatable {
        var location: String
        var rule: String
        var confidence: Double
        var evidence: String
    }

    var hits: [HitRow] = []
    var behaviour: String?
    var findingFacts: [(String, String)] = []

    init(_ attack: StoredAttack) {
        guard let value = try? JSONReader(maxDepth: 8).parse(Array(attack.detail.utf8)) else { return }
        if case .array(let items) = value {
            for item in items {
                hits.append(
                    HitRow(
                        location: item["location"]?.stringValue ?? "", rule: item["rule"]?.stringValue ?? "",
                        confidence: item["confidence"].flatMap(Self.number) ?? 0,
                        evidence: item["evidence"]?.stringValue ?? ""))
            }
        } else if case .object = value {
            behaviour = value["behaviour"]?.stringValue
            for key in ["identity", "evidence", "events", "failures", "distinct", "window_secs"] {
                guard let field = value[key] else { continue }
                findingFacts.append(
                    (
                        key.replacingOccurrences(of: "_", with: " "),
                        field.stringValue ?? Self.number(field).map { SVGChart.format($0) } ?? ""
                    ))
            }
        }
    }

    static func number(_ value: JSONValue) -> Double? {
        if case .number(let digits) = value { return Double(digits) }
        return nil
    }
}
