import Hummingbird
import PalisadePolicy

/// Decisions: the active set (reason, rule, expiry), decisions that ended recently, the operators'
/// audit trail, add and lift (through ``AggregatorCore``, as the API: same validation, audit and
/// publication; only operator sessions), and the policy's modes.
extension Dashboard {
    /// What a form POST did, for the page shown after it.
    enum Outcome {
        case error(String)
    }

    static let notices = ["added": "Decision added.", "lifted": "Decision lifted."]

    func decisions(_ session: DashboardSession, notice: String?, outcome: Outcome?) async throws -> Response {
        let now = clock()
        let active = await core.decisions.sorted { $0.createdAt > $1.createdAt }
        let policy = await core.policy
        let audit = try core.database.auditRows(limit: 50)
        let ended = history.ended.prefix(50)

        var h = HTML()
        h.raw("<h1>Decisions</h1>")
        if let notice = notice.flatMap({ Self.notices[$0] }) {
            h.element("p", ["class": "notice", "id": "notice"], notice)
        }
        if case .error(let message)? = outcome { h.element("p", ["class": "error", "id": "form-error"], message) }

        h.raw("<section class=\"card\"><h2>Active</h2>")
        h.element(
            "p", ["class": "muted"],
            "\(active.count) decisions; the gateways enforce them within about a second (long-poll).")
        h.raw(
            "<table id=\"active-decisions\"><thead><tr><th>scope</th><th>value</th><th>action</th><th>reason</th><th>rule</th><th>since</th><th>expires</th><th></th></tr></thead><tbody>"
        )
        for d in active {
            h.open("tr", ["data-key": d.key])
            h.raw("<td>")
            h.text(d.scope.rawValue)
            h.raw("</td><td class=\"mono\">")
            h.text(d.value)
            h.raw("</td><td>")
            Self.actionBadge(d.action, into: &h)
            h.raw("</td><td>")
            h.text(d.reason)
            h.raw("</td><td class=\"mono\">")
            h.text(d.sourceRule)
            h.raw("</td><td>")
            h.text(DashboardFormat.ago(d.createdAt, now: now))
            h.raw("</td><td>")
            h.text(DashboardFormat.time(d.expiresAt) + " (" + DashboardFormat.ago(d.expiresAt, now: now) + ")")
            h.raw("</td><td>")
            if session.role.canChange {
                h.open("form", ["method": "post", "action": "/ui/decisions/lift", "class": "lift"])
                Layout.csrfField(session, into: &h)
                h.open("input", ["type": "hidden", "name": "scope", "value": d.scope.rawValue])
                h.open("input", ["type": "hidden", "name": "value", "value": d.value])
                h.raw("<button type=\"submit\" class=\"secondary\">Lift</button></form>")
            }
            h.raw("</td></tr>")
        }
        if active.isEmpty { h.raw("<tr><td colspan=\"8\" class=\"muted\">no active decisions</td></tr>") }
        h.raw("</tbody></table></section>")

        h.raw("<section class=\"card\"><h2>Add a decision</h2>")
        if session.role.canChange {
            h.open("form", ["method": "post", "action": "/ui/decisions", "class": "stack", "id": "add-decision"])
            Layout.csrfField(session, into: &h)
            h.raw("<label>Scope<select name=\"scope\" id=\"add-scope\">")
            for scope in DecisionScope.allCases { h.element("option", ["value": scope.rawValue], scope.rawValue) }
            h.raw(
                "</select></label><label>Value<input name=\"value\" id=\"add-value\" required maxlength=\"512\" placeholder=\"203.0.113.7 or name:value for header\"></label>"
            )
            h.raw("<label>Action<select name=\"action\" id=\"add-action\">")
            for action in [DecisionAction.block, .throttle, .monitor] {
                h.element("option", ["value": action.rawValue], action.rawValue)
            }
            h.raw(
                "</select></label><label>TTL (seconds)<input type=\"number\" name=\"ttl_secs\" id=\"add-ttl\" value=\"3600\" min=\"1\"></label>"
            )
            h.raw(
                "<label>Reason<input name=\"reason\" id=\"add-reason\" maxlength=\"240\" placeholder=\"why\"></label>")
            h.raw("<button type=\"submit\" id=\"add-submit\">Add</button></form>")
        } else {
            h.raw(
                "<p class=\"muted\" id=\"read-only-note\">This session is read-only (logged in with a read token): it can view decisions but not add or lift them.</p>"
            )
        }
        h.raw("</section>")

        h.raw(
            "<div class=\"grid\"><section class=\"card\"><h2>Recently ended</h2><table id=\"ended-decisions\"><thead><tr><th>when</th><th>how</th><th>scope</th><th>value</th><th>action</th><th>reason</th><th>rule</th></tr></thead><tbody>"
        )
        for e in ended {
            h.raw("<tr><td>")
            h.text(DashboardFormat.ago(e.endedAt, now: now))
            h.raw("</td><td>")
            h.text(e.how)
            h.raw("</td><td>")
            h.text(e.decision.scope.rawValue)
            h.raw("</td><td class=\"mono\">")
            h.text(e.decision.value)
            h.raw("</td><td>")
            Self.actionBadge(e.decision.action, into: &h)
            h.raw("</td><td>")
            h.text(e.decision.reason)
            h.raw("</td><td class=\"mono\">")
            h.text(e.decision.sourceRule)
            h.raw("</td></tr>")
        }
        if ended.isEmpty { h.raw("<tr><td colspan=\"7\" class=\"muted\">none since the aggregator started</td></tr>") }
        h.raw(
            "</tbody></table><p class=\"muted\">Seen by the dashboard since the aggregator started (memory only).</p></section>"
        )

        h.raw(
            "<section class=\"card\"><h2>Audit trail (operators)</h2><table id=\"audit\"><thead><tr><th>when</th><th>who</th><th>what</th><th>scope</th><th>value</th><th>reason</th></tr></thead><tbody>"
        )
        for a in audit {
            h.row(
                [
                    DashboardFormat.time(a.at), a.actor,
                    a.operation + (a.action.map { " " + $0 } ?? ""),
                    a.scope, a.value, a.reason,
                ], mono: [4])
        }
        if audit.isEmpty { h.raw("<tr><td colspan=\"6\" class=\"muted\">no operator actions yet</td></tr>") }
        h.raw("</tbody></table></section></div>")

        h.raw("<section class=\"card\"><h2>Policy</h2>")
        policyRoutes(policy, into: &h)
        h.raw("</section>")
        let status: HTTPResponse.Status
        if case .error? = outcome { status = .badRequest } else { status = .ok }
        return Self.html(
            Layout.page(
                title: "Decisions", active: .decisions, session: session, refreshSecs: config.dashboard.refreshSecs * 3,
                content: h), status: status)
    }

