import Hummingbird
import PalisadeRuntime
import ServiceLifecycle

/// The web dashboard under `/ui/` (README "Dashboard"): server-rendered pages over the same state
/// the HTTP API serves, a cookie session opened with an API token (or a read-only token), CSRF
/// tokens on every form, and strict security headers. Registered by ``buildAggregator``:
/// ``exempting(_:)`` lets `/ui/` past the bearer middleware (the dashboard checks its session
/// itself), ``add(to:)`` adds the routes, ``sampler`` runs with the other services.
public struct Dashboard: Sendable {
    let core: AggregatorCore
    let config: AggregatorConfiguration
    let clock: MillisClock
    let sessions: DashboardSessions
    let history: DashboardHistory
    /// The other roles' health, when they run in this process (`palisade up`).
    let probe: PipelineProbe?
    /// Samples counters and decisions for the charts and the "recently ended" list.
    public let sampler: any Service & Sendable

    /// Path prefix of every dashboard route.
    static let root = "/ui"
    static let sessionCookie = "palisade_session"
    static let loginCookie = "palisade_login"

    public init(
        core: AggregatorCore, configuration: AggregatorConfiguration, clock: @escaping MillisClock,
        probe: PipelineProbe? = nil
    ) {
        self.core = core
        self.probe = probe
        self.config = configuration
        self.clock = clock
        let dashboard = configuration.dashboard
        sessions = DashboardSessions(
            limits: .init(
                idleMs: Int64(dashboard.sessionIdleSecs) * 1_000, maxAgeMs: Int64(dashboard.sessionMaxSecs) * 1_000))
        let history = DashboardHistory(sampleCapacity: 1_800)
        self.history = history
        sampler = DashboardSampler(core: core, history: history, clock: clock, intervalMs: 2_000)
    }

    /// `bearer` for every path but the dashboard's (when it is enabled).
    public func exempting<Inner: RouterMiddleware>(_ bearer: Inner) -> DashboardExemption<Inner> {
        DashboardExemption(inner: bearer, enabled: config.dashboard.enabled)
    }

    public func add(to router: Router<BasicRequestContext>) {
        guard config.dashboard.enabled else { return }
        let ui = router.group(RouterPath(Self.root)).add(middleware: DashboardHeaders<BasicRequestContext>())
        ui.get { request, _ in try await page(request) { try await overview($0, $1) } }
        ui.get("login") { request, _ in loginForm(request, error: nil) }
        ui.post("login") { request, _ in try await login(request) }
        ui.post("logout") { request, _ in try await form(request) { session, _ in logout(session) } }
        ui.get("attacks") { request, _ in try await page(request) { try await attacks($0, $1) } }
        ui.get("attacks/{id}") { request, context in
            try await page(request) { request, session in
                try await attackDetail(request, session, id: context.parameters.get("id") ?? "")
            }
        }
        ui.get("inventory") { request, _ in try await page(request) { try await inventory($1, comparison: nil) } }
        ui.post("inventory/compare") { request, _ in try await form(request) { try await compare($0, $1) } }
        ui.get("openapi.json") { request, _ in try await page(request) { try await openAPI($0, $1, yaml: false) } }
        ui.get("openapi.yaml") { request, _ in try await page(request) { try await openAPI($0, $1, yaml: true) } }
        ui.get("decisions") { request, _ in
            try await page(request) {
                try await decisions($1, notice: $0.uri.queryParameters.get("notice"), outcome: nil)
            }
        }
        ui.post("decisions") { request, _ in try await form(request) { try await addDecision($0, $1) } }
        ui.post("decisions/lift") { request, _ in try await form(request) { try await liftDecision($0, $1) } }
        ui.get("static/{file}") { request, context in asset(request, name: context.parameters.get("file") ?? "") }
    }

    // MARK: sessions

    func session(of request: Request) -> DashboardSession? {
        guard let id = request.cookies[Self.sessionCookie]?.value, !id.isEmpty, id.utf8.count <= 128 else { return nil }
        return sessions.find(id, now: clock())
    }

    /// A page for a logged-in session; else a redirect to the login form. Errors become pages.
    func page(
        _ request: Request, _ render: (Request, DashboardSession) async throws -> Response
    ) async throws -> Response {
        guard let session = session(of: request) else { return Self.redirect("\(Self.root)/login") }
        do {
            return try await render(request, session)
        } catch let error as APIError {
            return errorPage(session, status: error.status, message: error.reason)
        } catch {
            return errorPage(session, status: .internalServerError, message: "\(error)")
        }
    }

    /// A form POST: a live session and its CSRF token are required before anything happens.
    func form(
        _ request: Request, _ handle: (DashboardSession, Form) async throws -> Response
    ) async throws -> Response {
        guard let session = session(of: request) else {
            return errorPage(nil, status: .forbidden, message: "Your session has ended; log in again.")
        }
        let form: Form
        do {
            form = Form(encoded: try await Self.body(request, maxBytes: config.maxRequestBodyBytes))
        } catch let error as APIError {
            return errorPage(session, status: error.status, message: error.reason)
        }
        guard let presented = form["csrf"],
            DashboardSessions.constantTimeEquals(Array(presented.utf8), Array(session.csrf.utf8))
        else {
            return errorPage(
                session, status: .forbidden, message: "The form's CSRF token is missing or wrong; reload the page.")
        }
        do {
            return try await handle(session, form)
        } catch let error as APIError {
            return errorPage(session, status: error.status, message: error.reason)
        }
    }

