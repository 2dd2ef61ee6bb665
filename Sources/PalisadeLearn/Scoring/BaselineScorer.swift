import PalisadeCore
import PalisadeDetect

/// Scores a request's parameters against its endpoint's enforcing baseline and reports
/// `schema_anomaly` hits (docs/LEARNING.md, "Scoring rules"). In-line in workers: no allocation
/// when nothing is anomalous (the common path), a dictionary lookup per parameter.
public struct BaselineScorer: Sendable {
    public struct Config: Sendable, Equatable {
        /// Confidence for a parameter never seen on the endpoint (query, body, path).
        public var unknownParameter: Double = 0.5
        /// … for an unknown header or cookie (clients differ in those).
        public var unknownHeader: Double = 0.2
        public var newFormat: Double = 0.6
        /// A text/binary value where only numbers, identifiers or fixed formats were seen.
        public var newFormatToText: Double = 0.7
        public var missingRequired: Double = 0.3
        /// Lengths above `max(maxLength, 2 × p99) × lengthFactor + lengthSlack` are anomalies.
        public var lengthFactor: Double = 1.5
        public var lengthSlack: Int = 16
        /// Lengths under `minLength / 2` are anomalies when `minLength` is at least this.
        public var shortMinLength: Int = 8
        public var tooShort: Double = 0.3
        /// Confidence per new character class (the highest applies); alphanumerics are judged
        /// by format instead.
        public var newPunct: Double = 0.6
        public var newControl: Double = 0.7
        public var newSpace: Double = 0.35
        public var newNonASCII: Double = 0.3

        public init() {}

        /// Presets by sensitivity (DESIGN §3, like CRS paranoia levels): `low` keeps only strong
        /// signals (new formats, control characters and punctuation, far longer values) and ignores
        /// unknown and missing parameters; `high` also weighs small deviations.
        public init(sensitivity: Sensitivity) {
            self.init()
            switch sensitivity {
            case .default: break
            case .low:
                unknownParameter = 0
                unknownHeader = 0
                missingRequired = 0
                tooShort = 0
                newSpace = 0
                newNonASCII = 0
                lengthFactor = 3
                lengthSlack = 64
            case .high:
                unknownParameter = 0.6
                unknownHeader = 0.3
                missingRequired = 0.4
                lengthFactor = 1.2
                lengthSlack = 8
                newSpace = 0.45
                newNonASCII = 0.4
            }
        }
    }

    public var config: Config

    public init(config: Config = Config()) {
        self.config = config
    }

    public init(sensitivity: Sensitivity) {
        self.config = Config(sensitivity: sensitivity)
    }

    /// Hits for one observation; empty when the baseline is still learning.
    public func score(_ observation: EndpointObservation, against baseline: EndpointBaseline) -> [Hit] {
        guard baseline.state == .enforcing else { return [] }
        var hits: [Hit] = []
        var requiredSeen = 0

        // Path parameters, positionally against the learned template.
        // Index loops: `for x in array` costs an allocation per element in debug builds.
        if observation.segments.count == baseline.segments.count {
            for i in baseline.pathParameterIndex.indices {
                let p = baseline.pathParameterIndex[i]
                guard p >= 0 else { continue }
                let segment = observation.segments[i]
                check(
                    shape: segment.shape, formats: FormatSet(segment.shape.format), minLength: segment.shape.length,
                    against: baseline.parameters[p], location: baseline.parameters[p].location, point: -1, into: &hits)
            }
        }

        for k in observation.params.indices {
            let param = observation.params[k]
            guard param.source != .path else { continue }
            guard let i = baseline.index[param.location] else {
                let header = param.source == .header || param.source == .cookie
                if !baseline.openParameters, (header ? config.unknownHeader : config.unknownParameter) > 0 {
                    hits.append(
                        Hit(
                            attackClass: .schemaAnomaly, point: param.point, location: param.location,
                            confidence: header ? config.unknownHeader : config.unknownParameter,
                            evidence: "parameter never seen on this endpoint (" + param.shape.format.rawValue + ")",
                            rule: "schema.unknown_parameter"))
                }
                continue
            }
            let learned = baseline.parameters[i]
            if learned.required { requiredSeen += 1 }
            check(
                shape: param.shape, formats: param.formats, minLength: param.minLength, against: learned,
                location: param.location, point: param.point, into: &hits)
        }

        if requiredSeen < baseline.requiredCount, config.missingRequired > 0 {
            for p in baseline.parameters where p.required && p.source != .path {
                if !observation.params.contains(where: { $0.location == p.location }) {
                    hits.append(
                        Hit(
                            attackClass: .schemaAnomaly, point: -1, location: p.location,
                            confidence: config.missingRequired,
                            evidence: "required parameter missing", rule: "schema.missing_required"))
                }
            }
        }
        return hits
    }

