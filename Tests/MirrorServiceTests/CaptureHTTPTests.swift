import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import PalisadeCore
import PalisadeRuntime
import PalisadeTransport
import Testing

@testable import MirrorService

/// Component tests of the capture listener over the in-process transport.
@Suite(.timeLimit(.minutes(1)))
struct CaptureHTTPTests {
    let auth: HTTPFields = [.authorization: "Bearer node-1-token", .contentType: "application/x-ndjson"]

    func json(_ buffer: ByteBuffer) throws -> JSONValue {
        try JSONReader(maxDepth: 8).parse(Array(buffer.readableBytesView))
    }

    func int(_ value: JSONValue?) -> Int? {
        if case .number(let text) = value { return Int(text) }
        return nil
    }

    @Test func aBatchIsAcceptedAndArrivesInOrder() async throws {
        let transport = try await inProcessTransport()
        let mirror = try buildMirror(
            configuration: testConfiguration(), transport: transport, logger: testLogger, metrics: PalisadeMetrics())
        let ids = try await mirror.application().test(.router) { client in
            let response = try await client.execute(
                uri: "/v1/capture", method: .post, headers: auth, body: ByteBuffer(string: ndjson(250)))
            #expect(response.status == .accepted)
            let body = try json(response.body)
            #expect(int(body["accepted"]) == 250)
            #expect(int(body["rejected"]) == 0)
            guard case .array(let list) = body["ids"] else { throw CancellationError() }
            return list.compactMap(\.stringValue)
        }
        let records = try await readRequests(transport, count: 250)
        #expect(records.count == 250)
        #expect(records.map(\.rawPath) == (0..<250).map { "/items/\($0)" })
        #expect(records.map(\.id) == ids)
        #expect(records.allSatisfy { $0.clientIP == "203.0.113.7" && $0.method == "GET" && $0.ts > 0 })
    }

    @Test func concurrentProduceWorkersKeepBufferOrder() async throws {
        // Four produce workers, small batches and a producer that hands each batch on after a
        // random delay: batches must still land in the order they were accepted.
        let base = try await inProcessTransport()
        let transport = ControlledTransport(base: base, jitterMs: 3)
        var configuration = testConfiguration()
        configuration.produceConcurrency = 4
        configuration.produceBatchRecords = 10
        // The application stops when the test closure returns; its drain must outlast the
        // jittered batches even on a loaded machine.
        configuration.shutdownDrainTimeoutMs = 50_000
        let mirror = try buildMirror(
            configuration: configuration, transport: transport, logger: testLogger, metrics: PalisadeMetrics())
        try await mirror.application().test(.router) { client in
            for start in stride(from: 0, to: 300, by: 100) {
                let response = try await client.execute(
                    uri: "/v1/capture", method: .post, headers: auth,
                    body: ByteBuffer(string: ndjson(100, start: start)))
                #expect(response.status == .accepted)
            }
        }
        let records = try await readRequests(base, count: 300)
        #expect(records.map(\.rawPath) == (0..<300).map { "/items/\($0)" })
        #expect(transport.batches.load(ordering: .relaxed) >= 30)
    }

    @Test func malformedLinesAreRejectedWithLineNumbersAndTheRestKept() async throws {
        let transport = try await inProcessTransport()
        let metrics = PalisadeMetrics()
        let mirror = try buildMirror(
            configuration: testConfiguration(maxLineBytes: 1_024), transport: transport, logger: testLogger,
            metrics: metrics)
        let body = [
            #"{"method":"GET","path":"/ok/1"}"#, "not json", #"{"method":"GET"}"#,
            #"{"method":"GET","path":"/big/"# + String(repeating: "x", count: 2_000) + #""}"#,
            #"{"method":"POST","path":"/ok/2","body":"a=1"}"#,
        ].joined(separator: "\n")
        try await mirror.application().test(.router) { client in
            try await client.execute(uri: "/v1/capture", method: .post, headers: auth, body: ByteBuffer(string: body)) {
                response in
                #expect(response.status == .accepted)
                let json = try json(response.body)
                #expect(int(json["accepted"]) == 2)
                #expect(int(json["rejected"]) == 3)
                guard case .array(let errors) = json["errors"] else { throw CancellationError() }
                #expect(errors.compactMap { int($0["line"]) } == [2, 3, 4])
                #expect(errors[1]["reason"]?.stringValue == "missing required field 'path'")
            }
            try await client.execute(uri: "/metrics", method: .get, headers: auth) { response in
                let text = String(buffer: response.body)
                #expect(text.contains(#"palisade_mirror_records_rejected_total{reason="invalid_json"} 1"#))
                #expect(text.contains(#"palisade_mirror_records_rejected_total{reason="line_too_large"} 1"#))
                #expect(text.contains(#"palisade_mirror_records_accepted_total{listener="capture"} 2"#))
            }
        }
        let records = try await readRequests(transport, count: 2)
        #expect(records.map(\.rawPath) == ["/ok/1", "/ok/2"])
    }