    static func body(_ request: Request, maxBytes: Int) async throws -> String {
        do {
            return String(buffer: try await request.body.collect(upTo: maxBytes))
        } catch {
            throw APIError(.contentTooLarge, "too_large", "the form is larger than \(maxBytes) bytes")
        }
    }

    func loginForm(_ request: Request, error: String?, status: HTTPResponse.Status = .ok) -> Response {
        let nonce = sessions.token()
        var response = Self.html(LoginPage.render(nonce: nonce, error: error), status: status)
        response.headers[values: .setCookie].append(
            cookie(Self.loginCookie, nonce, path: "\(Self.root)/login", maxAge: 600))
        return response
    }

    func login(_ request: Request) async throws -> Response {
        let now = clock()
        let form = Form(encoded: (try? await Self.body(request, maxBytes: 8_192)) ?? "")
        guard let nonce = request.cookies[Self.loginCookie]?.value, let presented = form["nonce"], !nonce.isEmpty,
            DashboardSessions.constantTimeEquals(Array(presented.utf8), Array(nonce.utf8))
        else {
            return loginForm(request, error: "The login form expired; try again.", status: .forbidden)
        }
        guard sessions.loginAllowed(now: now) else {
            return loginForm(request, error: "Too many failed logins; wait a minute.", status: .tooManyRequests)
        }
        guard
            let role = DashboardSessions.role(
                of: form["token"] ?? "", tokens: config.listener.tokens, readTokens: config.dashboard.readTokens)
        else {
            sessions.recordFailure(now: now)
            return loginForm(request, error: "That token is not accepted.", status: .unauthorized)
        }
        if let old = request.cookies[Self.sessionCookie]?.value { sessions.remove(old) }
        let session = sessions.create(role: role, now: now)
        var response = Self.redirect("\(Self.root)/")
        response.headers[values: .setCookie].append(
            cookie(Self.sessionCookie, session.id, path: Self.root, maxAge: config.dashboard.sessionMaxSecs))
        response.headers[values: .setCookie].append(cookie(Self.loginCookie, "", path: "\(Self.root)/login", maxAge: 0))
        return response
    }

    func logout(_ session: DashboardSession) -> Response {
        sessions.remove(session.id)
        var response = Self.redirect("\(Self.root)/login")
        response.headers[values: .setCookie].append(cookie(Self.sessionCookie, "", path: Self.root, maxAge: 0))
        return response
    }

    /// `name=value; Path; Max-Age; HttpOnly; SameSite=Strict` (+ `Secure` behind TLS).
    func cookie(_ name: String, _ value: String, path: String, maxAge: Int) -> String {
        "\(name)=\(value); Path=\(path); Max-Age=\(maxAge); HttpOnly; SameSite=Strict"
            + (config.listener.tlsEnabled ? "; Secure" : "")
    }

    // MARK: responses

    static func html(_ body: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    static func redirect(_ location: String) -> Response {
        Response(status: .seeOther, headers: [.location: location, .cacheControl: "no-store"])
    }

    func errorPage(_ session: DashboardSession?, status: HTTPResponse.Status, message: String) -> Response {
        var h = HTML()
        h.element("h1", "\(status.code) \(status.reasonPhrase)")
        h.element("p", ["class": "error"], message)
        h.link("\(Self.root)/", "Back to the overview")
        return Self.html(
            Layout.page(title: "Error", active: nil, session: session, refreshSecs: 0, content: h), status: status)
    }

    func asset(_ request: Request, name: String) -> Response {
        guard let file = DashboardAssets.files[name] else {
            return Response(
                status: .notFound, headers: [.contentType: "text/plain"],
                body: .init(byteBuffer: ByteBuffer(string: "not found")))
        }
        if request.headers[.ifNoneMatch] == file.tag {
            return Response(status: .notModified, headers: [.eTag: file.tag])
        }
        return Response(
            status: .ok,
            headers: [.contentType: file.contentType, .eTag: file.tag, .cacheControl: "no-cache"],
            body: .init(byteBuffer: ByteBuffer(string: file.body)))
    }
}

/// Lets `/ui` and `/ui/…` past the wrapped (bearer) middleware: the dashboard authenticates with
/// its own session cookie.
public struct DashboardExemption<Inner: RouterMiddleware>: RouterMiddleware {
    public typealias Context = Inner.Context
    let inner: Inner
    let enabled: Bool

    public func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let path = request.uri.path
        if enabled, path == Dashboard.root || path.hasPrefix(Dashboard.root + "/") {
            return try await next(request, context)
        }
        return try await inner.handle(request, context: context, next: next)
    }
}

/// Security headers on every dashboard response: a Content-Security-Policy that allows only the
/// dashboard's own script, style and images (no inline script or style, no plugins, no framing,
/// no `<base>`), `nosniff`, no referrer, no framing for old browsers.
struct DashboardHeaders<Context: RequestContext>: RouterMiddleware {
    static var contentSecurityPolicy: String {
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
            + "form-action 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'none'"
    }

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        var response = try await next(request, context)
        response.headers[.contentSecurityPolicy] = Self.contentSecurityPolicy
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[.init("Referrer-Policy")!] = "no-referrer"
        response.headers[.init("X-Frame-Options")!] = "DENY"
        return response
    }
}
