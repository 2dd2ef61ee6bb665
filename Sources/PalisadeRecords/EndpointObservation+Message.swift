import PalisadeCore
import PalisadeLearn

extension EndpointObservationMessage {
    /// The revision-2 record of `observation`. `client`, `score` and `attack` come from the
    /// verdict of the same request (the Learn type does not carry them).
    public init(_ observation: EndpointObservation, client: String = "", score: Double = 0, attack: Bool = false) {
        self.init()
        revision = 2
        endpoint = Palisade_V1_EndpointKey(observation.endpoint)
        requestID = observation.requestID
        tsMs = observation.ts
        self.client = client
        if let status = observation.status { self.status = Int32(clamping: status) }
        authScheme = observation.auth.rawValue
        if let contentType = observation.contentType { self.contentType = contentType }
        bodyBytes = UInt32(clamping: observation.bodyBytes)
        self.score = score
        self.attack = attack
        segments = observation.segments.map { segment in
            var s = Palisade_V1_PathSegment()
            s.kind = Palisade_V1_SegmentKind(segment.kind)
            if let literal = segment.literal { s.literal = literal }
            s.hash = segment.hash
            s.shape = Palisade_V1_ValueShape(segment.shape)
            s.sensitive = segment.sensitive.kinds.map(Palisade_V1_SensitiveKind.init)
            return s
        }
        params = observation.params.map { param in
            var p = Palisade_V1_ParamObservation()
            p.location = param.location
            p.source = Palisade_V1_ParameterLocation(param.source)
            p.shape = Palisade_V1_ValueShape(param.shape)
            p.formats = param.formats.formats.map(Palisade_V1_ValueFormat.init)
            p.minLength = UInt64(max(param.minLength, 0))
            p.type = Palisade_V1_ScalarType(param.type)
            p.sensitive = param.sensitive.kinds.map(Palisade_V1_SensitiveKind.init)
            p.encodings = param.encodings.encodings.map(Palisade_V1_ValueEncoding.init)
            p.occurrences = UInt32(clamping: param.occurrences)
            return p
        }
        droppedParams = UInt32(clamping: observation.droppedParams)
    }
}

extension EndpointObservation {
    /// The domain observation of a revision-2 record. Lists beyond `RecordLimits` are cut (the
    /// cut parameters are added to `droppedParams`); an unknown auth scheme reads as `other`.
    /// A revision-1 record (draft fields only) converts to an observation without segments or
    /// parameters.
    public init(_ message: EndpointObservationMessage) {
        let segments = message.segments.prefix(RecordLimits.maxSegments).map { s in
            PathSegmentObservation(
                kind: s.kind.domain, literal: s.hasLiteral ? s.literal : nil, hash: s.hash, shape: s.shape.domain,
                sensitive: Palisade_V1_SensitiveKind.set(s.sensitive))
        }
        let params = message.params.prefix(RecordLimits.maxParams).map { p in
            var formats = FormatSet()
            for f in p.formats.prefix(RecordLimits.maxListEntries) { formats.insert(FormatSet(f.domain)) }
            let shape = p.shape.domain
            if formats.isEmpty { formats = FormatSet(shape.format) }
            var encodings = EncodingSet()
            for e in p.encodings.prefix(RecordLimits.maxListEntries) { encodings.insert(EncodingSet(e.domain)) }
            return ParamObservation(
                location: p.location, source: p.source.domain(location: p.location), shape: shape, formats: formats,
                minLength: RecordLimits.length(p.minLength), type: p.type.domain,
                sensitive: Palisade_V1_SensitiveKind.set(p.sensitive), encodings: encodings,
                occurrences: Int(p.occurrences), point: -1)
        }
        let cut = message.params.count - params.count
        self.init(
            endpoint: EndpointKey(message.endpoint), requestID: message.requestID, ts: message.tsMs,
            status: message.hasStatus ? Int(message.status) : nil,
            auth: AuthScheme(rawValue: message.authScheme) ?? .other,
            contentType: message.contentType.isEmpty ? nil : message.contentType,
            bodyBytes: Int(message.bodyBytes), segments: Array(segments), params: Array(params),
            droppedParams: Int(message.droppedParams) + cut)
    }
}

extension Palisade_V1_EndpointKey {
    /// The record of a PalisadeLearn endpoint key.
    public init(_ key: EndpointKey) {
        self.init(host: key.host, method: key.method, template: key.template)
    }
}

extension EndpointKey {
    /// The domain key of a record (taken as is: writers normalize).
    public init(_ message: Palisade_V1_EndpointKey) {
        self.init(host: message.host, method: message.method, template: message.template)
    }

    /// The Kafka key of `palisade.baselines` records: `"<host> <method> <template>"`
    /// (docs/RECORDS.md).
    public var baselineRecordKey: String { host + " " + method + " " + template }

    /// The Kafka key of `palisade.observations` records: `"<METHOD> <host>"`, so one aggregator
    /// sees every path of a host+method (docs/LEARNING.md, "Partitioning").
    public var observationRecordKey: String { partitionKey }
}
