/// One captured HTTP request as the gateway saw it (DESIGN §2, "Capture record").
///
/// This is the request model everything downstream reads: method, raw path and query, headers in
/// order with duplicates, body bytes, client, and the response status once known.
public struct CaptureRecord: Sendable, Equatable {
    /// Request id (ULID when generated here).
    public var id: String
    /// Milliseconds since the Unix epoch.
    public var ts: Int64
    /// The gateway node that captured it.
    public var node: String?
    public var clientIP: String?
    public var method: String
    public var scheme: String?
    public var host: String?
    /// Path and query as received (`/v1/users/42?expand=1`), not decoded.
    public var rawPath: String
    /// Header fields in arrival order; names as sent, duplicates kept.
    public var headers: [Header]
    public var body: [UInt8]
    /// The gateway cut the body at its capture limit.
    public var bodyTruncated: Bool
    public var status: Int?
    public var latencyMs: Double?
    public var responseBytes: Int?
    public var service: String?
    public var route: String?
    public var consumer: String?

    public struct Header: Sendable, Equatable {
        public var name: String
        public var value: String
        public init(_ name: String, _ value: String) {
            self.name = name
            self.value = value
        }
    }

    public init(
        id: String, ts: Int64, node: String? = nil, clientIP: String? = nil, method: String,
        scheme: String? = nil, host: String? = nil, rawPath: String, headers: [Header] = [],
        body: [UInt8] = [], bodyTruncated: Bool = false, status: Int? = nil, latencyMs: Double? = nil,
        responseBytes: Int? = nil, service: String? = nil, route: String? = nil, consumer: String? = nil
    ) {
        self.id = id
        self.ts = ts
        self.node = node
        self.clientIP = clientIP
        self.method = method
        self.scheme = scheme
        self.host = host
        self.rawPath = rawPath
        self.headers = headers
        self.body = body
        self.bodyTruncated = bodyTruncated
        self.status = status
        self.latencyMs = latencyMs
        self.responseBytes = responseBytes
        self.service = service
        self.route = route
        self.consumer = consumer
    }

    /// The path part of `rawPath` (before `?`, fragment dropped).
    public var path: Substring {
        let utf8 = rawPath.utf8
        let end = utf8.firstIndex(where: { $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "#") }) ?? utf8.endIndex
        return rawPath[..<end]
    }

    /// The query part of `rawPath` (after the first `?`, fragment dropped), nil when absent.
    public var query: Substring? {
        let utf8 = rawPath.utf8
        guard let mark = utf8.firstIndex(of: UInt8(ascii: "?")) else { return nil }
        let start = utf8.index(after: mark)
        let end = utf8[start...].firstIndex(of: UInt8(ascii: "#")) ?? utf8.endIndex
        return rawPath[start..<end]
    }

    /// The first header with this name, compared case-insensitively.
    public func header(_ name: String) -> String? {
        for header in headers where Self.equalsIgnoringASCIICase(header.name, name) { return header.value }
        return nil
    }

    static func equalsIgnoringASCIICase(_ a: String, _ b: String) -> Bool {
        let x = a.utf8
        let y = b.utf8
        guard x.count == y.count else { return false }
        // Over contiguous storage when both have it (zipping the UTF-8 views goes byte by byte
        // through their iterators).
        let contiguous = x.withContiguousStorageIfAvailable { x in
            y.withContiguousStorageIfAvailable { y in
                for index in 0..<x.count where Bytes.lower(x[index]) != Bytes.lower(y[index]) { return false }
                return true
            }
        }
        if let contiguous, let equal = contiguous { return equal }
        return zip(x, y).allSatisfy { Bytes.lower($0) == Bytes.lower($1) }
    }
}
