import Hummingbird
import HummingbirdTesting
import Logging
import Prometheus
import Testing

@testable import PalisadeRuntime

@Suite struct HTTPTests {
    struct NotReady: ReadinessCheck {
        func notReadyReason() async -> String? { "transport not connected" }
    }

    func app(readiness: [any ReadinessCheck] = []) -> some ApplicationProtocol {
        let router = Router()
        router.add(middleware: BearerTokenMiddleware(tokens: ["s3cret", "other-node"]))
        OperationsRoutes.add(to: router, metrics: nil, readiness: readiness)
        router.get("/v1/thing") { _, _ in "thing" }
        return Application(router: router)
    }

    @Test func tokensAreRequiredExceptForProbes() async throws {
        try await app().test(.router) { client in
            try await client.execute(uri: "/v1/thing", method: .get) { response in
                #expect(response.status == .unauthorized)
                #expect(response.headers[.wwwAuthenticate] == "Bearer realm=\"palisade\"")
                #expect(!String(buffer: response.body).contains("s3cret"))
            }
            try await client.execute(uri: "/v1/thing", method: .get, headers: [.authorization: "Bearer wrong"]) {
                #expect($0.status == .unauthorized)
            }
            try await client.execute(uri: "/v1/thing", method: .get, headers: [.authorization: "Bearer s3cre"]) {
                #expect($0.status == .unauthorized)
            }
            try await client.execute(uri: "/v1/thing", method: .get, headers: [.authorization: "Bearer s3cret"]) {
                #expect($0.status == .ok)
                #expect(String(buffer: $0.body) == "thing")
            }
            try await client.execute(uri: "/v1/thing", method: .get, headers: [.authorization: "bearer other-node"]) {
                #expect($0.status == .ok)
            }
            try await client.execute(uri: "/healthz", method: .get) { #expect($0.status == .ok) }
        }
    }

    @Test func readinessReportsReasons() async throws {
        try await app(readiness: [NotReady()]).test(.router) { client in
            try await client.execute(uri: "/readyz", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
                #expect(String(buffer: response.body) == #"{"status":"not_ready","reasons":["transport not connected"]}"#)
            }
        }
        try await app().test(.router) { client in
            try await client.execute(uri: "/readyz", method: .get) { #expect($0.status == .ok) }
        }
    }

    @Test func constantTimeComparison() {
        #expect(BearerTokenMiddleware<BasicRequestContext>.constantTimeEquals(Array("abc".utf8)[...], Array("abc".utf8)))
        #expect(!BearerTokenMiddleware<BasicRequestContext>.constantTimeEquals(Array("abd".utf8)[...], Array("abc".utf8)))
        #expect(!BearerTokenMiddleware<BasicRequestContext>.constantTimeEquals(Array("ab".utf8)[...], Array("abc".utf8)))
        #expect(!BearerTokenMiddleware<BasicRequestContext>.matches("Basic abc", tokens: [Array("abc".utf8)]))
    }

    @Test func metricsRenderPrometheusText() {
        let metrics = PalisadeMetrics()
        // Through the swift-metrics factory the roles use (without the process-wide bootstrap).
        let factory = PrometheusMetricsFactory(registry: metrics.registry)
        let counter = factory.makeCounter(label: "palisade_test_total", dimensions: [("reason", "x")])
        counter.increment(by: 3)
        #expect(metrics.render().contains(#"palisade_test_total{reason="x"} 3"#))
    }

    @Test func jsonLogLines() {
        final class Box: @unchecked Sendable { var lines: [String] = [] }
        let box = Box()
        var logger = Logger(label: "test") { label in JSONLogHandler(label: label, sink: { box.lines.append($0) }) }
        logger[metadataKey: "role"] = "mirror"
        logger.info("started \"x\"", metadata: ["port": "8470"])
        #expect(box.lines.count == 1)
        let line = box.lines[0]
        #expect(line.hasPrefix(#"{"ts":"#))
        #expect(line.contains(#""level":"info","logger":"test","msg":"started \"x\"","port":"8470","role":"mirror"}"#))
    }
}
