import Foundation
import Hummingbird
import HummingbirdTesting
import PalisadeRuntime
import PalisadeTransport
import Synchronization
import Testing

@testable import MirrorService
@testable import PalisadeCLI

/// `palisade replay` against an in-process mirror on a loopback port.
@Suite(.timeLimit(.minutes(1)))
struct ReplayTests {
    func file(_ text: String, suffix: String = ".jsonl") throws -> String {
        let path = NSTemporaryDirectory() + "replay-\(UUID().uuidString)\(suffix)"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func replay(_ path: String, port: Int, configure: (inout Replayer.Options) -> Void = { _ in }) async throws
        -> (Replayer.Report, String)
    {
        var options = Replayer.Options(url: "http://127.0.0.1:\(port)/v1/capture")
        options.token = "node-1-token"
        options.progress = false
        configure(&options)
        var err = OutputSink.memory()
        let report = try await Replayer(options: options).run(path: path, err: &err)
        err.flush()
        return (report, err.capturedText)
    }

    @Test func sendsAFileInBatches() async throws {
        let transport = try await inProcessTransport()
        let mirror = try buildMirror(
            configuration: testConfiguration(), transport: transport, logger: testLogger, metrics: nil)
        let path = try file(ndjson(1_050) + "this line is not json\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try await mirror.application().test(.live) { client in
            let (report, text) = try await replay(path, port: client.port!) { $0.batch = 100 }
            #expect(report.sent == 1_051)
            #expect(report.accepted == 1_050)
            #expect(report.rejected == 1)
            #expect(report.requests == 11)
            #expect(report.retried == 0)
            #expect(text.contains("1051 sent, 1050 accepted, 1 rejected"))
        }
        let records = try await readRequests(transport, count: 1_050)
        #expect(records.map(\.rawPath) == (0..<1_050).map { "/items/\($0)" })
    }

    @Test func backsOffOn503AndLosesNothing() async throws {
        let base = try await inProcessTransport()
        let gate = Gate()
        let transport = ControlledTransport(base: base, gate: gate)
        var config = testConfiguration(bufferMaxRecords: 200)
        config.retryAfterSeconds = 1
        let mirror = try buildMirror(configuration: config, transport: transport, logger: testLogger, metrics: nil)
        let path = try file(ndjson(600))
        defer { try? FileManager.default.removeItem(atPath: path) }
        try await mirror.application().test(.live) { client in
            // Open the gate only once the buffer is full (readiness turns 503), then leave the
            // replay time to be shed once: event-driven, so a loaded machine cannot skip the 503.
            async let opened: Void = {
                let deadline = ContinuousClock.now + .seconds(30)
                while ContinuousClock.now < deadline {
                    let status = try await client.execute(uri: "/readyz", method: .get).status
                    if status == .serviceUnavailable { break }
                    try await Task.sleep(for: .milliseconds(20))
                }
                try await Task.sleep(for: .milliseconds(500))
                gate.open()
            }()
            let (report, _) = try await replay(path, port: client.port!) { $0.batch = 100 }
            try await opened
            #expect(report.accepted == 600)
            #expect(report.retried >= 1)
            #expect(report.seconds >= 0.9, "waited for Retry-After")
        }
        #expect(try await readRequests(base, count: 600).count == 600)
    }

    @Test func loopStopsAtCountAndHARIsConverted() async throws {
        let transport = try await inProcessTransport()
        let mirror = try buildMirror(
            configuration: testConfiguration(), transport: transport, logger: testLogger, metrics: nil)
        let har = """
            {"log":{"version":"1.2","entries":[
              {"startedDateTime":"2025-11-21T10:00:00.000Z","time":3,"request":{"method":"POST","url":"https://api.example.com/v1/login?x=1","headers":[{"name":"Content-Type","value":"application/json"}],"postData":{"mimeType":"application/json","text":"{\\"user\\":\\"a\\"}"}},"response":{"status":200}},
              {"startedDateTime":"2025-11-21T10:00:01.000Z","time":1,"request":{"method":"GET","url":"https://api.example.com/v1/items/7","headers":[]},"response":{"status":404}}
            ]}}
            """
        let path = try file(har, suffix: ".har")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try await mirror.application().test(.live) { client in
            let (report, _) = try await replay(path, port: client.port!) {
                $0.loop = true
                $0.count = 5
                $0.batch = 2
            }
            #expect(report.accepted == 5)
            #expect(report.requests == 3)
        }
        let records = try await readRequests(transport, count: 5)
        #expect(records.map(\.method) == ["POST", "GET", "POST", "GET", "POST"])
        #expect(records[0].rawPath == "/v1/login?x=1")
        #expect(records[0].host == "api.example.com")
        #expect(records[0].body == Array(#"{"user":"a"}"#.utf8))
        #expect(records[1].status == 404)
    }

    /// `--through`: every record becomes the HTTP request it describes; answers are counted by
    /// status and by client.
    @Test func throughSendsRealRequestsAndCountsAnswersByClient() async throws {
        let seen = Mutex<[String]>([])
        let router = Router()
        router.on("**", method: .post) { request, context -> Response in
            let body = try await request.body.collect(upTo: 1 << 20)
            let client = request.headers[.init("X-Forwarded-For")!] ?? "-"
            let line =
                "\(request.method) \(request.uri) \(client) "
                + "\(request.headers[.contentType] ?? "") \(String(buffer: body))"
            seen.withLock { $0.append(line) }
            return Response(status: client == "203.0.113.7" ? .forbidden : .created)
        }
        router.get("**") { request, _ -> Response in
            let client = request.headers[.init("X-Forwarded-For")!] ?? "-"
            seen.withLock { $0.append("\(request.method) \(request.uri) \(client) \(request.head.authority ?? "")") }
            return Response(status: client == "203.0.113.7" ? .forbidden : .ok)
        }
        let lines = [
            #"{"client_ip":"203.0.113.7","method":"GET","host":"shop.example.com","path":"/api/search?q=1%27"}"#,
            #"{"client_ip":"198.51.100.1","method":"POST","path":"/api/orders","headers":[["content-type","application/json"],["x-forwarded-for","10.9.9.9"]],"body":"{\"sku\":\"A-1\"}"}"#,
            #"{"client_ip":"198.51.100.1","method":"GET","path":"/api/users/2"}"#,
            #"{"client_ip":"203.0.113.7","method":"POST","path":"/api/login","body":"x"}"#,
            "not a capture record",
        ]
        let path = try file(lines.joined(separator: "\n") + "\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await app.test(.live) { client in
            let (report, text) = try await replay(path, port: 1) {
                $0.through = "http://127.0.0.1:\(client.port!)"
                $0.concurrency = 2
            }
            #expect(report.sent == 5)
            #expect(report.rejected == 1, "the unreadable line")
            #expect(report.statuses == [200: 1, 201: 1, 403: 2])
            #expect(report.clients == ["203.0.113.7": [403: 2], "198.51.100.1": [200: 1, 201: 1]])
            #expect(text.contains("(2 refused with 403)"))
            let json = report.json()
            #expect(json.contains(#""statuses":{"200":1,"201":1,"403":2}"#))
        }
        let requests = seen.withLock { $0 }
        #expect(requests.count == 4)
        // The record's X-Forwarded-For is replaced by its client_ip; the record's host is sent.
        #expect(requests.contains(#"POST /api/orders 198.51.100.1 application/json {"sku":"A-1"}"#))
        #expect(requests.contains("GET /api/search?q=1%27 203.0.113.7 shop.example.com"))
        #expect(requests.contains(#"POST /api/login 203.0.113.7  x"#))
    }

    @Test func aWrongTokenFails() async throws {
        let transport = try await inProcessTransport()
        let mirror = try buildMirror(
            configuration: testConfiguration(), transport: transport, logger: testLogger, metrics: nil)
        let path = try file(ndjson(3))
        defer { try? FileManager.default.removeItem(atPath: path) }
        try await mirror.application().test(.live) { client in
            do {
                _ = try await replay(path, port: client.port!) { $0.token = "wrong" }
                Issue.record("a wrong token must fail")
            } catch {
                #expect(error is Replayer.ReplayError)
            }
        }
    }

    @Test func argumentsAreValidated() throws {
        #expect(throws: (any Error).self) { try ReplayCommand.parse(["f.jsonl", "--loop"]) }
        #expect(throws: (any Error).self) { try ReplayCommand.parse(["f.jsonl", "--to", "ftp://x"]) }
        #expect(throws: (any Error).self) { try ReplayCommand.parse(["f.jsonl", "--batch", "0"]) }
        let command = try ReplayCommand.parse(["f.jsonl", "--loop", "--duration", "5", "--rate", "1000"])
        #expect(command.loop && command.rate == 1000)
        #expect(Replayer.captureURL("http://127.0.0.1:8470") == "http://127.0.0.1:8470/v1/capture")
        #expect(Replayer.captureURL("http://127.0.0.1:8470/") == "http://127.0.0.1:8470/v1/capture")
        #expect(Replayer.captureURL("https://m.example.com/custom/capture") == "https://m.example.com/custom/capture")
    }

    @Test func mirrorCommandPrintsConfigurationWithSecretsMasked() throws {
        let command = try MirrorCommand.parse([
            "--token", "abc", "--set", "mirror.buffer_max_records=5000", "--kafka-bootstrap", "127.0.0.1:9092",
            "--set", "kafka.properties.sasl.password=hunter2",
        ])
        let settings = try command.loadSettings()
        let text = settings.redactedDescription()
        #expect(!text.contains("abc") && !text.contains("hunter2"))
        #expect(text.contains("mirror.buffer_max_records = 5000"))
        let configuration = try MirrorConfiguration.from(settings)
        #expect(configuration.bufferMaxRecords == 5_000)
        let transport = try TransportSettings.from(settings)
        #expect(transport.kind == .kafka)
        #expect(transport.kafka?.properties["sasl.password"] == "hunter2")
        #expect(throws: (any Error).self) { try MirrorCommand.parse(["--set", "mirror.nope=1"]).loadSettings() }
    }
}
