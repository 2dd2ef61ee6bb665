import ArgumentParser
import PalisadeDetect

/// `palisade scan`: offline decode-and-score over capture records (JSON lines) or HAR exports.
struct ScanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scan",
        abstract: "Decode and score capture records offline; print one verdict per request.",
        discussion: """
            Reads capture records (one JSON object per line, see DESIGN §2) or a HAR 1.2 export and
            prints one verdict per request as a JSON line on standard output. Malformed records are
            reported on standard error with their line number and skipped; a summary follows on
            standard error.

            Exit codes: 0 every record was scanned; 1 an attack was found and --fail-on-attack was
            given; 3 one or more records were rejected (the rest were scanned); 64 usage error;
            66 the input cannot be opened; 74 read error.
            """
    )

    typealias Format = CaptureFileReader.Format

    @Argument(help: "Capture file (JSON lines or HAR); '-' reads standard input.")
    var file: String = "-"

    @Option(help: "Input format: auto (HAR if the document starts with {\"log\"), jsonl or har.")
    var format: Format = .auto

    @Flag(help: "After each verdict, print the decoded value tree with locations and why each hit fired.")
    var explain = false

    @Option(help: "Detection sensitivity: low, default or high.")
    var sensitivity: SensitivityArgument = .default

    @Flag(help: "Print verdicts for attacks only.")
    var attacksOnly = false

    @Flag(help: "Exit with status 1 when any request is an attack.")
    var failOnAttack = false

    @Option(help: "Longest capture line accepted, in bytes; longer lines are rejected.")
    var maxLineBytes: Int = 16 << 20

    @Option(help: "Nesting depth of decoders (matryoshka levels).")
    var maxDepth: Int = DecodeLimits.default.maxDepth

    @Option(help: "Values (points) decoded per request.")
    var maxPoints: Int = DecodeLimits.default.maxPoints

    @Option(help: "Decoded bytes per request.")
    var maxDecodedBytes: Int = DecodeLimits.default.maxDecodedBytes

    @Option(help: "Decode time budget per request, in microseconds.")
    var timeBudgetMicros: Int = DecodeLimits.default.timeBudgetMicros

    func validate() throws {
        guard maxLineBytes >= 1024 else { throw ValidationError("--max-line-bytes must be at least 1024") }
        guard (1...64).contains(maxDepth) else { throw ValidationError("--max-depth must be 1-64") }
        guard maxPoints >= 16 else { throw ValidationError("--max-points must be at least 16") }
        guard maxDecodedBytes >= 1024 else { throw ValidationError("--max-decoded-bytes must be at least 1024") }
        guard timeBudgetMicros >= 100 else { throw ValidationError("--time-budget-micros must be at least 100") }
    }

    var limits: DecodeLimits {
        var limits = DecodeLimits()
        limits.maxDepth = maxDepth
        limits.maxPoints = maxPoints
        limits.maxDecodedBytes = maxDecodedBytes
        limits.timeBudgetMicros = timeBudgetMicros
        return limits
    }

    func run() throws {
        var source: ByteSource
        do {
            source = try ByteSource(path: file)
        } catch {
            var err = OutputSink.stderr()
            err.line("palisade scan: \(error)")
            err.flush()
            throw ExitCode(66)
        }
        var scanner = Scanner(
            analyzer: Analyzer(limits: limits, sensitivity: sensitivity.value), format: format, explain: explain,
            attacksOnly: attacksOnly, maxLineBytes: maxLineBytes)
        do {
            try source.forEachChunk { chunk in scanner.feed(chunk) }
        } catch {
            scanner.finish()
            var err = OutputSink.stderr()
            err.line("palisade scan: \(error)")
            err.flush()
            throw ExitCode(74)
        }
        scanner.finish()
        if failOnAttack, scanner.summary.attacks > 0 { throw ExitCode(1) }
        if scanner.summary.rejected > 0 { throw ExitCode(3) }
    }
}

