/// GraphQL executable documents (October 2021 spec; hand-written lexer and parser in `GraphQL/`):
/// operations, fragments, fields with aliases and arguments, variable definitions with defaults,
/// fragment spreads, inline fragments, directives and every value literal.
///
/// Children are the argument values, flattened to leaves, with paths built from field names (not
/// aliases) from the root of their definition (a contract, like the JSON paths):
/// - `{ user(id: "1") { posts(filter: {q: "x", tags: ["a"]}) { title } } }` → `.user(id)`="1",
///   `.user.posts(filter).q`="x", `.user.posts(filter).tags[0]`="a";
/// - directive arguments `.user@include(if)`; variable defaults `.$id`; fragment definitions start
///   at `.<FragmentName>` (`.F.posts(first)`); inline fragments add nothing to the path;
/// - in a document with more than one operation, the paths of each *named* operation start with
///   `.<OperationName>` (`.Q.user(id)`); anonymous operations and fragments are never prefixed.
/// Kinds: strings and enums `.text`, ints and floats `.number` (source text), `.boolean`, `.null`.
/// Variable references (`$id`) are not values and are skipped (list indices still count them).
///
/// Every parsed document is annotated with `value`s for detectors to threshold: `.graphqlDepth`
/// (deepest selection; fragment spreads expanded where they are spread, each fragment evaluated
/// once, cycles reported as `.graphqlFragmentCycle` and cut), `.graphqlFields`, `.graphqlAliases`,
/// `.graphqlBatch` (operations), `.graphqlDirectives`, `.graphqlRepeatedField` (the most selections
/// of one field name in a single selection set, detail: the name), `.graphqlRepeatedMutation` (the
/// most selections of one root field of a mutation); `.graphqlIntrospection` when `__schema` or
/// `__type` is selected (detail: which). Selection sets nested past `maxStructureDepth` are skipped
/// (their depth still measured by braces) with `.limitStructureDepth`; after
/// `GraphQLLexer.maxTokens` tokens parsing stops with `.malformed`, keeping what was read.
///
/// Sniffed values must start (after whitespace) with `{` or `query`/`mutation`/`subscription`/
/// `fragment` followed by whitespace, `{`, `(` or `@`, and parse completely. Declared values
/// (`application/graphql`) keep what was read before a syntax error (with `.malformed`); nil only
/// when not even one definition started.
public struct GraphQLDecoder: ValueDecoder {
    public let name = "graphql"
    public let isContainer = true
    /// `{`, `query`, `mutation`, `subscription` or `fragment` after whitespace.
    public var sniffGate: SniffGate { SniffGate(firstNonSpace: ByteSet("{qmsf".utf8)) }

    public init() {}

    public func decode(_ input: ArraySlice<UInt8>, context: DecodeContext, budget: inout DecodeBudget) -> Decoded? {
        var start = input.startIndex
        while start < input.endIndex, Bytes.isSpace(input[start]) { start += 1 }
        let body = input[start...]
        if context.declared {
            guard !body.isEmpty else { return nil }
        } else {
            guard Self.looksLikeGraphQL(body) else { return nil }
        }
        var parser = GraphQLParser(
            input: body, maxDepth: budget.limits.maxStructureDepth, maxChildren: budget.limits.maxPoints,
            maxBytes: budget.remainingBytes, maxTokens: GraphQLLexer.maxTokens)
        var problem: String?
        do {
            try parser.parseDocument()
        } catch {
            switch error {
            case .tokenLimit:
                problem = "more than \(GraphQLLexer.maxTokens) tokens"
            case .syntax(let reason):
                guard context.declared else { return nil }
                problem = reason
            }
            guard parser.startedDefinition else { return nil }
        }

        _ = budget.consume(parser.outputBytes)
        if parser.bytesCut { budget.hit(.bytes) }
        if parser.pointsCut { budget.hit(.points) }
        let expansion = parser.expandedDepth()
        var annotations = [
            Annotation(.graphqlDepth, value: expansion.depth),
            Annotation(.graphqlFields, value: parser.fields),
            Annotation(.graphqlAliases, value: parser.aliases),
            Annotation(.graphqlBatch, value: parser.operations),
            Annotation(.graphqlDirectives, value: parser.directives),
            Annotation(
                .graphqlRepeatedField, detail: String(parser.repeatedFieldName.prefix(60)), value: parser.repeatedField),
            Annotation(.graphqlRepeatedMutation, value: parser.repeatedMutation),
        ]
        switch (parser.introspectsSchema, parser.introspectsType) {
        case (true, true): annotations.append(Annotation(.graphqlIntrospection, detail: "__schema,__type"))
        case (true, false): annotations.append(Annotation(.graphqlIntrospection, detail: "__schema"))
        case (false, true): annotations.append(Annotation(.graphqlIntrospection, detail: "__type"))
        case (false, false): break
        }
        if let cycle = expansion.cycle {
            annotations.append(Annotation(.graphqlFragmentCycle, detail: String(cycle.prefix(60))))
        }
        if parser.depthCut || expansion.cut {
            budget.hit(.structureDepth)
            annotations.append(
                Annotation(.limitStructureDepth, detail: "graphql", value: budget.limits.maxStructureDepth))
        }
        if let problem { annotations.append(Annotation(.malformed, detail: problem)) }
        return Decoded(children: parser.children, annotations: annotations)
    }

    /// `{`, or an operation/fragment keyword followed by whitespace, `{`, `(` or `@`.
    static func looksLikeGraphQL(_ bytes: ArraySlice<UInt8>) -> Bool {
        guard let first = bytes.first else { return false }
        if first == UInt8(ascii: "{") { return true }
        guard
            first == UInt8(ascii: "q") || first == UInt8(ascii: "m") || first == UInt8(ascii: "s")
                || first == UInt8(ascii: "f")
        else { return false }
        // Only the keyword starting with the value's first byte can match.
        let keyword: StaticString
        switch first {
        case UInt8(ascii: "q"): keyword = "query"
        case UInt8(ascii: "m"): keyword = "mutation"
        case UInt8(ascii: "s"): keyword = "subscription"
        default: keyword = "fragment"
        }
        let count = keyword.utf8CodeUnitCount
        guard bytes.count > count else { return false }
        let base = bytes.startIndex
        for offset in 1..<count where bytes[base + offset] != keyword.utf8Start[offset] { return false }
        let next = bytes[base + count]
        return Bytes.isSpace(next) || next == UInt8(ascii: "{") || next == UInt8(ascii: "(")
            || next == UInt8(ascii: "@")
    }
}

extension AnnotationCode {
    /// A fragment spreads itself, directly or through others: invalid GraphQL, and a classic way to
    /// make naive servers recurse forever. Detail: the fragment's name.
    public static let graphqlFragmentCycle: AnnotationCode = "graphql.fragment_cycle"
}
