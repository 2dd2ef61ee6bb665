/// Decodes a request, runs every detector over its points and scores the result.
/// Synchronous and shareable across threads; one per process is enough.
public struct Analyzer: Sendable {
    public var decoder: RequestDecoder
    public var detectors: [any Detector] {
        didSet {
            detectCalls = detectors.map { Self.detectCall($0) }
            standard = Self.isStandard(detectors)
            // Results of the old list are not those of the new one.
            if let memo { self.memo = DetectionMemo(capacity: memo.capacity, seed: memo.fixedSeed) }
        }
    }
    /// `detectors` with each existential opened once: calling through `any Detector` copies and
    /// destroys the existential on every call (~80 instructions; 15 detectors × every value).
    private var detectCalls: [DetectCall]
    /// `detectors` is `DetectorRegistry.standard` (same types, same order): the loop then calls
    /// each concrete type directly (`detectStandard`), without the closure's context and
    /// reabstraction thunks (~50 instructions per call, 15 calls per value).
    private var standard: Bool
    /// Detectors run once per request (`RequestDetector`), after the per-value ones.
    public var requestDetectors: [any RequestDetector]
    public var sensitivity: Sensitivity
    /// Recent value-detector results (`DetectionMemo`), shared by the copies of this analyzer;
    /// nil: every value is judged. Used only while `detectors` is the standard list (whose
    /// detectors are pure functions of the value and its context).
    public private(set) var memo: DetectionMemo?

    /// `memoCapacity`: slots of the value-detector memo (`DetectionMemo`); 0 turns it off.
    /// `memoSeed`: the memo's hash seed (`DetectionMemo.init(capacity:seed:)`): leave it nil, except
    /// in benchmarks that must repeat to the instruction.
    public init(
        limits: DecodeLimits = .default, sensitivity: Sensitivity = .default,
        detectors: [any Detector] = DetectorRegistry.standard,
        requestDetectors: [any RequestDetector] = DetectorRegistry.requestLevel,
        memoCapacity: Int = DetectionMemo.defaultCapacity, memoSeed: UInt64? = nil
    ) {
        self.decoder = RequestDecoder(limits: limits)
        self.detectors = detectors
        self.detectCalls = detectors.map { Self.detectCall($0) }
        self.standard = Self.isStandard(detectors)
        self.requestDetectors = requestDetectors
        self.sensitivity = sensitivity
        self.memo = memoCapacity > 0 ? DetectionMemo(capacity: memoCapacity, seed: memoSeed) : nil
    }

    private typealias DetectCall = @Sendable (ArraySlice<UInt8>, DetectionContext, inout [Hit]) -> Void

    /// A closure calling `detector.detect` on its concrete type.
    private static func detectCall<D: Detector>(_ detector: D) -> DetectCall {
        { value, context, hits in detector.detect(value, context: context, hits: &hits) }
    }

    /// What names this analyzer's conclusions about remembered header values: its memo (made anew
    /// with every change of `detectors`) and its sensitivity. Never 0.
    private static func rememberToken(_ memo: DetectionMemo, _ sensitivity: Sensitivity) -> UInt64 {
        let level: UInt64 =
            switch sensitivity {
            case .low: 1
            case .default: 2
            case .high: 3
            }
        return memo.token | level
    }

    /// Adds what was concluded of the remembered header value `reference` (nothing found), if the
    /// point is one, to what the decoder is to keep after the request.
    @inline(__always)
    private static func keep(
        _ reference: RememberedHeader?, token: UInt64, bytes: ByteSet, facts: ValueFacts,
        in list: inout [(RememberedHeader, RememberedAnalysis)]
    ) {
        guard let reference else { return }
        list.append((reference, RememberedAnalysis(token: token, bytes: bytes, facts: facts.rawValue)))
    }

    /// Whether `detectors` holds exactly the standard detectors' types, in the registry's order.
    /// The standard detectors carry no configuration (only their name), so a fresh instance of
    /// each type judges like the one in the list.
    static func isStandard(_ detectors: [any Detector]) -> Bool {
        let standard = DetectorRegistry.standard
        guard detectors.count == standard.count else { return false }
        for (mine, theirs) in zip(detectors, standard)
        where ObjectIdentifier(type(of: mine)) != ObjectIdentifier(type(of: theirs)) {
            return false
        }
        return true
    }

