import Foundation
import PalisadeCore
import PalisadeDetect
import PalisadeLearn
import PalisadePolicy
import PalisadeRecords
import PalisadeTransport

/// What became of one consumed record: the records to publish for it and what to count.
struct ProcessedRecord: Sendable {
    enum Outcome: Sendable, Equatable {
        /// Decoded and scored; `verdictPublished` is false for a clean verdict left out by the
        /// clean-verdict policy.
        case scored(attack: Bool, classes: [AttackClass], verdictPublished: Bool, baselineHits: Int)
        /// Could not be decoded: one dead letter is published instead.
        case deadLettered(reason: String)
    }

    var outputs: [OutgoingRecord]
    var outcome: Outcome
    /// Time spent decoding and scoring (zero for dead letters).
    var scoringNanos: Int64
}

/// The synchronous heart of a scoring task: bytes of `palisade.requests` in, verdict and
/// observation records out (or a dead letter). No I/O, no clocks other than the decode timer, no
/// shared mutable state: one value per lane.
struct RequestProcessor: Sendable {
    let settings: WorkerSettings
    let analyzer: Analyzer
    let builder: ObservationBuilder
    let scorer: BaselineScorer
    let identities: IdentityExtractor
    let verdictsTopic: String
    let observationsTopic: String
    let deadLetterTopic: String
    let detection: WorkerDetection
    let encoding: WorkerEncoding

    init(settings: WorkerSettings, detection: WorkerDetection = .full, encoding: WorkerEncoding = .wire) {
        self.settings = settings
        self.detection = detection
        self.encoding = encoding
        self.analyzer = Analyzer(sensitivity: settings.sensitivity, memoCapacity: settings.detectionMemoEntries)
        // The observation's value shapes and parameter locations are remembered like the
        // detectors' results, in caches of the same size (off with the memo).
        let entries = settings.detectionMemoEntries
        self.builder = ObservationBuilder(
            shapes: entries > 0 ? ValueShapeCache(capacity: entries) : nil,
            locations: entries > 0 ? LocationCache(capacity: entries) : nil)
        self.scorer = BaselineScorer(sensitivity: settings.sensitivity)
        self.identities = IdentityExtractor(settings: settings)
        self.verdictsTopic = settings.topic(.verdicts)
        self.observationsTopic = settings.topic(.observations)
        self.deadLetterTopic = settings.topic(.deadLetter)
    }

    func process(_ record: ConsumedRecord, baselines: BaselineSet, nowMs: Int64) -> ProcessedRecord {
        guard let value = record.value else {
            return deadLetter(record, reason: "empty value (tombstone) on \(record.topic)", nowMs: nowMs)
        }
        let capture: CaptureRecord
        do {
            capture = try CaptureRecord.decodeRecord(value)
        } catch {
            return deadLetter(record, reason: error.description, nowMs: nowMs)
        }
        guard !capture.method.isEmpty, !capture.rawPath.isEmpty else {
            return deadLetter(
                record, reason: "cannot read palisade.v1.CaptureRecord: method and raw_path are required", nowMs: nowMs)
        }
        let start = ContinuousClock.now
        // Taken apart at once: reading `.decoded` and `.verdict` off the tuple copied it whole
        // (a retain and release of every array in both) each time.
        var (decoded, verdict) = detection == .full ? analyzer.analyze(capture) : Self.undetected(capture)
        // The template was computed once, for the verdict (Analyzer or `undetected`): reused here
        // and by the identities below.
        let observation = builder.observe(record: capture, decoded: decoded, template: verdict.endpoint.template)

        // The endpoint's baseline: schema_anomaly hits raise the score; they do not make the
        // request an attack on their own (the attack flag stays with the attack classes).
        var baselineHits = 0
        // Looked up by the observation's endpoint host and method: normalized once already
        // (`baseline(for: capture)` would scan the headers and normalize them again).
        let endpoint = observation.endpoint
        if let baseline = baselines.baseline(host: endpoint.host, method: endpoint.method, path: capture.path) {
            let hits = scorer.score(observation, against: baseline)
            if !hits.isEmpty {
                baselineHits = hits.count
                let rescored = Scoring.score(verdict.hits + hits, sensitivity: settings.sensitivity)
                verdict.hits = rescored.hits
                verdict.score = rescored.score
            }
        }
        let (seconds, attoseconds) = (ContinuousClock.now - start).components
        verdict.decodeMs = Double(attoseconds / 1_000_000_000) / 1_000_000 + Double(seconds) * 1_000

        let ids = identities.extract(capture, decoded: decoded, template: verdict.endpoint.template)
        verdict.client = ids.clientKey

        var outputs: [OutgoingRecord] = []
        outputs.reserveCapacity(2)
        let publishVerdict = shouldPublish(verdict, id: capture.id)
        if publishVerdict {
            let bytes =
                encoding == .wire
                ? verdict.encodedRecord(identities: ids.verdict)
                : VerdictMessage(verdict, identities: ids.verdict).encodedRecord()
            outputs.append(OutgoingRecord(topic: verdictsTopic, key: ids.clientKey, value: bytes))
        }
        let observationBytes =
            encoding == .wire
            ? observation.encodedRecord(client: ids.clientKey, score: verdict.score, attack: verdict.attack)
            : EndpointObservationMessage(
                observation, client: ids.clientKey, score: verdict.score, attack: verdict.attack
            )
            .encodedRecord()
        outputs.append(
            OutgoingRecord(
                topic: observationsTopic, key: Self.observationKey(observation.endpoint), value: observationBytes))

        var classes: [AttackClass] = []
        for hit in verdict.hits where !classes.contains(hit.attackClass) { classes.append(hit.attackClass) }
        let nanos = seconds * 1_000_000_000 + attoseconds / 1_000_000_000
        return ProcessedRecord(
            outputs: outputs,
            outcome: .scored(
                attack: verdict.attack, classes: classes, verdictPublished: publishVerdict, baselineHits: baselineHits),
            scoringNanos: nanos)
    }

