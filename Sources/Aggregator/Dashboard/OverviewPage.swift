import Hummingbird
import PalisadePolicy

/// Overview: traffic and attack charts, attacks by class, top clients and endpoints, active
/// decisions and what the aggregator knows about the pipeline's health.
extension Dashboard {
    /// The time ranges offered: name, span, chart bucket (ms).
    static let ranges: [(name: String, spanMs: Int64, bucketMs: Int64)] = [
        ("15m", 900_000, 30_000), ("1h", 3_600_000, 60_000), ("6h", 21_600_000, 300_000),
        ("24h", 86_400_000, 900_000), ("7d", 604_800_000, 3_600_000),
    ]

    static func range(_ request: Request) -> (name: String, spanMs: Int64, bucketMs: Int64) {
        let name = request.uri.queryParameters.get("range") ?? "1h"
        return ranges.first { $0.name == name } ?? ranges[1]
    }

    func overview(_ request: Request, _ session: DashboardSession) async throws -> Response {
        let now = clock()
        let range = Self.range(request)
        let from = now - range.spanMs
        let database = core.database
        let timeline = try database.attackTimeline(
            from: from - from % range.bucketMs, to: now + 1, bucketMs: range.bucketMs)
        let classes = try database.attackClasses(from: from)
        let clients = try database.topClients(from: from, limit: 10)
        let endpoints = try database.topEndpoints(from: from, limit: 10)
        let active = await core.decisions
        let status = await core.status

        var h = HTML()
        h.raw("<h1>Overview</h1>")
        h.raw("<form class=\"filters\" method=\"get\" action=\"/ui/\"><label>Range")
        h.raw("<select name=\"range\" id=\"range\" data-autosubmit=\"1\">")
        for option in Self.ranges {
            if option.name == range.name {
                h.element("option", ["value": option.name, "selected": "selected"], option.name)
            } else {
                h.element("option", ["value": option.name], option.name)
            }
        }
        h.raw("</select></label><noscript><button type=\"submit\">Show</button></noscript></form>")

        h.raw("<div class=\"grid\"><section class=\"card\"><h2>Requests per second</h2>")
        let rates = history.requestRates(from: from).map { SVGChart.Point(t: $0.at, value: $0.rate) }
        SVGChart.line(
            rates, from: from, to: now, label: "requests per second", unit: "req/s", id: "chart-requests", into: &h)
        h.raw(
            "<p class=\"muted\">Verdicts the aggregator received (one per request), sampled every 2 s since it started")
        h.raw(" (kept in memory for an hour).</p></section>")

        h.raw("<section class=\"card\"><h2>Attacks per minute</h2>")
        var points: [SVGChart.Point] = []
        let perMinute = Double(range.bucketMs) / 60_000
        var bucket = from - from % range.bucketMs
        while bucket <= now {
            points.append(.init(t: bucket, value: Double(timeline[bucket] ?? 0) / perMinute))
            bucket += range.bucketMs
        }
        if timeline.isEmpty { points = [] }
        SVGChart.line(
            points, from: from, to: now, label: "attacks per minute", unit: "attacks/min", id: "chart-attacks", into: &h
        )
        h.element(
            "p", ["class": "muted"],
            "Attacked requests (stored attacks, by request time) per \(DashboardFormat.duration(range.bucketMs)) bucket, as a per-minute rate."
        )
        h.raw("</section></div>")

        h.raw("<div class=\"grid\"><section class=\"card\"><h2>Attacks by class</h2>")
        SVGChart.bars(classes.map { ($0.name, $0.count) }, id: "chart-classes", into: &h)
        h.raw("</section><section class=\"card\"><h2>Top attacking clients</h2>")
        h.raw(
            "<table id=\"top-clients\"><thead><tr><th>client</th><th class=\"num\">attacks</th><th class=\"num\">classes</th><th>last seen</th></tr></thead><tbody>"
        )
        for c in clients {
            h.raw("<tr><td class=\"mono\">")
            h.link("/ui/attacks", query: [("client", c.client)], c.client)
            h.raw("</td><td class=\"num\">")
            h.text(c.attacks)
            h.raw("</td><td class=\"num\">")
            h.text(c.classes)
            h.raw("</td><td>")
            h.text(DashboardFormat.ago(c.lastSeen, now: now))
            h.raw("</td></tr>")
        }
        if clients.isEmpty { h.raw("<tr><td colspan=\"4\" class=\"muted\">no attacks in this range</td></tr>") }
        h.raw("</tbody></table></section></div>")

        h.raw("<div class=\"grid\"><section class=\"card\"><h2>Top targeted endpoints</h2>")
        h.raw(
            "<table id=\"top-endpoints\"><thead><tr><th>endpoint</th><th class=\"num\">attacks</th><th class=\"num\">clients</th></tr></thead><tbody>"
        )
        for e in endpoints {
            h.raw("<tr><td class=\"mono\">")
            h.link(
                "/ui/attacks", query: [("endpoint", e.template), ("host", e.host), ("method", e.method)],
                "\(e.method) \(e.host)\(e.template)")
            h.raw("</td><td class=\"num\">")
            h.text(e.attacks)
            h.raw("</td><td class=\"num\">")
            h.text(e.clients)
            h.raw("</td></tr>")
        }
        if endpoints.isEmpty { h.raw("<tr><td colspan=\"3\" class=\"muted\">no attacks in this range</td></tr>") }
        h.raw("</tbody></table></section>")

        h.raw("<section class=\"card\"><h2>Active decisions</h2>")
        let blocks = active.filter { $0.action == .block }.count
        let throttles = active.filter { $0.action == .throttle }.count
        h.element(
            "p", ["id": "active-summary"],
            "\(active.count) active: \(blocks) block, \(throttles) throttle, \(active.count - blocks - throttles) monitor."
        )
        h.raw("<table><thead><tr><th>scope</th><th>value</th><th>action</th><th>expires</th></tr></thead><tbody>")
        for d in active.sorted(by: { $0.createdAt > $1.createdAt }).prefix(8) {
            h.raw("<tr><td>")
            h.text(d.scope.rawValue)
            h.raw("</td><td class=\"mono\">")
            h.text(d.value)
            h.raw("</td><td>")
            Self.actionBadge(d.action, into: &h)
            h.raw("</td><td>")
            h.text(DashboardFormat.ago(d.expiresAt, now: now))
            h.raw("</td></tr>")
        }
        h.raw("</tbody></table>")
        h.link("/ui/decisions", "All decisions →")
        h.raw("</section></div>")

        pipelineHealth(status, report: await probe?(), now: now, into: &h)
        return Self.html(
            Layout.page(
                title: "Overview", active: .overview, session: session, refreshSecs: config.dashboard.refreshSecs,
                content: h))
    }

