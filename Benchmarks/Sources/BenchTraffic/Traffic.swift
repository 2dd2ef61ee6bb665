import Foundation
import PalisadeCore

extension CaptureRecord {
    public var approximateSize: Int {
        rawPath.utf8.count + body.count + headers.reduce(0) { $0 + $1.name.utf8.count + $1.value.utf8.count + 4 }
    }
}

/// Deterministic synthetic API traffic, ~1 KB per request: mostly benign JSON/form/GET calls with
/// realistic headers, a few percent nested payloads and attacks.
public enum Traffic {
    struct LCG: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return state
        }
    }

    public static let commonHeaders: [CaptureRecord.Header] = [
        .init(
            "user-agent",
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15"
        ),
        .init("accept", "application/json, text/plain, */*"),
        .init("accept-language", "en-GB,en;q=0.9"),
        .init("accept-encoding", "gzip, deflate, br"),
        .init("x-request-id", "0b9f8c1e-4a4d-4f55-9d0c-5f2b8f3e9a11"),
        .init(
            "authorization",
            "Bearer eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJ1c2VyLTEyMzQ1Iiwicm9sZSI6InVzZXIiLCJpYXQiOjE3NjM3MDAwMDB9.c2lnbmF0dXJlLXNpZ25hdHVyZS1zaWduYXR1cmU"
        ),
        .init("cookie", "session=9f86d081884c7d659a2feaa0c55ad015; theme=dark; consent=1"),
    ]

    /// `Bearer` tokens of `clients` clients (same header and signature, `sub` = user-<n>): with
    /// one client every request carries the same token (the JWT decoder's cache always hits);
    /// with as many clients as requests none repeats (every lookup misses).
    public static func bearerTokens(clients: Int) -> [String] {
        let shared = commonHeaders.first { $0.name == "authorization" }!.value
        guard clients > 1 else { return [shared] }
        let parts = shared.dropFirst("Bearer ".count).split(separator: ".")
        return (0..<clients).map { n in
            let payload = #"{"sub":"user-\#(10_000 + n)","role":"user","iat":1763700000}"#
            let encoded = Data(payload.utf8).base64EncodedString()
                .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
                .replacingOccurrences(of: "=", with: "")
            return "Bearer \(parts[0]).\(encoded).\(parts[2])"
        }
    }

    /// How much the values repeat across requests (`DECODE_BENCH_CLIENTS`).
    public enum Repetition: Equatable, Sendable {
        /// Every request carries the same headers, cookie and token (the default corpus: the best
        /// case for anything remembering values).
        case shared
        /// `n` clients in turn, each with its own `User-Agent`, session cookie, bearer token and
        /// address; `X-Request-Id` is unique per request, as gateways make it. Shared by all:
        /// `Accept*`, `Content-Type`, the enum-like body values.
        case clients(Int)
        /// Nothing repeats: on top of one client per request, every header value and every
        /// string the bodies and query carry is made unique per request.
        case unique

        /// `DECODE_BENCH_CLIENTS`: unset or 1 → shared, N → N clients, `unique` → unique.
        public init(environment: String?) {
            guard let environment else {
                self = .shared
                return
            }
            if environment == "unique" {
                self = .unique
            } else if let n = Int(environment), n > 1 {
                self = .clients(n)
            } else {
                self = .shared
            }
        }
    }

    /// What a browser's fetch and the proxies in front of the gateway add to every request
    /// (`DECODE_BENCH_HEADERS=gateway`): forwarding headers with the client's address, a trace id
    /// unique per request, the page it came from, client hints and fetch metadata. About 390
    /// bytes, which bring the corpus from ~710 to ~1,100 bytes per request.
    public static func gatewayHeaders(clientIP: String, request i: Int, id: Int) -> [CaptureRecord.Header] {
        [
            .init("x-forwarded-for", "\(clientIP), 10.20.0.4"),
            .init("x-forwarded-proto", "https"),
            .init("x-amzn-trace-id", "Root=1-6921e3c0-\(String(0x5a1f_0000_0000 + i, radix: 16))00a1b2c3"),
            .init("referer", "https://app.example.com/orders/\(id)?tab=items"),
            .init("origin", "https://app.example.com"),
            .init("sec-ch-ua", #""Chromium";v="131", "Google Chrome";v="131", "Not_A Brand";v="24""#),
            .init("sec-ch-ua-mobile", "?0"),
            .init("sec-ch-ua-platform", #""macOS""#),
            .init("sec-fetch-site", "same-site"),
            .init("sec-fetch-mode", "cors"),
            .init("sec-fetch-dest", "empty"),
        ]
    }

    /// The capture records of a JSON-lines file (`DECODE_BENCH_FILE`); exits on an unreadable
    /// file or a malformed line, naming it.
    public static func records(inFile path: String) -> [CaptureRecord] {
        guard let data = FileManager.default.contents(atPath: path) else {
            FileHandle.standardError.write(Data("DecodeBench: cannot read \(path)\n".utf8))
            exit(66)
        }
        var records: [CaptureRecord] = []
        for (index, line) in data.split(separator: UInt8(ascii: "\n")).enumerated() where !line.isEmpty {
            do {
                records.append(try CaptureRecord.parse(json: line, lineNumber: index + 1, now: 0))
            } catch {
                FileHandle.standardError.write(Data("DecodeBench: \(path): \(error)\n".utf8))
                exit(65)
            }
        }
        return records
    }

    public static func mixed(
        count: Int, jwtClients: Int = 1, repetition: Repetition = .shared,
        gatewayHeaders addGatewayHeaders: Bool = false
    ) -> [CaptureRecord] {
        var rng = LCG(state: 42)
        var out: [CaptureRecord] = []
        let clients: Int
        switch repetition {
        case .shared: clients = 1
        case .clients(let n): clients = n
        case .unique: clients = count
        }
        let tokens = bearerTokens(clients: max(jwtClients, clients))
        for i in 0..<count {
            let roll = Int(rng.next() % 100)
            let id = Int(rng.next() % 100_000)
            var headers = commonHeaders
            if tokens.count > 1, let slot = headers.firstIndex(where: { $0.name == "authorization" }) {
                headers[slot] = .init("authorization", tokens[i % tokens.count])
            }
            // `u`: a per-request suffix on the strings every client shares (`unique` only).
            let u = repetition == .unique ? "-\(i)" : ""
            var clientIP = "203.0.113.\(i % 250)"
            if clients > 1 {
                let client = i % clients
                clientIP = "10.\(client / 65536 % 256).\(client / 256 % 256).\(client % 256)"
                for slot in headers.indices {
                    switch headers[slot].name {
                    case "user-agent":
                        headers[slot] = .init(
                            "user-agent",
                            "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_\(client % 10)) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.\(client) Safari/605.1.15"
                        )
                    case "cookie":
                        headers[slot] = .init(
                            "cookie",
                            "session=\(String(client &* 2_654_435_761, radix: 16))9f86d081884c; theme=dark\(u); consent=1\(u)"
                        )
                    case "x-request-id":
                        headers[slot] = .init(
                            "x-request-id", "0b9f8c1e-4a4d-4f55-9d0c-\(String(100_000_000 + i, radix: 16))")
                    case "accept", "accept-language", "accept-encoding":
                        if !u.isEmpty { headers[slot] = .init(headers[slot].name, headers[slot].value + ";r=\(i)") }
                    default: break
                    }
                }
            }
            if addGatewayHeaders { headers += gatewayHeaders(clientIP: clientIP, request: i, id: id) }
            let json = "application/json" + (u.isEmpty ? "" : "; r=\(i)")
            var body = ""
            var method = "GET"
            var path = "/v1/users/\(id)?expand=profile\(u)&fields=name,email,created_at\(u)&page=\(i % 7)\(u)"
            switch roll {
            case 0..<45:
                break
            case 45..<75:
                method = "POST"
                path = "/v1/orders"
                headers.append(.init("content-type", json))
                body = """
                    {"customer":{"id":\(id),"name":"Ada O'Brien\(u)","email":"ada\(id)\(u)@example.com"},\
                    "items":[{"sku":"SKU-\(id % 97)\(u)","qty":\(i % 5 + 1),"note":"Leave at the door, please — ring twice\(u)"},\
                    {"sku":"SKU-\(id % 89)\(u)","qty":1,"note":"gift wrap\(u)"}],"shipping":{"street":"12 Union Street\(u)",\
                    "city":"London\(u)","zip":"N1 9GU\(u)"},"coupon":null,"total":"129.90\(u)","currency":"GBP\(u)"}
                    """
            case 75..<87:
                method = "POST"
                path = "/v1/login"
                headers.append(.init("content-type", "application/x-www-form-urlencoded"))
                body =
                    "username=user\(id)\(u)%40example.com&password=correct+horse+battery+staple\(u)&remember=1\(u)&next=%2Fhome\(u)"
            case 87..<93:
                method = "POST"
                path = "/graphql"
                headers.append(.init("content-type", json))
                body =
                    #"{"query":"query Orders\#(u.replacingOccurrences(of: "-", with: "_"))($first: Int) { viewer { orders(first: $first) { id total items { sku } } } }","variables":{"first":20}}"#
            case 93..<97:
                method = "PUT"
                path = "/v1/documents/\(id)"
                headers.append(.init("content-type", json))
                // Base64 JSON inside JSON (the matryoshka case, benign).
                let meta =
                    u.isEmpty
                    ? "eyJhdXRob3IiOiJhZGEiLCJ0YWdzIjpbImZpbmFuY2UiLCJxMyJdfQ=="
                    : Data(#"{"author":"ada\#(u)","tags":["finance","q3\#(u)"]}"#.utf8).base64EncodedString()
                body =
                    #"{"title":"Q3 report\#(u)","meta":"\#(meta)","body":"Revenue grew 12% year over year; see the appendix for details\#(u)."}"#
            default:
                path = "/v1/search?q=1%27%20UNION%20SELECT%20password\(u)%20FROM%20users--&sort=desc\(u)"
                body = ""
            }
            out.append(
                CaptureRecord(
                    id: "r\(i)", ts: 1_763_700_000_000 + Int64(i), clientIP: clientIP, method: method,
                    host: "api.example.com", rawPath: path, headers: headers, body: Array(body.utf8), status: 200))
        }
        return out
    }
}