    /// `DetectorRegistry.standard`, in its order, called on the concrete types.
    @inline(__always)
    private static func detectStandard(_ value: ArraySlice<UInt8>, _ context: DetectionContext, _ hits: inout [Hit]) {
        SQLiDetector().detect(value, context: context, hits: &hits)
        XSSDetector().detect(value, context: context, hits: &hits)
        RCEDetector().detect(value, context: context, hits: &hits)
        CodeInjectionDetector().detect(value, context: context, hits: &hits)
        SSTIDetector().detect(value, context: context, hits: &hits)
        JNDIDetector().detect(value, context: context, hits: &hits)
        DeserializationDetector().detect(value, context: context, hits: &hits)
        TraversalDetector().detect(value, context: context, hits: &hits)
        SSRFDetector().detect(value, context: context, hits: &hits)
        OpenRedirectDetector().detect(value, context: context, hits: &hits)
        CRLFDetector().detect(value, context: context, hits: &hits)
        MailInjectionDetector().detect(value, context: context, hits: &hits)
        XXEDetector().detect(value, context: context, hits: &hits)
        LDAPInjectionDetector().detect(value, context: context, hits: &hits)
        XPathInjectionDetector().detect(value, context: context, hits: &hits)
    }

    /// Weighs the hits from `start` on by their context (`Scoring.adjust`) and puts them at point
    /// `index`.
    private static func place(
        _ hits: inout [Hit], from start: Int, point index: Int, in decoded: DecodedRequest, context: DetectionContext
    ) {
        let location = decoded.location(of: index)
        for i in start..<hits.count {
            hits[i] = Scoring.adjust(hits[i], context: context)
            hits[i].point = Int32(index)
            hits[i].location = location
        }
    }

