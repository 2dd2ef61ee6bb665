import PalisadeCore
import PalisadeDetect

/// The client identities a verdict carries (`palisade.v1.Verdict` fields 11–17, revision 2;
/// docs/RECORDS.md, "Identities"). Never raw secrets: the API key only as its hash.
public struct VerdictIdentities: Sendable, Equatable {
    public var clientIP: String?
    public var apiKeyHash: String?
    public var jwtSub: String?
    public var objectIDHash: UInt64?
    public var usernameHash: UInt64?
    public var pathHash: UInt64?
    /// Selected header values (names lower-case), in request order.
    public var headers: [CaptureRecord.Header]

    public init(
        clientIP: String? = nil, apiKeyHash: String? = nil, jwtSub: String? = nil, objectIDHash: UInt64? = nil,
        usernameHash: UInt64? = nil, pathHash: UInt64? = nil, headers: [CaptureRecord.Header] = []
    ) {
        self.clientIP = clientIP
        self.apiKeyHash = apiKeyHash
        self.jwtSub = jwtSub
        self.objectIDHash = objectIDHash
        self.usernameHash = usernameHash
        self.pathHash = pathHash
        self.headers = headers
    }
}

extension VerdictMessage {
    /// The record of `verdict` with its client identities.
    public init(_ verdict: Verdict, identities: VerdictIdentities) {
        self.init(verdict)
        if let v = identities.clientIP { clientIp = v }
        if let v = identities.apiKeyHash { apiKeyHash = v }
        if let v = identities.jwtSub { jwtSub = v }
        if let v = identities.objectIDHash { objectIDHash = v }
        if let v = identities.usernameHash { usernameHash = v }
        if let v = identities.pathHash { pathHash = v }
        identityHeaders = identities.headers.map { header in
            var h = Palisade_V1_Header()
            h.name = header.name
            h.value = header.value
            return h
        }
    }
}

extension Verdict {
    /// The binary `palisade.v1.Verdict` record of this verdict and its identities: the same
    /// bytes as `VerdictMessage(self, identities: identities).encodedRecord()`, written
    /// directly (no message objects).
    public func encodedRecord(identities: VerdictIdentities) -> [UInt8] {
        var w = WireWriter(capacity: 128 + id.utf8.count + client.utf8.count + endpoint.template.utf8.count)
        w.stringIfSet(1, id)
        w.int64IfSet(2, ts)
        w.stringIfSet(3, client)
        w.message(4) { w in
            w.stringIfSet(1, endpoint.host)
            w.stringIfSet(2, endpoint.method)
            w.stringIfSet(3, endpoint.template)
        }
        if let status { w.int64(5, Int64(Int32(clamping: status))) }
        w.doubleIfSet(6, score)
        w.boolIfSet(7, attack)
        // Hits, anomalies and headers read in place: `for hit in hits` copied each one (a retain
        // and release of its strings).
        hits.withUnsafeBufferPointer { hits in
            for index in hits.indices {
                let hit = hits.baseAddress! + index
                w.message(8) { w in
                    w.stringIfSet(1, hit.pointee.attackClass.rawValue)
                    w.stringIfSet(2, hit.pointee.location)
                    w.doubleIfSet(3, hit.pointee.confidence)
                    w.stringIfSet(4, hit.pointee.evidence)
                    w.stringIfSet(5, hit.pointee.rule)
                    w.int64IfSet(6, Int64(hit.pointee.point))
                }
            }
        }
        anomalies.withUnsafeBufferPointer { anomalies in
            for index in anomalies.indices {
                let anomaly = anomalies.baseAddress! + index
                w.message(9) { w in
                    w.stringIfSet(1, anomaly.pointee.code)
                    w.stringIfSet(2, anomaly.pointee.location)
                    w.stringIfSet(3, anomaly.pointee.detail)
                    w.int64IfSet(4, Int64(anomaly.pointee.value))
                }
            }
        }
        w.doubleIfSet(10, decodeMs)
        if let v = identities.clientIP { w.string(11, v) }
        if let v = identities.apiKeyHash { w.string(12, v) }
        if let v = identities.jwtSub { w.string(13, v) }
        if let v = identities.objectIDHash { w.fixed64(14, v) }
        if let v = identities.usernameHash { w.fixed64(15, v) }
        if let v = identities.pathHash { w.fixed64(16, v) }
        identities.headers.withUnsafeBufferPointer { headers in
            for index in headers.indices {
                let header = headers.baseAddress! + index
                w.message(17) { w in
                    w.stringIfSet(1, header.pointee.name)
                    w.stringIfSet(2, header.pointee.value)
                }
            }
        }
        return w.bytes
    }
}
