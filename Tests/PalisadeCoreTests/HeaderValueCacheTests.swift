import Testing

@testable import PalisadeCore

/// Header values remembered between requests (`HeaderValueCache`): a value seen again becomes
/// the same point as the first time, its bytes shared; nothing stale ever comes back.
@Suite struct HeaderValueCacheTests {
    func record(_ headers: [(String, String)]) -> CaptureRecord {
        CaptureRecord(id: "t", ts: 0, method: "GET", rawPath: "/v1/items", headers: headers.map { .init($0.0, $0.1) })
    }

    /// What a decode produced, without its timing.
    func shape(_ decoded: DecodedRequest) -> [String] {
        decoded.points.indices.map { index in
            let point = decoded.points[index]
            return
                "\(decoded.location(of: index))=\(String(decoding: point.value, as: UTF8.self)) \(point.kind) "
                + "d\(point.depth) c\(point.isContainer) \(decoded.fieldName(of: index) ?? "-")"
        } + decoded.annotations.map { "\($0.code.rawValue)@\($0.point): \($0.detail)" }
    }

    static let headers: [(String, String)] = [
        ("Accept", "application/json, text/plain, */*"),
        ("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101 Firefox/128.0"),
        (
            "Authorization",
            "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1c2VyLTEiLCJyb2xlIjoidXNlciJ9.c2lnbmF0dXJlLXNpZ25hdHVyZQ"
        ),
        ("Referer", "https://app.example.com/search?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E"),
        ("Cookie", "session=9f86d081884c7d65; theme=dark"),
        ("X-Forwarded-For", "203.0.113.7, 10.0.0.4"),
        ("sec-ch-ua", #""Chromium";v="131", "Not_A Brand";v="24""#),
        ("X-Custom", "not a known name"),
    ]

    /// A decoder whose cache has a fixed seed, and the known headers of `headers` each in a slot
    /// of its own under it (so that exact counts can be expected).
    func decoder(seed: UInt64 = 7, distinctSlotsFor headers: [(String, String)] = []) throws -> RequestDecoder {
        var decoder = RequestDecoder()
        decoder.headerValues = HeaderValueCache(table: decoder.registry.table, seed: seed)
        let known = headers.compactMap { header in
            HeaderRoots.standard.index(for: header.0).map { decoder.headerValues.slot(of: header.1, header: $0) }
        }
        try #require(Set(known).count == known.count, "seed \(seed) puts two of the values in one slot")
        return decoder
    }

    @Test func aValueSeenAgainDecodesAsTheFirstTime() throws {
        let decoder = try decoder(distinctSlotsFor: Self.headers)
        let fresh = shape(RequestDecoder().decode(record(Self.headers)))
        let first = decoder.decode(record(Self.headers))
        let second = decoder.decode(record(Self.headers))
        #expect(shape(first) == fresh)
        #expect(shape(second) == fresh)
        // The sniffers still ran where the gates let them: the token and the referer's escapes.
        #expect(second.value(at: "header.authorization>jwt.sub") == "user-1")
        #expect(fresh.contains { $0.hasPrefix("header.referer>url=https://app.example.com/search?q=<script>") })
        // Every known header (and the cookie) looked up twice, found the second time; the unknown
        // name is copied as before.
        #expect(decoder.headerValues.counts == (hits: 7, misses: 7))
    }

    @Test func theSecondSightingSharesTheFirstOnesBytes() throws {
        let decoder = try decoder(distinctSlotsFor: Self.headers)
        let first = decoder.decode(record(Self.headers))
        let second = decoder.decode(record(Self.headers))
        let index = first.points.indices.first { first.location(of: $0) == "header.user-agent" }!
        let a = first.points[index].value
        let b = second.points[index].value
        #expect(a == b)
        // One buffer (the cache's), not two copies.
        #expect(a.withUnsafeBufferPointer { $0.baseAddress } == b.withUnsafeBufferPointer { $0.baseAddress })
    }

    @Test func manyValuesInFewSlotsNeverReturnAnotherOne() throws {
        let decoder = try decoder()
        // More values than slots: many share a slot and replace each other; values alike but for
        // a few bytes, one after the other under one header (each compared with the last first).
        let count = HeaderValueCache.slotCount * 3
        for round in 0..<2 {
            for n in 0..<count {
                let value = "application/vnd.example.v\(n)+json"
                let padded =
                    "x" + String(repeating: "-", count: n % 40) + "\(n)" + String(repeating: "-", count: 40) + "x"
                let decoded = decoder.decode(
                    record([("Accept", value), ("Origin", "https://o\(n % 7).example"), ("Via", padded)]))
                #expect(decoded.value(at: "header.accept") == value, "round \(round), value \(n)")
                #expect(decoded.value(at: "header.origin") == "https://o\(n % 7).example")
                #expect(decoded.value(at: "header.via") == padded)
            }
        }
        let counts = decoder.headerValues.counts
        #expect(counts.hits + counts.misses == 6 * count)
        // The seven origins are found but for their first sightings and when a value took their slot.
        #expect(counts.hits >= count)
    }

    /// Each header's last value is compared first; values that take turns under one header (the
    /// user agents of clients in turn) are found by their hash instead.
    @Test func valuesTakingTurnsUnderOneHeaderAreFoundToo() throws {
        let agents = (0..<4).map { "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_\($0)) Version/17.\($0) Safari/605.1.15" }
        let decoder = try decoder(distinctSlotsFor: agents.map { ("User-Agent", $0) })
        for round in 0..<3 {
            for agent in agents {
                #expect(decoder.decode(record([("User-Agent", agent)])).value(at: "header.user-agent") == agent)
            }
            #expect(decoder.headerValues.counts == (hits: 4 * round, misses: 4), "round \(round)")
        }
        // The same value twice in a row: found by the comparison with the last one.
        _ = decoder.decode(record([("User-Agent", agents[3])]))
        #expect(decoder.headerValues.counts == (hits: 9, misses: 4))
    }

    /// An analysis kept for a value (`RememberedAnalysis`) comes back with that value only: kept
    /// through a reference whose slot holds another value by then, it is dropped.
    @Test func anAnalysisIsKeptWithItsValueOnly() throws {
        let decoder = try decoder()
        let agent = try #require(HeaderRoots.standard.index(for: "user-agent"))
        let first = "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0"
        let slot = decoder.headerValues.slot(of: first, header: agent)
        let other = try #require(
            (0..<100_000).lazy.map { "curl/8.\($0)" }.first { decoder.headerValues.slot(of: $0, header: agent) == slot }
        )
        func reference(_ value: String) throws -> RememberedHeader {
            try #require(decoder.decode(record([("User-Agent", value)])).rememberedHeaders.first)
        }
        let kept = RememberedAnalysis(token: 12, bytes: ByteSet("abc"), facts: 3)
        let stale = try reference(first)
        #expect(stale.analysis.token == 0)
        #expect(try reference(other).analysis.token == 0)  // takes the slot
        decoder.remember([(stale, kept)])
        #expect(try reference(other).analysis.token == 0, "kept with another value")
        decoder.remember([(try reference(other), kept)])
        let found = try reference(other)
        #expect(found.analysis.token == 12 && found.analysis.bytes == ByteSet("abc") && found.analysis.facts == 3)
        #expect(found.slot == Int16(slot))
        // The first value back in the slot: nothing kept for it.
        #expect(try reference(first).analysis.token == 0)
    }

