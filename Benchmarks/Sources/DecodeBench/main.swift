// Decode (and analyze) throughput on ~1 KB mixed API traffic, single thread.
// Usage: DecodeBench [seconds-per-phase=5] — run through scripts/bench.sh, which preloads the
// malloc interposer so allocations per request are counted.
//        DecodeBench --passes N decode|analyze — exactly N passes over the corpus through
// `runPasses`, nothing timed: for `valgrind --tool=callgrind --toggle-collect='*runPasses*'`
// (instructions per request, repeatable on a shared machine).
//        DecodeBench --dump OUT REPO — the full decode of the bench corpus, the golden fixtures and
// the detector corpus lines (Dump.swift); DecodeBench --dump-hits FILE — every detector's hits
// over the test corpora (HitDump.swift): both to compare two builds byte for byte.
//        DECODE_BENCH_JWT_CLIENTS=N (environment): N distinct bearer tokens in turn (default 1).
//        DECODE_BENCH_CLIENTS=N|unique (environment): how much values repeat (`Traffic.Repetition`):
// N clients in turn, each with its own User-Agent, cookie, token and address; `unique`: nothing
// repeats. Default: every request carries the same headers.
//        DECODE_BENCH_HEADERS=gateway (environment): every request also carries the forwarding,
// trace, referer, client-hint and fetch-metadata headers that a browser and the proxies in front
// of a gateway add (`Traffic.gatewayHeaders`): ~1,100 bytes per request instead of ~710.
//        DECODE_BENCH_FILE=PATH (environment): the capture records of a JSON-lines file (DESIGN §2)
// instead of the synthetic traffic — e.g. 500 requests differing in one header, against 500
// without it, under `--passes 1` and callgrind: what judging one such value costs.
//        DECODE_BENCH_MEMO=N (environment): slots of the analyzer's detection memo (0 = off;
// default `DetectionMemo.defaultCapacity`). The memo's counts are printed after `--passes`, which
// uses a fixed memo seed so that instruction counts repeat from run to run.
import BenchTraffic
import Foundation
import MallocInterposerSwift
import PalisadeDetect
import Synchronization

if CommandLine.arguments.count == 4, CommandLine.arguments[1] == "--dump" {
    Dump.run(output: CommandLine.arguments[2], repo: CommandLine.arguments[3])
    exit(0)
}
if CommandLine.arguments.count == 3, CommandLine.arguments[1] == "--dump-hits" {
    HitDump.run(to: CommandLine.arguments[2])
    exit(0)
}
// DECODE_BENCH_JWT_CLIENTS=N: the bearer tokens of N clients in turn instead of one token in
// every request (2000 = no token repeats: the JWT decoder's cache never hits).
let environment = ProcessInfo.processInfo.environment
let corpus =
    environment["DECODE_BENCH_FILE"].map(Traffic.records(inFile:))
    ?? Traffic.mixed(
        count: 2_000,
        jwtClients: environment["DECODE_BENCH_JWT_CLIENTS"].flatMap { Int($0) } ?? 1,
        repetition: .init(environment: environment["DECODE_BENCH_CLIENTS"]),
        gatewayHeaders: environment["DECODE_BENCH_HEADERS"] == "gateway")
let passMode = CommandLine.arguments.count == 4 && CommandLine.arguments[1] == "--passes"
// Under callgrind a request runs ~50× slower: lift the 50 ms decode time budget there so that
// no request is cut short and every run decodes (and counts) exactly the same work.
var limits = DecodeLimits.default
if passMode { limits.timeBudgetMicros = 60_000_000 }
let decoder = RequestDecoder(limits: limits)
let analyzer = Analyzer(
    limits: limits,
    memoCapacity: environment["DECODE_BENCH_MEMO"].flatMap { Int($0) } ?? DetectionMemo.defaultCapacity,
    // `--passes` (callgrind) counts instructions: a fixed memo seed makes the memo's evictions,
    // and so the count, the same in every run (a random seed moved it by up to ±2 % and, with an
    // unlucky seed, far more).
    memoSeed: passMode ? 0x5EED_0F_BE_AC_4 : nil)

@inline(never)
func runPasses(_ passes: Int, analyze: Bool) -> Int {
    var sink = 0
    for _ in 0..<passes {
        for record in corpus {
            sink &+= analyze ? analyzer.analyze(record).verdict.hits.count : decoder.decode(record).points.count
        }
    }
    return sink
}