    /// The full analysis: the decoded tree (for `--explain`) and the verdict.
    public func analyze(_ record: CaptureRecord) -> (decoded: DecodedRequest, verdict: Verdict) {
        var decoded = decoder.decode(record)
        var hits: [Hit] = []
        // The value summaries, handed to the request-level detectors after the loop.
        var valueBytes: [ByteSet] = []
        // What is known of the values for the request-level detectors (`ValueFacts`): worked out
        // with the standard detectors and remembered with their results.
        var valueFacts: [ValueFacts] = []
        if !requestDetectors.isEmpty {
            valueBytes = Array(filling: RequestContext.everyByte, count: decoded.points.count)
            if standard { valueFacts = Array(filling: [], count: decoded.points.count) }
        }
        let requestHost = record.host ?? record.header("host")
        // Reached without a retain: `self.memo` holds it for the whole call, and binding or calling
        // through the optional retained and released it around each call, for every value.
        let memo = standard ? self.memo.map { Unmanaged.passUnretained($0) } : nil
        // Values below an evasive encoding (`DecodeChain`); empty when the request has none.
        let evasive = DecodeChain.evasive(decoded)
        // Header values the decoder remembers (`RememberedHeader`): one this analyzer found nothing
        // in before is not judged again, nor looked up in the memo; one it judges now with nothing
        // found is remembered so (`remember`, after the loop). Only with the standard detectors
        // (the memo's condition: pure functions of the value and its context, which is the same
        // for a header's root point each time) and the request-level detectors' facts.
        let rememberToken = memo != nil && !valueFacts.isEmpty ? Self.rememberToken(self.memo!, sensitivity) : 0
        let remembered = rememberToken == 0 ? [] : decoded.rememberedHeaders
        var nextRemembered = 0
        var toRemember: [(RememberedHeader, RememberedAnalysis)] = []
        for index in decoded.points.indices {
            // Field by field: copying the whole point costs retains of its strings.
            guard !decoded.points[index].isContainer, !decoded.points[index].value.isEmpty else { continue }
            let kind = decoded.points[index].kind
            switch kind {
            case .text, .key, .filename, .binary, .markup: break
            case .number, .boolean, .null: continue
            }
            // This point's remembered header value, if it is one (both in point order).
            var reference: RememberedHeader? = nil
            while nextRemembered < remembered.count, Int(remembered[nextRemembered].point) < index {
                nextRemembered += 1
            }
            if nextRemembered < remembered.count, Int(remembered[nextRemembered].point) == index {
                let found = remembered[nextRemembered]
                if found.analysis.token == rememberToken {
                    valueBytes[index] = found.analysis.bytes
                    valueFacts[index] = ValueFacts(rawValue: found.analysis.facts)
                    continue
                }
                reference = found
            }
            let value = decoded.points[index].value[...]
            let source = decoded.source(of: index)
            let fieldName = decoded.fieldName(of: index)
            let depth = Int(decoded.points[index].depth)
            let before = hits.count
            // The memo's probe when this value's result is to be stored after the detectors.
            var storeProbe: DetectionMemo.Probe?
            // The field name's reading, when the memo keeps it.
            var roles: FieldRoles?
            // The probe to keep the name's reading with, when the memo does not hold it yet.
            var rolesProbe: DetectionMemo.Probe?
            if let memo,
                let probe = memo._withUnsafeGuaranteedRef({
                    $0.probe(
                        value, source: source, kind: kind, fieldName: fieldName, depth: depth, sensitivity: sensitivity)
                })
            {
                switch memo._withUnsafeGuaranteedRef({ $0.lookup(probe, value: value, fieldName: fieldName) }) {
                case .found(let summary, let facts, let known):
                    if !valueBytes.isEmpty { valueBytes[index] = summary }
                    if !valueFacts.isEmpty { valueFacts[index] = facts }
                    guard !known.isEmpty else {
                        Self.keep(reference, token: rememberToken, bytes: summary, facts: facts, in: &toRemember)
                        continue
                    }
                    hits += known
                    var context = DetectionContext(
                        source: source, kind: kind, fieldName: fieldName, depth: depth, sensitivity: sensitivity)
                    context.evasiveChain = !evasive.isEmpty && evasive[index]
                    Self.place(&hits, from: before, point: index, in: decoded, context: context)
                    continue
                case .missed(let admit, let known):
                    if admit { storeProbe = probe }
                    roles = known
                    if known == nil, fieldName != nil { rolesProbe = probe }
                }
            }
            let field = roles ?? FieldRoles.of(fieldName)
            if let rolesProbe, let memo, let fieldName {
                memo.takeUnretainedValue().storeRoles(rolesProbe, fieldName: fieldName, roles: field)
            }
            var context = DetectionContext(
                value: value, source: source, kind: kind, fieldName: fieldName, field: field, depth: depth,
                sensitivity: sensitivity, requestHost: requestHost)
            context.evasiveChain = !evasive.isEmpty && evasive[index]
            if !valueBytes.isEmpty, let bytes = context.valueBytes { valueBytes[index] = bytes }
            var facts: ValueFacts = []
            if !valueFacts.isEmpty, let bytes = context.valueBytes {
                facts = ValueFacts.of(
                    value, kind: kind, source: source, fieldName: fieldName, depth: depth, bytes: bytes)
                valueFacts[index] = facts
            }
            if standard {
                Self.detectStandard(value, context, &hits)
            } else {
                for detect in detectCalls { detect(value, context, &hits) }
            }
            // A redirect field's result also depends on the request's host (off-site targets), which
            // the key does not hold: such values are judged every time.
            if let probe = storeProbe, let memo, let bytes = context.valueBytes, !context.field.net.redirect {
                memo.takeUnretainedValue().store(
                    probe, value: value, fieldName: fieldName, summary: bytes, facts: facts, hits: hits[before...])
            }
            if hits.count == before, let bytes = context.valueBytes, !context.field.net.redirect {
                Self.keep(reference, token: rememberToken, bytes: bytes, facts: facts, in: &toRemember)
            }
            if hits.count > before { Self.place(&hits, from: before, point: index, in: decoded, context: context) }
        }
        if !toRemember.isEmpty { decoder.remember(toRemember) }
        if !requestDetectors.isEmpty {
            // The decoded tree and the value summaries move into the context and back: copied, each
            // of their arrays was retained and released again.
            var request = RequestContext(record: record, decoded: DecodedRequest(), sensitivity: sensitivity)
            swap(&request.decoded, &decoded)
            request.valueBytes = consume valueBytes
            request.valueFacts = consume valueFacts
            let before = hits.count
            for detector in requestDetectors { detector.detect(request, hits: &hits) }
            swap(&request.decoded, &decoded)
            for i in before..<hits.count {
                let index = Int(hits[i].point)
                guard index >= 0, index < decoded.points.count else { continue }
                if hits[i].location.isEmpty { hits[i].location = decoded.location(of: index) }
                let point = decoded.points[index]
                var context = DetectionContext(
                    source: decoded.source(of: index), kind: point.kind, fieldName: decoded.fieldName(of: index),
                    depth: Int(point.depth), sensitivity: sensitivity)
                context.evasiveChain = !evasive.isEmpty && evasive[index]
                hits[i] = Scoring.adjust(hits[i], context: context)
            }
        }
        var anomalies: [Verdict.Anomaly] = []
        for annotation in decoded.annotations where !Self.informational.contains(annotation.code) {
            let location = annotation.point >= 0 ? decoded.location(of: Int(annotation.point)) : ""
            anomalies.append(
                .init(
                    code: annotation.code.rawValue, location: location, detail: annotation.detail,
                    value: annotation.value))
            if annotation.isLimit {
                hits.append(
                    Hit(
                        attackClass: .protocolAnomaly, point: annotation.point, location: location, confidence: 0.5,
                        evidence: annotation.code.rawValue, rule: annotation.code.rawValue))
            }
        }
        let scored = Scoring.score(hits, sensitivity: sensitivity)
        let verdict = Verdict(
            id: record.id, ts: record.ts, client: record.clientIP ?? "",
            endpoint: .init(
                host: requestHost ?? "", method: record.method,
                template: PathTemplate.template(forRawPath: record.rawPath)),
            status: record.status, score: scored.score, attack: scored.attack, hits: scored.hits, anomalies: anomalies,
            decodeMs: Double(decoded.elapsedNanos) / 1_000_000)
        return (decoded, verdict)
    }
}

