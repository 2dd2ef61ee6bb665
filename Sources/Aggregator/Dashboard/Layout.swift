/// The frame around every dashboard page: head (own CSS and script only), navigation, the
/// session's role, the auto-refresh switch and the logout form.
enum Layout {
    enum Section: String {
        case overview, attacks, inventory, decisions
    }

    static func page(
        title: String, active: Section?, session: DashboardSession?, refreshSecs: Int, content: HTML
    ) -> String {
        var h = HTML()
        h.raw("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
        h.raw("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
        h.element("title", "Palisade — \(title)")
        h.raw("<link rel=\"stylesheet\" href=\"/ui/static/app.css\">")
        h.raw("<link rel=\"icon\" type=\"image/svg+xml\" href=\"/ui/static/favicon.svg\">")
        h.raw("<script src=\"/ui/static/app.js\" defer></script></head>")
        h.open("body", ["data-refresh": String(refreshSecs), "data-page": active?.rawValue ?? "other"])
        h.raw("<header><nav><a class=\"brand\" href=\"/ui/\">Palisade</a>")
        if session != nil {
            for (section, path, label) in [
                (Section.overview, "/ui/", "Overview"), (.attacks, "/ui/attacks", "Attacks"),
                (.inventory, "/ui/inventory", "API inventory"), (.decisions, "/ui/decisions", "Decisions"),
            ] {
                h.link(path, label, class: section == active ? "active" : "")
            }
        }
        h.raw("<span class=\"spacer\"></span>")
        if let session {
            if refreshSecs > 0 {
                h.raw("<label><input type=\"checkbox\" id=\"autorefresh\" checked> auto-refresh</label>")
            }
            h.element(
                "span", ["class": session.role.canChange ? "badge ok" : "badge warn", "id": "role"],
                session.role.canChange ? "operator" : "read-only")
            h.open("form", ["method": "post", "action": "/ui/logout"])
            csrfField(session, into: &h)
            h.raw("<button class=\"secondary\" type=\"submit\" id=\"logout\">Log out</button></form>")
        }
        h.raw("</nav></header><main>")
        var body = h.output
        body += content.output
        body += "</main></body></html>\n"
        return body
    }

    static func csrfField(_ session: DashboardSession, into h: inout HTML) {
        h.open("input", ["type": "hidden", "name": "csrf", "value": session.csrf])
    }
}

/// The login form: a token field and a one-time nonce (also in a cookie) so a login cannot be
/// forged from another site.
enum LoginPage {
    static func render(nonce: String, error: String?) -> String {
        var h = HTML()
        h.raw("<div class=\"card login\"><h1>Palisade dashboard</h1>")
        if let error { h.element("p", ["class": "error", "id": "login-error"], error) }
        h.raw("<form method=\"post\" action=\"/ui/login\" id=\"login\">")
        h.open("input", ["type": "hidden", "name": "nonce", "value": nonce])
        h.raw("<label for=\"token\">API token (aggregator.tokens) or read-only token (aggregator.read_tokens)</label>")
        h.raw(
            "<input type=\"password\" name=\"token\" id=\"token\" autocomplete=\"current-password\" required autofocus>"
        )
        h.raw("<button type=\"submit\">Log in</button></form></div>")
        return Layout.page(title: "Log in", active: nil, session: nil, refreshSecs: 0, content: h)
    }
}
