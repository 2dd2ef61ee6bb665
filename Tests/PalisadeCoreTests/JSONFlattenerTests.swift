import Testing

@testable import PalisadeCore

/// The streaming flattener must give exactly what flattening `JSONReader`'s tree gives: same
/// children in the same order, same duplicate-key annotations, same rejections.
@Suite struct JSONFlattenerTests {
    /// The reference: parse the tree, then flatten it (the decoder's former algorithm). Keys that
    /// are plain identifiers make no `.key` child.
    static func reference(_ text: [UInt8], fieldName: String?) -> (children: [Child], annotations: [Annotation])? {
        guard let value = try? JSONReader(maxDepth: 64).parse(text) else { return nil }
        var children: [Child] = []
        var annotations: [Annotation] = []
        func flatten(_ value: JSONValue, path: String, fieldName: String?) {
            switch value {
            case .null: children.append(Child(path: path, value: Array("null".utf8), kind: .null, fieldName: fieldName))
            case .bool(let b):
                children.append(
                    Child(path: path, value: Array((b ? "true" : "false").utf8), kind: .boolean, fieldName: fieldName))
            case .number(let text):
                children.append(Child(path: path, value: Array(text.utf8), kind: .number, fieldName: fieldName))
            case .string(let s):
                children.append(Child(path: path, value: Array(s.utf8), kind: .text, fieldName: fieldName))
            case .array(let elements):
                for (i, element) in elements.enumerated() {
                    flatten(element, path: path + LocationPath.index(i), fieldName: fieldName)
                }
            case .object(let members):
                var seen: Set<String> = []
                for member in members {
                    let childPath = path + LocationPath.key(member.key)
                    if !seen.insert(member.key).inserted {
                        annotations.append(Annotation(.jsonDuplicateKey, detail: String(member.key.prefix(40))))
                    }
                    if !LocationPath.isBenignIdentifier(Array(member.key.utf8)) {
                        children.append(
                            Child(path: childPath, value: Array(member.key.utf8), kind: .key, fieldName: member.key))
                    }
                    flatten(member.value, path: childPath, fieldName: member.key)
                }
            }
        }
        flatten(value, path: "", fieldName: fieldName)
        return (children, annotations)
    }

    static let manyKeys: String = {
        // 20 distinct keys then two repeats: past the linear duplicate scan.
        let keys = (0..<20).map { "\"k\($0)\":\($0)" } + ["\"k3\":\"again\"", "\"k19\":null"]
        return "{" + keys.joined(separator: ",") + "}"
    }()

    @Test(arguments: [
        #"{"customer":{"id":7,"name":"Ada O'Brien"},"items":[{"sku":"A","qty":2},{"sku":"B","qty":1}],"coupon":null}"#,
        #"{"a":1,"a":2,"b":{"a":3,"a":[true,false]}}"#,
        #"{"$where":"sleep(1)","__proto__":{"x":1},"odd key":"\"quoted\"","we\"ird":[]}"#,
        #"{"esc":"line\nbreak\ttab \u00e9\ud83d\ude00 \ud800 lone \/ slash","unicode":"café ☕"}"#,
        #"[1,-0.5,2e10,3E-2,"x",[[]],{}]"#,
        #""just a string""#, "42", "true", "null",
        #"{"e\u0301":1,"é":2}"#,
        manyKeys,
        "{\"bad\":\"\u{FF}\u{FE}\"}",
    ])
    func matchesTheTreeReader(_ text: String) {
        let bytes = Array(text.utf8)
        let expected = Self.reference(bytes, fieldName: "body")
        let streamed = JSONFlattener.flatten(bytes[...], maxDepth: 64, fieldName: "body")
        #expect(expected != nil)
        #expect(streamed?.children == expected?.children)
        #expect(streamed?.annotations == expected?.annotations)
    }

