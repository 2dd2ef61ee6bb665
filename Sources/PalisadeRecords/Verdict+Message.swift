import PalisadeCore
import PalisadeDetect

extension VerdictMessage {
    /// The record of `verdict`, field for field.
    public init(_ verdict: Verdict) {
        self.init()
        id = verdict.id
        tsMs = verdict.ts
        client = verdict.client
        endpoint = Palisade_V1_EndpointKey(
            host: verdict.endpoint.host, method: verdict.endpoint.method, template: verdict.endpoint.template)
        if let status = verdict.status { self.status = Int32(clamping: status) }
        score = verdict.score
        attack = verdict.attack
        hits = verdict.hits.map { hit in
            var h = Palisade_V1_Hit()
            h.attackClass = hit.attackClass.rawValue
            h.location = hit.location
            h.confidence = hit.confidence
            h.evidence = hit.evidence
            h.rule = hit.rule
            h.point = hit.point
            return h
        }
        anomalies = verdict.anomalies.map { anomaly in
            var a = Palisade_V1_Anomaly()
            a.code = anomaly.code
            a.location = anomaly.location
            a.detail = anomaly.detail
            a.value = Int64(anomaly.value)
            return a
        }
        decodeMs = verdict.decodeMs
    }
}

extension Verdict {
    /// The domain verdict of a decoded message. An attack class this build does not know
    /// throws (the record is newer than the reader); everything else converts.
    public init(_ message: VerdictMessage) throws(RecordError) {
        var hits: [Hit] = []
        hits.reserveCapacity(message.hits.count)
        for hit in message.hits {
            guard let attackClass = AttackClass(rawValue: hit.attackClass) else {
                throw RecordError(
                    messageType: VerdictMessage.protoMessageName,
                    reason: "unknown attack class '\(hit.attackClass)'")
            }
            hits.append(
                Hit(
                    attackClass: attackClass, point: hit.point, location: hit.location,
                    confidence: hit.confidence, evidence: hit.evidence, rule: hit.rule))
        }
        self.init(
            id: message.id,
            ts: message.tsMs,
            client: message.client,
            endpoint: Endpoint(
                host: message.endpoint.host, method: message.endpoint.method,
                template: message.endpoint.template),
            status: message.hasStatus ? Int(message.status) : nil,
            score: message.score,
            attack: message.attack,
            hits: hits,
            anomalies: message.anomalies.map {
                Anomaly(code: $0.code, location: $0.location, detail: $0.detail, value: Int(clamping: $0.value))
            },
            decodeMs: message.decodeMs
        )
    }
}
