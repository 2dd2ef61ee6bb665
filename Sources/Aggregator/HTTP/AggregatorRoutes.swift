import Foundation
import Hummingbird
import PalisadeCore
import PalisadeDetect
import PalisadeLearn
import PalisadePolicy
import PalisadeRuntime

/// The aggregator's HTTP API (docs/API.md, docs/aggregator-api.yaml). Every route but the probes
/// needs a bearer token; bodies and answers are JSON.
struct AggregatorRoutes {
    let core: AggregatorCore
    let config: AggregatorConfiguration
    let clock: MillisClock

    func add(to router: Router<BasicRequestContext>) {
        router.get("/v1/decisions") { request, _ in try await pollDecisions(request) }
        router.post("/v1/decisions") { request, _ in try await addDecision(request) }
        router.delete("/v1/decisions/{scope}/**") { request, context in try await liftDecision(request, context) }
        router.get("/v1/audit") { request, _ in try await audit(request) }
        router.get("/v1/attacks") { request, _ in try await attacks(request) }
        router.get("/v1/incidents") { request, _ in try await incidents(request) }
        router.get("/v1/endpoints") { request, _ in try await endpoints(request) }
        router.get("/v1/endpoints/templates") { _, _ in await templateOverrides() }
        router.post("/v1/endpoints/templates/pin") { request, _ in try await setTemplateOverride(request, .pin) }
        router.post("/v1/endpoints/templates/split") { request, _ in try await setTemplateOverride(request, .split) }
        router.delete("/v1/endpoints/templates") { request, _ in try await removeTemplateOverride(request) }
        router.get("/v1/openapi.json") { request, _ in try await openAPI(request, yaml: false) }
        router.get("/v1/openapi.yaml") { request, _ in try await openAPI(request, yaml: true) }
        router.post("/v1/openapi/compare") { request, _ in try await compare(request) }
        router.get("/v1/verdicts/{id}") { request, context in try await verdict(request, context) }
        router.get("/v1/status") { _, _ in await status() }
    }

    // MARK: decisions