struct SensitivityArgument: ExpressibleByArgument {
    var value: Sensitivity
    init?(argument: String) {
        guard let value = Sensitivity(rawValue: argument) else { return nil }
        self.value = value
    }
    init(_ value: Sensitivity) { self.value = value }
    static let `default` = SensitivityArgument(.default)
    static var allValueStrings: [String] { Sensitivity.allCases.map(\.rawValue) }
}

/// The streaming core of `scan`, separate from argument parsing so tests can drive it.
struct Scanner {
    struct Summary: Equatable {
        var scanned = 0
        var rejected = 0
        var attacks = 0
        var limitHits = 0
    }

    let analyzer: Analyzer
    let explain: Bool
    let attacksOnly: Bool
    private(set) var summary = Summary()
    private var reader: CaptureFileReader
    private(set) var out: OutputSink
    private(set) var err: OutputSink
    private let start = ContinuousClock.now
    private var errorsShown = 0
    /// Errors printed individually; the rest are only counted (bounded stderr on garbage input).
    static let maxErrorsShown = 1000

    init(
        analyzer: Analyzer, format: ScanCommand.Format, explain: Bool, attacksOnly: Bool, maxLineBytes: Int,
        out: OutputSink = .stdout(), err: OutputSink = .stderr()
    ) {
        self.analyzer = analyzer
        self.reader = CaptureFileReader(format: format, maxLineBytes: maxLineBytes)
        self.explain = explain
        self.attacksOnly = attacksOnly
        self.out = out
        self.err = err
    }

    mutating func feed(_ chunk: UnsafeBufferPointer<UInt8>) {
        var items: [CaptureFileReader.Item] = []
        reader.feed(chunk) { items.append($0) }
        for item in items { handle(item) }
    }

    mutating func finish() {
        var items: [CaptureFileReader.Item] = []
        let missing = reader.finish { items.append($0) }
        for item in items { handle(item) }
        if let missing { reject(missing) }
        out.flush()
        let elapsed = ContinuousClock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let rate = seconds > 0 ? Double(summary.scanned) / seconds : 0
        if errorsShown >= Self.maxErrorsShown {
            err.line("palisade scan: \(summary.rejected - errorsShown) more rejected records not shown")
        }
        err.line(
            "palisade scan: \(summary.scanned) scanned, \(summary.rejected) rejected, \(summary.attacks) attacks, "
                + "\(summary.limitHits) hit decode limits, \(JSONWriter.format(seconds, decimals: 2)) s "
                + "(\(Int(rate)) records/s)")
        err.flush()
    }

    private mutating func handle(_ item: CaptureFileReader.Item) {
        switch item {
        case .oversizedLine(let number, let bytes):
            reject(CaptureError(line: number, reason: "line of \(bytes) bytes exceeds --max-line-bytes"))
        case .oversizedEntry(let index):
            reject(CaptureError(line: index, reason: "entry \(index) exceeds the entry size limit"))
        case .line(let bytes, let number):
            do {
                let record = try CaptureRecord.parse(json: bytes, lineNumber: number, now: WallClock.nowMilliseconds())
                emit(record)
            } catch {
                reject(error)
            }
        case .harEntry(let bytes, let index):
            do {
                emit(try CaptureFileReader.record(harEntry: bytes, index: index, now: WallClock.nowMilliseconds()))
            } catch {
                reject(error)
            }
        }
    }

    private mutating func reject(_ error: CaptureError) {
        summary.rejected += 1
        if errorsShown < Self.maxErrorsShown {
            errorsShown += 1
            err.line("palisade scan: rejected \(error)")
        }
    }

    private mutating func emit(_ record: CaptureRecord) {
        let (decoded, verdict) = analyzer.analyze(record)
        summary.scanned += 1
        if verdict.attack { summary.attacks += 1 }
        if !decoded.limitHits.isEmpty { summary.limitHits += 1 }
        if attacksOnly, !verdict.attack { return }
        out.line(verdict.jsonLine())
        if explain { out.write(Explain.render(decoded, verdict: verdict, record: record)) }
    }
}
