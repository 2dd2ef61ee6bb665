/// SQL injection: reads the value as SQL in four injection contexts — as-is (numeric or whole
/// statement), after a single quote, after a double quote and after a backtick — and judges the
/// token stream with `SQLWalker`, a permissive grammar that stops at the first token SQL could not
/// accept. Prose stops at once (`I'd like` → a bare word right after the closing quote); an injection
/// runs to its end or to a comment. The confidence comes from what the walk saw (see `judge`).
public struct SQLiDetector: Detector {
    public let name = "sqli"

    public init() {}

    /// Bytes that make a value worth reading as SQL on their own: quotes (breakouts), whitespace
    /// (keywords need separation), and operators/punctuation SQL cannot do without. `-`, `/` and
    /// `@` count only as `--`, `/*` and `@@` (see `worthReading`), so dates, UUIDs, paths and
    /// e-mail addresses skip the tokenizer.
    static let interesting = ByteSet.whitespace.union(ByteSet("'\"`();#|&<>!"))

    /// The pre-filter (no allocation): an interesting byte, or one of the pairs. `bytes`: the
    /// bytes present in `value` when the caller has them (`DetectionContext.bytes(of:)`).
    static func worthReading(_ value: ArraySlice<UInt8>, bytes: ByteSet? = nil) -> Bool {
        guard value.count >= 2 else { return false }
        let bytes = bytes ?? ByteSet(presentIn: value)
        // Numbers and whitespace alone (an address list, `203.0.113.7, 10.20.0.4`) make no SQL
        // but with a comment.
        if numeric.isSuperset(of: bytes) { return bytes.intersects(pairBytes) && hasPair(value) }
        return bytes.intersects(interesting) || (bytes.intersects(pairBytes) && hasPair(value))
    }

    /// Digits, whitespace and the separators of numbers, dates and address lists.
    static let numeric = ByteSet.whitespace.union(ByteSet("0123456789.,:-+/"))

    /// Whether `--`, `/*` or `@@` occurs in `value`, read over its bytes in place (~4 instructions
    /// a byte: UUIDs, dates and paths get this far).
    static func hasPair(_ value: ArraySlice<UInt8>) -> Bool {
        value.withUnsafeBufferPointer { b in
            guard b.count >= 2 else { return false }
            var previous = b[0]
            for index in 1..<b.count {
                let byte = b[index]
                if byte == previous, byte == UInt8(ascii: "-") || byte == UInt8(ascii: "@") { return true }
                if byte == UInt8(ascii: "*"), previous == UInt8(ascii: "/") { return true }
                previous = byte
            }
            return false
        }
    }

    /// The contexts a value is read in: as-is, then after each quote it contains.
    static let quotes: [UInt8] = [UInt8(ascii: "'"), UInt8(ascii: "\""), UInt8(ascii: "`")]

    /// Below this, a reading is not reported at all.
    static let reportFloor = 0.3

    public func detect(_ value: ArraySlice<UInt8>, context: DetectionContext, hits: inout [Hit]) {
        let bytes = context.bytes(of: value)
        var finding = Self.analyze(value, bytes: bytes)
        let confidence = finding?.confidence ?? 0
        if confidence < 0.9, context.source == .path, context.depth == 0,
            let inPath = Self.rawPathReading(value, bytes: bytes), inPath.finding.confidence > confidence
        {
            // The path as a wildcard route receives it: the path decoder cut the SQL apart at `;`
            // or `/`. The evidence is cut from the raw path.
            finding = inPath.finding
            finding?.range = value.indices
        }
        if context.sensitivity == .high, (finding?.confidence ?? 0) < SQLProbe.confidence,
            SQLProbe.shape(value, bytes: bytes) != nil
        {
            finding = Finding(
                confidence: SQLProbe.confidence, rule: "sqli.injection_probe", context: "", range: value.indices)
        }
        guard let finding else { return }
        hits.append(
            Hit(
                attackClass: .sqli, point: -1, confidence: finding.confidence,
                evidence: Evidence.excerpt(value, around: finding.range, fieldName: context.fieldName),
                rule: finding.rule))
    }

