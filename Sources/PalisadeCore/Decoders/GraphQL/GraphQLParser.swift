/// Recursive-descent parser for GraphQL executable documents (October 2021 spec, §2: operations,
/// fragments, selections, arguments, variables, directives, values), flattening argument values to
/// children and counting what a GraphQL abuse detector thresholds.
///
/// Recursion is bounded: selection sets deeper than `maxDepth` and values nested deeper than
/// `maxDepth` are skipped token by token (no recursion) and reported as `depthCut`; variable types
/// (`[[Int!]]`) are read iteratively. Every token comes from `GraphQLLexer`, which stops at
/// `GraphQLLexer.maxTokens`.
struct GraphQLParser {
    /// What one operation or fragment definition contributes to the depth once fragments are spread.
    private struct Scope {
        /// Deepest selection set of the definition itself (1 for `{ a }`).
        var depth = 0
        /// Fragment spreads: the fragment's name and the depth of the selection set holding the spread,
        /// minus one (a fragment spread at depth `d` puts the fragment's depth-1 fields at depth `d`).
        var spreads: [(name: Substring, offset: Int)] = []
    }

    private struct Definition {
        var operationName: String?
        var isOperation: Bool
        /// Index of the definition's first child; it owns the children up to the next definition's.
        var firstChild: Int
    }

    let maxDepth: Int
    let maxChildren: Int
    let maxBytes: Int

    private var lexer: GraphQLLexer
    private var token = GraphQLToken(kind: .end, range: 0..<0)

    private(set) var children: [Child] = []
    private(set) var outputBytes = 0
    private(set) var pointsCut = false
    private(set) var bytesCut = false
    private(set) var depthCut = false

    private(set) var operations = 0
    private(set) var fragments = 0
    private(set) var fields = 0
    private(set) var aliases = 0
    private(set) var directives = 0
    /// The most times one field name is selected in a single selection set (aliased or not), and
    /// that name: alias batching (`a1: login(…) a2: login(…) …`) and field duplication.
    private(set) var repeatedField = 0
    private(set) var repeatedFieldName: Substring = ""
    /// The most times one root field of a mutation is selected (`a: login(…) b: login(…)`).
    private(set) var repeatedMutation = 0
    private var inMutation = false
    /// Deepest selection set parsed (or skipped past the limit, counted by braces).
    private(set) var parsedDepth = 0
    private(set) var introspectsSchema = false
    private(set) var introspectsType = false

    private var definitions: [Definition] = []
    private var operationScopes: [Scope] = []
    private var fragmentScopes: [Substring: Scope] = [:]
    private var scope = Scope()

    init(input: ArraySlice<UInt8>, maxDepth: Int, maxChildren: Int, maxBytes: Int, maxTokens: Int) {
        self.lexer = GraphQLLexer(input: input, maxTokens: maxTokens)
        self.maxDepth = max(maxDepth, 1)
        self.maxChildren = maxChildren
        self.maxBytes = maxBytes
    }

    /// Whether parsing got as far as one definition (what a declared document needs to be kept).
    var startedDefinition: Bool { operations + fragments > 0 }

    // MARK: - Document

    /// Parses the whole document. On error, what was read so far stays in `children` and the counters.
    mutating func parseDocument() throws(GraphQLError) {
        defer { finish() }
        try advance()
        guard token.kind != .end else { throw .syntax("empty document") }
        while token.kind != .end {
            try definition()
        }
    }

    /// The state of `expandedDepth()`.
    struct Expansion {
        var depth = 0
        /// The first fragment found spreading itself, directly or not (such a cycle adds no depth).
        var cycle: String?
        /// A chain of spreads longer than `maxDepth` was cut there.
        var cut = false
        fileprivate var memo: [Substring: Int] = [:]
        fileprivate var visiting: Set<Substring> = []
    }

    /// The depth of the document with the fragment spreads of its operations expanded: each fragment
    /// is evaluated once, cycles are cut, chains of spreads are followed `maxDepth` deep at most.
    func expandedDepth() -> Expansion {
        var expansion = Expansion()
        expansion.depth = parsedDepth
        for operation in operationScopes {
            expansion.depth = max(expansion.depth, depth(of: operation, level: 0, &expansion))
        }
        return expansion
    }

