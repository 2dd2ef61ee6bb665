import Foundation
import PalisadeCore

extension CaptureRecordMessage {
    /// The record of `record`, field for field.
    public init(_ record: CaptureRecord) {
        self.init()
        id = record.id
        tsMs = record.ts
        if let node = record.node { self.node = node }
        if let clientIP = record.clientIP { self.clientIp = clientIP }
        method = record.method
        if let scheme = record.scheme { self.scheme = scheme }
        if let host = record.host { self.host = host }
        rawPath = record.rawPath
        headers = record.headers.map { header in
            var h = Palisade_V1_Header()
            h.name = header.name
            h.value = header.value
            return h
        }
        body = Data(record.body)
        bodyTruncated = record.bodyTruncated
        if let status = record.status { self.status = Int32(clamping: status) }
        if let latencyMs = record.latencyMs { self.latencyMs = latencyMs }
        if let responseBytes = record.responseBytes { self.responseBytes = Int64(responseBytes) }
        if let service = record.service { self.service = service }
        if let route = record.route { self.route = route }
        if let consumer = record.consumer { self.consumer = consumer }
    }
}

extension CaptureRecord {
    /// The domain record of a decoded message. Absent optional fields stay `nil`.
    public init(_ message: CaptureRecordMessage) {
        self.init(
            id: message.id,
            ts: message.tsMs,
            node: message.hasNode ? message.node : nil,
            clientIP: message.hasClientIp ? message.clientIp : nil,
            method: message.method,
            scheme: message.hasScheme ? message.scheme : nil,
            host: message.hasHost ? message.host : nil,
            rawPath: message.rawPath,
            headers: message.headers.map { CaptureRecord.Header($0.name, $0.value) },
            body: [UInt8](message.body),
            bodyTruncated: message.bodyTruncated,
            status: message.hasStatus ? Int(message.status) : nil,
            latencyMs: message.hasLatencyMs ? message.latencyMs : nil,
            responseBytes: message.hasResponseBytes ? Int(clamping: message.responseBytes) : nil,
            service: message.hasService ? message.service : nil,
            route: message.hasRoute ? message.route : nil,
            consumer: message.hasConsumer ? message.consumer : nil
        )
    }
}