extension Analyzer {
    /// Annotations that describe a request rather than flag it (sizes and counts decoders always
    /// report). Detectors read them; verdicts do not list them as anomalies.
    public static let informational: Set<AnnotationCode> = [
        .graphqlDepth, .graphqlFields, .graphqlAliases, .graphqlBatch, .graphqlDirectives, .graphqlRepeatedField,
        .graphqlRepeatedMutation,
        .multipartParts,
    ]
}

/// The detectors Palisade ships, in the order they run.
public enum DetectorRegistry {
    public static let standard: [any Detector] = [
        SQLiDetector(), XSSDetector(),
        RCEDetector(), CodeInjectionDetector(), SSTIDetector(), JNDIDetector(), DeserializationDetector(),
        TraversalDetector(), SSRFDetector(), OpenRedirectDetector(), CRLFDetector(), MailInjectionDetector(),
        XXEDetector(), LDAPInjectionDetector(), XPathInjectionDetector(),
    ]

    /// Request-level detectors (`RequestDetector`), in the order they run.
    public static let requestLevel: [any RequestDetector] = [
        NoSQLiDetector(), PrototypePollutionDetector(), GraphQLAbuseDetector(), ScannerDetector(),
        ProtocolAnomalyDetector(), XSSRawQueryDetector(),
    ]

    /// A standard detector by its registry name (`sqli`, `xss`, …), e.g. for `--only` or `--explain`.
    public static func detector(named name: String) -> (any Detector)? {
        standard.first { $0.name == name }
    }

    /// A request-level detector by its registry name (`nosqli`, `scanner`, …).
    public static func requestDetector(named name: String) -> (any RequestDetector)? {
        requestLevel.first { $0.name == name }
    }
}