    private func depth(of scope: Scope, level: Int, _ expansion: inout Expansion) -> Int {
        var deepest = scope.depth
        guard level < maxDepth else {
            if !scope.spreads.isEmpty { expansion.cut = true }
            return deepest
        }
        for spread in scope.spreads {
            let fragmentDepth: Int
            if let known = expansion.memo[spread.name] {
                fragmentDepth = known
            } else if expansion.visiting.contains(spread.name) {
                if expansion.cycle == nil { expansion.cycle = String(spread.name) }
                continue
            } else if let fragment = fragmentScopes[spread.name] {
                expansion.visiting.insert(spread.name)
                fragmentDepth = depth(of: fragment, level: level + 1, &expansion)
                expansion.visiting.remove(spread.name)
                expansion.memo[spread.name] = fragmentDepth
            } else {
                continue  // an unknown fragment
            }
            let (sum, overflow) = spread.offset.addingReportingOverflow(fragmentDepth)
            deepest = max(deepest, overflow ? Int.max : sum)
        }
        return deepest
    }

    /// In a document with more than one operation, prefixes the paths of each named operation with
    /// `.<OperationName>` (anonymous operations and fragments keep theirs).
    private mutating func finish() {
        guard operations > 1 else { return }
        for (index, definition) in definitions.enumerated() where definition.isOperation {
            guard let name = definition.operationName else { continue }
            let end = index + 1 < definitions.count ? definitions[index + 1].firstChild : children.count
            let prefix = LocationPath.key(name)
            for child in definition.firstChild..<end { children[child].path = prefix + children[child].path }
        }
    }

    private mutating func definition() throws(GraphQLError) {
        if token.isPunctuator(UInt8(ascii: "{")) {
            try operation(keyword: false)
            return
        }
        guard token.kind == .name else { throw .syntax("expected a definition") }
        switch text(token) {
        case "query", "mutation", "subscription": try operation(keyword: true)
        case "fragment": try fragmentDefinition()
        default: throw .syntax("expected a definition")
        }
    }

    private mutating func beginDefinition(operationName: String?, isOperation: Bool) {
        definitions.append(
            Definition(operationName: operationName, isOperation: isOperation, firstChild: children.count))
        scope = Scope()
    }

    private mutating func operation(keyword: Bool) throws(GraphQLError) {
        operations += 1
        var name: String?
        inMutation = keyword && text(token) == "mutation"
        if keyword {
            try advance()
            if token.kind == .name {
                name = String(text(token))
                try advance()
            }
        }
        beginDefinition(operationName: name, isOperation: true)
        defer { operationScopes.append(scope) }  // kept when the document breaks off, too
        if keyword {
            if token.isPunctuator(UInt8(ascii: "(")) { try variableDefinitions() }
            try directivesIfAny(path: "")
        }
        try selectionSet(path: "", depth: 1, level: 1)
    }

    private mutating func fragmentDefinition() throws(GraphQLError) {
        fragments += 1
        inMutation = false
        try advance()
        guard token.kind == .name, text(token) != "on" else { throw .syntax("expected a fragment name") }
        let name = text(token)
        beginDefinition(operationName: nil, isOperation: false)
        defer { if fragmentScopes[name] == nil { fragmentScopes[name] = scope } }
        try advance()
        guard token.kind == .name, text(token) == "on" else { throw .syntax("expected a type condition") }
        try advance()
        try expectName()
        let path = LocationPath.key(String(name))
        try directivesIfAny(path: path)
        try selectionSet(path: path, depth: 1, level: 1)
    }

    private mutating func variableDefinitions() throws(GraphQLError) {
        try advance()  // (
        repeat {
            guard token.isPunctuator(UInt8(ascii: "$")) else { throw .syntax("expected a variable") }
            try advance()
            guard token.kind == .name else { throw .syntax("expected a variable name") }
            let name = String(text(token))
            try advance()
            try expect(UInt8(ascii: ":"))
            try type()
            let path = LocationPath.key("$" + name)
            if token.isPunctuator(UInt8(ascii: "=")) {
                try advance()
                try value(path: path, fieldName: name, level: 0)
            }
            try directivesIfAny(path: path)
        } while !token.isPunctuator(UInt8(ascii: ")"))
        try advance()
    }