    public struct Finding: Sendable, Equatable {
        public var confidence: Double
        public var rule: String
        /// Which reading matched: "" (as-is), "'", "\"" or "`".
        public var context: String
        public var range: Range<Int>
    }

    /// The most convincing reading of `value` as SQL, or nil when none reaches the report floor.
    public static func analyze(_ value: ArraySlice<UInt8>) -> Finding? {
        analyze(value, bytes: ByteSet(presentIn: value))
    }

    /// The bytes that `worthReading` looks for in pairs (`--`, `/*`, `@@`).
    static let pairBytes = ByteSet("-*@")

    /// `bytes`: the bytes present in `value` (`DetectionContext.bytes(of:)`).
    static func analyze(_ value: ArraySlice<UInt8>, bytes: ByteSet) -> Finding? {
        guard worthReading(value, bytes: bytes) else { return nil }
        return read(value, bytes: bytes)
    }

    /// `analyze` without the pre-filter (the tests check the pre-filter against it).
    static func read(_ value: ArraySlice<UInt8>, bytes: ByteSet) -> Finding? {
        let hasQuote = (
            bytes.contains(UInt8(ascii: "'")), bytes.contains(UInt8(ascii: "\"")), bytes.contains(UInt8(ascii: "`"))
        )
        var tokens: [SQLToken] = []
        tokens.reserveCapacity(min(value.count / 2 + 4, SQLTokenizer.maxTokens))
        var facts = SQLLexFacts()
        var best: Finding?
        for reading in 0..<4 {
            let opening: UInt8?
            switch reading {
            case 0: opening = nil
            case 1: opening = hasQuote.0 ? quotes[0] : nil
            case 2: opening = hasQuote.1 ? quotes[1] : nil
            default: opening = hasQuote.2 ? quotes[2] : nil
            }
            if reading > 0, opening == nil { continue }
            SQLTokenizer.tokenize(value, opening: opening, into: &tokens, facts: &facts)
            guard let finding = judge(tokens: tokens, facts: facts, value: value, opening: opening) else { continue }
            if finding.confidence > (best?.confidence ?? 0) { best = finding }
            if finding.confidence >= 0.95 { break }
        }
        return best
    }

    // MARK: - The raw path

    /// The reading of the raw request path (`value`: source `path`, depth 0) as a wildcard route
    /// hands it to the application — the rest of the path, percent-decoded once, `/` and `;`
    /// included (`RawPath`) — when the path decoder cut SQL apart: only a path holding a raw `;` (a
    /// matrix-parameter separator to the decoder) or a raw `/*` or `*/` (a comment the segment
    /// split cuts) is read, from the start of the segment the first such cut ends
    /// (`/items/1;SELECT * FROM users` → `1;SELECT * FROM users`, `/items/1/*ora_mysql*/and/**/2=2`
    /// → `1/*ora_mysql*/and/**/2=2`). Not from an earlier segment: the route's own words joined by
    /// `/` would read as a division (`items/1;select`). `suffix`: the decoded rest that was read.
    static func rawPathReading(_ value: ArraySlice<UInt8>, bytes: ByteSet) -> (finding: Finding, suffix: [UInt8])? {
        guard value.first == UInt8(ascii: "/"), value.count <= 8192, let cut = rawPathCut(value, bytes: bytes) else {
            return nil
        }
        // The segment the cut ends: after the last `/` before the cut (a `/*` cut is its `/`).
        var start = cut
        while start > value.startIndex, value[start - 1] != UInt8(ascii: "/") { start -= 1 }
        guard start > value.startIndex, start < value.endIndex else { return nil }
        var findings: Percent.Findings = []
        let suffix = Percent.decodeComponent(value[start...], plusAsSpace: false, findings: &findings)
        guard let finding = analyze(suffix[...]) else { return nil }
        return (finding, suffix)
    }

