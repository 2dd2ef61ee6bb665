import Foundation
import PalisadeCore
import Testing

@testable import PalisadeLearn

/// The observation builder's cache of parameter locations (`LocationCache`): observations are the
/// ones built without it, whatever its size and whoever shares it, and it stays bounded.
@Suite struct LocationCacheTests {
    /// Records whose locations are awkward: arrays (indices collapse), maps keyed by ids
    /// (`[*]`), wrapped values (`>base64>json` below a field), quoted and non-ASCII keys
    /// (canonically equivalent but different bytes: two parameters), a key longer than the
    /// cache keeps, locations over the builder's limit, noise headers, the same field twice.
    static func awkwardRecords() -> [CaptureRecord] {
        let wrapped = Data(#"{"q":"x","n":[1,2]}"#.utf8).base64EncodedString()
        let longKey = String(repeating: "k", count: LocationCache.maxSegmentBytes + 10)
        let overLimit = String(repeating: "deep", count: 80)
        let bodies = [
            #"{"items":[{"sku":"A","qty":1},{"sku":"B","qty":2}],"prices":{"8412":3,"9001":4}}"#,
            #"{"caf\u00e9":1,"cafe\u0301":2,"a.b":{"c d":"e"},"x":[[1,2],[3]]}"#,
            #"{"\#(longKey)":{"inner":"v"},"\#(overLimit)":"w","ok":"z"}"#,
            #"{"data":"\#(wrapped)","list":["\#(wrapped)","plain"]}"#,
        ]
        var records: [CaptureRecord] = []
        for round in 0..<3 {
            for (n, body) in bodies.enumerated() {
                records.append(
                    CaptureRecord(
                        id: "awk-\(round)-\(n)", ts: 1_763_700_000_000, method: "POST", host: "api.example.com",
                        rawPath: "/v1/things/\(n)?data=\(wrapped)&id=\(round)&id=\(n)&\(longKey)=1",
                        headers: [
                            .init("content-type", "application/json"), .init("x-request-id", "r\(round)"),
                            .init("X-Api-Version", "2"), .init("x-forwarded-for", "10.0.0.\(n)"),
                            .init("cookie", "session=s\(round); theme=dark"),
                        ],
                        body: Array(body.utf8)))
            }
        }
        return records
    }

    static func traffic(_ count: Int) -> [CaptureRecord] {
        var generator = TrafficGenerator(seed: 11)
        return (0..<count).map { _ in generator.nextRecord() } + awkwardRecords()
    }

    /// The same observations with the cache at its default size, at sizes that empty it all the
    /// time, and without it.
    @Test func observationsAreTheSameWithAndWithoutTheCache() {
        let records = Self.traffic(1_200)
        let decoder = RequestDecoder()
        var config = ObservationBuilder.Config()
        config.maxLocationBytes = 96
        let plain = ObservationBuilder(config: config)
        let cached = ObservationBuilder(config: config, locations: LocationCache())
        let small = ObservationBuilder(config: config, locations: LocationCache(capacity: 8))
        let one = ObservationBuilder(config: config, locations: LocationCache(capacity: 1))
        var mismatches: [String] = []
        for _ in 0..<2 {
            for record in records {
                let decoded = decoder.decode(record)
                let expected = plain.observe(record: record, decoded: decoded)
                for (name, builder) in [("default", cached), ("8", small), ("1", one)]
                where builder.observe(record: record, decoded: decoded) != expected {
                    mismatches.append("\(name): \(record.id)")
                }
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(10))")
        let statistics = cached.locations!.statistics
        #expect(statistics.hits > 10 * statistics.misses)
        #expect(statistics.resets == 0)
        #expect(small.locations!.statistics.resets > 100)
        // The awkward records' parameters are what they should be.
        let awkward = plain.observe(record: Self.awkwardRecords()[1], decoded: decoder.decode(Self.awkwardRecords()[1]))
        let locations = Set(awkward.params.map(\.location))
        #expect(awkward.params.filter { $0.location.contains("caf") }.count == 2)
        #expect(locations.contains("body.json.x[][]"))
        #expect(!locations.contains { $0.hasPrefix("header.x-request-id") || $0.hasPrefix("header.x-forwarded-for") })
        #expect(locations.contains("header.x-api-version"))
        let deep = plain.observe(record: Self.awkwardRecords()[2], decoded: decoder.decode(Self.awkwardRecords()[2]))
        #expect(deep.droppedParams >= 2)
    }

    /// Builders with different noise lists can share one cache: each gets its own observations
    /// (the cache is emptied when the lists change), and so does a builder whose config changes.
    @Test func buildersWithOtherNoiseListsShareItSafely() {
        let records = Self.traffic(300)
        let decoder = RequestDecoder()
        let shared = LocationCache()
        var quiet = ObservationBuilder.Config()
        quiet.noiseHeaders.insert("x-api-version")
        quiet.noiseHeaderPrefixes.append("user-")
        let plainDefault = ObservationBuilder()
        let plainQuiet = ObservationBuilder(config: quiet)
        let cachedDefault = ObservationBuilder(locations: shared)
        var changing = ObservationBuilder(locations: shared)
        var mismatches = 0
        var sawDifference = false
        for (n, record) in records.enumerated() {
            let decoded = decoder.decode(record)
            let expectedDefault = plainDefault.observe(record: record, decoded: decoded)
            let expectedQuiet = plainQuiet.observe(record: record, decoded: decoded)
            if expectedDefault != expectedQuiet { sawDifference = true }
            if cachedDefault.observe(record: record, decoded: decoded) != expectedDefault { mismatches += 1 }
            if n % 50 == 0 { changing.config = n % 100 == 0 ? quiet : ObservationBuilder.Config() }
            let expected = n % 100 < 50 ? expectedQuiet : expectedDefault
            if changing.observe(record: record, decoded: decoded) != expected { mismatches += 1 }
        }
        #expect(sawDifference)
        #expect(mismatches == 0)
        #expect(shared.statistics.resets > 100)
    }

    /// Keys match by bytes: `"café"` precomposed and decomposed are equal `String`s but two
    /// segments, even under one hash.
    @Test func keysMatchByBytes() {
        let tree = LocationCache.Tree()
        let composed = SegmentIdentity(key: ".caf\u{E9}", marker: 0, decoderID: 3)
        let decomposed = SegmentIdentity(key: ".cafe\u{301}", marker: 0, decoderID: 3)
        #expect(composed.key == decomposed.key)
        #expect(composed != decomposed)
        let a = tree.key(parent: 4, segment: composed)
        var b = tree.key(parent: 4, segment: decomposed)
        #expect(!a.ascii && !b.ascii)
        b.hash = a.hash
        #expect(!a.matches(b))
        #expect(a.matches(tree.key(parent: 4, segment: composed)))
        #expect(!a.matches(tree.key(parent: 5, segment: composed)))
        let plain = tree.key(parent: -1, segment: SegmentIdentity(key: "query", marker: 0, decoderID: 0))
        #expect(plain.ascii)
        #expect(!plain.matches(tree.key(parent: -1, segment: SegmentIdentity(key: "query", marker: 1, decoderID: 0))))
    }

    /// Full, the cache is emptied before the next observation: it never holds more than its
    /// capacity plus one request's locations.
    @Test func bounded() {
        let records = Self.traffic(400)
        let decoder = RequestDecoder()
        let cache = LocationCache(capacity: 16)
        let builder = ObservationBuilder(locations: cache)
        var largest = 0
        for record in records {
            let decoded = decoder.decode(record)
            _ = builder.observe(record: record, decoded: decoded)
            #expect(cache.count <= 16 + decoded.points.count)
            largest = max(largest, cache.count)
        }
        #expect(largest >= 16)
        #expect(cache.statistics.resets > 0)
        #expect(LocationCache(capacity: 0).capacity == 1)
    }
}