    /// `Name`, `[Type]`, with `!` anywhere: read without recursion.
    private mutating func type() throws(GraphQLError) {
        var open = 0
        while token.isPunctuator(UInt8(ascii: "[")) {
            open += 1
            try advance()
        }
        try expectName()
        if token.isPunctuator(UInt8(ascii: "!")) { try advance() }
        while open > 0 {
            try expect(UInt8(ascii: "]"))
            if token.isPunctuator(UInt8(ascii: "!")) { try advance() }
            open -= 1
        }
    }

    // MARK: - Selections

    /// A selection set whose fields sit at `depth`; `level` counts nested sets, inline fragments included.
    private mutating func selectionSet(path: String, depth: Int, level: Int) throws(GraphQLError) {
        guard token.isPunctuator(UInt8(ascii: "{")) else { throw .syntax("expected a selection set") }
        if level > maxDepth {
            depthCut = true
            let skipped = try skipSelectionSet()
            parsedDepth = max(parsedDepth, depth - 1 + skipped)
            scope.depth = max(scope.depth, depth - 1 + skipped)
            return
        }
        parsedDepth = max(parsedDepth, depth)
        scope.depth = max(scope.depth, depth)
        try advance()
        guard !token.isPunctuator(UInt8(ascii: "}")) else { throw .syntax("empty selection set") }
        var seen: [Substring: Int] = [:]
        repeat {
            if let name = try selection(path: path, depth: depth, level: level) {
                let count = seen[name, default: 0] + 1
                seen[name] = count
                if count > repeatedField {
                    repeatedField = count
                    repeatedFieldName = name
                }
                if level == 1, inMutation { repeatedMutation = max(repeatedMutation, count) }
            }
        } while !token.isPunctuator(UInt8(ascii: "}"))
        try advance()
    }

    /// Parses one selection; returns the field's name (not its alias), nil for fragments.
    private mutating func selection(path: String, depth: Int, level: Int) throws(GraphQLError) -> Substring? {
        if token.isPunctuator(UInt8(ascii: ".")) {
            try advance()
            if token.kind == .name, text(token) != "on" {
                scope.spreads.append((text(token), depth - 1))
                try advance()
                try directivesIfAny(path: path)
                return nil
            }
            if token.kind == .name {  // on Type
                try advance()
                try expectName()
            }
            try directivesIfAny(path: path)
            try selectionSet(path: path, depth: depth, level: level + 1)
            return nil
        }
        guard token.kind == .name else { throw .syntax("expected a field") }
        fields += 1
        var name = text(token)
        try advance()
        if token.isPunctuator(UInt8(ascii: ":")) {
            try advance()
            guard token.kind == .name else { throw .syntax("expected a field name after an alias") }
            aliases += 1
            name = text(token)
            try advance()
        }
        if name == "__schema" { introspectsSchema = true }
        if name == "__type" { introspectsType = true }
        let fieldPath = path + LocationPath.key(String(name))
        if token.isPunctuator(UInt8(ascii: "(")) { try arguments(path: fieldPath) }
        try directivesIfAny(path: fieldPath)
        if token.isPunctuator(UInt8(ascii: "{")) {
            try selectionSet(path: fieldPath, depth: depth + 1, level: level + 1)
        }
        return name
    }

    /// Skips a selection set past the depth limit without recursing; returns how deep it nests
    /// (braces outside argument lists).
    private mutating func skipSelectionSet() throws(GraphQLError) -> Int {
        var depth = 0
        var parentheses = 0
        var deepest = 0
        while true {
            if token.kind == .end { throw .syntax("unterminated selection set") }
            if token.kind == .punctuator {
                switch token.punctuator {
                case UInt8(ascii: "("): parentheses += 1
                case UInt8(ascii: ")"): parentheses = max(parentheses - 1, 0)
                case UInt8(ascii: "{") where parentheses == 0:
                    depth += 1
                    deepest = max(deepest, depth)
                case UInt8(ascii: "}") where parentheses == 0:
                    depth -= 1
                    if depth == 0 {
                        try advance()
                        return deepest
                    }
                default: break
                }
            }
            try advance()
        }
    }

    private mutating func arguments(path: String) throws(GraphQLError) {
        try advance()  // (
        repeat {
            guard token.kind == .name else { throw .syntax("expected an argument") }
            let name = String(text(token))
            try advance()
            try expect(UInt8(ascii: ":"))
            try value(path: path + "(" + name + ")", fieldName: name, level: 0)
        } while !token.isPunctuator(UInt8(ascii: ")"))
        try advance()
    }