    @Test func gzipBodiesAreInflatedWithinTheirBound() async throws {
        let transport = try await inProcessTransport()
        var config = testConfiguration()
        config.maxInflatedBytes = 4_096
        let mirror = try buildMirror(configuration: config, transport: transport, logger: testLogger, metrics: nil)
        let headers: HTTPFields = {
            var headers = auth
            headers[.contentEncoding] = "gzip"
            return headers
        }()
        try await mirror.application().test(.router) { client in
            try await client.execute(
                uri: "/v1/capture", method: .post, headers: headers,
                body: ByteBuffer(bytes: storedGzip(Array(ndjson(20).utf8)))
            ) { response in
                #expect(response.status == .accepted)
                let accepted = try json(response.body)["accepted"]
                #expect(int(accepted) == 20)
            }
            // Inflates beyond max_inflated_bytes: 413, nothing kept.
            try await client.execute(
                uri: "/v1/capture", method: .post, headers: headers,
                body: ByteBuffer(bytes: storedGzip(Array(ndjson(200).utf8)))
            ) { response in
                #expect(response.status == .contentTooLarge)
            }
            try await client.execute(
                uri: "/v1/capture", method: .post, headers: headers, body: ByteBuffer(string: "not gzip at all")
            ) { response in
                #expect(response.status == .badRequest)
                #expect(String(buffer: response.body).contains("invalid_gzip"))
            }
            var brotli = auth
            brotli[.contentEncoding] = "br"
            try await client.execute(uri: "/v1/capture", method: .post, headers: brotli, body: ByteBuffer(string: "x"))
            {
                #expect($0.status == .unsupportedMediaType)
            }
        }
        #expect(try await readRequests(transport, count: 20).count == 20)
    }