    /// A deterministic random document: keys and strings drawn from plain identifiers, operator
    /// and dotted names, escapes, quotes, control escapes, non-ASCII text and invalid UTF-8
    /// (the flattener reads plain keys and values in place, the rest the general way).
    static func generated(_ random: inout SplitMix64, depth: Int = 0) -> [UInt8] {
        let pieces: [[UInt8]] = [
            Array("id".utf8), Array("user_name".utf8), Array("a.b".utf8), Array("$where".utf8),
            Array("__proto__".utf8), Array("x y".utf8), Array("k-1".utf8), Array("caf\u{E9}".utf8),
            Array(#"\""#.utf8), Array(#"\\"#.utf8), Array(#"\n"#.utf8), Array(#"\u0041"#.utf8),
            Array(#"\ud83d\ude00"#.utf8), Array(#"\udc00"#.utf8), [0xFF], [0xC3, 0x28], [0x01],
            Array("\u{2615}".utf8), Array(String(repeating: "k", count: 70).utf8), [],
        ]
        func below(_ bound: Int) -> Int { Int(random.next() % UInt64(bound)) }
        func text() -> [UInt8] {
            var out: [UInt8] = [UInt8(ascii: "\"")]
            for _ in 0..<below(4) { out += pieces[below(pieces.count)] }
            return out + [UInt8(ascii: "\"")]
        }
        switch depth < 4 ? below(8) : below(5) {
        case 0: return Array(["true", "false"][below(2)].utf8)
        case 1: return Array("null".utf8)
        case 2: return Array(["0", "-12.5e3", "7", "1E+2"][below(4)].utf8)
        case 3, 4: return text()
        case 5:
            let items = (0..<below(4)).map { _ in generated(&random, depth: depth + 1) }
            return [UInt8(ascii: "[")] + Array(items.joined(separator: [UInt8(ascii: ",")])) + [UInt8(ascii: "]")]
        default:
            // Few distinct keys: duplicates now and then; whitespace around the colon.
            let members = (0..<below(6)).map { _ in text() + Array(" : ".utf8) + generated(&random, depth: depth + 1) }
            return [UInt8(ascii: "{")] + Array(members.joined(separator: Array(", ".utf8))) + [UInt8(ascii: "}")]
        }
    }

    @Test func generatedDocumentsMatchTheTreeReader() throws {
        var random = SplitMix64(seed: 0x4A53_4F4E)
        var checked = 0
        var rejected = 0
        for _ in 0..<4000 {
            let bytes = Self.generated(&random)
            let shown = String(decoding: bytes, as: UTF8.self)
            let expected = Self.reference(bytes, fieldName: "body")
            let streamed = JSONFlattener.flatten(bytes[...], maxDepth: 64, fieldName: "body")
            #expect((streamed == nil) == (expected == nil), "\(shown)")
            guard let streamed, let expected else {
                rejected += 1
                continue
            }
            checked += 1
            #expect(streamed.children == expected.children, "\(shown)")
            #expect(streamed.annotations == expected.annotations, "\(shown)")
            // Plain keys are left out but charged: every key's (repaired) bytes.
            var keyBytes = 0
            func count(_ value: JSONValue) {
                switch value {
                case .object(let members):
                    for member in members {
                        keyBytes += member.key.utf8.count
                        count(member.value)
                    }
                case .array(let elements): elements.forEach(count)
                default: break
                }
            }
            count(try JSONReader(maxDepth: 64).parse(bytes))
            let emitted = streamed.children.filter { $0.kind == .key }.reduce(0) { $0 + $1.value.count }
            #expect(streamed.droppedKeyBytes + emitted == keyBytes, "\(shown)")
        }
        // Both readings exercised: valid documents, and rejections (a raw control byte).
        #expect(checked > 2000)
        #expect(rejected > 50)
    }

    @Test func invalidUTF8IsRepairedLikeTheTreeReader() {
        let bytes: [UInt8] = Array(#"{"k":""#.utf8) + [0xC3, 0x28, 0xFF] + Array(#"x"}"#.utf8)
        let expected = Self.reference(bytes, fieldName: nil)
        let streamed = JSONFlattener.flatten(bytes[...], maxDepth: 64, fieldName: nil)
        #expect(streamed?.children == expected?.children)
        #expect(streamed?.children.last?.value.contains(0xFF) == false)
    }

    @Test(arguments: [
        "", "{", "[1,]", "{\"a\"}", "\"\\x\"", "01", "1.", "-", "tru", "\"a\nb\"", "[1] 2", "{\"a\":1,}",
        "{\"a\":\"\\u12\"}", "[\"\\ud800\\u12\"]",
    ])
    func rejectsWhatTheTreeReaderRejects(_ text: String) {
        #expect(Self.reference(Array(text.utf8), fieldName: nil) == nil)
        #expect(JSONFlattener.flatten(Array(text.utf8)[...], maxDepth: 64, fieldName: nil) == nil)
    }

    @Test func boundsNestingWithoutRecursingIntoHostileInput() {
        let deep = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        #expect(JSONFlattener.flatten(Array(deep.utf8)[...], maxDepth: 64, fieldName: nil) == nil)
        let fine = String(repeating: "[", count: 64) + "1" + String(repeating: "]", count: 64)
        #expect(JSONFlattener.flatten(Array(fine.utf8)[...], maxDepth: 64, fieldName: nil)?.children.count == 1)
    }

    /// Plain keys make no child, yet their bytes are charged as before: what a document costs
    /// the budget, and so where a limit cuts, does not depend on which keys are plain.
    @Test(arguments: [
        #"{"id":7,"$ne":1,"user":{"name":"ada","__proto__":{}}}"#,
        #"{"a":1}"# + "\n" + #"{"b c":2}"#,  // NDJSON: the tree reader's path
    ])
    func plainKeysAreLeftOutButCharged(_ text: String) throws {
        var budget = DecodeBudget(limits: .default)
        let before = budget.remainingBytes
        let (decoded, charged) = JSONFieldDecoder().decodeCharging(
            Array(text.utf8)[...], context: DecodeContext(source: .body, declared: true), budget: &budget)
        let children = try #require(decoded?.children)
        let keys = children.filter { $0.kind == .key }.map { String(decoding: $0.value, as: UTF8.self) }
        #expect(keys.allSatisfy { !LocationPath.isBenignIdentifier(Array($0.utf8)) })
        #expect(keys == (text.contains("$ne") ? ["$ne"] : ["b c"]), "`__proto__` is a plain identifier")
        // Every key in the text (quoted, then a colon), plain or not, and every value.
        var keyBytes = 0
        for line in text.split(separator: "\n") {
            let value = try JSONReader(maxDepth: 64).parse(Array(line.utf8))
            func count(_ value: JSONValue) {
                if case .object(let members) = value {
                    for member in members {
                        keyBytes += member.key.utf8.count
                        count(member.value)
                    }
                }
            }
            count(value)
        }
        let valueBytes = children.filter { $0.kind != .key }.reduce(0) { $0 + $1.value.count }
        let charge = keyBytes + valueBytes
        #expect(charged == charge)
        #expect(before - budget.remainingBytes == charge)
    }

    @Test func declaredBodyStillFallsBackToNDJSON() {
        var budget = DecodeBudget(limits: .default)
        let decoded = JSONFieldDecoder().decode(
            Array("{\"a\":1}\n{\"a\":2}\n".utf8)[...], context: DecodeContext(source: .body, declared: true),
            budget: &budget)
        #expect(decoded?.children.map(\.path) == ["[0].a", "[1].a"])
    }
}
