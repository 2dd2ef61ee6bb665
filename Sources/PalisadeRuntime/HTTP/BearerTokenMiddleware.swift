import Hummingbird

/// Requires `Authorization: Bearer <token>` matching one of the configured tokens (several, e.g.
/// one per gateway node). Comparison is constant-time in the token length; tokens never appear in
/// logs or responses. Paths in `open` (health probes) pass without a token.
public struct BearerTokenMiddleware<Context: RequestContext>: RouterMiddleware {
    let tokens: [[UInt8]]
    let open: Set<String>

    public init(tokens: [String], open: Set<String> = ["/healthz", "/readyz"]) {
        self.tokens = tokens.filter { !$0.isEmpty }.map { Array($0.utf8) }
        self.open = open
    }

    public func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        if open.contains(request.uri.path) { return try await next(request, context) }
        guard let header = request.headers[.authorization], Self.matches(header, tokens: tokens) else {
            var headers = HTTPFields()
            headers[.wwwAuthenticate] = "Bearer realm=\"palisade\""
            headers[.contentType] = "application/json"
            return Response(
                status: .unauthorized, headers: headers,
                body: .init(byteBuffer: ByteBuffer(string: #"{"error":"unauthorized","reason":"a valid bearer token is required"}"#)))
        }
        return try await next(request, context)
    }

    /// Whether `Bearer <token>` carries one of `tokens`. Every token is compared in full so the
    /// time taken does not depend on which token (or how much of it) matched.
    static func matches(_ header: String, tokens: [[UInt8]]) -> Bool {
        let bytes = Array(header.utf8)
        let prefix = Array("bearer ".utf8)
        guard bytes.count > prefix.count,
            zip(bytes.prefix(prefix.count), prefix).allSatisfy({ ($0 | 0x20) == $1 })
        else { return false }
        let presented = bytes[prefix.count...].drop { $0 == 0x20 }
        var matched = false
        for token in tokens where constantTimeEquals(presented, token) { matched = true }
        return matched
    }

    static func constantTimeEquals(_ a: ArraySlice<UInt8>, _ b: [UInt8]) -> Bool {
        var difference = UInt8(truncatingIfNeeded: a.count ^ b.count)
        let count = max(a.count, b.count)
        for i in 0..<count {
            let x = i < a.count ? a[a.startIndex + i] : 0
            let y = i < b.count ? b[i] : 0
            difference |= x ^ y
        }
        return difference == 0
    }
}
