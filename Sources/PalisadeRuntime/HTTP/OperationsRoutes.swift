import Hummingbird
import PalisadeCore

/// Whether a role is ready to take traffic (its transport is connected, state restored, …).
public protocol ReadinessCheck: Sendable {
    /// nil when ready, else the reason it is not.
    func notReadyReason() async -> String?
}

/// `/healthz` (the process is alive), `/readyz` (ready for traffic) and `/metrics`.
public enum OperationsRoutes {
    public static func add<Context: RequestContext>(
        to router: Router<Context>, metrics: PalisadeMetrics?, readiness: [any ReadinessCheck]
    ) {
        router.get("/healthz") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: #"{"status":"ok"}"#)))
        }
        router.get("/readyz") { _, _ in
            var reasons: [String] = []
            for check in readiness {
                if let reason = await check.notReadyReason() { reasons.append(reason) }
            }
            if reasons.isEmpty {
                return Response(
                    status: .ok, headers: [.contentType: "application/json"],
                    body: .init(byteBuffer: ByteBuffer(string: #"{"status":"ready"}"#)))
            }
            var writer = JSONWriter()
            writer.beginObject()
            writer.key("status")
            writer.string("not_ready")
            writer.key("reasons")
            writer.beginArray()
            for reason in reasons { writer.string(reason) }
            writer.endArray()
            writer.endObject()
            let body = writer.output
            return Response(
                status: .serviceUnavailable, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(string: body)))
        }
        if let metrics {
            router.get("/metrics") { _, _ in
                Response(
                    status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                    body: .init(byteBuffer: ByteBuffer(string: metrics.render())))
            }
        }
    }
}

