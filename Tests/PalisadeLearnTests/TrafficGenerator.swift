import PalisadeCore

@testable import PalisadeLearn

/// Deterministic pseudo-random numbers (SplitMix64), so generated traffic is the same every run.
typealias SplitMix = SplitMix64

/// Generates traffic for a known API (15+ endpoints) and turns it into observations the way a
/// worker would: decode, observe, and (the query decoder being someone else's work in progress)
/// split the query string into `query.<name>` parameters here.
struct TrafficGenerator {
    static let host = "api.example.com"

    /// Method and template of every endpoint, as discovery should find them.
    static let expectedTemplates: Set<String> = [
        "GET /users/{id}", "GET /users/me", "GET /users/{id}/orders/{uuid}", "POST /users/{id}/orders",
        "DELETE /users/{id}", "GET /v2/reports/summary", "GET /files/{hex}", "GET /api/2024/stats", "GET /search",
        "GET /articles/{param}", "GET /articles/trending", "POST /login", "GET /reports/daily/{date}",
        "GET /v1/health", "GET /invites/{email}", "GET /share/{token}", "GET /v2/items/{id}/reviews",
    ]

    var rng: SplitMix
    var n = 0
    let decoder = RequestDecoder()
    let builder = ObservationBuilder()

    init(seed: UInt64 = 42) { rng = SplitMix(seed: seed) }

    static let words = [
        "apple", "river", "stone", "cloud", "maple", "ember", "frost", "lumen", "orbit", "prism", "quartz", "raven",
        "solar", "tidal", "umber", "vivid", "willow", "yonder", "zephyr", "cobalt",
    ]

    mutating func int(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &rng) }
    mutating func word() -> String { Self.words[int(0...(Self.words.count - 1))] }
    mutating func hex(_ count: Int) -> String {
        String((0..<count).map { _ in Array("0123456789abcdef")[int(0...15)] })
    }
    mutating func uuid() -> String { hex(8) + "-" + hex(4) + "-4" + hex(3) + "-a" + hex(3) + "-" + hex(12) }
    mutating func slug() -> String { word() + "-" + word() + "-" + word() }
    mutating func token() -> String {
        String(
            (0..<24).map { i in
                i % 3 == 0 ? Array("0123456789")[int(0...9)] : Array("abcdefghijkmnpqrstuvwxyzABCDEFGH")[int(0...31)]
            })
    }

    /// One request of ordinary traffic.
    mutating func nextRecord() -> CaptureRecord {
        n += 1
        let user = int(1...5000)
        var method = "GET"
        var path: String
        var body = ""
        var headers: [CaptureRecord.Header] = [
            .init("user-agent", "Mozilla/5.0 (X11; Linux x86_64) palisade-test/" + String(int(1...3))),
            .init("accept", "application/json"),
            .init("x-request-id", hex(16)),
        ]
        switch int(0...99) {
        case 0..<12: path = "/users/\(user)"
        case 12..<16: path = "/users/me"
        case 16..<24: path = "/users/\(user)/orders/\(uuid())"
        case 24..<32:
            method = "POST"
            path = "/users/\(user)/orders"
            let items = (0..<int(1...3)).map { _ in
                "{\"sku\":\"SKU-\(int(1000...9999))\",\"qty\":\(int(1...9))}"
            }.joined(separator: ",")
            body =
                "{\"items\":[\(items)],\"currency\":\"EUR\""
                + (int(0...3) == 0 ? ",\"note\":\"leave at the \(word()) door\"" : "") + "}"
        case 32..<35:
            method = "DELETE"
            path = "/users/\(user)"
        case 35..<39: path = "/v2/reports/summary?from=2025-0\(int(1...9))-1\(int(0...9))"
        case 39..<45: path = "/files/\(hex(32))"
        case 45..<49: path = "/api/2024/stats"
        case 49..<60:
            path = "/search?q=\(word())+\(word())&page=\(int(1...20))" + (int(0...1) == 0 ? "&sort=asc" : "")
        case 60..<68: path = "/articles/\(slug())"
        case 68..<71: path = "/articles/trending"
        case 71..<77:
            method = "POST"
            path = "/login"
            body = "{\"username\":\"\(word()).\(word())\(int(1...99))@example.com\",\"password\":\"\(token())\"}"
        case 77..<82: path = "/reports/daily/2025-0\(int(1...9))-\(int(10...28))"
        case 82..<85: path = "/v1/health"
        case 85..<89: path = "/invites/\(word()).\(word())@example.org"
        case 89..<94: path = "/share/\(token())"
        default: path = "/v2/items/\(int(1...800))/reviews?limit=\(int(1...50))"
        }
        if !body.isEmpty { headers.append(.init("content-type", "application/json")) }
        if int(0...9) < 7 {
            headers.append(
                .init("authorization", "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI\(int(10...99))In0.c2lnbmF0dXJlX3Rlc3Q"))
        }
        return CaptureRecord(
            id: "req-" + String(n), ts: 1_763_700_000_000 + Int64(n) * 10, method: method, host: Self.host,
            rawPath: path, headers: headers, body: Array(body.utf8), status: 200)
    }

    /// The observation a worker would publish for a record.
    func observe(_ record: CaptureRecord) -> EndpointObservation {
        Self.observe(record, builder: builder, decoder: decoder)
    }

    static func observe(
        _ record: CaptureRecord, builder: ObservationBuilder = ObservationBuilder(),
        decoder: RequestDecoder = RequestDecoder()
    ) -> EndpointObservation {
        var o = builder.observe(record: record, decoded: decoder.decode(record))
        addQuery(record, to: &o)
        return o
    }

    /// Splits the query string into `query.<name>` parameters when the decoder left it whole.
    static func addQuery(_ record: CaptureRecord, to o: inout EndpointObservation) {
        guard let query = record.query, o.params.contains(where: { $0.location == "query" }) else { return }
        o.params.removeAll { $0.location == "query" }
        for pair in query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = String(parts[0])
            let value = parts.count > 1 ? String(parts[1]).replacingPlus() : ""
            let bytes = Array(value.utf8)
            o.params.append(
                ParamObservation(
                    location: "query" + LocationPath.key(name), source: .query, shape: ValueShape.classify(bytes[...]),
                    sensitive: SensitiveSet(Sensitive.kinds(in: bytes[...], fieldName: name))))
        }
    }

    mutating func observations(_ count: Int) -> [EndpointObservation] {
        (0..<count).map { _ in observe(nextRecord()) }
    }
}

extension String {
    func replacingPlus() -> String { String(map { $0 == "+" ? " " : $0 }) }
}
