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

        /// The engine's own string for a header name it knows (`HeaderRoots`: the common request
        /// headers, lowercase) when `bytes` are exactly that name; nil otherwise. A reader of
        /// records shares it instead of checking and building the name again for every request.
        public static func knownName(_ bytes: UnsafeBufferPointer<UInt8>) -> String? {
            HeaderRoots.standard.knownName(bytes)
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
        let (pathEnd, _) = pathAndQuery
        let utf8 = rawPath.utf8
        return rawPath[..<utf8.index(utf8.startIndex, offsetBy: pathEnd)]
    }

    /// The query part of `rawPath` (after the first `?`, fragment dropped), nil when absent.
    public var query: Substring? {
        guard let query = pathAndQuery.query else { return nil }
        let utf8 = rawPath.utf8
        let start = utf8.index(utf8.startIndex, offsetBy: query.lowerBound)
        return rawPath[start..<utf8.index(start, offsetBy: query.count)]
    }

    /// Calls `body` with the UTF-8 bytes of `path`, read in place (no `Substring` made).
    public func withPathUTF8<R>(_ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        var rawPath = rawPath
        return try rawPath.withUTF8 { try body(UnsafeBufferPointer(rebasing: $0[..<Self.pathEnd($0)])) }
    }

    /// Where `path` ends and where `query` lies in `rawPath`'s UTF-8 bytes.
    var pathAndQuery: (pathEnd: Int, query: Range<Int>?) {
        var rawPath = rawPath
        return rawPath.withUTF8(Self.pathAndQuery)
    }

    /// Where the path part of a raw path's bytes ends: at the first `?` or `#`, read over their
    /// storage (searching the `UTF8View` goes byte by byte through its iterator).
    static func pathEnd(_ bytes: UnsafeBufferPointer<UInt8>) -> Int {
        var index = 0
        while index < bytes.count, bytes[index] != UInt8(ascii: "?"), bytes[index] != UInt8(ascii: "#") { index += 1 }
        return index
    }

    /// `pathAndQuery` over the bytes: the path ends at `pathEnd`; the query runs from after the
    /// first `?` to the first `#` after it.
    static func pathAndQuery(_ bytes: UnsafeBufferPointer<UInt8>) -> (pathEnd: Int, query: Range<Int>?) {
        let pathEnd = pathEnd(bytes)
        var mark = pathEnd
        while mark < bytes.count, bytes[mark] != UInt8(ascii: "?") { mark += 1 }
        guard mark < bytes.count else { return (pathEnd, nil) }
        var end = mark + 1
        while end < bytes.count, bytes[end] != UInt8(ascii: "#") { end += 1 }
        return (pathEnd, (mark + 1)..<end)
    }

    /// The first header with this name, compared case-insensitively.
    public func header(_ name: String) -> String? {
        // Read in place: `for header in headers` copied each one (a retain and release of its
        // name and value) on the way to the one asked for.
        headers.withUnsafeBufferPointer { all in
            for index in all.indices {
                let header = all.baseAddress! + index
                if Self.equalsIgnoringASCIICase(header.pointee.name, name) { return header.pointee.value }
            }
            return nil
        }
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
