import Foundation
import Testing

@testable import PalisadeCore

/// Runs the GraphQL decoder on `text`, declared (application/graphql) or sniffed.
private func graphql(
    _ text: String, declared: Bool = false, limits: DecodeLimits = .default
) -> (decoded: Decoded?, budget: DecodeBudget) {
    var budget = DecodeBudget(limits: limits)
    let decoded = GraphQLDecoder().decode(
        Array(text.utf8)[...], context: DecodeContext(source: .body, declared: declared), budget: &budget)
    return (decoded, budget)
}

/// `path=value` for every child, in order.
private func flat(_ decoded: Decoded?) -> [String] {
    (decoded?.children ?? []).map { $0.path + "=" + String(decoding: $0.value, as: UTF8.self) }
}

/// The value of the annotation with `code` (nil when absent).
private func count(_ decoded: Decoded?, _ code: AnnotationCode) -> Int? {
    decoded?.annotations.first { $0.code == code }?.value
}

/// The five counts every parsed document carries: depth, fields, aliases, operations, directives.
private func counts(_ decoded: Decoded?) -> [Int?] {
    [.graphqlDepth, .graphqlFields, .graphqlAliases, .graphqlBatch, .graphqlDirectives].map { count(decoded, $0) }
}

@Suite struct GraphQLDecoderTests {
    /// The sniffing check: `{`, or a keyword followed by whitespace, `{`, `(` or `@` — each
    /// keyword whole, case-sensitive, and never a prefix of a longer word or a cut-off value.
    @Test func sniffedKeywords() {
        let yes = [
            "{", "{ a }", "query Q { a }", "query{a}", "query(", "query\t", "mutation@x", "subscription {",
            "fragment F on T", "query @dir",
        ]
        let no = [
            "", "q", "query", "queryx", "querY {", "Query {", "mutatio {", "subscriptio {", "fragments F", "same-site",
            "salt", "ftp", "fragment", "m", " query {", "x{", "select 1",
        ]
        for text in yes { #expect(GraphQLDecoder.looksLikeGraphQL(Array(text.utf8)[...]), "\(text)") }
        for text in no { #expect(!GraphQLDecoder.looksLikeGraphQL(Array(text.utf8)[...]), "\(text)") }
        // A slice that does not start at index 0.
        let shifted = Array("xxquery {".utf8)[2...]
        #expect(GraphQLDecoder.looksLikeGraphQL(shifted))
    }

    // MARK: - Paths and values

    @Test func argumentsFlattenAlongFieldNames() throws {
        let decoded = try #require(
            graphql(#"{ user(id: "1") { posts(filter: {q: "x", tags: ["a","b"]}) { title } } }"#).decoded)
        #expect(
            flat(decoded) == [
                ".user(id)=1", ".user.posts(filter).q=x", ".user.posts(filter).tags[0]=a",
                ".user.posts(filter).tags[1]=b",
            ])
        #expect(decoded.children.allSatisfy { $0.kind == .text })
        #expect(decoded.children.map(\.fieldName) == ["id", "q", "tags", "tags"])
        #expect(counts(decoded) == [3, 3, 0, 1, 0])
        #expect(decoded.annotations.count == 7)
        #expect(count(decoded, .graphqlRepeatedMutation) == 0)
        #expect(count(decoded, .graphqlRepeatedField) == 1)
    }

    @Test func repeatedFieldCountsOneSelectionSetByFieldName() throws {
        let batch = try #require(
            graphql(#"mutation { a: login(p: "1") { t } b: login(p: "2") { t } c: login(p: "3") { t } me { id id } }"#)
                .decoded)
        let repeated = try #require(batch.annotations.first { $0.code == .graphqlRepeatedField })
        #expect(repeated.value == 3)
        #expect(repeated.detail == "login")
        #expect(count(batch, .graphqlRepeatedMutation) == 3)
        // The same name in different selection sets is not a repeat.
        let nested = try #require(graphql("{ a { id } b { id } c { id } }").decoded)
        #expect(count(nested, .graphqlRepeatedField) == 1)
    }

    @Test func everyValueLiteralHasItsKind() throws {
        let text = #"""
            { f(i: -12, fl: 1.5e3, z: 0, t: true, f: false, n: null, e: ASC, s: "a\"\\\/\b\f\n\r\t\u00e9",
                v: $x, l: [1, $x, "z"], o: {}, el: [], nested: {a: [{b: BLUE}]}) }
            """#
        let decoded = try #require(graphql(text).decoded)
        #expect(
            flat(decoded) == [
                ".f(i)=-12", ".f(fl)=1.5e3", ".f(z)=0", ".f(t)=true", ".f(f)=false", ".f(n)=null", ".f(e)=ASC",
                ".f(s)=a\"\\/\u{8}\u{C}\n\r\té", ".f(l)[0]=1", ".f(l)[2]=z", ".f(nested).a[0].b=BLUE",
            ])
        #expect(
            decoded.children.map(\.kind) == [
                .number, .number, .number, .boolean, .boolean, .null, .text, .text, .number, .text, .text,
            ])
    }

    @Test func unicodeEscapes() throws {
        let decoded = try #require(
            graphql(#"{ f(a: "\uD83D\uDE00", b: "\u{1F600}", c: "x\uD800y", d: "\uDC00", e: "é") }"#).decoded)
        #expect(flat(decoded) == [".f(a)=😀", ".f(b)=😀", ".f(c)=x\u{FFFD}y", ".f(d)=\u{FFFD}", ".f(e)=é"])
    }

    @Test func blockStringsFollowTheSpec() throws {
        let text =
            "{ f(a: \"\"\"\n\n    Hello,\n      World!\n\n    Yours,\n      \\\"\"\" GraphQL.\n  \"\"\", b: \"\"\"  x  \"\"\") }"
        let decoded = try #require(graphql(text).decoded)
        #expect(flat(decoded) == [".f(a)=Hello,\n  World!\n\nYours,\n  \"\"\" GraphQL.", ".f(b)=  x  "])
    }

    @Test func aliasesAreCountedButPathsUseFieldNames() throws {
        let decoded = try #require(graphql("{ a: user(id: 1) { id } b: user(id: 2) { i: id } }").decoded)
        #expect(flat(decoded) == [".user(id)=1", ".user(id)=2"])
        #expect(counts(decoded) == [2, 4, 3, 1, 0])
    }

    @Test func directivesAndVariableDefaults() throws {
        let text = """
            query Q($x: Boolean! = true, $ids: [[ID!]!] = [["1"]], $o: In = {a: {b: 1}} @meta(k: "v")) @live {
              user @include(if: $x) @tag(name: "t") { id @skip(if: false) }
            }
            """
        let decoded = try #require(graphql(text).decoded)
        #expect(
            flat(decoded) == [
                ".$x=true", ".$ids[0][0]=1", ".$o.a.b=1", ".$o@meta(k)=v", ".user@tag(name)=t",
                ".user.id@skip(if)=false",
            ])
        #expect(decoded.children.map(\.fieldName) == ["x", "ids", "b", "k", "name", "if"])
        #expect(counts(decoded) == [2, 2, 0, 1, 5])
    }

    @Test func commentsAndCommasAreIgnored() throws {
        let decoded = try #require(graphql("{ a(x: 1,,, y: 2) # z(w: 3)\n, b }").decoded)
        #expect(flat(decoded) == [".a(x)=1", ".a(y)=2"])
    }

    // MARK: - Fragments and operations

    @Test func fragmentsStartAtTheirNameAndInlineFragmentsAddNothing() throws {
        let text = """
            query {
              user {
                ...F
                ... on User { name(format: "x") }
                ... @include(if: true) { age }
              }
            }
            fragment F on User { posts(first: 5) { title } }
            """
        let decoded = try #require(graphql(text).decoded)
        #expect(flat(decoded) == [".user.name(format)=x", ".user@include(if)=true", ".F.posts(first)=5"])
        // user(1) > posts(2, from F spread at depth 2) > title(3)
        #expect(counts(decoded) == [3, 5, 0, 1, 1])
    }

    @Test func namedOperationsArePrefixedOnlyInMultiOperationDocuments() throws {
        let single = try #require(graphql("query A { a(x: 1) }").decoded)
        #expect(flat(single) == [".a(x)=1"])
        let text = "query A($v: Int = 0) { a(x: 1) } mutation B { b(y: 2) } { c(z: 3) } fragment F on T { d(w: 4) }"
        let decoded = try #require(graphql(text).decoded)
        #expect(flat(decoded) == [".A.$v=0", ".A.a(x)=1", ".B.b(y)=2", ".c(z)=3", ".F.d(w)=4"])
        #expect(count(decoded, .graphqlBatch) == 3)
    }

    @Test func introspectionIsReported() throws {
        let decoded = try #require(
            graphql(#"{ __schema { types { name } } __type(name: "User") { name } __typename }"#).decoded)
        #expect(flat(decoded) == [".__type(name)=User"])
        let annotation = decoded.annotations.first { $0.code == .graphqlIntrospection }
        #expect(annotation == Annotation(.graphqlIntrospection, detail: "__schema,__type"))
        #expect(graphql("{ __typename }").decoded?.annotations.contains { $0.code == .graphqlIntrospection } == false)
    }

    @Test func introspectionQueryFixtureExpandsFragmentDepth() throws {
        let url = try #require(
            Bundle.module.url(forResource: "introspection", withExtension: "graphql", subdirectory: "Fixtures/graphql"))
        let decoded = try #require(graphql(try String(contentsOf: url, encoding: .utf8), declared: true).decoded)
        #expect(
            flat(decoded) == [
                ".FullType.fields(includeDeprecated)=true", ".FullType.enumValues(includeDeprecated)=true",
            ])
        #expect(decoded.children.map(\.kind) == [.boolean, .boolean])
        // __schema > types > FullType.fields > args > InputValue.type > TypeRef.ofType ×3
        #expect(counts(decoded) == [9, 32, 0, 1, 0])
        #expect(decoded.annotations.contains(Annotation(.graphqlIntrospection, detail: "__schema")))
    }

    @Test func fragmentCyclesAreReportedAndCut() throws {
        let text = "{ ...A } fragment A on T { a { ...B } } fragment B on T { b { ...A } }"
        let decoded = try #require(graphql(text).decoded)
        #expect(decoded.annotations.contains(Annotation(.graphqlFragmentCycle, detail: "A")))
        #expect(count(decoded, .graphqlDepth) == 3)
    }

    @Test func longFragmentChainsStayCheap() throws {
        // F0 { a { ...F1 } }, F1 { a { ...F2 } }, …: the expanded depth grows with the chain, up to the limit.
        var text = "{ ...F0 }"
        for index in 0..<5_000 { text += " fragment F\(index) on T { a { ...F\(index + 1) } }" }
        let decoded = try #require(graphql(text).decoded)
        // Followed 64 spreads deep: F0…F62 add a level each to the depth of F63 (2), where the chain is cut.
        #expect(count(decoded, .graphqlDepth) == 65)
        #expect(count(decoded, .graphqlFields) == 5_000)
        #expect(decoded.annotations.contains(Annotation(.limitStructureDepth, detail: "graphql", value: 64)))
    }

    // MARK: - Sniffing

    @Test(arguments: [
        "{ a }", "  {a{b}}", "query { a }", "query Q($a: Int) { a(b: $a) }", "mutation{a}", "subscription S { a }",
        "query @live { a }", "fragment F on T { a }", "{ a } # trailing comment",
    ])
    func sniffClaimsDocuments(_ text: String) {
        #expect(graphql(text).decoded != nil)
    }

    @Test(arguments: [
        "", "{a", "{}", "{ }", "query failed", "query the database {x}", "queryX { a }", "{{7*7}}", "{a: 1}",
        "hello", "{'a':1}", "fragment on T {a}", "fragment F {a}", #"{ a(b: "unterminated) }"#, "{ a(b: 01) }",
        "{ a(b: 1.) }", "{ a(b: 1e) }", "{ a(b: 12abc) }", #"{ a(b: "\q") }"#, #"{ a(b: "\u12") }"#, "{ a(b:) }",
        "{ a() }", "{ a .. b }", "{ a } junk", "type Query { a: Int }", "query { a } }", "{ a(b: [1) }",
        "{ a(b: {c}) }", "query ($v: [Int) { a }", "{ ... }", "{ a @ }", "{ a(b: \"x\ny\") }", "# c\n{ a }",
        "{ a(b: \"\"\"x\") }", "${jndi:ldap://x}", "{{user.name}}",
    ])
    func sniffRefusesEverythingElse(_ text: String) {
        #expect(graphql(text).decoded == nil)
    }

    // MARK: - Declared

    @Test func declaredKeepsWhatWasReadBeforeAnError() throws {
        let decoded = try #require(graphql(#"{ a(x: "1") b(y: "#, declared: true).decoded)
        #expect(flat(decoded) == [".a(x)=1"])
        #expect(decoded.annotations.last == Annotation(.malformed, detail: "expected a value"))
        #expect(counts(decoded) == [1, 2, 0, 1, 0])
        // The spreads of an operation that breaks off still count towards the depth.
        let partial = try #require(graphql("fragment F on T { a { b { c } } } { x { ...F } y(", declared: true).decoded)
        #expect(counts(partial) == [4, 5, 0, 1, 0])
        #expect(partial.annotations.last == Annotation(.malformed, detail: "expected an argument"))
    }

    @Test func declaredAcceptsALeadingComment() throws {
        #expect(flat(graphql("# c\n{ a(x: 1) }", declared: true).decoded) == [".a(x)=1"])
    }

    @Test(arguments: ["", "  ", "hello world", "type Query { a: Int }", "(", "\u{1}"])
    func declaredWithoutADefinitionIsNil(_ text: String) {
        #expect(graphql(text, declared: true).decoded == nil)
    }

    @Test func everyTruncationDecodesWithoutTrapping() {
        let document = Array(
            #"query Q($a: [In!] = [{k: "v"}]) @d(x: 1) { u: user(id: "1", f: """b""") { ...F ... on T { x } } } fragment F on T { y(z: 2.5e-3) }"#
                .utf8)
        for length in 0...document.count {
            for declared in [true, false] {
                var budget = DecodeBudget(limits: .default)
                let decoded = GraphQLDecoder().decode(
                    document[..<length], context: DecodeContext(source: .body, declared: declared), budget: &budget)
                if !declared, decoded != nil {
                    // Sniffed prefixes are claimed only when complete: after the first or second definition.
                    #expect(
                        document[..<length].last == UInt8(ascii: "}") || document[..<length].last == UInt8(ascii: " "))
                }
            }
        }
    }

    @Test func arbitraryBytesNeverTrap() {
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array("{}()[]:$@!=.\"\\#, \nqueryfragment on a1-e\u{7F}".utf8) + [0xEF, 0xBB, 0xBF, 0xFF]
        for _ in 0..<300 {
            let bytes =
                [UInt8(ascii: "{")]
                + (0..<Int.random(in: 0...120, using: &generator)).map { _ in
                    alphabet.randomElement(using: &generator) ?? 0
                }
            for declared in [true, false] {
                var budget = DecodeBudget(limits: .default)
                _ = GraphQLDecoder().decode(
                    bytes[...], context: DecodeContext(source: .body, declared: declared), budget: &budget)
            }
        }
    }

    // MARK: - Limits and hostile input

    @Test func selectionsPastTheDepthLimitAreSkippedButMeasured() throws {
        var limits = DecodeLimits()
        limits.maxStructureDepth = 3
        let result = graphql("{ a { b { c { d(x: 1) { e(o: {p: 1}) } } } } f(y: 2) }", limits: limits)
        let decoded = try #require(result.decoded)
        #expect(flat(decoded) == [".f(y)=2"])
        #expect(counts(decoded) == [5, 4, 0, 1, 0])
        #expect(decoded.annotations.contains(Annotation(.limitStructureDepth, detail: "graphql", value: 3)))
        #expect(result.budget.hits == [.structureDepth])
    }

    @Test func valuesPastTheDepthLimitAreSkipped() throws {
        var limits = DecodeLimits()
        limits.maxStructureDepth = 2
        let result = graphql("{ a(x: [[[1]]], y: [[2]], z: 3) }", limits: limits)
        #expect(flat(result.decoded) == [".a(y)[0][0]=2", ".a(z)=3"])
        #expect(result.budget.hits == [.structureDepth])
    }

    @Test func tenThousandDeepSelectionsAreCheap() throws {
        let depth = 10_000
        let text = String(repeating: "{a", count: depth) + String(repeating: "}", count: depth)
        let clock = ContinuousClock()
        var result: (decoded: Decoded?, budget: DecodeBudget)?
        let elapsed = clock.measure { result = graphql(text) }
        let decoded = try #require(result?.decoded)
        #expect(elapsed < .seconds(10))  // a hang guard, not a speed test
        #expect(counts(decoded) == [depth, 64, 0, 1, 0])
        #expect(result?.budget.hits == [.structureDepth])
        // Unterminated: refused when sniffed, kept (malformed) when declared.
        let open = String(repeating: "{a", count: depth)
        #expect(graphql(open).decoded == nil)
        let declared = try #require(graphql(open, declared: true).decoded)
        #expect(declared.annotations.last == Annotation(.malformed, detail: "unterminated selection set"))
    }

    @Test func tenThousandDeepValuesAndTypesAreCheap() throws {
        let depth = 10_000
        let value = String(repeating: "[", count: depth) + "1" + String(repeating: "]", count: depth)
        let type = String(repeating: "[", count: depth) + "Int" + String(repeating: "]", count: depth)
        let decoded = try #require(graphql("query ($v: \(type) = \(value)) { a(x: \(value), y: 1) }").decoded)
        #expect(flat(decoded) == [".a(y)=1"])
        #expect(decoded.annotations.contains { $0.code == .limitStructureDepth })
    }

    @Test func hundredThousandAliasesStopAtTheTokenLimit() throws {
        var text = "{"
        for index in 0..<100_000 { text += " a\(index): f" }
        text += " }"
        let clock = ContinuousClock()
        var result: (decoded: Decoded?, budget: DecodeBudget)?
        let elapsed = clock.measure { result = graphql(text) }
        let decoded = try #require(result?.decoded)
        #expect(elapsed < .seconds(10))  // a hang guard, not a speed test
        // `{` then three tokens per alias: the 100,001st token is the `:` of alias 33,333.
        #expect(counts(decoded) == [1, 33_333, 33_333, 1, 0])
        #expect(decoded.annotations.last == Annotation(.malformed, detail: "more than 100000 tokens"))
    }

    @Test func pointAndByteBudgetsBoundTheChildren() {
        var limits = DecodeLimits()
        limits.maxPoints = 2
        let points = graphql("{ a(x: 1, y: 2, z: 3) }", limits: limits)
        #expect(flat(points.decoded) == [".a(x)=1", ".a(y)=2"])
        #expect(points.budget.hits == [.points])
        limits = DecodeLimits()
        limits.maxDecodedBytes = 4
        let bytes = graphql(#"{ a(x: "abc", y: "de", z: "f") }"#, limits: limits)
        #expect(flat(bytes.decoded) == [".a(x)=abc", ".a(z)=f"])
        #expect(bytes.budget.remainingBytes == 0)
        #expect(bytes.budget.hits == [.bytes])
    }

    // MARK: - Through the engine

    @Test func queryInsideAJSONBodyIsSniffed() {
        let body = #"{"query":"query Q($id: ID = \"5\") { user(id: $id, name: \"x\") { id } }","variables":{"id":"1"}}"#
        let record = CaptureRecord(
            id: "x", ts: 0, method: "POST", rawPath: "/graphql",
            headers: [.init("Content-Type", "application/json")], body: Array(body.utf8))
        let decoded = RequestDecoder().decode(record)
        #expect(decoded.value(at: "body.json.query>graphql.user(name)") == "x")
        #expect(decoded.value(at: "body.json.query>graphql.$id") == "5")
        #expect(decoded.points(at: "body.json.query>graphql.user(id)").isEmpty)
        #expect(decoded.value(at: "body.json.variables.id") == "1")
        let query = decoded.points(at: "body.json.query").first
        #expect(query.map { decoded.points[$0].isContainer } == true)
        #expect(decoded.annotations(.graphqlFields).map(\.point) == query.map { [Int32($0)] })
    }

    @Test func declaredBodyThroughTheEngine() {
        let record = CaptureRecord(
            id: "x", ts: 0, method: "POST", rawPath: "/graphql",
            headers: [.init("content-type", "application/graphql")],
            body: Array(#"mutation { login(user: "admin' --", pass: "x") { token } }"#.utf8))
        let decoded = RequestDecoder().decode(record)
        #expect(decoded.value(at: "body.graphql.login(user)") == "admin' --")
        #expect(decoded.annotations(.graphqlBatch).first?.value == 1)
    }
}