    /// Builds the observation from the decoded request, then scores it.
    public func score(
        record: CaptureRecord, decoded: DecodedRequest, against baseline: EndpointBaseline,
        builder: ObservationBuilder = ObservationBuilder()
    ) -> [Hit] {
        score(builder.observe(record: record, decoded: decoded), against: baseline)
    }

    @inline(__always)
    private func check(
        shape: ValueShape, formats: FormatSet, minLength: Int, against p: ParameterBaseline, location: String,
        point: Int32, into hits: inout [Hit]
    ) {
        guard p.enforced else { return }
        // Format.
        let unexpected = formats.subtracting(p.acceptedFormats)
        if !unexpected.isEmpty {
            let format = unexpected.formats.first ?? shape.format
            let toText = (format == .text || format == .binary) && !p.acceptedFormats.contains(FormatSet(.text))
            hits.append(
                Hit(
                    attackClass: .schemaAnomaly, point: point, location: location,
                    confidence: toText ? config.newFormatToText : config.newFormat,
                    evidence: "format " + format.rawValue + " never seen (learned "
                        + p.formats.prefix(3).map(\.format.rawValue).joined(separator: ",") + ")",
                    rule: "schema.format"))
        }
        // Length.
        // In Double: a baseline from the wire may carry any lengths; nothing here may overflow.
        let allowed =
            max(Double(p.maxLength), 2 * Double(p.p99Length)) * config.lengthFactor + Double(config.lengthSlack)
        if Double(shape.length) > allowed {
            let ratio = Int(min(Double(shape.length) / max(allowed, 1), 1e15))
            let log2Ratio = Double(Int.bitWidth - 1 - max(ratio, 1).leadingZeroBitCount)
            hits.append(
                Hit(
                    attackClass: .schemaAnomaly, point: point, location: location,
                    confidence: min(0.8, 0.45 + 0.1 * log2Ratio),
                    evidence: "length " + String(shape.length) + " above learned " + String(p.minLength) + "…"
                        + String(p.maxLength), rule: "schema.length"))
        } else if config.tooShort > 0, p.minLength >= config.shortMinLength, minLength < p.minLength / 2 {
            hits.append(
                Hit(
                    attackClass: .schemaAnomaly, point: point, location: location, confidence: config.tooShort,
                    evidence: "length " + String(minLength) + " below learned " + String(p.minLength) + "…"
                        + String(p.maxLength), rule: "schema.length"))
        }
        // Character classes.
        let fresh = shape.charset.subtracting(p.charset)
        if !fresh.isEmpty {
            var confidence = 0.0
            if fresh.contains(.control) { confidence = max(confidence, config.newControl) }
            if fresh.contains(.punct) { confidence = max(confidence, config.newPunct) }
            if fresh.contains(.space) { confidence = max(confidence, config.newSpace) }
            if fresh.contains(.nonASCII) { confidence = max(confidence, config.newNonASCII) }
            if confidence > 0 {
                hits.append(
                    Hit(
                        attackClass: .schemaAnomaly, point: point, location: location, confidence: confidence,
                        evidence: "new characters: " + fresh.names.joined(separator: ","), rule: "schema.charset"))
            }
        }
    }

    // MARK: Format compatibility

    /// Formats a learned format also accepts: values of these formats are ordinary variations
    /// (a `word` field may see `integer` or `hex`-looking words), not anomalies.
    public static func subsumed(by format: ValueFormat) -> [ValueFormat] {
        switch format {
        case .text: ValueFormat.allCases.filter { $0 != .binary }
        case .word: [.integer, .decimal, .hex, .token, .boolean, .uuid, .date]
        case .token: [.word, .hex, .integer, .uuid]
        case .base64: [.word, .token, .hex, .integer]
        case .hex: [.integer, .word, .token]
        case .decimal: [.integer]
        case .integer: [.decimal]
        case .datetime: [.date]
        case .jwt: [.token]
        default: []
        }
    }

    /// The accepted set for learned formats (plus `empty` and `null`).
    public static func accepted(_ learned: [ValueFormat]) -> FormatSet {
        var set: FormatSet = [FormatSet(.empty), FormatSet(.null)]
        for f in learned {
            set.insert(FormatSet(f))
            for s in subsumed(by: f) { set.insert(FormatSet(s)) }
        }
        return set
    }
}