    /// Where the raw path holds its first byte the path decoder splits SQL at — a raw `;`, or the
    /// `/` of `/*`, or the `*` of `*/` — or nil.
    static func rawPathCut(_ value: ArraySlice<UInt8>, bytes: ByteSet) -> Int? {
        guard bytes.contains(UInt8(ascii: ";")) || bytes.contains(UInt8(ascii: "*")) else { return nil }
        var i = value.startIndex
        while i < value.endIndex {
            let byte = value[i]
            if byte == UInt8(ascii: ";") { return i }
            if i + 1 < value.endIndex,
                (byte == UInt8(ascii: "/") && value[i + 1] == UInt8(ascii: "*"))
                    || (byte == UInt8(ascii: "*") && value[i + 1] == UInt8(ascii: "/"))
            {
                return i
            }
            i += 1
        }
        return nil
    }

    // MARK: - Judgement

    /// A delay function reached by the walk with plain words around it and no SQL structure
    /// (comparison, sub-query, UNION, trailing comment, tautology).
    static func delayInProse(_ w: SQLWalker, tokens: [SQLToken], value: ArraySlice<UInt8>) -> Bool {
        w.time && proseAround(tokens, value: value, logic: w.logic)
            && !(w.selectSeen || w.subquery || w.unionSelect || w.endsWithComment || w.tautology || w.literalComparison)
    }

    /// Whether the tokens carry English words: identifiers of 3+ letters that are neither SQL
    /// vocabulary nor function names. Two of them, or one without any AND/OR, make prose.
    static func proseAround(_ tokens: [SQLToken], value: ArraySlice<UInt8>, logic: Int) -> Bool {
        var words = 0
        for (index, t) in tokens.enumerated() where t.kind == .word && t.word == .none && t.function == .none {
            if index + 1 < tokens.count, tokens[index + 1].kind == .lparen { continue }
            let length = Int(t.end - t.start)
            guard length >= 3 else { continue }
            if value[Int(t.start)..<Int(t.end)].allSatisfy({ ExecBytes.isAlpha($0) }) { words += 1 }
            if words >= 2 { return true }
        }
        return words >= 1 && logic == 0
    }

