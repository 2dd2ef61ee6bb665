import PalisadeCore
import PalisadeLearn

extension EndpointBaselineMessage {
    /// The revision-2 record of `baseline`.
    public init(_ baseline: EndpointBaseline) {
        self.init()
        revision = 2
        endpoint = Palisade_V1_EndpointKey(baseline.endpoint)
        state = baseline.state == .enforcing ? .enforcing : .learning
        version = UInt64(max(baseline.version, 0))
        samples = UInt64(max(baseline.samples, 0))
        updatedAtMs = baseline.updatedAt
        segments = baseline.segments.map { segment in
            var s = Palisade_V1_TemplateSegment()
            switch segment {
            case .literal(let text): s.literal = text
            case .param(let name, let kind):
                var p = Palisade_V1_TemplateParam()
                p.name = name
                p.kind = Palisade_V1_SegmentKind(kind)
                s.param = p
            }
            return s
        }
        openParameters = baseline.openParameters
        params = baseline.parameters.map { p in
            var m = Palisade_V1_ParameterProfile()
            m.location = p.location
            m.source = Palisade_V1_ParameterLocation(p.source)
            m.samples = UInt64(max(p.samples, 0))
            m.presence = p.presence
            m.required = p.required
            m.enforced = p.enforced
            m.formats = p.formats.map { f in
                var share = Palisade_V1_FormatShare()
                share.format = Palisade_V1_ValueFormat(f.format)
                share.frequency = f.frequency
                return share
            }
            m.minLength = UInt64(max(p.minLength, 0))
            m.maxLength = UInt64(max(p.maxLength, 0))
            m.p1Length = UInt64(max(p.p1Length, 0))
            m.p99Length = UInt64(max(p.p99Length, 0))
            m.charset = UInt32(p.charset.rawValue)
            m.type = Palisade_V1_ScalarType(p.type)
            m.sensitive = p.sensitive.map(Palisade_V1_SensitiveKind.init)
            m.encoded = p.encoded
            return m
        }
        statusCounts = Dictionary(
            baseline.statusCounts.map { (Int32(clamping: $0.key), UInt64(max($0.value, 0))) },
            uniquingKeysWith: +)
        authSchemes = baseline.authSchemes.map(\.rawValue)
        contentTypes = baseline.contentTypes
    }
}

extension EndpointBaseline {
    /// The domain baseline of a record. Lists beyond `RecordLimits` are cut (a cut parameter list
    /// sets `openParameters`, so the missing ones are not reported as unknown); unknown auth
    /// schemes are skipped; a state other than `ENFORCING` reads as `learning` (not scored).
    /// A revision-1 record (draft fields only) converts to a baseline without parameters that
    /// is never enforced, since its parameters cannot be judged.
    public init(_ message: EndpointBaselineMessage) {
        let segments: [TemplateSegment] = message.segments.prefix(RecordLimits.maxSegments).map { s in
            switch s.segment {
            case .param(let p): .param(name: p.name, kind: p.kind.domain)
            case .literal(let text): .literal(text)
            case nil: .literal("")
            }
        }
        let parameters = message.params.prefix(RecordLimits.maxParams).map { p in
            ParameterBaseline(
                location: p.location, source: p.source.domain(location: p.location),
                samples: RecordLimits.count(p.samples),
                presence: p.presence.isFinite ? min(max(p.presence, 0), 1) : 0, required: p.required,
                enforced: p.enforced,
                formats: p.formats.prefix(RecordLimits.maxListEntries).map {
                    FormatFrequency(format: $0.format.domain, frequency: $0.frequency.isFinite ? $0.frequency : 0)
                },
                minLength: RecordLimits.length(p.minLength), maxLength: RecordLimits.length(p.maxLength),
                p1Length: RecordLimits.length(p.p1Length), p99Length: RecordLimits.length(p.p99Length),
                charset: CharsetClass(rawValue: UInt8(truncatingIfNeeded: p.charset)), type: p.type.domain,
                sensitive: p.sensitive.prefix(RecordLimits.maxListEntries).compactMap(\.domain),
                encoded: p.encoded)
        }
        var statusCounts: [Int: Int] = [:]
        for (status, count) in message.statusCounts.prefix(RecordLimits.maxListEntries) {
            statusCounts[Int(status)] = RecordLimits.count(count)
        }
        let revision1 = message.revision < 2 && message.params.isEmpty && !message.parameters.isEmpty
        self.init(
            endpoint: EndpointKey(message.endpoint),
            segments: message.segments.isEmpty && !message.endpoint.template.isEmpty
                ? TemplateSegment.parse(message.endpoint.template) : Array(segments),
            state: message.state == .enforcing && !revision1 ? .enforcing : .learning,
            version: RecordLimits.count(message.version), samples: RecordLimits.count(message.samples),
            updatedAt: message.updatedAtMs,
            openParameters: message.openParameters || message.params.count > parameters.count,
            parameters: Array(parameters), statusCounts: statusCounts,
            authSchemes: message.authSchemes.prefix(RecordLimits.maxListEntries).compactMap {
                AuthScheme(rawValue: $0)
            },
            contentTypes: Array(message.contentTypes.prefix(RecordLimits.maxListEntries)))
    }
}
