// Baseline scoring cost per request (observation already built, as in the worker), with
// allocation counts through the malloc interposer (preload libMallocInterposerSwift.so).
// Usage: LearnBench [seconds=3]
import MallocInterposerSwift
import PalisadeCore
import PalisadeLearn

let seconds = CommandLine.arguments.count > 1 ? Double(CommandLine.arguments[1]) ?? 3 : 3

/// Deterministic traffic: one endpoint with 20 query/body parameters of mixed formats.
struct Gen {
    var state: UInt64 = 7
    mutating func next(_ n: Int) -> Int {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return Int((state >> 33) % UInt64(n))
    }
    mutating func observation() -> EndpointObservation {
        var params: [ParamObservation] = []
        for i in 0..<20 {
            let value: String
            switch i % 4 {
            case 0: value = String(next(100_000))
            case 1: value = ["apple", "river", "stone", "cloud"][next(4)] + "-" + String(next(99))
            case 2: value = "6f1c2a4e-1b2c-4d3e-a4f5-0123456789ab"
            default: value = "hello world " + String(next(1000))
            }
            let bytes = Array(value.utf8)
            params.append(
                ParamObservation(
                    location: "query.p" + String(i), source: .query, shape: ValueShape.classify(bytes[...])))
        }
        return EndpointObservation(
            endpoint: EndpointKey(host: "h", method: "GET", template: "/items/{id}"), requestID: "r", ts: 0,
            status: 200,
            auth: .none, contentType: nil, bodyBytes: 0,
            segments: [PathSegmentObservation("items"), PathSegmentObservation(String(next(10_000)))], params: params)
    }
}

var gen = Gen()
var catalog = EndpointCatalog()
for _ in 0..<2_000 { catalog.learn(gen.observation()) }
guard let endpoint = catalog.endpoints().first else { fatalError("no endpoint learned") }
let baseline = BaselineBuilder().build(endpoint, now: 0)
precondition(baseline.state == .enforcing)
let corpus = (0..<2_000).map { _ in gen.observation() }
let scorer = BaselineScorer()

var sink = 0
for o in corpus.prefix(200) { sink &+= scorer.score(o, against: baseline).count }
MallocInterposerSwift.initialize()
MallocInterposerSwift.hook()
// Index loops: `for x in array` allocates per element in debug builds.
for i in corpus.indices { sink &+= scorer.score(corpus[i], against: baseline).count }
MallocInterposerSwift.unhook()
let allocations = Double(MallocInterposerSwift.getStatistics().mallocCount) / Double(corpus.count)

let clock = ContinuousClock()
let start = clock.now
var count = 0
while clock.now - start < .milliseconds(Int64(seconds * 1000)) {
    for i in corpus.indices { sink &+= scorer.score(corpus[i], against: baseline).count }
    count += corpus.count
}
let elapsed = clock.now - start
let total = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
let perRequest = total / Double(count) * 1e6
print(
    "score (20 params, no anomaly): \(Int(Double(count) / total)) requests/s, \((perRequest * 100).rounded() / 100) µs/request, \(allocations) allocations/request, hits \(sink)"
)
