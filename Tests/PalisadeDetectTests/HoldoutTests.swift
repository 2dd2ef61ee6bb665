import Foundation
import Testing

@testable import PalisadeDetect

/// The blind holdout of issue 3 (docs/DETECTION.md, "Blind holdout"): payloads written without
/// reading the detectors or the other corpora (`Corpus/holdout/<class>.txt`) and benign look-alikes
/// (`Corpus/benign-holdout.txt`), each placed in a request like `RequestCorpus` does and judged by
/// the whole `Analyzer` at default sensitivity — what `scripts/eval-holdout.py` measures through
/// `palisade scan`. The floors are the measured recall after the fixes, so a regression fails.
@Suite struct HoldoutTests {
    /// Lines of each class a hit of that class must catch (at the default threshold, or a
    /// monitor-level rule), measured 2026-11-21 after the fixes (third round: jndi, mail_injection,
    /// open_redirect, prototype_pollution raised, branch `quality`); each raised by the sixth round's
    /// lines (session 12, all detected when first measured).
    static let minimumDetected: [String: Int] = [
        "crlf": 26, "deserialization": 34, "graphql_abuse": 24, "jndi": 38, "ldapi": 28, "mail_injection": 28,
        "nosqli": 38, "open_redirect": 35, "prototype_pollution": 36, "ssrf": 49, "ssti": 51, "xpathi": 28, "xxe": 26,
    ]
    /// Benign look-alikes any detector may call an attack (of 154), measured after the fixes.
    static let maximumFalsePositives = 1

    static let analyzer = Analyzer()

    static func classes() -> [String] {
        let directory = Corpus.directory.appendingPathComponent("holdout")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasSuffix(".txt") }.map { String($0.dropLast(4)) }.sorted()
    }

    @Test func everyClassHasAFloor() {
        #expect(Self.classes() == Self.minimumDetected.keys.sorted())
    }

    @Test(arguments: HoldoutTests.minimumDetected.keys.sorted())
    func recall(of name: String) throws {
        let attackClass = try #require(AttackClass(rawValue: name))
        let lines = Corpus.load("holdout/\(name).txt")
        #expect(lines.count >= 20, "holdout/\(name).txt has \(lines.count) lines")
        let misses = RequestCorpusTests.misses(lines, as: attackClass, analyzer: Self.analyzer)
        let detected = lines.count - misses.count
        print("holdout \(name): \(detected)/\(lines.count)")
        for miss in misses { print(miss) }
        #expect(detected >= Self.minimumDetected[name] ?? lines.count, "holdout \(name): \(detected)/\(lines.count)")
    }

    @Test func benignLookAlikes() {
        let lines = Corpus.load("benign-holdout.txt")
        #expect(lines.count >= 100, "benign-holdout.txt has \(lines.count) lines")
        var falsePositives: [String] = []
        for line in lines {
            let verdict = Self.analyzer.analyze(RequestCorpus.record(line)).verdict
            if verdict.attack {
                let hit = verdict.hits.first { $0.confidence >= Scoring.threshold(.default) }
                falsePositives.append("  FP [\(hit.map { "\($0.rule) \($0.confidence)" } ?? "")] \(line.prefix(160))")
            }
        }
        print("holdout look-alikes: \(falsePositives.count)/\(lines.count) called an attack")
        for line in falsePositives { print(line) }
        #expect(falsePositives.count <= Self.maximumFalsePositives)
    }
}

/// The general rules the holdout's misses led to, each with the near miss it must leave alone.
@Suite struct HoldoutRuleTests {
    static func bytes(_ text: String) -> ArraySlice<UInt8> { Array(text.utf8)[...] }

    static func graphQLRules(_ document: String) -> [String] {
        Analyzer().analyze(RequestCorpus.record("[graphql] " + document)).verdict.hits.map(\.rule)
    }