if passMode {
    let passes = Int(CommandLine.arguments[2]) ?? 1
    let analyze = CommandLine.arguments[3] == "analyze"
    print(
        "\(passes) passes × \(corpus.count) requests, \(analyze ? "analyze" : "decode"): sink \(runPasses(passes, analyze: analyze))"
    )
    if analyze { print(memoReport()) }
}

// --threads T SECONDS shared|own: T threads analyzing the corpus for SECONDS, through one shared
// analyzer (one memo behind one mutex) or one analyzer each (the worker's scoring tasks); total
// requests/s. For the memo's lock contention.
if CommandLine.arguments.count == 5, CommandLine.arguments[1] == "--threads" {
    let threads = Int(CommandLine.arguments[2]) ?? 2
    let seconds = Double(CommandLine.arguments[3]) ?? 3
    let shared = CommandLine.arguments[4] == "shared"
    let threadLimits = limits
    let counts = Mutex<[Int]>([])
    let start = ContinuousClock.now
    DispatchQueue.concurrentPerform(iterations: threads) { _ in
        let mine = shared ? analyzer : Analyzer(limits: threadLimits, memoCapacity: analyzer.memo?.capacity ?? 0)
        let deadline = start.advanced(by: .milliseconds(Int64(seconds * 1000)))
        var count = 0
        var sink = 0
        while ContinuousClock.now < deadline {
            for record in corpus { sink &+= mine.analyze(record).verdict.hits.count }
            count += corpus.count
        }
        counts.withLock { $0.append(count + (sink & 0)) }
    }
    let elapsed = ContinuousClock.now - start
    let total = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    let sum = counts.withLock { $0.reduce(0, +) }
    print(
        "\(threads) threads, \(shared ? "one shared analyzer" : "one analyzer each"): \(Int(Double(sum) / total)) requests/s; "
            + memoReport())
    exit(0)
}

let averageBytes = corpus.reduce(0) { $0 + $1.approximateSize } / corpus.count
let seconds = CommandLine.arguments.count > 1 ? Double(CommandLine.arguments[1]) ?? 5 : 5
func measure(_ name: String, _ body: (CaptureRecord) -> Int) {
    // Warm up.
    var sink = 0
    for record in corpus.prefix(500) { sink &+= body(record) }
    // Allocations per request, over one pass.
    MallocInterposerSwift.initialize()
    MallocInterposerSwift.hook()
    for record in corpus { sink &+= body(record) }
    MallocInterposerSwift.unhook()
    let stats = MallocInterposerSwift.getStatistics()
    let allocations = Double(stats.mallocCount) / Double(corpus.count)
    // Throughput and per-request latency.
    let clock = ContinuousClock()
    var latencies: [Int64] = []
    latencies.reserveCapacity(2_000_000)
    let deadline = clock.now.advanced(by: .milliseconds(Int64(seconds * 1000)))
    let start = clock.now
    var count = 0
    while clock.now < deadline {
        for record in corpus {
            let t0 = clock.now
            sink &+= body(record)
            let t1 = clock.now
            let d = (t1 - t0).components
            latencies.append(d.seconds * 1_000_000_000 + d.attoseconds / 1_000_000_000)
        }
        count += corpus.count
    }
    let elapsed = clock.now - start
    let total = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    latencies.sort()
    func pct(_ p: Double) -> Double {
        Double(latencies[min(latencies.count - 1, Int(Double(latencies.count) * p))]) / 1000
    }
    let rate = Double(count) / total
    let mbps = rate * Double(averageBytes) / 1_048_576
    print(
        "\(name): \(Int(rate)) requests/s (\(String(Int(mbps))) MB/s), p50 \(fmt(pct(0.5))) µs, p99 \(fmt(pct(0.99))) µs, "
            + "p99.9 \(fmt(pct(0.999))) µs, \(fmt(allocations)) allocations/request  [sink \(sink & 1)]")
}

func memoReport() -> String {
    guard let memo = analyzer.memo else { return "memo: off" }
    let s = memo.statistics
    let looked = max(1, s.hits + s.misses)
    return
        "memo: \(memo.capacity) slots, hits \(s.hits) (\(s.hits * 100 / looked) %), misses \(s.misses) (first sightings \(s.firstSightings)), "
        + "evictions \(s.evictions), skipped \(s.skipped), entries \(s.entries)"
}

func fmt(_ v: Double) -> String {
    let r = (v * 10).rounded() / 10
    return String(r)
}

if !passMode {
    print("corpus: \(corpus.count) requests, ~\(averageBytes) bytes each (path, query, headers, body)")
    measure("decode ") { decoder.decode($0).points.count }
    measure("analyze") { analyzer.analyze($0).verdict.hits.count }
    print(memoReport())
}
