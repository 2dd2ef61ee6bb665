import PalisadeCore

/// What the aggregator publishes on `palisade.baselines` (compacted, key: `endpoint.baselineRecordKey`,
/// `host METHOD template`) and
/// workers score against: for one learned endpoint, what each parameter usually looks like.
/// Contract: docs/LEARNING.md, "Baseline".
public struct EndpointBaseline: Sendable, Equatable {
    /// Record schema version; bump on any incompatible change.
    public static let schemaVersion = 1

    public enum State: String, Sendable, Hashable {
        /// Not enough samples yet: workers do not score against it.
        case learning
        /// Workers score requests against it.
        case enforcing
    }

    /// Host, method and the learned template.
    public var endpoint: EndpointKey
    public var segments: [TemplateSegment]
    public var state: State
    /// Increases with every publication for this endpoint; workers keep the highest.
    public var version: Int
    /// Requests the baseline was learned from.
    public var samples: Int
    /// When it was built (ms since the epoch, passed in by the aggregator).
    public var updatedAt: Int64
    /// The endpoint had more parameters than the aggregator tracks: unknown parameters are not
    /// anomalies.
    public var openParameters: Bool
    /// Sorted by location; path parameters are `path.{name}` after the learned template.
    public var parameters: [ParameterBaseline] {
        didSet { reindex() }
    }
    /// Status code → requests.
    public var statusCounts: [Int: Int]
    public var authSchemes: [AuthScheme]
    public var contentTypes: [String]

    /// Location → index in `parameters`.
    public private(set) var index: [String: Int] = [:]
    /// Per template segment: index of its parameter in `parameters`, or -1 for literals.
    public private(set) var pathParameterIndex: [Int] = []
    /// Parameters with `required` (query and body only).
    public private(set) var requiredCount = 0

    public init(
        endpoint: EndpointKey, segments: [TemplateSegment], state: State, version: Int, samples: Int, updatedAt: Int64,
        openParameters: Bool, parameters: [ParameterBaseline], statusCounts: [Int: Int] = [:],
        authSchemes: [AuthScheme] = [], contentTypes: [String] = []
    ) {
        self.endpoint = endpoint
        self.segments = segments
        self.state = state
        self.version = version
        self.samples = samples
        self.updatedAt = updatedAt
        self.openParameters = openParameters
        self.parameters = parameters.sorted { $0.location < $1.location }
        self.statusCounts = statusCounts
        self.authSchemes = authSchemes
        self.contentTypes = contentTypes
        reindex()
    }

    private mutating func reindex() {
        var index: [String: Int] = [:]
        var required = 0
        for (i, p) in parameters.enumerated() {
            index[p.location] = i
            if p.required, p.source != .path { required += 1 }
        }
        self.index = index
        self.requiredCount = required
        pathParameterIndex = segments.map { segment in
            guard case .param(let name, _) = segment else { return -1 }
            return index["path.{" + name + "}"] ?? -1
        }
    }

    public func parameter(_ location: String) -> ParameterBaseline? {
        index[location].map { parameters[$0] }
    }

    /// Whether a parameter usually arrives encoded (Base64, JSON, JWT…): decoded content found
    /// there is expected and should weigh less (DESIGN §3).
    public func expectsEncoded(location: String) -> Bool {
        guard let i = index[location] else { return false }
        return parameters[i].encoded
    }
}

/// What one parameter of an endpoint usually looks like.
public struct ParameterBaseline: Sendable, Equatable {
    public var location: String
    public var source: ParamSource
    /// Requests in which it appeared.
    public var samples: Int
    /// Share of the endpoint's requests carrying it (0…1).
    public var presence: Double
    /// Present in (nearly) every request (presence ≥ `BaselineConfig.requiredPresence`).
    public var required: Bool
    /// Enough samples to judge format, length and charset (`BaselineConfig.minParamSamples`).
    public var enforced: Bool
    /// Formats seen with their share of requests, most frequent first.
    public var formats: [FormatFrequency]
    /// Formats accepted without an anomaly: those seen plus those they subsume
    /// (`BaselineScorer.subsumed`), plus `empty` and `null`.
    public var acceptedFormats: FormatSet
    public var minLength: Int
    public var maxLength: Int
    public var p1Length: Int
    public var p99Length: Int
    /// Character classes seen (union).
    public var charset: CharsetClass
    public var type: ValueType
    public var sensitive: [SensitiveKind]
    /// Usually arrives wrapped (≥ `BaselineConfig.encodedShare` of its requests), or its format
    /// is Base64/JWT that often.
    public var encoded: Bool

    public init(
        location: String, source: ParamSource, samples: Int, presence: Double, required: Bool, enforced: Bool,
        formats: [FormatFrequency], minLength: Int, maxLength: Int, p1Length: Int, p99Length: Int,
        charset: CharsetClass, type: ValueType = .string, sensitive: [SensitiveKind] = [], encoded: Bool = false
    ) {
        self.location = location
        self.source = source
        self.samples = samples
        self.presence = presence
        self.required = required
        self.enforced = enforced
        self.formats = formats
        self.minLength = minLength
        self.maxLength = maxLength
        self.p1Length = p1Length
        self.p99Length = p99Length
        self.charset = charset
        self.type = type
        self.sensitive = sensitive
        self.encoded = encoded
        self.acceptedFormats = BaselineScorer.accepted(formats.map(\.format))
    }
}

public struct FormatFrequency: Sendable, Equatable {
    public var format: ValueFormat
    /// Share of the parameter's requests (0…1).
    public var frequency: Double
    public init(format: ValueFormat, frequency: Double) {
        self.format = format
        self.frequency = frequency
    }
}
