import Hummingbird
import Logging
import NIOCore
import PalisadeCore
import PalisadePolicy
import PalisadeRecords

/// The raw mirror listener: every request it receives is a copy of an original request (nginx
/// `mirror` subrequest). Method, URI, headers and body are the original's; the client address
/// comes from `rawClientIPHeader` only when the TCP peer is a trusted proxy, else it is the peer.
///
/// Runs as the last middleware of its router: it answers every path and method (202, empty).
struct RawMirrorResponder: RouterMiddleware {
    typealias Context = MirrorRequestContext

    let pipeline: CapturePipeline
    let configuration: MirrorConfiguration
    let metrics: MirrorMetrics

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let outcome = try await BodyReader.read(
            request.body, limit: configuration.maxLineBytes, truncate: true,
            timeout: .milliseconds(configuration.requestTimeoutMs))
        guard case .complete(let body, let truncated) = outcome else {
            metrics.request(.raw, .timeout)
            return CaptureRoutes.error(.requestTimeout, "timeout", "the body did not arrive in time")
        }
        metrics.received[.raw]?.increment()
        let record = makeRecord(request, body: body, truncated: truncated, peer: context.remoteAddress)
        let admission = pipeline.submit([CaptureRecordMessage(record).encodedRecord()], listener: .raw)
        guard admission == .accepted else {
            metrics.request(.raw, .shed)
            return CaptureRoutes.shed(retryAfterSeconds: configuration.retryAfterSeconds, admission: admission)
        }
        metrics.accepted[.raw]?.increment()
        metrics.request(.raw, .accepted)
        return Response(status: .accepted)
    }

    func makeRecord(_ request: Request, body: ByteBuffer, truncated: Bool, peer: SocketAddress?) -> CaptureRecord {
        var headers: [CaptureRecord.Header] = []
        for field in request.headers {
            let name = field.name.canonicalName
            if configuration.rawDroppedHeaders.contains(name) { continue }
            headers.append(.init(name, field.value))
        }
        let host = request.head.authority
        return CaptureRecord(
            id: ULID.make(), ts: WallClock.nowMilliseconds(), node: configuration.rawNode,
            clientIP: Self.clientIP(
                peer: peer?.ipAddress, header: headerValues(request, configuration.rawClientIPHeader),
                trusted: configuration.rawTrustedProxies),
            method: request.method.rawValue, scheme: nil, host: host, rawPath: request.uri.description,
            headers: headers, body: Array(body.readableBytesView), bodyTruncated: truncated)
    }

    /// Values of the header named `name` (lowercase).
    func headerValues(_ request: Request, _ name: String) -> [String] {
        request.headers.filter { $0.name.canonicalName == name }.map(\.value)
    }

    /// The client's address: the first entry of the client-address header when the peer is a
    /// trusted proxy and the entry is an IP address; otherwise the peer's address.
    static func clientIP(peer: String?, header values: [String], trusted: [CIDR]) -> String? {
        guard let peer else { return nil }
        guard let peerBytes = IPBytes.parse(Self.unmapped(peer)), trusted.contains(where: { $0.contains(peerBytes) })
        else { return peer }
        guard let first = values.first?.split(separator: ",").first?.trimmingCharacters(in: .whitespaces),
            let bytes = IPBytes.parse(first)
        else { return peer }
        return IPBytes.format(bytes)
    }

    /// `::ffff:127.0.0.1` → `127.0.0.1` (dual-stack listeners report IPv4 peers mapped).
    static func unmapped(_ address: String) -> String {
        address.hasPrefix("::ffff:") && address.contains(".") ? String(address.dropFirst(7)) : address
    }
}

/// Requires `X-Palisade-Token: <token>` (one of several) on the raw listener. Not
/// `Authorization`: a mirrored request carries the original client's `Authorization`, which is
/// part of what is captured. Constant-time comparison; the token is never logged or echoed.
struct RawTokenMiddleware: RouterMiddleware {
    typealias Context = MirrorRequestContext
    static let header = "x-palisade-token"

    let tokens: [[UInt8]]
    let metrics: MirrorMetrics

    init(tokens: [String], metrics: MirrorMetrics) {
        self.tokens = tokens.filter { !$0.isEmpty }.map { Array($0.utf8) }
        self.metrics = metrics
    }

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let presented = Array((request.headers.first { $0.name.canonicalName == Self.header }?.value ?? "").utf8)
        var matched = false
        for token in tokens where Self.constantTimeEquals(presented, token) { matched = true }
        guard matched, !presented.isEmpty else {
            metrics.request(.raw, .unauthorized)
            return CaptureRoutes.error(.unauthorized, "unauthorized", "a valid X-Palisade-Token header is required")
        }
        return try await next(request, context)
    }

    static func constantTimeEquals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var difference = UInt8(truncatingIfNeeded: a.count ^ b.count)
        for i in 0..<max(a.count, b.count) {
            difference |= (i < a.count ? a[i] : 0) ^ (i < b.count ? b[i] : 0)
        }
        return difference == 0
    }
}

/// Counts 401s of the capture listener (the bearer-token middleware answers them).
struct UnauthorizedCounter: RouterMiddleware {
    typealias Context = MirrorRequestContext
    let metrics: MirrorMetrics

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let response = try await next(request, context)
        if response.status == .unauthorized { metrics.request(.capture, .unauthorized) }
        return response
    }
}
