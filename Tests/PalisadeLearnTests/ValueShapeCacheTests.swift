import PalisadeCore
import Testing

@testable import PalisadeLearn

/// The observation builder's cache of value shapes (`ValueShapeCache`): a remembered shape and
/// set of sensitive kinds are the ones computed, under every key that can change them, and the
/// cache stays bounded.
@Suite struct ValueShapeCacheTests {
    /// The same observations with the cache at its default size, at two slots (constant eviction)
    /// and without it, over generated traffic whose values repeat.
    @Test func observationsAreTheSameWithAndWithoutTheCache() {
        var generator = TrafficGenerator(seed: 7)
        let records = (0..<1_500).map { _ in generator.nextRecord() }
        let decoder = RequestDecoder()
        let plain = ObservationBuilder()
        let cached = ObservationBuilder(shapes: ValueShapeCache())
        let tiny = ObservationBuilder(shapes: ValueShapeCache(capacity: 2))
        var mismatches = 0
        for record in records {
            let decoded = decoder.decode(record)
            let expected = plain.observe(record: record, decoded: decoded)
            if cached.observe(record: record, decoded: decoded) != expected { mismatches += 1 }
            if tiny.observe(record: record, decoded: decoded) != expected { mismatches += 1 }
        }
        #expect(mismatches == 0)
        let statistics = cached.shapes!.statistics
        #expect(statistics.hits > statistics.misses)
        #expect(tiny.shapes!.statistics.misses > statistics.misses)
    }

    /// The key holds the value's kind and field name: a long token is a secret under `password`
    /// and not under `q`; `"42"` as a number and as text have different formats.
    @Test func kindAndFieldNameArePartOfTheKey() {
        let cache = ValueShapeCache(capacity: 2, seed: 3)
        let token = Array("a8Kz3QpL0vX7mN2r".utf8)[...]
        let secret = cache.facts(of: token, kind: .text, fieldName: "password")
        let plain = cache.facts(of: token, kind: .text, fieldName: "q")
        #expect(secret.sensitive.contains(SensitiveSet(.secret)))
        #expect(!plain.sensitive.contains(SensitiveSet(.secret)))
        #expect(cache.facts(of: token, kind: .text, fieldName: "password") == secret)
        let number = Array("42".utf8)[...]
        #expect(cache.facts(of: number, kind: .number, fieldName: "n").shape.format == .integer)
        #expect(
            cache.facts(of: number, kind: .text, fieldName: "n")
                == ValueShapeCache.compute(number, kind: .text, fieldName: "n"))
        for (value, kind, name) in [(token, ValueKind.text, "password"), (number, .number, "n")] {
            #expect(
                cache.facts(of: value, kind: kind, fieldName: name)
                    == ValueShapeCache.compute(value, kind: kind, fieldName: name))
        }
    }

    /// Two values sharing the only set both stay; a third replaces the one used less recently.
    /// Values longer than `maxValueBytes` are computed without the cache.
    @Test func boundedInSetsOfTwo() {
        let cache = ValueShapeCache(capacity: 2, seed: 9)
        let a = Array("alpha".utf8)[...]
        let b = Array("beta".utf8)[...]
        let c = Array("gamma".utf8)[...]
        _ = cache.facts(of: a, kind: .text, fieldName: nil)
        _ = cache.facts(of: b, kind: .text, fieldName: nil)
        for _ in 0..<5 {
            _ = cache.facts(of: a, kind: .text, fieldName: nil)
            _ = cache.facts(of: b, kind: .text, fieldName: nil)
        }
        #expect(cache.statistics == .init(hits: 10, misses: 2, skipped: 0))
        _ = cache.facts(of: c, kind: .text, fieldName: nil)  // replaces `a`
        _ = cache.facts(of: b, kind: .text, fieldName: nil)  // hit
        _ = cache.facts(of: a, kind: .text, fieldName: nil)  // miss: replaces `c`
        #expect(cache.statistics == .init(hits: 11, misses: 4, skipped: 0))
        let long = Array(repeating: UInt8(ascii: "x"), count: ValueShapeCache.maxValueBytes + 1)[...]
        #expect(
            cache.facts(of: long, kind: .text, fieldName: nil)
                == ValueShapeCache.compute(long, kind: .text, fieldName: nil))
        #expect(cache.statistics.skipped == 1)
        #expect(ValueShapeCache(capacity: 1000).capacity == 1024)
        #expect(ValueShapeCache(capacity: 0).capacity == 2)
    }

    /// An observation takes the table for its length: meanwhile another one computes its facts
    /// (the same ones) without it, and the counts taken with the table are added when it is back.
    @Test func takenTableComputesWithoutIt() throws {
        let cache = ValueShapeCache(capacity: 8, seed: 5)
        let value = Array("ada@example.com".utf8)[...]
        _ = cache.facts(of: value, kind: .text, fieldName: "email")  // a miss, stored
        var table = try #require(cache.take())
        #expect(cache.take() == nil)
        #expect(
            cache.facts(of: value, kind: .text, fieldName: "email")
                == ValueShapeCache.compute(value, kind: .text, fieldName: "email"))
        #expect(cache.statistics == .init(hits: 0, misses: 1, skipped: 0))
        #expect(table.facts(of: value, kind: .text, fieldName: "email").sensitive.contains(SensitiveSet(.email)))
        cache.put(table)
        #expect(cache.statistics == .init(hits: 1, misses: 1, skipped: 0))
        _ = cache.facts(of: value, kind: .text, fieldName: "email")
        #expect(cache.statistics == .init(hits: 2, misses: 1, skipped: 0))
    }
}
