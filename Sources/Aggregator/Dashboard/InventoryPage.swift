import Foundation
import Hummingbird
import PalisadeDetect
import PalisadeLearn

/// API inventory: the discovered endpoints with their templates, parameters, types, sensitive data
/// and learning state, the policy mode per route, OpenAPI downloads and a spec comparison (shadow,
/// zombie and undocumented findings).
extension Dashboard {
    func inventory(_ session: DashboardSession, comparison: (SpecComparison, Int)?) async throws -> Response {
        let endpoints = await core.endpoints()
        let policy = await core.policy
        var builderConfig = BaselineConfig()
        builderConfig.minRequests = config.baselineMinRequests
        let builder = BaselineBuilder(config: builderConfig)
        let now = clock()
        let shown = endpoints.prefix(config.maxPageSize)

        var h = HTML()
        h.raw("<h1>API inventory</h1>")
        if let comparison { specFindings(comparison.0, windowHours: comparison.1, into: &h) }
        h.raw("<section class=\"card\"><form class=\"filters\"><label>Filter rows")
        h.raw(
            "<input type=\"search\" id=\"inventory-filter\" data-filter-table=\"endpoints\" data-filter-count=\"endpoint-shown\" placeholder=\"template, parameter, email…\">"
        )
        h.raw("</label><span>showing <span id=\"endpoint-shown\">")
        h.text(shown.count)
        h.raw("</span> of ")
        h.text(endpoints.count)
        h.raw(
            " endpoints</span><a href=\"/ui/openapi.json\" id=\"openapi-json\">OpenAPI (JSON)</a><a href=\"/ui/openapi.yaml\" id=\"openapi-yaml\">OpenAPI (YAML)</a></form></section>"
        )
        h.raw(
            "<section class=\"card\"><table id=\"endpoints\"><thead><tr><th>endpoint</th><th>learning</th><th>policy mode</th><th class=\"num\">requests</th><th>last seen</th><th>parameters (location · type · formats · sensitive)</th></tr></thead><tbody>"
        )
        for endpoint in shown {
            let baseline = builder.build(endpoint, now: now)
            let key = endpoint.key
            h.raw("<tr><td class=\"mono\">")
            h.text("\(key.method) \(key.host)\(key.template)")
            if endpoint.pinned { h.raw(" <span class=\"badge\">pinned</span>") }
            h.raw("</td><td>")
            if baseline.state == .enforcing {
                h.raw("<span class=\"badge ok\">enforcing</span>")
            } else {
                h.element(
                    "span", ["class": "badge warn"], "learning \(endpoint.stats.requests)/\(config.baselineMinRequests)"
                )
            }
            h.raw("</td><td>")
            h.text(policy.mode(for: .init(host: key.host, method: key.method, template: key.template)).rawValue)
            h.raw("</td><td class=\"num\">")
            h.text(endpoint.stats.requests)
            h.raw("</td><td>")
            h.text(endpoint.stats.requests > 0 ? DashboardFormat.ago(endpoint.stats.lastSeen, now: now) : "never")
            h.raw("</td><td><ul class=\"params\">")
            for p in baseline.parameters {
                h.raw("<li><code>")
                h.text(p.location)
                h.raw("</code> · ")
                h.text(p.type.rawValue)
                let formats = p.formats.prefix(3).map(\.format.rawValue)
                if !formats.isEmpty { h.text(" · " + formats.joined(separator: ", ")) }
                if p.required { h.raw(" · <span class=\"muted\">required</span>") }
                for kind in p.sensitive {
                    h.raw(" ")
                    h.element("span", ["class": "badge bad sensitive"], kind.rawValue)
                }
                h.raw("</li>")
            }
            if baseline.openParameters { h.raw("<li class=\"muted\">more parameters than tracked</li>") }
            h.raw("</ul></td></tr>")
        }
        if endpoints.isEmpty { h.raw("<tr><td colspan=\"6\" class=\"muted\">nothing learned yet</td></tr>") }
        h.raw("</tbody></table>")
        if endpoints.count > shown.count {
            h.element(
                "p", ["class": "muted"],
                "The first \(shown.count) endpoints are shown; the OpenAPI download and GET /v1/endpoints have all.")
        }
        h.raw("</section>")

        h.raw("<section class=\"card\"><h2>Compare with an OpenAPI document</h2>")
        h.raw(
            "<p class=\"muted\">Paste your OpenAPI 3 (YAML or JSON): endpoints seen but not documented are <b>shadow</b>, documented but unused (or used long ago) are <b>zombie</b>, and undocumented parameters are listed. Nothing is stored.</p>"
        )
        h.open("form", ["method": "post", "action": "/ui/inventory/compare", "id": "compare"])
        Layout.csrfField(session, into: &h)
        h.raw("<textarea name=\"spec\" id=\"spec\" required placeholder=\"openapi: 3.1.0\"></textarea>")
        h.raw(
            "<label>unused for more than <input type=\"number\" name=\"window_hours\" value=\"720\" min=\"1\" max=\"87600\"> hours = zombie</label> "
        )
        h.raw("<button type=\"submit\">Compare</button></form></section>")

        h.raw("<section class=\"card\"><h2>Policy modes per route</h2>")
        policyRoutes(policy, into: &h)
        h.raw("</section>")
        return Self.html(
            Layout.page(title: "API inventory", active: .inventory, session: session, refreshSecs: 0, content: h))
    }