    /// The global mode and the per-route modes, first match first.
    func policyRoutes(_ policy: Policy, into h: inout HTML) {
        h.raw("<p id=\"policy-mode\">Global mode: ")
        h.element("b", policy.mode.rawValue)
        h.text(
            " · \(policy.rules.count) rules · allowlist: \(policy.allowlist.networks.count) addresses or networks, \(policy.allowlist.apiKeys.count + policy.allowlist.jwtSubs.count + policy.allowlist.headers.count) other identities."
        )
        h.raw(
            "</p><table id=\"route-modes\"><thead><tr><th>host</th><th>method</th><th>template</th><th>mode</th></tr></thead><tbody>"
        )
        for route in policy.routes {
            h.row(
                [route.host ?? "any", route.method ?? "any", route.template ?? "any", route.mode.rawValue], mono: [2])
        }
        if policy.routes.isEmpty {
            h.raw(
                "<tr><td colspan=\"4\" class=\"muted\">no per-route modes: every route uses the global mode</td></tr>")
        }
        h.raw("</tbody></table>")
    }

    /// Adds a decision like `POST /v1/decisions` (actor `dashboard`).
    func addDecision(_ session: DashboardSession, _ form: Form) async throws -> Response {
        guard session.role.canChange else { return readOnly(session) }
        guard let scope = form["scope"].flatMap(DecisionScope.init(rawValue:)) else {
            return try await decisionError(session, "scope must be one of ip, cidr, api_key, jwt_sub, header")
        }
        guard let value = form["value"]?.dashboardTrimmed, !value.isEmpty else {
            return try await decisionError(session, "a value is required")
        }
        guard let action = DecisionAction(rawValue: form["action"] ?? "block") else {
            return try await decisionError(session, "action must be one of block, throttle, monitor")
        }
        guard let ttl = Int(form["ttl_secs"] ?? "3600") else {
            return try await decisionError(session, "ttl_secs must be an integer")
        }
        let reason =
            form["reason"].flatMap { $0.isEmpty ? nil : String($0.prefix(240)) } ?? "manual decision (dashboard)"
        do {
            _ = try await core.addDecision(
                scope: scope, value: value, action: action, ttlSecs: ttl, reason: reason, actor: "dashboard",
                now: clock())
        } catch let error as DecisionStoreError {
            return try await decisionError(session, error.reason)
        }
        return Self.redirect("/ui/decisions?notice=added")
    }

    /// Lifts a decision like `DELETE /v1/decisions/{scope}/{value}` (actor `dashboard`).
    func liftDecision(_ session: DashboardSession, _ form: Form) async throws -> Response {
        guard session.role.canChange else { return readOnly(session) }
        guard let scope = form["scope"].flatMap(DecisionScope.init(rawValue:)), let value = form["value"],
            !value.isEmpty
        else {
            return try await decisionError(session, "scope and value are required")
        }
        do {
            _ = try await core.liftDecision(
                scope: scope, value: value, actor: "dashboard", reason: "lifted in the dashboard", now: clock())
        } catch let error as DecisionStoreError {
            return try await decisionError(session, error.reason)
        }
        return Self.redirect("/ui/decisions?notice=lifted")
    }

    func readOnly(_ session: DashboardSession) -> Response {
        errorPage(
            session, status: .forbidden,
            message: "This session is read-only: log in with an API token to add or lift decisions.")
    }

    func decisionError(_ session: DashboardSession, _ message: String) async throws -> Response {
        try await decisions(session, notice: nil, outcome: .error(message))
    }
}

extension String {
    fileprivate var dashboardTrimmed: String {
        String(drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed())
    }
}
