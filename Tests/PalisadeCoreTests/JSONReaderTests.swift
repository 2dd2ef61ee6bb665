import Testing

@testable import PalisadeCore

@Suite struct JSONReaderTests {
    @Test func parsesNestedDocumentKeepingDuplicatesAndNumberText() throws {
        let value = try JSONReader().parse(Array(#"{"a":1.50,"a":[true,null,"x\u00e9\ud83d\ude00"]}"#.utf8))
        guard case .object(let members) = value else {
            Issue.record("not an object")
            return
        }
        #expect(members.count == 2)
        #expect(members[0] == JSONMember(key: "a", value: .number("1.50")))
        #expect(members[1].value == .array([.bool(true), .null, .string("xé😀")]))
    }

    @Test(arguments: [
        "", "{", "[1,]", "{\"a\"}", "\"\\x\"", "01", "1.", "-", "tru", "\"a\nb\"", "[1] 2", "{\"a\":1,}",
    ])
    func rejectsMalformed(_ text: String) {
        #expect(throws: JSONParseError.self) { try JSONReader().parse(Array(text.utf8)) }
    }

    @Test func boundsDepthWithoutRecursingIntoHostileNesting() {
        let deep = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        #expect(throws: JSONParseError.self) { try JSONReader(maxDepth: 64).parse(Array(deep.utf8)) }
    }

    @Test func loneSurrogatesBecomeReplacementCharacter() throws {
        let value = try JSONReader().parse(Array(#""\ud800x""#.utf8))
        #expect(value == .string("\u{FFFD}x"))
    }

    @Test func writerEscapesControlAndQuotes() {
        var writer = JSONWriter()
        writer.beginObject()
        writer.key("k\"")
        writer.string("a\u{0}b\n</script>")
        writer.key("n")
        writer.double(1.25)
        writer.endObject()
        #expect(writer.output == #"{"k\"":"a\u0000b\n</script>","n":1.25}"#)
    }
}
