import Hummingbird
import HummingbirdTesting
import NIOCore
import PalisadeCore
import PalisadePolicy
import PalisadeTransport
import Testing

@testable import MirrorService

/// The raw mirror listener over a real loopback socket (the peer address matters).
@Suite(.timeLimit(.minutes(1)))
struct RawMirrorTests {
    func mirrored(trusted: [String]) async throws -> (status: [HTTPResponse.Status], records: [CaptureRecord]) {
        let transport = try await inProcessTransport()
        let mirror = try buildMirror(
            configuration: testConfiguration(raw: true, trustedProxies: trusted), transport: transport,
            logger: testLogger, metrics: nil)
        let statuses = try await mirror.rawApplication(includingPipeline: true).test(.live) { client in
            var statuses: [HTTPResponse.Status] = []
            // The original request: its Authorization belongs to the client and is captured.
            var headers: HTTPFields = [.authorization: "Bearer client-jwt", .contentType: "application/json"]
            headers[.init("x-palisade-token")!] = "raw-token"
            headers[.init("x-forwarded-for")!] = "198.51.100.9, 10.0.0.1"
            statuses.append(
                try await client.execute(
                    uri: "/v1/users/42?expand=1", method: .post, headers: headers,
                    body: ByteBuffer(string: #"{"name":"x"}"#)
                ).status)
            // No token, a wrong token: refused, nothing captured.
            statuses.append(try await client.execute(uri: "/anything", method: .get).status)
            var wrong = HTTPFields()
            wrong[.init("x-palisade-token")!] = "node-1-token"
            statuses.append(try await client.execute(uri: "/anything", method: .get, headers: wrong).status)
            return statuses
        }
        return (statuses, try await readRequests(transport, count: 1, timeout: .seconds(3)))
    }

    @Test func theClientAddressHeaderIsBelievedFromATrustedProxy() async throws {
        let (statuses, records) = try await mirrored(trusted: ["127.0.0.0/8", "::1/128"])
        #expect(statuses == [.accepted, .unauthorized, .unauthorized])
        #expect(records.count == 1)
        let record = try #require(records.first)
        #expect(record.method == "POST")
        #expect(record.rawPath == "/v1/users/42?expand=1")
        #expect(record.clientIP == "198.51.100.9")
        #expect(record.body == Array(#"{"name":"x"}"#.utf8))
        #expect(record.header("authorization") == "Bearer client-jwt")
        #expect(record.header("x-palisade-token") == nil, "the mirror's own token is never stored")
        #expect(record.node == "nginx-mirror")
    }

    @Test func anUntrustedPeerIsTheClient() async throws {
        let (_, records) = try await mirrored(trusted: ["10.0.0.0/8"])
        let record = try #require(records.first)
        #expect(record.clientIP == "127.0.0.1" || record.clientIP == "::1")
    }

    @Test func clientAddressRules() {
        let trusted = [CIDR("10.0.0.0/8")!]
        #expect(
            RawMirrorResponder.clientIP(peer: "10.1.2.3", header: ["203.0.113.5, 10.1.1.1"], trusted: trusted)
                == "203.0.113.5")
        #expect(RawMirrorResponder.clientIP(peer: "10.1.2.3", header: ["not-an-ip"], trusted: trusted) == "10.1.2.3")
        #expect(RawMirrorResponder.clientIP(peer: "10.1.2.3", header: [], trusted: trusted) == "10.1.2.3")
        #expect(
            RawMirrorResponder.clientIP(peer: "192.0.2.1", header: ["203.0.113.5"], trusted: trusted) == "192.0.2.1")
        #expect(
            RawMirrorResponder.clientIP(peer: "::ffff:10.0.0.7", header: ["2001:db8::1"], trusted: trusted)
                == "2001:db8::1")
        #expect(RawMirrorResponder.clientIP(peer: "192.0.2.1", header: ["203.0.113.5"], trusted: []) == "192.0.2.1")
    }
}

@Suite(.timeLimit(.minutes(1)))
struct RawMirrorLimitTests {
    @Test func aLongBodyIsCutAndMarkedTruncated() async throws {
        let transport = try await inProcessTransport()
        let mirror = try buildMirror(
            configuration: testConfiguration(maxLineBytes: 1_024, raw: true), transport: transport, logger: testLogger,
            metrics: nil)
        let status = try await mirror.rawApplication(includingPipeline: true).test(.live) { client in
            var headers = HTTPFields()
            headers[.init("x-palisade-token")!] = "raw-token"
            return try await client.execute(
                uri: "/upload", method: .put, headers: headers, body: ByteBuffer(repeating: 0x61, count: 5_000)
            ).status
        }
        #expect(status == .accepted)
        let record = try #require(try await readRequests(transport, count: 1, timeout: .seconds(3)).first)
        #expect(record.method == "PUT")
        #expect(record.body.count == 1_024)
        #expect(record.bodyTruncated)
    }
}
