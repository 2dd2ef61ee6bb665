import PalisadeCore
import PalisadeRecords

/// One `POST /v1/capture` body parsed: the accepted records encoded for `palisade.requests`, and
/// the rejected lines with their reasons. Pure: no I/O, so it is tested (and benchmarked) alone.
struct CaptureBatch: Sendable {
    struct Rejection: Sendable, Equatable {
        var line: Int
        var reason: String
        var kind: MirrorMetrics.RejectReason
    }

    /// Encoded `CaptureRecordMessage`s, in line order.
    var values: [[UInt8]] = []
    /// Ids of the accepted records, in line order (generated when the line had none).
    var ids: [String] = []
    /// The first `maxErrorsReported` rejections.
    var errors: [Rejection] = []
    var rejected = 0
    var rejectedByKind: [MirrorMetrics.RejectReason: Int] = [:]
    /// Non-blank lines seen.
    var received = 0

    /// Splits NDJSON `body` into lines (each at most `maxLineBytes`), parses and encodes them:
    /// with ``CaptureLineReader`` (one pass, no JSON tree), or — for rejected lines and rare
    /// forms — with the general `CaptureRecord.parse`, so the results and reasons are the same.
    static func parse(
        _ body: UnsafeRawBufferPointer, maxLineBytes: Int, maxErrorsReported: Int, now: Int64,
        options: CaptureRecord.ParseOptions = CaptureRecord.ParseOptions()
    ) -> CaptureBatch {
        var batch = CaptureBatch()
        var splitter = LineSplitter(maxLineBytes: maxLineBytes)
        var ids = BatchIDs(milliseconds: now)
        var reader = CaptureLineReader(options: options)
        func handle(_ event: LineSplitter.Event) {
            switch event {
            case .blank:
                return
            case .oversized(let number, let bytes):
                batch.received += 1
                batch.reject(
                    line: number, reason: "line of \(bytes) bytes exceeds the limit of \(maxLineBytes) bytes",
                    kind: .lineTooLarge, max: maxErrorsReported)
            case .line(let bytes, let number):
                batch.received += 1
                // The single-pass reader takes the usual lines; the general parser the rest.
                if let (value, id) = bytes.withUnsafeBufferPointer({
                    reader.read($0, now: now, makeID: { ids.next() })
                }) {
                    batch.values.append(value)
                    batch.ids.append(id)
                    return
                }
                do {
                    let record = try CaptureRecord.parse(
                        json: bytes, lineNumber: number, now: now, options: options, makeID: { ids.next() })
                    batch.values.append(CaptureRecordMessage(record).encodedRecord())
                    batch.ids.append(record.id)
                } catch {
                    let kind: MirrorMetrics.RejectReason =
                        error.reason.hasPrefix("invalid JSON") ? .invalidJSON : .invalidRecord
                    batch.reject(line: number, reason: error.reason, kind: kind, max: maxErrorsReported)
                }
            }
        }
        splitter.feed(body.bindMemory(to: UInt8.self), emit: handle)
        splitter.finish(emit: handle)
        return batch
    }

    private mutating func reject(line: Int, reason: String, kind: MirrorMetrics.RejectReason, max: Int) {
        rejected += 1
        rejectedByKind[kind, default: 0] += 1
        if errors.count < max { errors.append(Rejection(line: line, reason: reason, kind: kind)) }
    }

    /// The 202 body: `{"accepted":N,"rejected":M,"errors":[{"line":L,"reason":"…"}],"ids":[…]}`.
    func responseJSON() -> String {
        var writer = JSONWriter()
        writer.beginObject()
        writer.key("accepted")
        writer.int(values.count)
        writer.key("rejected")
        writer.int(rejected)
        writer.key("errors")
        writer.beginArray()
        for error in errors {
            writer.beginObject()
            writer.key("line")
            writer.int(error.line)
            writer.key("reason")
            writer.string(error.reason)
            writer.endObject()
        }
        writer.endArray()
        writer.key("ids")
        writer.beginArray()
        for id in ids { writer.string(id) }
        writer.endArray()
        writer.endObject()
        return writer.output
    }
}

/// For benchmarks: parses an NDJSON `POST /v1/capture` body as the route does (records encoded,
/// ids generated); returns the accepted and rejected line counts.
@_spi(Benchmarks)
public func parseCaptureBody(_ body: UnsafeRawBufferPointer, maxLineBytes: Int, now: Int64) -> (
    accepted: Int, rejected: Int
) {
    let batch = CaptureBatch.parse(body, maxLineBytes: maxLineBytes, maxErrorsReported: 10, now: now)
    return (batch.values.count, batch.rejected)
}