    @Test func missingOrWrongTokensAre401AndNeverEchoed() async throws {
        let transport = try await inProcessTransport()
        let metrics = PalisadeMetrics()
        let mirror = try buildMirror(
            configuration: testConfiguration(), transport: transport, logger: testLogger, metrics: metrics)
        try await mirror.application().test(.router) { client in
            try await client.execute(uri: "/v1/capture", method: .post, body: ByteBuffer(string: ndjson(1))) {
                #expect($0.status == .unauthorized)
            }
            for presented in ["Bearer wrong-token", "Bearer node-1-toke", "Bearer node-1-tokenX", "Basic bm9kZS0x"] {
                try await client.execute(
                    uri: "/v1/capture", method: .post, headers: [.authorization: presented],
                    body: ByteBuffer(string: ndjson(1))
                ) { response in
                    #expect(response.status == .unauthorized)
                    let text = String(buffer: response.body)
                    #expect(!text.contains("token-") && !text.contains("wrong") && !text.contains("node-1"))
                }
            }
            // The second node's token works too.
            try await client.execute(
                uri: "/v1/capture", method: .post, headers: [.authorization: "Bearer node-2-token"],
                body: ByteBuffer(string: ndjson(1))
            ) { #expect($0.status == .accepted) }
            try await client.execute(uri: "/healthz", method: .get) { #expect($0.status == .ok) }
            try await client.execute(uri: "/metrics", method: .get, headers: auth) { response in
                let text = String(buffer: response.body)
                #expect(text.contains(#"palisade_mirror_requests_total{listener="capture",outcome="unauthorized"} 5"#))
                #expect(!text.contains("node-1-token"))
            }
        }
        #expect(try await readRequests(transport, count: 1).count == 1)
    }

    @Test func bodiesOverTheLimitAre413() async throws {
        let transport = try await inProcessTransport()
        let mirror = try buildMirror(
            configuration: testConfiguration(maxBodyBytes: 2_048), transport: transport, logger: testLogger,
            metrics: nil)
        try await mirror.application().test(.router) { client in
            try await client.execute(
                uri: "/v1/capture", method: .post, headers: auth, body: ByteBuffer(string: ndjson(100))
            ) {
                response in
                #expect(response.status == .contentTooLarge)
                #expect(String(buffer: response.body).contains("body_too_large"))
            }
            try await client.execute(
                uri: "/v1/capture", method: .post, headers: auth, body: ByteBuffer(string: ndjson(5))
            ) {
                #expect($0.status == .accepted)
            }
        }
    }

    @Test func aSlowBodyTimesOut() async throws {
        let (stream, continuation) = AsyncStream.makeStream(of: ByteBuffer.self)
        continuation.yield(ByteBuffer(string: "{\"method\":"))
        let outcome = try await BodyReader.read(
            RequestBody(asyncSequence: stream), limit: 1_000, truncate: false, timeout: .milliseconds(100))
        guard case .timedOut = outcome else {
            Issue.record("expected a timeout, got \(outcome)")
            return
        }
        continuation.finish()
    }

    @Test func aBlockedTransportFillsTheBufferThenSheds503WithRetryAfter() async throws {
        let base = try await inProcessTransport()
        let gate = Gate()
        let transport = ControlledTransport(base: base, gate: gate)
        let metrics = PalisadeMetrics()
        var config = testConfiguration(bufferMaxRecords: 300)
        config.retryAfterSeconds = 2
        let mirror = try buildMirror(configuration: config, transport: transport, logger: testLogger, metrics: metrics)
        let accepted = try await mirror.application().test(.router) { client in
            var accepted = 0
            var shed = 0
            for i in 0..<6 {
                let response = try await client.execute(
                    uri: "/v1/capture", method: .post, headers: auth,
                    body: ByteBuffer(string: ndjson(100, start: i * 100))
                )
                if response.status == .accepted {
                    accepted += 100
                } else {
                    #expect(response.status == .serviceUnavailable)
                    #expect(response.headers[.retryAfter] == "2")
                    #expect(String(buffer: response.body).contains("overloaded"))
                    shed += 1
                }
            }
            #expect(accepted == 300)
            #expect(shed == 3)
            try await client.execute(uri: "/readyz", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
                #expect(String(buffer: response.body).contains("buffer full"))
            }
            try await client.execute(uri: "/metrics", method: .get, headers: auth) { response in
                let text = String(buffer: response.body)
                #expect(text.contains("palisade_mirror_records_shed_total 300"))
                #expect(text.contains(#"palisade_mirror_requests_total{listener="capture",outcome="shed"} 3"#))
                #expect(text.contains("palisade_mirror_buffer_records 300"))
            }
            // The transport recovers: the buffer drains and requests are accepted again.
            gate.open()
            let clock = ContinuousClock()
            let deadline = clock.now + .seconds(5)
            while mirror.pipeline.buffer.depth.records > 0, clock.now < deadline {
                try await Task.sleep(for: .milliseconds(10))
            }
            let last = try await client.execute(
                uri: "/v1/capture", method: .post, headers: auth, body: ByteBuffer(string: ndjson(100, start: 600)))
            #expect(last.status == .accepted)
            if last.status == .accepted { accepted += 100 }
            try await client.execute(uri: "/readyz", method: .get) { #expect($0.status == .ok) }
            return accepted
        }
        // Everything answered 202 is on the topic.
        let records = try await readRequests(base, count: accepted)
        #expect(records.count == 400)
    }

    @Test func retriableProduceFailuresAreRetriedAndNothingIsLost() async throws {
        let base = try await inProcessTransport()
        let transport = ControlledTransport(base: base, failures: 3)
        let metrics = PalisadeMetrics()
        let mirror = try buildMirror(
            configuration: testConfiguration(), transport: transport, logger: testLogger, metrics: metrics)
        try await mirror.application().test(.router) { client in
            try await client.execute(
                uri: "/v1/capture", method: .post, headers: auth, body: ByteBuffer(string: ndjson(50))
            ) {
                #expect($0.status == .accepted)
            }
            let records = try await readRequests(base, count: 50)
            #expect(records.map(\.rawPath) == (0..<50).map { "/items/\($0)" })
            try await client.execute(uri: "/metrics", method: .get, headers: auth) { response in
                let text = String(buffer: response.body)
                #expect(text.contains(#"palisade_mirror_produce_errors_total{retriable="true"} 150"#))
                #expect(text.contains("palisade_mirror_records_produced_total 50"))
            }
        }
    }

    @Test func readinessFollowsTheTransport() async throws {
        let base = try await inProcessTransport()
        // Fails far more often than the test lasts: the transport stays down.
        let transport = ControlledTransport(base: base, failures: 1_000_000)
        let mirror = try buildMirror(
            configuration: testConfiguration(), transport: transport, logger: testLogger, metrics: nil)
        try await mirror.application().test(.router) { client in
            try await client.execute(uri: "/readyz", method: .get) { #expect($0.status == .ok) }
            try await client.execute(
                uri: "/v1/capture", method: .post, headers: auth, body: ByteBuffer(string: ndjson(1))
            ) {
                #expect($0.status == .accepted)
            }
            try await Task.sleep(for: .milliseconds(100))
            try await client.execute(uri: "/readyz", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
                #expect(String(buffer: response.body).contains("transport failing: timed_out"))
            }
            transport.failures.store(0, ordering: .relaxed)
            var status = HTTPResponse.Status.serviceUnavailable
            for _ in 0..<100 where status != .ok {
                try await Task.sleep(for: .milliseconds(50))
                status = try await client.execute(uri: "/readyz", method: .get).status
            }
            #expect(status == .ok)
        }
    }

    @Test func gracefulShutdownDrainsWhatWasAccepted() async throws {
        let base = try await inProcessTransport()
        // 50 ms per produce call of at most 100 records, 2 in flight: 1 000 records need ≈ 250 ms.
        let transport = ControlledTransport(base: base, delay: .milliseconds(50))
        let mirror = try buildMirror(
            configuration: testConfiguration(), transport: transport, logger: testLogger, metrics: nil)
        try await mirror.application().test(.router) { client in
            for i in 0..<10 {
                try await client.execute(
                    uri: "/v1/capture", method: .post, headers: auth,
                    body: ByteBuffer(string: ndjson(100, start: i * 100))
                ) { #expect($0.status == .accepted) }
            }
            #expect(mirror.pipeline.buffer.depth.records > 0, "records still buffered when shutdown begins")
        }
        // The application has shut down: the pipeline produced everything before returning.
        #expect(mirror.pipeline.buffer.depth.records == 0)
        let records = try await readRequests(base, count: 1_000)
        #expect(Set(records.map(\.rawPath)) == Set((0..<1_000).map { "/items/\($0)" }))
    }
}

/// A gzip member with stored (uncompressed) deflate blocks: valid gzip without a compressor.
func storedGzip(_ data: [UInt8]) -> [UInt8] {
    var out: [UInt8] = [0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 0xFF]
    var offset = 0
    repeat {
        let count = min(65_535, data.count - offset)
        let last = offset + count == data.count
        out.append(last ? 1 : 0)
        out += [UInt8(count & 0xFF), UInt8(count >> 8), UInt8(~count & 0xFF), UInt8((~count >> 8) & 0xFF)]
        out += data[offset..<(offset + count)]
        offset += count
    } while offset < data.count
    var crc: UInt32 = 0xFFFF_FFFF
    for byte in data {
        crc ^= UInt32(byte)
        for _ in 0..<8 { crc = (crc >> 1) ^ (0xEDB8_8320 & (0 &- (crc & 1))) }
    }
    crc ^= 0xFFFF_FFFF
    let size = UInt32(truncatingIfNeeded: data.count)
    for value in [crc, size] { out += (0..<4).map { UInt8((value >> (8 * $0)) & 0xFF) } }
    return out
}
