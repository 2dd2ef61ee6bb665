import Hummingbird
import Logging
import NIOCore
import PalisadeCore

/// `POST /v1/capture`: NDJSON capture records (DESIGN §2) in, 202 with per-line results out.
struct CaptureRoutes: Sendable {
    let pipeline: CapturePipeline
    let configuration: MirrorConfiguration
    let metrics: MirrorMetrics

    func add(to router: Router<MirrorRequestContext>) {
        router.post("/v1/capture") { request, _ in try await self.capture(request) }
    }

    func capture(_ request: Request) async throws -> Response {
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > configuration.maxBodyBytes {
            metrics.request(.capture, .tooLarge)
            return Self.error(
                .contentTooLarge, "body_too_large", "the body exceeds \(configuration.maxBodyBytes) bytes")
        }
        let encoding =
            request.headers[.contentEncoding]?.lowercased().trimmingCharacters(in: .whitespaces) ?? "identity"
        guard ["identity", "gzip", "x-gzip"].contains(encoding) else {
            metrics.request(.capture, .badRequest)
            return Self.error(
                .unsupportedMediaType, "unsupported_encoding", "Content-Encoding must be gzip or identity")
        }
        let outcome = try await BodyReader.read(
            request.body, limit: configuration.maxBodyBytes, truncate: false,
            timeout: .milliseconds(configuration.requestTimeoutMs))
        let body: ByteBuffer
        switch outcome {
        case .tooLarge:
            metrics.request(.capture, .tooLarge)
            return Self.error(
                .contentTooLarge, "body_too_large", "the body exceeds \(configuration.maxBodyBytes) bytes")
        case .timedOut:
            metrics.request(.capture, .timeout)
            return Self.error(
                .requestTimeout, "timeout", "the body did not arrive within \(configuration.requestTimeoutMs) ms")
        case .complete(let buffer, _):
            body = buffer
        }

        let now = WallClock.nowMilliseconds()
        let batch: CaptureBatch
        if encoding == "identity" {
            batch = body.withUnsafeReadableBytes { parse($0, now: now) }
        } else {
            switch GzipBody.inflate(Array(body.readableBytesView)[...], maxBytes: configuration.maxInflatedBytes) {
            case .inflated(let bytes):
                batch = bytes.withUnsafeBytes { parse($0, now: now) }
            case .tooLarge:
                metrics.request(.capture, .tooLarge)
                return Self.error(
                    .contentTooLarge, "body_too_large",
                    "the inflated body exceeds \(configuration.maxInflatedBytes) bytes")
            case .invalid(let reason):
                metrics.request(.capture, .badRequest)
                return Self.error(.badRequest, "invalid_gzip", reason)
            }
        }

        metrics.received[.capture]?.increment(by: Int64(batch.received))
        for (kind, count) in batch.rejectedByKind { metrics.rejected[kind]?.increment(by: Int64(count)) }
        if !batch.values.isEmpty {
            let admission = pipeline.submit(batch.values, listener: .capture)
            guard admission == .accepted else {
                metrics.request(.capture, .shed)
                return Self.shed(retryAfterSeconds: configuration.retryAfterSeconds, admission: admission)
            }
        }
        metrics.accepted[.capture]?.increment(by: Int64(batch.values.count))
        metrics.request(.capture, .accepted)
        return Response(
            status: .accepted, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(string: batch.responseJSON())))
    }

    private func parse(_ bytes: UnsafeRawBufferPointer, now: Int64) -> CaptureBatch {
        CaptureBatch.parse(
            bytes, maxLineBytes: configuration.maxLineBytes, maxErrorsReported: configuration.maxErrorsReported,
            now: now)
    }

    /// `{"error":code,"reason":…}` with `status`.
    static func error(_ status: HTTPResponse.Status, _ code: String, _ reason: String) -> Response {
        var writer = JSONWriter()
        writer.beginObject()
        writer.key("error")
        writer.string(code)
        writer.key("reason")
        writer.string(reason)
        writer.endObject()
        return Response(
            status: status, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(string: writer.output)))
    }

    /// 503 + `Retry-After`: the buffer is full (or the mirror is shutting down); nothing of the
    /// request was kept, the sender retries the whole batch later.
    static func shed(retryAfterSeconds: Int, admission: BufferState.Admission) -> Response {
        var response = error(
            .serviceUnavailable, admission == .closed ? "shutting_down" : "overloaded",
            admission == .closed
                ? "the mirror is shutting down; retry later" : "the mirror's buffer is full; retry after the delay")
        response.headers[.retryAfter] = String(retryAfterSeconds)
        return response
    }
}