    /// The UTF-8 bytes of `endpoint.observationRecordKey` (`"<METHOD> <host>"`), built directly.
    static func observationKey(_ endpoint: EndpointKey) -> [UInt8] {
        var key: [UInt8] = []
        key.reserveCapacity(endpoint.method.utf8.count + 1 + endpoint.host.utf8.count)
        key.append(contentsOf: endpoint.method.utf8)
        key.append(UInt8(ascii: " "))
        key.append(contentsOf: endpoint.host.utf8)
        return key
    }

    /// ``WorkerDetection/skipped``: no decoding, no detectors; the verdict of a clean request.
    static func undetected(_ record: CaptureRecord) -> (decoded: DecodedRequest, verdict: Verdict) {
        let endpoint = Verdict.Endpoint(
            host: record.host ?? record.header("host") ?? "", method: record.method,
            template: PathTemplate.template(forRawPath: record.rawPath))
        return (
            DecodedRequest(),
            Verdict(
                id: record.id, ts: record.ts, client: record.clientIP ?? "", endpoint: endpoint, status: record.status,
                score: 0, attack: false, hits: [], anomalies: [], decodeMs: 0)
        )
    }

    /// Clean = no hit at all. Requests with hits always get a verdict.
    func shouldPublish(_ verdict: Verdict, id: String) -> Bool {
        guard verdict.hits.isEmpty, !verdict.attack else { return true }
        switch settings.cleanVerdicts {
        case .all: return true
        case .none: return false
        case .sampled:
            // Deterministic by request id: a redelivered record makes the same choice.
            let bucket = IdentityHash.fnv1a64(id) % 1_000_000
            return Double(bucket) < settings.cleanVerdictSampleRate * 1_000_000
        }
    }

    func deadLetter(_ record: ConsumedRecord, reason: String, nowMs: Int64) -> ProcessedRecord {
        var letter = DeadLetterMessage()
        letter.topic = record.topic
        letter.partition = record.partition
        letter.offset = record.offset
        letter.reason = String(reason.prefix(1_000))
        if let value = record.value {
            letter.value = Data(value.prefix(settings.deadLetterMaxBytes))
            letter.valueTruncated = value.count > settings.deadLetterMaxBytes
        }
        letter.rejectedBy = "worker"
        letter.rejectedAtMs = nowMs
        return ProcessedRecord(
            outputs: [OutgoingRecord(topic: deadLetterTopic, key: record.key, value: letter.encodedRecord())],
            outcome: .deadLettered(reason: reason), scoringNanos: 0)
    }
}
