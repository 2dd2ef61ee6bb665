/// The result for one request (DESIGN §2, "Verdict"): what `palisade scan` prints and what
/// workers publish to `palisade.verdicts`.
public struct Verdict: Sendable, Equatable {
    public struct Endpoint: Sendable, Equatable, Hashable {
        public var host: String
        public var method: String
        public var template: String
        public init(host: String, method: String, template: String) {
            self.host = host
            self.method = method
            self.template = template
        }
    }

    /// Something unusual that is not an attack by itself (a limit hit, a DOCTYPE, a duplicate key).
    public struct Anomaly: Sendable, Equatable {
        public var code: String
        public var location: String
        public var detail: String
        public var value: Int
        public init(code: String, location: String, detail: String, value: Int) {
            self.code = code
            self.location = location
            self.detail = detail
            self.value = value
        }
    }

    public var id: String
    public var ts: Int64
    public var client: String
    public var endpoint: Endpoint
    public var status: Int?
    /// 0…100.
    public var score: Double
    public var attack: Bool
    public var hits: [Hit]
    public var anomalies: [Anomaly]
    public var decodeMs: Double

    public init(
        id: String, ts: Int64, client: String, endpoint: Endpoint, status: Int?, score: Double, attack: Bool,
        hits: [Hit], anomalies: [Anomaly], decodeMs: Double
    ) {
        self.id = id
        self.ts = ts
        self.client = client
        self.endpoint = endpoint
        self.status = status
        self.score = score
        self.attack = attack
        self.hits = hits
        self.anomalies = anomalies
        self.decodeMs = decodeMs
    }

    /// One JSON line, in the documented field order.
    public func jsonLine() -> String {
        var w = JSONWriter()
        w.beginObject()
        w.key("id")
        w.string(id)
        w.key("ts")
        w.int(Int(ts))
        w.key("client")
        w.string(client)
        w.key("endpoint")
        w.beginObject()
        w.key("host")
        w.string(endpoint.host)
        w.key("method")
        w.string(endpoint.method)
        w.key("template")
        w.string(endpoint.template)
        w.endObject()
        w.key("status")
        if let status { w.int(status) } else { w.null() }
        w.key("score")
        w.double(score, decimals: 1)
        w.key("attack")
        w.bool(attack)
        w.key("hits")
        w.beginArray()
        for hit in hits {
            w.beginObject()
            w.key("class")
            w.string(hit.attackClass.rawValue)
            w.key("location")
            w.string(hit.location)
            w.key("confidence")
            w.double(hit.confidence, decimals: 2)
            w.key("evidence")
            w.string(hit.evidence)
            w.key("rule")
            w.string(hit.rule)
            w.endObject()
        }
        w.endArray()
        w.key("anomalies")
        w.beginArray()
        for anomaly in anomalies {
            w.beginObject()
            w.key("code")
            w.string(anomaly.code)
            w.key("location")
            w.string(anomaly.location)
            if !anomaly.detail.isEmpty {
                w.key("detail")
                w.string(anomaly.detail)
            }
            if anomaly.value != 0 {
                w.key("value")
                w.int(anomaly.value)
            }
            w.endObject()
        }
        w.endArray()
        w.key("decode_ms")
        w.double(decodeMs, decimals: 3)
        w.endObject()
        return w.output
    }
}