    @Test func oneFieldSelectedManyTimesIsAliasBatching() {
        let guesses = (0..<12).map { "a\($0): login(user:\"admin\", pass:\"p\($0)\"){token}" }.joined(separator: " ")
        #expect(Self.graphQLRules("mutation { \(guesses) }").contains("graphql_abuse.repeated_field"))
        let duplicated = Array(repeating: "id", count: 40).joined(separator: " ")
        #expect(Self.graphQLRules("query { me { \(duplicated) } }").contains("graphql_abuse.repeated_field"))
        // A client aliasing one field a few times, and many distinct fields, stay quiet.
        let sizes =
            "small: image(size: SMALL) { url } medium: image(size: MEDIUM) { url } large: image(size: LARGE) { url }"
        #expect(!Self.graphQLRules("query { product(id: 1) { \(sizes) } }").contains("graphql_abuse.repeated_field"))
        let keys = (0..<12).map { "t\($0): translation(key: \"k\($0)\") { text }" }.joined(separator: " ")
        #expect(!Self.graphQLRules("query { \(keys) }").contains("graphql_abuse.repeated_field"))
        let users = (0..<25).map { "u\($0): user(id: \($0)) { email }" }.joined(separator: " ")
        #expect(Self.graphQLRules("query { \(users) }").contains("graphql_abuse.repeated_field"))
        let distinct = (0..<30).map { "f\($0)" }.joined(separator: " ")
        #expect(!Self.graphQLRules("query { me { \(distinct) } }").contains("graphql_abuse.repeated_field"))
    }

    @Test func locationAndSetCookieMustHaveTheirHeaderShape() throws {
        let text = CRLFDetector.analyze(
            Self.bytes("Dear team,\nLocation: Building 5, room 2\nThanks"), fieldName: "message", source: .query)
        #expect((text?.confidence ?? 0) < 0.6)
        let redirect = try #require(
            CRLFDetector.analyze(Self.bytes("/home\r\nLocation: https://evil.test/"), fieldName: "next", source: .query)
        )
        #expect(redirect.confidence >= 0.9)
        let encoded = try #require(
            CRLFDetector.analyze(Self.bytes("abc%0D%0ASet-Cookie:%20x%3Dy"), fieldName: "ref", source: .query))
        #expect(encoded.confidence >= 0.9)
        let cookie = try #require(
            CRLFDetector.analyze(Self.bytes("en\r\nSet-Cookie: sid=evil"), fieldName: "lang", source: .query))
        #expect(cookie.confidence >= 0.9)
        let noCookie = CRLFDetector.analyze(Self.bytes("en\r\nSet-Cookie: yes"), fieldName: "lang", source: .query)
        #expect((noCookie?.confidence ?? 0) < 0.6)
    }

    @Test func ldapBreakoutWithExtraOpeners() throws {
        let finding = try #require(
            LDAPInjectionDetector.analyze(Self.bytes("admin*)((|userpassword=*)"), fieldName: "user"))
        #expect(finding.rule == "ldapi.filter_breakout")
        #expect(finding.confidence >= 0.6)
        #expect(LDAPInjectionDetector.analyze(Self.bytes("notes ((see below))"), fieldName: "q") == nil)
    }

    @Test func rubyMarshalBase64NamingAGadget() throws {
        // Marshal 4.8: an array holding a Gem::Installer object.
        let gadget: [UInt8] = [0x04, 0x08, 0x5B, 0x06, 0x6F, 0x3A, 0x13] + Array("Gem::Installer".utf8) + [0x00]
        let encoded = Base64.encode(gadget)
        #expect(!encoded.hasPrefix("BAhvO"))
        let finding = try #require(DeserializationDetector.analyze(Self.bytes(encoded), fieldName: "session"))
        #expect(finding.rule == "deserialization.ruby_marshal")
        // A Rails session cookie (a Marshal hash of strings) names no gadget.
        let session: [UInt8] = [0x04, 0x08, 0x7B, 0x06, 0x49, 0x22, 0x0F] + Array("session_id".utf8) + [0x06, 0x3A]
        #expect(DeserializationDetector.analyze(Self.bytes(Base64.encode(session)), fieldName: "session") == nil)
    }

    @Test func jsonpickleTypeKeys() throws {
        let finding = try #require(
            DeserializationDetector.analyze(Self.bytes(#"{"py/object":"subprocess.Popen","py/newargs":[["id"]]}"#)))
        #expect(finding.confidence >= 0.9)
        #expect(DeserializationDetector.analyze(Self.bytes(#"{"py/object":"shop.Cart","items":[]}"#)) == nil)
    }

    @Test func unicodeSmallReverseSolidusInARedirect() throws {
        let finding = try #require(
            OpenRedirectDetector.analyze(Self.bytes("\u{FE68}\u{FE68}evil.test"), fieldName: "next", source: .query))
        #expect(finding.confidence >= 0.9)
    }

    @Test func internalAddressAfterFragmentAt() throws {
        let finding = try #require(
            SSRFDetector.analyze(Self.bytes("http://evil.test#@127.0.0.1/"), fieldName: "url", source: .query))
        #expect(finding.confidence >= 0.9)
        #expect(SSRFDetector.analyze(Self.bytes("https://example.com#@team"), fieldName: "url", source: .query) == nil)
    }
}