    static func judge(tokens: [SQLToken], facts: SQLLexFacts, value: ArraySlice<UInt8>, opening: UInt8?) -> Finding? {
        let n = tokens.count
        guard n >= 1 else { return nil }
        var w = SQLWalker(tokens: tokens, value: value)
        enum Start { case breakout, number, word, logic, statement, function, paren }
        let start: Start
        var first = 0
        if opening != nil {
            guard n >= 2, tokens[0].flag else { return nil }
            start = .breakout
            w.walk(from: 1, state: .operator)
            first = 1
        } else {
            // Skip leading parentheses and signs to find what the value starts with.
            var i = 0
            while i < n,
                tokens[i].kind == .lparen || (tokens[i].kind == .op && value[Int(tokens[i].start)] == UInt8(ascii: "-"))
            {
                i += 1
            }
            guard i < n else { return nil }
            let t = tokens[i]
            switch t.kind {
            case .number:
                start = .number
                w.walk(from: 0, state: .operand)
            case .variable, .string:
                start = .word
                w.walk(from: 0, state: .operand)
            case .word:
                if t.word == .and || t.word == .or || t.word == .xor || t.word == .union || t.word == .having
                    || t.word == .order || t.word == .group || t.word == .procedure
                {
                    start = .logic
                    w.walk(from: i, state: .operator)
                } else if t.word.isStatementVerb || (i + 1 < n && tokens[i + 1].kind == .variable && w.isPrint(t)) {
                    start = .statement
                    var state = SQLWalker.State.operand
                    let next = w.statementStart(i, state: &state)
                    if !w.junk { w.walk(from: next, state: state) }
                } else if i + 1 < n, tokens[i + 1].kind == .lparen, t.function != .none, w.adjacentParen(i) {
                    start = .function
                    w.walk(from: 0, state: .operand)
                } else {
                    start = .word
                    w.walk(from: 0, state: .operand)
                }
            case .logic:
                start = .logic
                w.walk(from: i, state: .operator)
            case .rparen, .semicolon:
                start = .paren
                w.walk(from: i, state: .operator)
            default:
                return nil
            }
            first = i
        }
        // A delay function among plain words with no SQL structure around it (`I need to sleep(5)
        // hours`, `Call sleep(5) between retries`) is prose, not a time-based probe: payloads wrap it
        // in a comparison, a sub-query, a comment or bare operators and keywords.
        if delayInProse(w, tokens: tokens, value: value) {
            w.time = false
            // `…; sleep(4) hours`: the delay call was the only statement after the `;`.
            if w.delayStatement, w.stackedStatement == .medium, !w.selectSeen {
                w.stacked = false
                w.stackedStatement = .none
            }
        }
        // One stray byte at the very end (`' or '1'='1' {`) is noise, not prose.
        let clean = !w.junk || (w.stop == n - 1 && tokens[n - 1].kind == .other)
        let tail = clean || w.endsWithComment
        var best = Best()
        // Strong structures wherever the walk reached them; the most specific rule is considered
        // first and keeps ties.
        let quoted = start == .breakout
        let injected = quoted || start == .number || start == .logic || start == .paren
        let reached = start != .word || w.logic > 0 || w.continuation != .none
        if w.time, reached || start == .function { best.consider(0.95, "sqli.time_based") }
        if w.error, reached || start == .function, w.functions >= 2 || injected {
            best.consider(0.9, "sqli.error_based")
        }
        if w.system, reached || start == .statement || start == .function {
            best.consider(injected || w.stacked ? 0.95 : 0.9, "sqli.system_access")
        }
        if w.intoFile { best.consider(0.95, "sqli.into_outfile") }
        if w.unionSelect {
            let formed = w.selectEvidence || w.systemObject || w.endsWithComment || (w.fromSeen && injected)
            // `' UNION SELECT` as the whole value: the quote opens nothing but the breakout, so the
            // column-count probe needs no select list to be one.
            let bareProbe =
                quoted && clean && tokens[0].end - tokens[0].start <= 1 && tokens[n - 1].kind == .word
                && tokens[n - 1].word == .select
            best.consider(
                formed ? (injected || start == .word ? 0.95 : 0.85) : (bareProbe ? 0.7 : 0.35), "sqli.union_select")
        }
        if w.stacked {
            switch w.stackedStatement {
            case .strong: best.consider(injected ? 0.95 : 0.8, "sqli.stacked_query")
            case .medium:
                if w.selectSeen {
                    best.consider(
                        w.selectEvidence || w.systemObject ? (injected ? 0.9 : 0.75) : 0.4, "sqli.stacked_query")
                } else {
                    best.consider(injected ? 0.8 : 0.55, "sqli.stacked_query")
                }
            case .weak: best.consider(0.45, "sqli.stacked_query")
            case .none: break
            }
        }
        if w.procedureAnalyse, injected { best.consider(0.9, "sqli.procedure_analyse") }
        if start == .statement && !w.stacked {
            // A whole statement as a value.
            if w.statement == .strong { best.consider(clean || w.endsWithComment ? 0.8 : 0.6, "sqli.statement") }
            if w.selectSeen {
                if w.systemObject || w.info, tail { best.consider(0.85, "sqli.statement") }
                if w.caseCondition && w.tautology && tail {
                    // `(SELECT (CASE WHEN (9002=9002) THEN … END) FROM …)`: a sub-select that
                    // branches on a literal tautology — the boolean-inference shape.
                    best.consider(0.85, "sqli.statement")
                }
                if w.selectEvidence && w.fromSeen && tail {
                    best.consider(0.75, "sqli.statement")
                } else if w.fromSeen && w.whereSeen && w.literalComparison && tail {
                    best.consider(0.7, "sqli.statement")
                } else if w.selectEvidence && tail && (w.functions > 0 || w.endsWithComment) {
                    best.consider(0.65, "sqli.statement")
                }
            }
        }
        // Boolean and comparison forms after the injection point.
        if injected || start == .word {
            let weight: Double
            switch start {
            case .breakout: weight = 1.0
            case .number, .paren: weight = 0.95
            case .logic: weight = 0.95
            default: weight = 0.9
            }
            let strongFunction = w.time || w.error || w.system || w.info
            switch w.continuation {
            case .logic:
                var c = 0.0
                if w.tautology {
                    c = 0.95
                } else if w.contradiction, start != .word {
                    // `' and 2=0`, ` and 1=2#`: a constant false condition after the injection point.
                    c = 0.9
                } else if w.subquery || w.selectSeen || w.caseCondition {
                    c = 0.9
                } else if strongFunction {
                    c = 0.9
                } else if w.functions > 0 && w.literalComparison {
                    c = 0.85
                } else if w.literalComparison {
                    c = start == .word ? 0.35 : 0.8
                } else if w.truthLiteral || w.functions > 0 || (w.numericTruth && quoted) {
                    let truth = w.truthLiteral || (w.numericTruth && quoted)
                    c = w.endsWithComment ? 0.8 : (truth && clean && start != .word ? 0.7 : 0.45)
                } else if w.endsWithComment && w.consumed >= 2 {
                    c = 0.65
                } else if w.bareExists && quoted && clean {
                    c = 0.7
                } else if w.arithmeticAfterLogic && quoted && clean {
                    c = 0.65
                }
                if start == .word && !w.tautology && !strongFunction && !w.selectSeen { c = min(c, 0.35) }
                if !tail { c -= 0.4 }
                best.consider(c * weight, "sqli.boolean")
            case .comparison, .arithmetic:
                var c = 0.0
                if w.subquery || w.selectSeen || w.caseCondition {
                    c = 0.9
                } else if strongFunction {
                    c = 0.85
                } else if w.tautology && quoted {
                    c = 0.8
                } else if w.tautology && w.logic > 0 && start == .word {
                    c = 0.85  // `id=1 or 1=1`: a field comparison, then a tautology joined by a logic operator
                } else if w.functions > 0 && w.literalComparison && quoted {
                    c = 0.7
                }
                if start == .word {
                    c = min(c, strongFunction || w.selectSeen || (w.tautology && w.logic > 0) ? c : 0.3)
                }
                if !tail { c -= 0.3 }
                best.consider(
                    c * weight, w.tautology && w.logic > 0 && start == .word ? "sqli.boolean" : "sqli.expression")
            case .comment:
                // `admin'--`: the rest of the application's query is commented out.
                // An empty application literal (`'--'`) is a quoted dash, not a truncated login.
                if quoted, w.consumed <= w.closeParens + 1, w.truncatingComment {
                    // Login bypasses cut after a user name (`admin'--`); prose ending in a
                    // possessive and a dash (`my parents' --`) has spaces in its literal.
                    let prefix = value[Int(tokens[0].start)..<Int(tokens[0].end)]
                    let prefixEmpty = prefix.count <= 1
                    let prose = prefix.contains { Bytes.isSpace($0) }
                    var c = prefixEmpty || prose ? 0.5 : w.closeParens > 0 ? 0.85 : 0.8
                    // `' --`, `')--`: the value starts with the quote and the `--` comment is empty
                    // — the application's literal closed empty and the rest of its query cut off.
                    // A quoted dash (`'--'`) has text in its comment.
                    if prefixEmpty, tokens[0].start == Int32(value.startIndex),
                        Self.emptyDashComment(tokens[n - 1], value)
                    {
                        c = 0.65
                    }
                    best.consider(c, "sqli.comment_truncation")
                }
            case .clause:
                var c = 0.0
                if w.orderByNumber { c = w.endsWithComment || quoted ? 0.85 : 0.6 }
                if w.having && w.literalComparison { c = max(c, 0.85) }
                if w.procedureAnalyse { c = max(c, 0.9) }
                if !tail { c -= 0.3 }
                if start == .word { c = min(c, 0.3) }
                best.consider(c * weight, "sqli.clause")
            case .semicolon, .union, .none:
                break
            }
        }
        // The whole value is an environment probe: `@@version`, `version()`, `user()`, `database()`.
        if opening == nil, clean, w.consumed <= 4, w.functions <= 1, w.logic == 0, !w.comparison,
            (w.info && w.functions == 1) || (w.systemObject && tokens[first].kind == .variable)
        {
            best.consider(0.65, "sqli.probe")
        }
        if facts.executableComment && (w.selectSeen || w.unionSelect || w.logic > 0) {
            best.consider(0.9, "sqli.mysql_comment")
        }
        // The walk stopped early (prose-like prefix, odd syntax): a later `union select` or
        // `; statement` is judged on its own, slightly discounted.
        if w.junk, best.confidence < 0.85 {
            var anchors = 0
            var k = max(w.stop, first)
            while k < n, anchors < 8 {
                let t = tokens[k]
                if (t.kind == .word && t.word == .union) || t.kind == .semicolon {
                    anchors += 1
                    var resync = SQLWalker(tokens: tokens, value: value)
                    resync.walk(from: k, state: .operator)
                    let span = Int(t.start)..<Int(tokens[max(min(resync.stop, n) - 1, k)].end)
                    if resync.unionSelect, resync.selectEvidence || resync.systemObject || resync.endsWithComment {
                        best.consider(0.85, "sqli.union_select", span: span)
                    }
                    if resync.stacked,
                        resync.stackedStatement == .strong || resync.system
                            || (resync.time && !delayInProse(resync, tokens: tokens, value: value))
                    {
                        best.consider(0.8, "sqli.stacked_query", span: span)
                    }
                }
                k += 1
            }
        }
        var confidence = best.confidence
        let rule = best.rule
        // Hex literals, comments-as-spaces and system objects add a little to something already SQL.
        if confidence >= 0.5 {
            if w.hexLiteral || facts.inlineComment || w.systemObject { confidence = min(0.99, confidence + 0.05) }
        }
        guard confidence >= reportFloor else { return nil }
        var lower = Int(tokens[min(first, n - 1)].start)
        let stopIndex = max(min(w.stop, n) - 1, min(first, n - 1))
        var upper = max(Int(tokens[stopIndex].end), lower)
        if let span = best.span {
            lower = span.lowerBound
            upper = max(span.upperBound, lower)
        }
        let name: String
        switch opening {
        case UInt8(ascii: "'"): name = "'"
        case UInt8(ascii: "\""): name = "\""
        case UInt8(ascii: "`"): name = "`"
        default: name = ""
        }
        return Finding(confidence: (confidence * 100).rounded() / 100, rule: rule, context: name, range: lower..<upper)
    }

    /// Whether `t` is a `--` comment with nothing but whitespace after the dashes.
    static func emptyDashComment(_ t: SQLToken, _ value: ArraySlice<UInt8>) -> Bool {
        guard t.kind == .lineComment, t.end - t.start >= 2 else { return false }
        let text = value[Int(t.start)..<Int(t.end)]
        return text.first == UInt8(ascii: "-") && Bytes.trimmed(text.dropFirst(2)).isEmpty
    }

    /// The strongest reading so far.
    struct Best {
        var confidence = 0.0
        var rule = ""
        /// Where the reading matched, when it is not the main walk's span (a resynchronised walk).
        var span: Range<Int>? = nil
        mutating func consider(_ c: Double, _ r: String, span: Range<Int>? = nil) {
            if c > confidence {
                confidence = c
                rule = r
                self.span = span
            }
        }
    }
}
