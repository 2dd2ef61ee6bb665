import Foundation
import PalisadeDetect

extension CaptureRecord {
    var approximateSize: Int {
        rawPath.utf8.count + body.count + headers.reduce(0) { $0 + $1.name.utf8.count + $1.value.utf8.count + 4 }
    }
}

/// Deterministic synthetic API traffic, ~1 KB per request: mostly benign JSON/form/GET calls with
/// realistic headers, a few percent nested payloads and attacks.
enum Traffic {
    struct LCG: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return state
        }
    }

    static let commonHeaders: [CaptureRecord.Header] = [
        .init("user-agent", "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15"),
        .init("accept", "application/json, text/plain, */*"),
        .init("accept-language", "en-GB,en;q=0.9"),
        .init("accept-encoding", "gzip, deflate, br"),
        .init("x-request-id", "0b9f8c1e-4a4d-4f55-9d0c-5f2b8f3e9a11"),
        .init("authorization", "Bearer eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJ1c2VyLTEyMzQ1Iiwicm9sZSI6InVzZXIiLCJpYXQiOjE3NjM3MDAwMDB9.c2lnbmF0dXJlLXNpZ25hdHVyZS1zaWduYXR1cmU"),
        .init("cookie", "session=9f86d081884c7d659a2feaa0c55ad015; theme=dark; consent=1"),
    ]

    /// `Bearer` tokens of `clients` clients (same header and signature, `sub` = user-<n>): with
    /// one client every request carries the same token (the JWT decoder's cache always hits);
    /// with as many clients as requests none repeats (every lookup misses).
    static func bearerTokens(clients: Int) -> [String] {
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

    static func mixed(count: Int, jwtClients: Int = 1) -> [CaptureRecord] {
        var rng = LCG(state: 42)
        var out: [CaptureRecord] = []
        let tokens = bearerTokens(clients: jwtClients)
        for i in 0..<count {
            let roll = Int(rng.next() % 100)
            let id = Int(rng.next() % 100_000)
            var headers = commonHeaders
            if tokens.count > 1, let slot = headers.firstIndex(where: { $0.name == "authorization" }) {
                headers[slot] = .init("authorization", tokens[i % tokens.count])
            }
            var body = ""
            var method = "GET"
            var path = "/v1/users/\(id)?expand=profile&fields=name,email,created_at&page=\(i % 7)"
            switch roll {
            case 0..<45:
                break
            case 45..<75:
                method = "POST"
                path = "/v1/orders"
                headers.append(.init("content-type", "application/json"))
                body = """
                    {"customer":{"id":\(id),"name":"Ada O'Brien","email":"ada\(id)@example.com"},\
                    "items":[{"sku":"SKU-\(id % 97)","qty":\(i % 5 + 1),"note":"Leave at the door, please — ring twice"},\
                    {"sku":"SKU-\(id % 89)","qty":1,"note":"gift wrap"}],"shipping":{"street":"12 Union Street",\
                    "city":"London","zip":"N1 9GU"},"coupon":null,"total":"129.90","currency":"GBP"}
                    """
            case 75..<87:
                method = "POST"
                path = "/v1/login"
                headers.append(.init("content-type", "application/x-www-form-urlencoded"))
                body = "username=user\(id)%40example.com&password=correct+horse+battery+staple&remember=1&next=%2Fhome"
            case 87..<93:
                method = "POST"
                path = "/graphql"
                headers.append(.init("content-type", "application/json"))
                body = #"{"query":"query Orders($first: Int) { viewer { orders(first: $first) { id total items { sku } } } }","variables":{"first":20}}"#
            case 93..<97:
                method = "PUT"
                path = "/v1/documents/\(id)"
                headers.append(.init("content-type", "application/json"))
                // Base64 JSON inside JSON (the matryoshka case, benign).
                body = #"{"title":"Q3 report","meta":"eyJhdXRob3IiOiJhZGEiLCJ0YWdzIjpbImZpbmFuY2UiLCJxMyJdfQ==","body":"Revenue grew 12% year over year; see the appendix for details."}"#
            default:
                path = "/v1/search?q=1%27%20UNION%20SELECT%20password%20FROM%20users--&sort=desc"
                body = ""
            }
            out.append(
                CaptureRecord(
                    id: "r\(i)", ts: 1_763_700_000_000 + Int64(i), clientIP: "203.0.113.\(i % 250)", method: method,
                    host: "api.example.com", rawPath: path, headers: headers, body: Array(body.utf8), status: 200))
        }
        return out
    }
}