    func pollDecisions(_ request: Request) async throws -> Response {
        let query = Query(request: request)
        let since = try query.string("since", maxBytes: 128)
        let waitSecs = try query.double("wait", range: 0...3_600) ?? 0
        let waitMs = Int64((min(waitSecs, Double(config.maxPollWaitSecs)) * 1_000).rounded())
        let changes: DecisionChanges
        switch try await core.startPoll(since: since, waitMs: waitMs, now: clock()) {
        case .answer(let answer):
            changes = answer
        case .rejected:
            core.metrics.pollRejected.increment()
            var error = APIError(.serviceUnavailable, "too_many_waiters", "too many long-polls are waiting; retry")
            error.headers[.retryAfter] = "1"
            throw error
        case .parked(let id, let deadline):
            let clock = self.clock
            let core = self.core
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await core.waitForChange(id) }
                group.addTask {
                    try? await Task.sleep(for: .milliseconds(max(0, deadline - clock())))
                    await core.timeoutPoll(id)
                }
                _ = await group.next()
                group.cancelAll()
            }
            changes = try await core.endPoll(id, since: since, now: clock())
        }
        core.metrics.pollAnswers.increment()
        return jsonResponse(Self.json(changes))
    }

    /// `{version, full, upserts:[decision…], removals:["scope:value"…]}` (kong/README.md).
    static func json(_ changes: DecisionChanges) -> String {
        var w = JSONWriter()
        w.beginObject()
        w.key("version")
        w.string(changes.version.description)
        w.key("full")
        w.bool(changes.full)
        w.key("upserts")
        w.beginArray()
        for decision in changes.upserts { decision.write(to: &w) }
        w.endArray()
        w.key("removals")
        w.beginArray()
        for removal in changes.removals { w.string(removal.description) }
        w.endArray()
        w.endObject()
        return w.output
    }

    func addDecision(_ request: Request) async throws -> Response {
        let body = try await jsonBody(request, maxBytes: 64 << 10)
        guard let scopeText = body["scope"]?.stringValue else { throw APIError.badRequest("scope is required") }
        guard let scope = DecisionScope(rawValue: scopeText) else {
            throw APIError.badRequest("scope must be one of ip, cidr, api_key, jwt_sub, header")
        }
        guard let value = body["value"]?.stringValue, !value.isEmpty else {
            throw APIError.badRequest("value is required")
        }
        var action = DecisionAction.block
        if let text = body["action"] {
            guard let name = text.stringValue, let parsed = DecisionAction(rawValue: name) else {
                throw APIError.badRequest("action must be one of block, throttle, monitor")
            }
            action = parsed
        }
        var ttl = 3_600
        if let ttlValue = body["ttl_secs"] {
            guard case .number(let digits) = ttlValue, let parsed = Int(digits) else {
                throw APIError.badRequest("ttl_secs must be an integer")
            }
            ttl = parsed
        }
        let reason = body["reason"]?.stringValue ?? "manual decision"
        let actor = body["actor"]?.stringValue ?? "api"
        do {
            let decision = try await core.addDecision(
                scope: scope, value: value, action: action, ttlSecs: ttl, reason: reason, actor: actor, now: clock())
            return jsonResponse(decision.json, status: .created)
        } catch let error as DecisionStoreError {
            throw Self.apiError(error)
        }
    }

    func liftDecision(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        guard let scopeText = context.parameters.get("scope"), let scope = DecisionScope(rawValue: scopeText) else {
            throw APIError.badRequest("scope must be one of ip, cidr, api_key, jwt_sub, header")
        }
        let raw = context.parameters.getCatchAll().joined(separator: "/")
        guard let value = raw.removingPercentEncoding, !value.isEmpty else {
            throw APIError.badRequest("the value is missing or badly percent-encoded")
        }
        let query = Query(request: request)
        let reason = try query.string("reason", maxBytes: 240) ?? "lifted by an operator"
        let actor = try query.string("actor", maxBytes: 64) ?? "api"
        do {
            let lifted = try await core.liftDecision(
                scope: scope, value: value, actor: actor, reason: reason, now: clock())
            return jsonResponse(lifted.json)
        } catch let error as DecisionStoreError {
            throw Self.apiError(error)
        }
    }

    static func apiError(_ error: DecisionStoreError) -> APIError {
        switch error.code {
        case .notFound: APIError(.notFound, error.code.rawValue, error.reason)
        case .allowlisted: APIError(.conflict, error.code.rawValue, error.reason)
        case .full: APIError(.serviceUnavailable, error.code.rawValue, error.reason)
        default: APIError(.badRequest, error.code.rawValue, error.reason)
        }
    }

    func audit(_ request: Request) async throws -> Response {
        let page = try Query(request: request).page(maxLimit: config.maxPageSize, defaultLimit: 100)
        let entries = try core.database.auditTrail(limit: page.limit)
        var w = JSONWriter()
        w.beginObject()
        w.key("audit")
        w.beginArray()
        for entry in entries { w.raw(entry) }
        w.endArray()
        w.endObject()
        return jsonResponse(w.output)
    }

    // MARK: attacks

    func attackFilter(_ request: Request) throws -> AttackFilter {
        let query = Query(request: request)
        var filter = AttackFilter()
        if let name = try query.string("class", maxBytes: 64) {
            guard AttackClass(rawValue: name) != nil else {
                throw APIError.badRequest("unknown attack class '\(name)'")
            }
            filter.attackClass = name
        }
        filter.client = try query.string("client")
        (filter.host, filter.method) = try query.hostAndMethod()
        filter.template = try query.string("endpoint", maxBytes: 2_048)
        if let kind = try query.string("kind", maxBytes: 16) {
            guard let parsed = StoredAttack.Kind(rawValue: kind) else {
                throw APIError.badRequest("kind must be verdict or finding")
            }
            filter.kind = parsed
        }
        filter.from = try query.int("from", range: 0...Int64(1) << 52)
        filter.to = try query.int("to", range: 0...Int64(1) << 52)
        if let from = filter.from, let to = filter.to, from > to {
            throw APIError.badRequest("from must not be after to")
        }
        filter.before = try query.int("cursor", range: 1...Int64.max)
        filter.limit = try query.page(maxLimit: config.maxPageSize, defaultLimit: 100).limit
        return filter
    }

    func attacks(_ request: Request) async throws -> Response {
        let filter = try attackFilter(request)
        let page = try core.database.attacks(filter)
        var w = JSONWriter()
        w.beginObject()
        w.key("attacks")
        w.beginArray()
        for attack in page.attacks { attack.write(to: &w) }
        w.endArray()
        w.key("next_cursor")
        if let next = page.nextCursor { w.string(String(next)) } else { w.null() }
        w.endObject()
        return jsonResponse(w.output)
    }

    func incidents(_ request: Request) async throws -> Response {
        let filter = try attackFilter(request)
        let offset = try Query(request: request).page(maxLimit: config.maxPageSize, defaultLimit: 100).offset
        let incidents = try core.database.incidents(filter, offset: offset)
        var w = JSONWriter()
        w.beginObject()
        w.key("incidents")
        w.beginArray()
        for i in incidents {
            w.beginObject()
            w.key("client")
            w.string(i.client)
            w.key("class")
            w.string(i.attackClass)
            w.key("attacks")
            w.int(i.attacks)
            w.key("first_seen")
            w.int(Int(i.firstSeen))
            w.key("last_seen")
            w.int(Int(i.lastSeen))
            w.key("endpoints")
            w.int(i.endpoints)
            w.key("max_confidence")
            w.double(i.maxConfidence, decimals: 2)
            w.endObject()
        }
        w.endArray()
        w.key("next_offset")
        if incidents.count == filter.limit { w.int(offset + filter.limit) } else { w.null() }
        w.endObject()
        return jsonResponse(w.output)
    }

    // MARK: endpoints and OpenAPI

    func endpoints(_ request: Request) async throws -> Response {
        let query = Query(request: request)
        let (host, method) = try query.hostAndMethod()
        let paging = try query.page(maxLimit: config.maxPageSize, defaultLimit: config.maxPageSize)
        let offset = paging.offset
        let all = await core.endpoints(host: host, method: method)
        let page = all.dropFirst(offset).prefix(paging.limit)
        var builderConfig = BaselineConfig()
        builderConfig.minRequests = config.baselineMinRequests
        let builder = BaselineBuilder(config: builderConfig)
        let now = clock()
        var w = JSONWriter()
        w.beginObject()
        w.key("total")
        w.int(all.count)
        w.key("endpoints")
        w.beginArray()
        for endpoint in page {
            let baseline = builder.build(endpoint, now: now)
            Self.write(endpoint, baseline: baseline, to: &w)
        }
        w.endArray()
        w.key("next_offset")
        if offset + page.count < all.count { w.int(offset + page.count) } else { w.null() }
        w.endObject()
        return jsonResponse(w.output)
    }

    // MARK: template overrides

    func templateOverrides() async -> Response {
        var w = JSONWriter()
        w.beginObject()
        w.key("templates")
        w.beginArray()
        for o in await core.templateOverrideList { Self.write(o, to: &w) }
        w.endArray()
        w.endObject()
        return jsonResponse(w.output)
    }

    static func write(_ o: StoredTemplateOverride, to w: inout JSONWriter) {
        w.beginObject()
        w.key("host")
        if o.key.host.isEmpty { w.null() } else { w.string(o.key.host) }
        w.key("method")
        if o.key.method.isEmpty { w.null() } else { w.string(o.key.method) }
        w.key("template")
        w.string(o.key.template)
        w.key("kind")
        w.string(o.kind.rawValue)
        w.key("created_at")
        w.int(Int(o.createdAt))
        w.key("actor")
        w.string(o.actor)
        w.key("reason")
        w.string(o.reason)
        w.endObject()
    }

    /// The override's key from a body or query: `host` and `method` optional (any), `template`
    /// normalised (`/users/{id}`); a pin needs a `{parameter}` segment, a split none.
    static func templateKey(host: String?, method: String?, template: String?, kind: StoredTemplateOverride.Kind?)
        throws -> EndpointKey
    {
        guard let template, template.hasPrefix("/") else {
            throw APIError.badRequest("template is required and must start with '/'")
        }
        guard template.utf8.count <= 2_048 else { throw APIError.badRequest("template is longer than 2048 bytes") }
        let segments = TemplateSegment.parse(template)
        guard segments.count <= 64 else { throw APIError.badRequest("template has more than 64 segments") }
        for case .literal(let text) in segments where text.contains("{") || text.contains("}") {
            throw APIError.badRequest("a parameter segment is '{name}' and fills the whole segment, got '\(text)'")
        }
        switch kind {
        case .pin? where !segments.contains(where: \.isParam):
            throw APIError.badRequest(
                "a pinned template needs a {parameter} segment; to keep a literal path apart, split it")
        case .split? where segments.contains(where: \.isParam):
            throw APIError.badRequest(
                "a split path is literal (no {parameter} segments); to group paths, pin a template")
        default: break
        }
        if let method, method.utf8.count > 32 || !method.allSatisfy({ $0.isLetter }) {
            throw APIError.badRequest("method must be an HTTP method name, got '\(method)'")
        }
        return EndpointKey.normalized(host: host, method: method ?? "", template: TemplateSegment.render(segments))
    }

    func setTemplateOverride(_ request: Request, _ kind: StoredTemplateOverride.Kind) async throws -> Response {
        let body = try await jsonBody(request, maxBytes: 16 << 10)
        for name in ["host", "method", "template", "actor", "reason"] {
            guard let value = body[name], value.stringValue == nil else { continue }
            if case .null = value { continue }
            throw APIError.badRequest("\(name) must be a string")
        }
        let key = try Self.templateKey(
            host: body["host"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 },
            method: body["method"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 },
            template: body["template"]?.stringValue,
            kind: kind)
        let stored = StoredTemplateOverride(
            key: key, kind: kind, createdAt: clock(), actor: Policy.capped(body["actor"]?.stringValue ?? "api"),
            reason: Policy.capped(body["reason"]?.stringValue ?? "\(kind.rawValue) by an operator"))
        try await core.setTemplateOverride(stored)
        var w = JSONWriter()
        Self.write(stored, to: &w)
        return jsonResponse(w.output, status: .created)
    }

    func removeTemplateOverride(_ request: Request) async throws -> Response {
        let query = Query(request: request)
        let (host, method) = try query.hostAndMethod()
        let key = try Self.templateKey(
            host: host, method: method, template: try query.string("template", maxBytes: 2_048), kind: nil)
        let actor = try query.string("actor", maxBytes: 64) ?? "api"
        let reason = try query.string("reason", maxBytes: 240) ?? "removed by an operator"
        guard try await core.removeTemplateOverride(key, actor: actor, reason: reason, now: clock()) else {
            throw APIError.notFound("no template override for \(key.overrideDescription)")
        }
        return jsonResponse(#"{"removed":true}"#)
    }

    static func write(_ endpoint: DiscoveredEndpoint, baseline: EndpointBaseline, to w: inout JSONWriter) {
        let stats = endpoint.stats
        w.beginObject()
        w.key("host")
        w.string(endpoint.key.host)
        w.key("method")
        w.string(endpoint.key.method)
        w.key("template")
        w.string(endpoint.key.template)
        w.key("pinned")
        w.bool(endpoint.pinned)
        w.key("state")
        w.string(baseline.state.rawValue)
        w.key("requests")
        w.int(stats.requests)
        w.key("first_seen")
        w.int(stats.requests > 0 ? Int(stats.firstSeen) : 0)
        w.key("last_seen")
        w.int(stats.requests > 0 ? Int(stats.lastSeen) : 0)
        w.key("status_codes")
        w.beginObject()
        for (status, count) in stats.statusCounts.sorted(by: { $0.key < $1.key }) {
            w.key(String(status))
            w.int(count)
        }
        w.endObject()
        w.key("auth_schemes")
        w.beginArray()
        for scheme in baseline.authSchemes { w.string(scheme.rawValue) }
        w.endArray()
        w.key("content_types")
        w.beginArray()
        for type in baseline.contentTypes { w.string(type) }
        w.endArray()
        w.key("parameters")
        w.beginArray()
        for p in baseline.parameters {
            w.beginObject()
            w.key("location")
            w.string(p.location)
            w.key("in")
            w.string(p.source.rawValue)
            w.key("type")
            w.string(p.type.rawValue)
            w.key("formats")
            w.beginArray()
            for f in p.formats {
                w.beginObject()
                w.key("format")
                w.string(f.format.rawValue)
                w.key("share")
                w.double(f.frequency, decimals: 3)
                w.endObject()
            }
            w.endArray()
            w.key("presence")
            w.double(p.presence, decimals: 3)
            w.key("required")
            w.bool(p.required)
            w.key("samples")
            w.int(p.samples)
            w.key("min_length")
            w.int(p.minLength)
            w.key("max_length")
            w.int(p.maxLength)
            w.key("charset")
            w.beginArray()
            for name in p.charset.names { w.string(name) }
            w.endArray()
            w.key("sensitive")
            w.beginArray()
            for kind in p.sensitive { w.string(kind.rawValue) }
            w.endArray()
            w.endObject()
        }
        w.endArray()
        w.endObject()
    }

    func openAPI(_ request: Request, yaml: Bool) async throws -> Response {
        let host = try Query(request: request).string("host")
        let endpoints = await core.endpoints(host: host)
        let exporter = OpenAPIExporter()
        if yaml {
            return Response(
                status: .ok, headers: [.contentType: "application/yaml"],
                body: .init(byteBuffer: ByteBuffer(string: exporter.yaml(endpoints, host: host))))
        }
        return jsonResponse(exporter.json(endpoints, host: host))
    }

    func compare(_ request: Request) async throws -> Response {
        let query = Query(request: request)
        let host = try query.string("host")
        let windowHours = try query.int("window_hours", range: 1...87_600) ?? 720
        let text = try await bodyText(request, maxBytes: config.maxRequestBodyBytes)
        guard !text.isEmpty else { throw APIError.badRequest("upload the OpenAPI document as the request body") }
        let endpoints = await core.endpoints(host: host)
        let result: SpecComparison
        do {
            result = try SpecComparison.compare(
                specText: text, endpoints: endpoints, host: host, now: clock(), windowMs: windowHours * 3_600_000)
        } catch {
            throw APIError(.badRequest, "invalid_spec", "\(error)")
        }
        var w = JSONWriter()
        w.beginObject()
        w.key("shadow")
        w.beginArray()
        for s in result.shadow {
            w.beginObject()
            Self.writeEndpoint(s.endpoint, to: &w)
            w.key("requests")
            w.int(s.requests)
            w.key("last_seen")
            w.int(Int(s.lastSeen))
            w.endObject()
        }
        w.endArray()
        w.key("zombies")
        w.beginArray()
        for z in result.zombies {
            w.beginObject()
            w.key("method")
            w.string(z.method)
            w.key("path")
            w.string(z.path)
            w.key("reason")
            w.string(z.reason.rawValue)
            w.key("requests")
            w.int(z.requests)
            w.key("last_seen")
            if let last = z.lastSeen { w.int(Int(last)) } else { w.null() }
            w.endObject()
        }
        w.endArray()
        w.key("undocumented")
        w.beginArray()
        for u in result.undocumented {
            w.beginObject()
            Self.writeEndpoint(u.endpoint, to: &w)
            w.key("spec_path")
            w.string(u.specPath)
            w.key("location")
            w.string(u.location)
            w.key("in")
            w.string(u.source.rawValue)
            w.key("requests")
            w.int(u.requests)
            w.endObject()
        }
        w.endArray()
        w.endObject()
        return jsonResponse(w.output)
    }

    static func writeEndpoint(_ key: EndpointKey, to w: inout JSONWriter) {
        w.key("host")
        w.string(key.host)
        w.key("method")
        w.string(key.method)
        w.key("template")
        w.string(key.template)
    }

    // MARK: verdicts and status

    func verdict(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        guard let id = context.parameters.get("id")?.removingPercentEncoding, !id.isEmpty, id.utf8.count <= 512 else {
            throw APIError.badRequest("a request id is required")
        }
        if let record = await core.recentVerdict(id) {
            return jsonResponse(record.verdict.jsonLine())
        }
        let stored = try core.database.attacks(requestID: id)
        guard !stored.isEmpty else {
            throw APIError.notFound("no verdict for this request id (recent verdicts and stored attacks are kept)")
        }
        var w = JSONWriter()
        w.beginObject()
        w.key("id")
        w.string(id)
        w.key("stored_attacks")
        w.beginArray()
        for attack in stored { attack.write(to: &w) }
        w.endArray()
        w.endObject()
        return jsonResponse(w.output)
    }

    func status() async -> Response {
        let s = await core.status
        var w = JSONWriter()
        w.beginObject()
        w.key("node")
        w.string(config.nodeName)
        w.key("role")
        w.string("aggregator")
        w.key("epoch")
        w.string(s.epoch)
        w.key("version")
        w.string(s.version.description)
        w.key("started_at")
        w.int(Int(s.startedAt))
        w.key("uptime_ms")
        w.int(Int(clock() - s.startedAt))
        w.key("policy")
        w.beginObject()
        w.key("mode")
        w.string(s.policyMode)
        w.key("rules")
        w.int(s.policyRules)
        w.key("reloads")
        w.int(s.counters.policyReloads)
        w.key("reload_errors")
        w.int(s.counters.policyErrors)
        w.endObject()
        w.key("decisions")
        w.int(s.decisions)
        w.key("endpoints")
        w.int(s.endpoints)
        w.key("long_polls_waiting")
        w.int(s.parkedPolls)
        w.key("decisions_unpublished")
        w.int(s.outbox)
        w.key("storage_write_pending")
        w.bool(s.pendingWrite)
        w.key("counters")
        w.beginObject()
        let c = s.counters
        for (name, value) in [
            ("verdicts", c.verdicts), ("duplicate_verdicts", c.duplicateVerdicts), ("observations", c.observations),
            ("duplicate_observations", c.duplicateObservations), ("findings", c.findings),
            ("attacks_stored", c.attacksStored), ("suppressed", c.suppressed), ("rejected", c.rejected),
            ("write_errors", c.writeErrors), ("baselines_published", c.baselinesPublished),
            ("decisions_inserted", s.storeStats.inserted), ("decisions_escalated", s.storeStats.escalated),
            ("decisions_expired", s.storeStats.expired), ("decisions_lifted", s.storeStats.lifted),
            ("dedup_verdict_ids", s.dedupVerdicts), ("dedup_observation_ids", s.dedupObservations),
            ("replayed_verdicts", c.replayedVerdicts), ("imported_decisions", c.importedDecisions),
            ("adopted_trees", c.adoptedTrees),
        ] {
            w.key(name)
            w.int(value)
        }
        w.endObject()
        w.endObject()
        return jsonResponse(w.output)
    }

    // MARK: bodies

    func bodyText(_ request: Request, maxBytes: Int) async throws -> String {
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: maxBytes)
        } catch {
            throw APIError(.contentTooLarge, "too_large", "the body is larger than \(maxBytes) bytes")
        }
        return String(buffer: buffer)
    }

    func jsonBody(_ request: Request, maxBytes: Int) async throws -> JSONValue {
        let text = try await bodyText(request, maxBytes: maxBytes)
        let value: JSONValue
        do {
            value = try JSONReader(maxDepth: 8).parse(Array(text.utf8))
        } catch {
            throw APIError.badRequest("the body is not valid JSON: \(error)")
        }
        guard case .object = value else { throw APIError.badRequest("the body must be a JSON object") }
        return value
    }
}