    private mutating func directivesIfAny(path: String) throws(GraphQLError) {
        while token.isPunctuator(UInt8(ascii: "@")) {
            try advance()
            guard token.kind == .name else { throw .syntax("expected a directive name") }
            directives += 1
            let directivePath = path + "@" + String(text(token))
            try advance()
            if token.isPunctuator(UInt8(ascii: "(")) { try arguments(path: directivePath) }
        }
    }

    // MARK: - Values

    private mutating func value(path: String, fieldName: String, level: Int) throws(GraphQLError) {
        switch token.kind {
        case .end:
            throw .syntax("expected a value")
        case .int, .float:
            emit(path: path, value: Array(lexer.input[token.range]), kind: .number, fieldName: fieldName)
        case .string:
            emit(
                path: path, value: try GraphQLLexer.stringValue(lexer.input[token.range]), kind: .text,
                fieldName: fieldName)
        case .blockString:
            emit(
                path: path, value: GraphQLLexer.blockStringValue(lexer.input[token.range]), kind: .text,
                fieldName: fieldName)
        case .name:
            let word = text(token)
            let kind: ValueKind = word == "true" || word == "false" ? .boolean : word == "null" ? .null : .text
            emit(path: path, value: Array(word.utf8), kind: kind, fieldName: fieldName)
        case .punctuator:
            switch token.punctuator {
            case UInt8(ascii: "$"):
                try advance()
                guard token.kind == .name else { throw .syntax("expected a variable name") }
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                if level >= maxDepth {
                    depthCut = true
                    try skipValue()
                    return
                }
                if token.punctuator == UInt8(ascii: "[") {
                    try list(path: path, fieldName: fieldName, level: level)
                } else {
                    try object(path: path, level: level)
                }
                return
            default:
                throw .syntax("expected a value")
            }
        }
        try advance()
    }

    private mutating func list(path: String, fieldName: String, level: Int) throws(GraphQLError) {
        try advance()  // [
        var index = 0
        while !token.isPunctuator(UInt8(ascii: "]")) {
            try value(path: path + LocationPath.index(index), fieldName: fieldName, level: level + 1)
            index += 1
        }
        try advance()
    }

    private mutating func object(path: String, level: Int) throws(GraphQLError) {
        try advance()  // {
        while !token.isPunctuator(UInt8(ascii: "}")) {
            guard token.kind == .name else { throw .syntax("expected an object field") }
            let name = String(text(token))
            try advance()
            try expect(UInt8(ascii: ":"))
            try value(path: path + LocationPath.key(name), fieldName: name, level: level + 1)
        }
        try advance()
    }

    /// Skips a list or object value past the depth limit without recursing.
    private mutating func skipValue() throws(GraphQLError) {
        var depth = 0
        repeat {
            if token.kind == .end { throw .syntax("unterminated value") }
            if token.kind == .punctuator {
                switch token.punctuator {
                case UInt8(ascii: "["), UInt8(ascii: "{"): depth += 1
                case UInt8(ascii: "]"), UInt8(ascii: "}"): depth -= 1
                default: break
                }
            }
            try advance()
        } while depth > 0
    }

    // MARK: - Tokens and output

    private mutating func advance() throws(GraphQLError) {
        token = try lexer.next()
    }

    private mutating func expect(_ punctuator: UInt8) throws(GraphQLError) {
        guard token.isPunctuator(punctuator) else {
            throw .syntax("expected '" + String(UnicodeScalar(punctuator)) + "'")
        }
        try advance()
    }

    private mutating func expectName() throws(GraphQLError) {
        guard token.kind == .name else { throw .syntax("expected a name") }
        try advance()
    }

    /// A name token's text (names are ASCII).
    private func text(_ token: GraphQLToken) -> Substring {
        Substring(decoding: lexer.input[token.range], as: UTF8.self)
    }

    private mutating func emit(path: String, value: [UInt8], kind: ValueKind, fieldName: String) {
        guard children.count < maxChildren else {
            pointsCut = true
            return
        }
        guard value.count <= maxBytes - outputBytes else {
            bytesCut = true
            return
        }
        outputBytes += value.count
        children.append(Child(path: path, value: value, kind: kind, fieldName: fieldName))
    }
}