    func compare(_ session: DashboardSession, _ form: Form) async throws -> Response {
        guard let spec = form["spec"], !spec.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw APIError.badRequest("paste an OpenAPI document to compare")
        }
        let hours = Int(form["window_hours"] ?? "") ?? 720
        guard (1...87_600).contains(hours) else { throw APIError.badRequest("the zombie window must be 1…87600 hours") }
        let endpoints = await core.endpoints()
        let result: SpecComparison
        do {
            result = try SpecComparison.compare(
                specText: spec, endpoints: endpoints, host: nil, now: clock(), windowMs: Int64(hours) * 3_600_000)
        } catch {
            throw APIError(.badRequest, "invalid_spec", "The document is not a usable OpenAPI spec: \(error)")
        }
        return try await inventory(session, comparison: (result, hours))
    }

    func specFindings(_ result: SpecComparison, windowHours: Int, into h: inout HTML) {
        h.raw("<section class=\"card\" id=\"spec-findings\"><h2>Spec comparison</h2>")
        h.element(
            "p", ["id": "spec-summary"],
            "\(result.shadow.count) shadow, \(result.zombies.count) zombie (unused for more than \(windowHours) h), \(result.undocumented.count) undocumented parameters."
        )
        h.raw(
            "<table><thead><tr><th>finding</th><th>endpoint</th><th>detail</th><th class=\"num\">requests</th></tr></thead><tbody>"
        )
        for s in result.shadow {
            h.raw("<tr><td><span class=\"badge bad\">shadow</span></td><td class=\"mono\">")
            h.text("\(s.endpoint.method) \(s.endpoint.host)\(s.endpoint.template)")
            h.raw("</td><td>seen, not in the spec</td><td class=\"num\">")
            h.text(s.requests)
            h.raw("</td></tr>")
        }
        for z in result.zombies {
            h.raw("<tr><td><span class=\"badge warn\">zombie</span></td><td class=\"mono\">")
            h.text("\(z.method) \(z.path)")
            h.raw("</td><td>")
            h.text(z.reason.rawValue.replacingOccurrences(of: "_", with: " "))
            h.raw("</td><td class=\"num\">")
            h.text(z.requests)
            h.raw("</td></tr>")
        }
        for u in result.undocumented {
            h.raw("<tr><td><span class=\"badge\">undocumented</span></td><td class=\"mono\">")
            h.text("\(u.endpoint.method) \(u.endpoint.host)\(u.endpoint.template)")
            h.raw("</td><td><code>")
            h.text(u.location)
            h.raw("</code> (")
            h.text(u.source.rawValue)
            h.raw(")</td><td class=\"num\">")
            h.text(u.requests)
            h.raw("</td></tr>")
        }
        h.raw("</tbody></table></section>")
    }

    func openAPI(_ request: Request, _ session: DashboardSession, yaml: Bool) async throws -> Response {
        let endpoints = await core.endpoints()
        let exporter = OpenAPIExporter()
        let body = yaml ? exporter.yaml(endpoints, host: nil) : exporter.json(endpoints, host: nil)
        return Response(
            status: .ok,
            headers: [
                .contentType: yaml ? "application/yaml" : "application/json",
                .contentDisposition: "attachment; filename=\"palisade-openapi.\(yaml ? "yaml" : "json")\"",
                .cacheControl: "no-store",
            ],
            body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}