    static func actionBadge(_ action: DecisionAction, into h: inout HTML) {
        let css =
            switch action {
            case .block: "badge bad"
            case .throttle: "badge warn"
            case .monitor: "badge"
            }
        h.element("span", ["class": css], action.rawValue)
    }

    /// Mirror / worker / aggregator status as far as the aggregator can tell, saying plainly what
    /// it cannot see.
    func pipelineHealth(_ s: AggregatorCore.Status, report: PipelineReport?, now: Int64, into h: inout HTML) {
        let lastVerdict = history.lastVerdictAt
        let flowing = lastVerdict.map { now - $0 < 60_000 } ?? false
        h.raw(
            "<section class=\"card\" id=\"pipeline\"><h2>Pipeline health</h2><table><thead><tr><th>part</th><th>state</th><th>what the aggregator knows</th></tr></thead><tbody>"
        )

        h.raw("<tr><td>aggregator</td><td>")
        if s.pendingWrite {
            h.raw("<span class=\"badge bad\">storage failing</span>")
        } else {
            h.raw("<span class=\"badge ok\">up</span>")
        }
        h.raw("</td><td>")
        h.text(
            "node \(config.nodeName), up \(DashboardFormat.duration(now - s.startedAt)); policy \(s.policyMode) with \(s.policyRules) rules "
                + "(\(s.counters.policyReloads) reloads, \(s.counters.policyErrors) reload errors); \(s.decisions) decisions, "
                + "\(s.outbox) not yet published; \(s.endpoints) endpoints learned; SQLite writes "
                + (s.pendingWrite ? "failing (retrying)" : "ok") + "; \(s.counters.writeErrors) write errors so far.")
        h.raw("</td></tr>")

        h.raw("<tr><td>workers</td><td>")
        if let part = report?.workers, part.state == .bad {
            h.raw("<span class=\"badge bad\">")
            h.text(part.label)
            h.raw("</span>")
        } else if lastVerdict == nil {
            h.raw("<span class=\"badge unknown\">no verdicts yet</span>")
        } else if flowing {
            h.raw("<span class=\"badge ok\">verdicts arriving</span>")
        } else {
            h.raw("<span class=\"badge warn\">idle</span>")
        }
        h.raw("</td><td>")
        h.text(
            "\(s.counters.verdicts) verdicts and \(s.counters.observations) observations received since start"
                + (lastVerdict.map { ", the last verdict \(DashboardFormat.ago($0, now: now))" } ?? "")
                + (report?.workers.map { ". " + $0.detail }
                    ?? ". How many workers run, and whether one is down, is unknown here: workers do not report to the aggregator"
                    + " (each serves /healthz and /metrics itself)."))
        h.raw("</td></tr>")

        healthRow(
            "mirror",
            report?.mirror
                ?? .unknown(
                    "The aggregator has no direct view of mirrors. Verdicts arriving means mirror → Kafka → worker → aggregator flows; "
                        + "shedding (503) and rejected lines are counted on each mirror's /metrics."),
            into: &h)
        healthRow(
            "consumer lag",
            report?.consumerLag
                ?? .unknown(
                    "Not measured by the aggregator (its consumer does not read the topics' end offsets). Use the Kafka tooling"
                        + " (e.g. kafka-consumer-groups --describe --group \(config.consumerGroup)) or each worker's"
                        + " palisade_worker_consumer_lag on /metrics."),
            into: &h)

        h.raw("<tr><td>gateways</td><td>")
        if s.parkedPolls > 0 {
            h.raw("<span class=\"badge ok\">polling</span>")
        } else {
            h.raw("<span class=\"badge unknown\">none waiting now</span>")
        }
        h.raw("</td><td>")
        h.text("\(s.parkedPolls) decision long-polls waiting right now (one per polling gateway worker, roughly).")
        h.raw("</td></tr></tbody></table></section>")
    }

    /// A row of the health table: the part, its state badge, what is known.
    func healthRow(_ name: String, _ part: PipelineReport.Part, into h: inout HTML) {
        h.raw("<tr><td>")
        h.text(name)
        h.raw("</td><td>")
        h.element("span", ["class": "badge \(part.state.rawValue)"], part.label)
        h.raw("</td><td>")
        h.text(part.detail)
        h.raw("</td></tr>")
    }
}

extension PipelineReport.Part {
    /// A part the aggregator cannot see (no probe for it), and what it says instead.
    fileprivate static func unknown(_ detail: String) -> Self {
        Self(state: .unknown, label: "unknown", detail: detail)
    }
}