    @Test func theSameBytesUnderAnotherHeaderAreAnotherValue() throws {
        let decoder = try decoder(distinctSlotsFor: [("Accept", "text/html"), ("Accept-Language", "text/html")])
        _ = decoder.decode(record([("Accept", "text/html")]))
        let decoded = decoder.decode(record([("Accept-Language", "text/html")]))
        #expect(decoded.value(at: "header.accept-language") == "text/html")
        #expect(decoder.headerValues.counts == (hits: 0, misses: 2))
    }

    @Test func longValuesAreCopiedAndStillSniffed() {
        let decoder = RequestDecoder()
        let long = "%3Cscript%3E" + String(repeating: "a", count: HeaderValueCache.maxBytes)
        for _ in 0..<2 {
            let decoded = decoder.decode(record([("Referer", long)]))
            #expect(decoded.value(at: "header.referer") == long)
            #expect(decoded.value(at: "header.referer>url")?.hasPrefix("<script>") == true)
        }
        #expect(decoder.headerValues.counts == (hits: 0, misses: 0))
    }

    @Test func aNewRegistryGetsANewCache() {
        var decoder = RequestDecoder()
        let token = Self.headers[2]
        #expect(decoder.decode(record([token])).value(at: "header.authorization>jwt.sub") == "user-1")
        let before = decoder.headerValues
        // Without the JWT sniffer, the remembered gates (which admitted it) must not be used.
        var registry = DecoderRegistry()
        registry.register(URLPercentDecoder(), sniff: true)
        decoder.registry = registry
        #expect(decoder.headerValues !== before)
        #expect(decoder.headerValues.table === registry.table)
        let decoded = decoder.decode(record([token]))
        #expect(decoded.value(at: "header.authorization") == token.1)
        #expect(decoded.points.count == 2)  // path and the header
    }
}
