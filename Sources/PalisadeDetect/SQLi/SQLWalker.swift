/// Walks a token stream as a permissive SQL expression/statement grammar and records what it
/// saw. The walk stops at the first token that cannot follow in SQL ("junk"): prose stops almost
/// at once, injected SQL runs to its end or to a comment.
struct SQLWalker {
    enum State { case operand, `operator` }

    /// The first thing that followed the injection point.
    enum Continuation: UInt8 {
        case none, logic, comparison, arithmetic, comment, semicolon, union, clause
    }

    /// How convincing a stacked statement is.
    enum Statement: UInt8, Comparable {
        case none, weak, medium, strong
        static func < (a: Statement, b: Statement) -> Bool { a.rawValue < b.rawValue }
    }

    let tokens: [SQLToken]
    let value: ArraySlice<UInt8>

    // What the walk saw.
    var continuation = Continuation.none
    var closeParens = 0
    var logic = 0
    var comparison = false
    var tautology = false
    /// Two different small integers compared with `=` (`2=0`, `1=2`): the false half of a
    /// boolean-inference pair.
    var contradiction = false
    var truthLiteral = false
    var functions = 0
    var time = false
    var error = false
    var info = false
    var system = false
    var systemObject = false
    var subquery = false
    var unionSelect = false
    var selectEvidence = false
    var selectSeen = false
    var fromSeen = false
    var whereSeen = false
    var orderByNumber = false
    var having = false
    var procedureAnalyse = false
    var intoFile = false
    var statement = Statement.none
    /// A well-formed statement followed a `;` (or a T-SQL statement keyword).
    var stacked = false
    /// The strongest such stacked statement.
    var stackedStatement = Statement.none
    /// A stacked statement was a bare delay call (`; sleep(5)`).
    var delayStatement = false
    var hexLiteral = false
    var endsWithComment = false
    /// Index where a `select` may stand (after `union` or at a statement start).
    var selectAt = -1
    /// A non-zero number stood alone as a condition after a logic operator (`' or 1 or '`).
    var numericTruth = false
    /// A comparison had a literal on one side (`1=2`, `x='a'`, `>64`), not just two bare words.
    var literalComparison = false
    /// A binary operator joined operands after a logic operator (`' or ''-'`).
    var arithmeticAfterLogic = false
    /// The first comment looks like it cuts the query (`--`, `/*`, `# ` or `#` at the end), not
    /// like a fragment or hashtag (`#section-2`).
    var truncatingComment = false
    var junk = false
    /// A `case when <comparison> then` was read: SQL-only syntax, prose never has it.
    var caseCondition = false
    /// The value closed an array index or path the application opened (`1]…`).
    var closedBracket = false
    /// A bare `exists` stood as a condition (`' or (exists)`): a syntax probe for the predicate.
    var bareExists = false
    /// Token index where the walk stopped (exclusive).
    var stop = 0
    /// Tokens consumed that were actual SQL (not comments).
    var consumed = 0

    init(tokens: [SQLToken], value: ArraySlice<UInt8>) {
        self.tokens = tokens
        self.value = value
    }

    static let arithmetic = ByteSet("-+*/%|&^")

    @inline(__always)
    func next(_ i: Int) -> SQLToken? { i + 1 < tokens.count ? tokens[i + 1] : nil }

    /// Index of the next token that is not a skippable modifier, from `i` on.
    func skipModifiers(_ i: Int) -> Int {
        var j = i
        while j < tokens.count, tokens[j].kind == .word, tokens[j].word == .modifier,
            !(j + 1 < tokens.count && tokens[j + 1].kind == .lparen)
        {
            j += 1
        }
        return j
    }

    mutating func walk(from start: Int, state initial: State) {
        var state = initial
        var depth = 0
        var i = start
        var lastOperand = -1
        var pendingComparison = -1  // index of the comparison operator awaiting its right side
        var aliasAllowed = false
        var caseDepth = 0
        let n = tokens.count
        var steps = 0
        walking: while i < n {
            // Every branch advances; the bound is a guard against a future mistake, not a limit.
            steps += 1
            if steps > 4 * n + 8 { break }
            let t = tokens[i]
            if t.kind == .lineComment {
                if continuation == .none {
                    continuation = .comment
                    truncatingComment = isTruncating(t)
                }
                if i == n - 1 { endsWithComment = true }
                i += 1
                continue
            }
            if t.kind == .word, t.word == .modifier, !(next(i)?.kind == .lparen) {
                i += 1
                continue
            }
            consumed += 1
            switch state {
            case .operator:
                var markContinuation = Continuation.none
                switch t.kind {
                case .logic:
                    logic += 1
                    markContinuation = .logic
                    state = .operand
                case .op:
                    if isComparison(t) {
                        comparison = true
                        if i > 0, tokens[i - 1].kind == .number || tokens[i - 1].kind == .string {
                            literalComparison = true
                        }
                        pendingComparison = i
                        markContinuation = .comparison
                    } else {
                        markContinuation = .arithmetic
                        if logic > 0, i > 0, tokens[i - 1].kind == .string || tokens[i - 1].kind == .number,
                            t.end - t.start == 1, Self.arithmetic.contains(value[Int(t.start)])
                        {
                            arithmeticAfterLogic = true
                        }
                    }
                    state = .operand
                case .rparen:
                    depth -= 1
                    if depth < 0 {
                        closeParens += 1
                        depth = 0
                    }
                    aliasAllowed = selectSeen
                    lastOperand = -1
                case .comma:
                    state = .operand
                    markContinuation = .arithmetic
                case .semicolon:
                    markContinuation = .semicolon
                    if continuation == .none { continuation = .semicolon }
                    i = statementStart(i + 1, state: &state, stacked: true)
                    depth = 0
                    lastOperand = -1
                    if junk { break walking }
                    continue
                case .word:
                    switch t.word {
                    case .and, .or, .xor:
                        logic += 1
                        markContinuation = .logic
                        state = .operand
                    case .not:
                        // not like / not in / not between / not regexp
                        if let n1 = next(i), n1.kind == .word,
                            n1.word.isNegatableComparison
                        {
                            break
                        }
                        junk = true
                    case .in where !(next(i)?.kind == .lparen):
                        // MySQL full-text modifiers close a `match(…) against('…'` the application
                        // opened: `' in boolean mode) or …`.
                        let skip = fullTextModifier(after: i)
                        if skip > 0 {
                            i += skip + 1
                            continue
                        }
                        junk = true
                    case .is
                    where
                        !(next(i).map { $0.word == .null || $0.word == .true || $0.word == .false || $0.word == .not }
                        ?? false):
                        junk = true  // `is` tests null/true/false only
                    case .like, .rlike, .regexp, .ilike, .glob, .similar, .sounds, .is, .in, .between:
                        comparison = true
                        if t.word == .is || t.word == .in { literalComparison = true }
                        if i > 0, tokens[i - 1].kind == .number || tokens[i - 1].kind == .string {
                            literalComparison = true
                        }
                        pendingComparison = t.word == .like || t.word == .is ? i : -1
                        markContinuation = .comparison
                        state = .operand
                        if t.word == .sounds, let n1 = next(i), n1.word == .like { i += 1 }
                        if t.word == .is, let n1 = next(i), n1.word == .not { i += 1 }
                    case .div, .mod, .collate, .escape:
                        markContinuation = .arithmetic
                        state = .operand
                    case .union:
                        var j = skipModifiers(i + 1)
                        if j < n, tokens[j].word == .all || tokens[j].word == .distinct { j += 1 }
                        while j < n, tokens[j].kind == .lparen {
                            depth += 1
                            j += 1
                        }
                        if j < n, tokens[j].word == .select {
                            unionSelect = true
                            selectAt = j
                            if continuation == .none { continuation = .union }
                            i = j
                            state = .operand
                            continue  // the select is read in operand state
                        }
                        junk = true
                    case .order, .group:
                        if let n1 = next(i), n1.word == .by {
                            markContinuation = .clause
                            if let n2 = i + 2 < n ? tokens[i + 2] : nil, n2.kind == .number {
                                orderByNumber = true
                            }
                            i += 1
                            state = .operand
                        } else {
                            junk = true
                        }
                    case .having, .where:
                        // A condition follows: judged like a boolean continuation (`' where 1=1 and …`,
                        // `1 where 5=5 or (select …)`), which asks for a tautology, sub-query or strong
                        // function before it counts.
                        markContinuation =
                            t.word == .where || selectSeen || closeParens > 0 || continuation != .none
                            ? .logic : .clause
                        if t.word == .having { having = true } else { whereSeen = true }
                        state = .operand
                    case .limit, .offset:
                        markContinuation = .clause
                        state = .operand
                    case .into:
                        if let n1 = next(i), n1.word == .outfile || n1.word == .dumpfile {
                            intoFile = true
                            i += 1
                        }
                        markContinuation = .clause
                        state = .operand
                    case .procedure:
                        if let n1 = next(i), n1.kind == .word,
                            Bytes.hasPrefixIgnoringCase(text(n1), "analy")
                        {
                            procedureAnalyse = true
                            markContinuation = .clause
                            i += 1
                            state = .operator
                            // analyse(...) arguments are an operand list
                            if let n2 = next(i), n2.kind == .lparen {
                                i += 1
                                depth += 1
                                state = .operand
                            }
                        } else {
                            junk = true
                        }
                    case .from:
                        if selectSeen {
                            fromSeen = true
                            state = .operand
                        } else {
                            junk = true
                        }
                    case .as:
                        // alias: skip its name
                        if let n1 = next(i), n1.kind == .word || n1.kind == .string {
                            i += 1
                        }
                    case .when, .then, .else:
                        if caseDepth == 0 {
                            junk = true
                        } else {
                            if t.word == .then, comparison { caseCondition = true }
                            state = .operand
                        }
                    case .on, .join:
                        if fromSeen { state = .operand } else { junk = true }
                    case .end:
                        caseDepth = max(0, caseDepth - 1)
                    case .asc, .desc, .fetch, .first, .rows, .only:
                        break
                    case .for:
                        if let n1 = next(i), n1.word == .update { i += 1 } else { junk = true }
                    case .waitfor, .exec, .execute, .declare, .shutdown, .if,
                        .none where next(i)?.kind == .variable && isPrint(t):
                        // SQL Server runs consecutive statements without a `;`.
                        if continuation == .none { continuation = .semicolon }
                        i = statementStart(i, state: &state, stacked: true, strongOnly: true)
                        depth = 0
                        lastOperand = -1
                        if junk { break walking }
                        continue
                    default:
                        if aliasAllowed && t.word == .none {
                            aliasAllowed = false
                        } else {
                            junk = true
                        }
                    }
                case .other
                where depth == 0 && consumed <= closeParens + 2 && t.end - t.start == 1
                    && value[Int(t.start)] == UInt8(ascii: "]"):
                    // `1]-(select …)`: the value closes an array index or path the application opened
                    // around it (`…[VALUE]`), like a `)` closes a parenthesis.
                    closeParens += 1
                    closedBracket = true
                    aliasAllowed = selectSeen
                    lastOperand = -1
                case .lparen
                where i > 0 && (tokens[i - 1].prefix || (tokens[i - 1].kind == .rparen && depth == 0))
                    && selectListFollows(i + 1):
                    // `' (select top 1 …`: a sub-select right after the breakout (or after the
                    // application's parentheses were closed), written like an operand the application's
                    // query juxtaposes. Only with a select list SQL alone writes (`*`, `top N`, a
                    // number, string, call or variable), not `'(select one)`.
                    markContinuation = .arithmetic
                    depth += 1
                    state = .operand
                default:
                    junk = true
                }
                if junk { break walking }
                if markContinuation != .none, continuation == .none { continuation = markContinuation }
                if t.kind != .rparen, !(t.kind == .word && t.word == .none) { aliasAllowed = false }
                i += 1
            case .operand:
                switch t.kind {
                case .number, .string, .variable:
                    if t.kind == .number && t.flag { hexLiteral = true }
                    if t.kind == .variable {
                        if t.systemObject { systemObject = true }
                        if t.function == .info { info = true }
                    }
                    // A select-list item is evidence — but not the rest of a sentence the application's
                    // quote would close (`"Union Select" is the name of our choir`).
                    let proseTail = t.kind == .string && !t.flag && text(t).contains(0x20)
                    if selectSeen, !fromSeen, !proseTail { selectEvidence = true }
                    // `or 1 or`, `or 1--`: a non-zero number standing alone as a condition is true.
                    if t.kind == .number, i > 0, isLogic(tokens[i - 1]), pendingComparison < 0,
                        next(i).map({
                            isLogic($0) || $0.kind == .lineComment || $0.kind == .rparen
                                || ($0.kind == .string && !$0.flag)
                        }) ?? true,
                        !(text(t).allSatisfy { $0 == UInt8(ascii: "0") || $0 == UInt8(ascii: ".") })
                    {
                        numericTruth = true
                    }
                    completeOperand(i, lastOperand: lastOperand, pending: &pendingComparison)
                    lastOperand = i
                    state = .operator
                    aliasAllowed = selectSeen
                    i += 1
                case .word:
                    if let n1 = next(i), n1.kind == .lparen,
                        t.word == .none || t.function != .none || t.word == .like || t.word == .replace
                            || t.word == .rlike || t.word == .regexp || t.word == .set || t.word == .values
                    {
                        // A function call. Its class counts only when written like code: `sleep(5)`,
                        // `sleep/**/(5)` — not `sleep (see below)` in prose.
                        functions += 1
                        let adjacent = adjacentParen(i)
                        switch adjacent ? t.function : .none {
                        case .time: time = true
                        case .error: error = true
                        case .info: info = true
                        case .system: system = true
                        default: break
                        }
                        if selectSeen, !fromSeen { selectEvidence = true }
                        depth += 1
                        i += 2
                        // Empty argument list: f()
                        if i < n, tokens[i].kind == .rparen {
                            depth -= 1
                            i += 1
                            state = .operator
                            lastOperand = -1
                            if pendingComparison >= 0 { pendingComparison = -1 }
                        }
                        continue
                    }
                    switch t.word {
                    case .null, .true, .false:
                        if t.word == .true, logic > 0 { truthLiteral = true }
                        if selectSeen, !fromSeen { selectEvidence = true }
                        completeOperand(i, lastOperand: lastOperand, pending: &pendingComparison)
                        lastOperand = i
                        state = .operator
                        i += 1
                    case .exists
                    where !(next(i)?.kind == .lparen) && i > 0
                        && (isLogic(tokens[i - 1]) || tokens[i - 1].kind == .lparen):
                        // `' or (exists)`: the predicate without its sub-query, a probe for the keyword.
                        bareExists = true
                        lastOperand = i
                        state = .operator
                        i += 1
                    case .not, .exists, .distinct, .all:
                        i += 1
                    case .case:
                        caseDepth += 1
                        i += 1
                    case .when, .then, .else:
                        if caseDepth == 0 { junk = true } else { i += 1 }
                    case .select
                    where
                        !(i == start || (i > 0 && tokens[i - 1].kind == .lparen) || i == selectAt
                        || (i > 0 && isLogic(tokens[i - 1]) && selectListFollows(i))):
                        junk = true  // a select stands after `(`, `union` or at a statement start
                    case .select:
                        if selectSeen { subquery = true }
                        if i > 0, tokens[i - 1].kind == .lparen { subquery = true }
                        selectSeen = true
                        fromSeen = false
                        i += 1
                        if i < n, tokens[i].word == .top, i + 1 < n, tokens[i + 1].kind == .number { i += 2 }
                    case .none, .user, .database, .schema, .data, .table, .view, .index, .function, .replace,
                        .load, .login, .delay, .first, .rows, .only, .show, .set, .begin, .end, .kill, .call, .use,
                        .backup, .trigger, .rename, .values, .modifier, .function_, .if, .outfile, .dumpfile:
                        if t.systemObject { systemObject = true }
                        // `'||UTL_HTTP.REQUEST`: an Oracle package routine named without its argument
                        // list still says what the payload reaches for (packages are SQL-only names).
                        if t.function == .system || t.function == .time, next(i)?.kind != .lparen,
                            text(t).contains(UInt8(ascii: "."))
                        {
                            if t.function == .system { system = true } else { time = true }
                        }
                        // Bare info words (`user`, `uuid`) are identifiers; only calls and `@@x` disclose.
                        completeOperand(i, lastOperand: lastOperand, pending: &pendingComparison)
                        lastOperand = i
                        state = .operator
                        aliasAllowed = selectSeen
                        i += 1
                    default:
                        junk = true
                    }
                case .op:
                    let b = value[Int(t.start)]
                    if t.end - t.start == 1, b == UInt8(ascii: "*"), selectSeen {
                        selectEvidence = true
                        state = .operator
                        i += 1
                    } else if t.end - t.start == 1,
                        b == UInt8(ascii: "-") || b == UInt8(ascii: "+") || b == UInt8(ascii: "~")
                            || b == UInt8(ascii: "!")
                    {
                        i += 1
                    } else {
                        junk = true
                    }
                case .lparen:
                    depth += 1
                    i += 1
                case .other
                where closedBracket && depth == 0 && t.end - t.start == 1 && value[Int(t.start)] == UInt8(ascii: "[")
                    && (i + 1 == n || (i + 2 == n && (tokens[i + 1].kind == .number || tokens[i + 1].kind == .word))):
                    // `1]-(…)|[1`: the value reopens the array index the application closes around it
                    // (`…[VALUE]`), the mirror of the `]` it started with — the end of the injection.
                    i = n
                case .rparen:
                    if i > 0, tokens[i - 1].kind == .lparen {
                        depth -= 1
                        state = .operator
                        i += 1
                    } else {
                        junk = true
                    }
                default:
                    junk = true
                }
                if junk { break walking }
            }
        }
        stop = i
    }

    /// Whether the `select` at token `k` is followed by a select list only SQL writes: `*`,
    /// `top N`, a number, a string, a function call or a variable (`select *`, `select top 1`).
    func selectListFollows(_ k: Int) -> Bool {
        guard k < tokens.count, tokens[k].kind == .word, tokens[k].word == .select, k + 1 < tokens.count else {
            return false
        }
        let item = tokens[k + 1]
        switch item.kind {
        case .number, .string, .variable: return true
        case .op: return item.end - item.start == 1 && value[Int(item.start)] == UInt8(ascii: "*")
        case .word:
            if item.word == .top { return k + 2 < tokens.count && tokens[k + 2].kind == .number }
            return k + 2 < tokens.count && tokens[k + 2].kind == .lparen && item.function != .none
        default: return false
        }
    }

    /// Number of words after `in` at token `i` that form a MySQL full-text modifier (`in boolean
    /// mode`, `in natural language mode`, optionally `with query expansion`), or 0.
    func fullTextModifier(after i: Int) -> Int {
        func word(_ k: Int, _ w: StaticString) -> Bool {
            guard k < tokens.count, tokens[k].kind == .word else { return false }
            let s = text(tokens[k])
            return s.count == w.utf8CodeUnitCount && Bytes.hasPrefixIgnoringCase(s, w)
        }
        var count = 0
        if word(i + 1, "boolean"), word(i + 2, "mode") {
            count = 2
        } else if word(i + 1, "natural"), word(i + 2, "language"), word(i + 3, "mode") {
            count = 3
        } else {
            return 0
        }
        if word(i + count + 1, "with"), word(i + count + 2, "query"), word(i + count + 3, "expansion") { count += 3 }
        return count
    }

    /// An operand completed: settle a pending comparison and look for a tautology.
    mutating func completeOperand(_ i: Int, lastOperand: Int, pending: inout Int) {
        guard pending >= 0 else { return }
        defer { pending = -1 }
        if tokens[i].kind == .number || tokens[i].kind == .string { literalComparison = true }
        let op = tokens[pending]
        guard pending == i - 1 || (pending == i - 2 && tokens[i - 1].word == .not), pending > 0 else { return }
        let lhsIndex = pending - 1
        guard lhsIndex >= 0 else { return }
        let lhs = tokens[lhsIndex]
        let rhs = tokens[i]
        // `x is null`, `x is not true`: a test, not a tautology.
        if op.kind == .word, op.word == .is { return }
        guard isSimple(lhs), isSimple(rhs) else { return }
        let opText = text(op)
        let equalish =
            opText.count == 1 && opText.first == UInt8(ascii: "=")
            || Bytes.hasPrefixIgnoringCase(opText, "==") || Bytes.hasPrefixIgnoringCase(opText, "<=>")
            || (op.kind == .word && op.word == .like) || Bytes.hasPrefixIgnoringCase(opText, ">=")
            || Bytes.hasPrefixIgnoringCase(opText, "<=") && opText.count == 2
        if equalish, literalText(lhs).elementsEqual(literalText(rhs), by: { Bytes.lower($0) == Bytes.lower($1) }) {
            tautology = true
            return
        }
        if lhs.kind == .number, rhs.kind == .number, !lhs.flag, !rhs.flag,
            let a = smallInt(text(lhs)), let b = smallInt(text(rhs))
        {
            switch opText.count {
            case 1:
                if opText.first == UInt8(ascii: "<") { tautology = a < b }
                if opText.first == UInt8(ascii: ">") { tautology = a > b }
                if opText.first == UInt8(ascii: "="), a != b { contradiction = true }
            case 2:
                if Bytes.hasPrefixIgnoringCase(opText, "<>") || Bytes.hasPrefixIgnoringCase(opText, "!=") {
                    tautology = a != b
                }
            default: break
            }
        }
    }

    /// Whether a comment cuts the query off (`'--`, `'-- -`, `'#`, `'/*`) rather than being a dash
    /// or hashtag in prose (`the kids' -- and parents'`, `parents' #1`): nothing meaningful may follow.
    @inline(__always)
    func isLogic(_ t: SQLToken) -> Bool {
        t.kind == .logic || (t.kind == .word && (t.word == .or || t.word == .and || t.word == .xor))
    }

    func isTruncating(_ t: SQLToken) -> Bool {
        let s = text(t)
        let content = Bytes.trimmed(s.dropFirst(2))
        if s.first == UInt8(ascii: "#") {
            let rest = Bytes.trimmed(s.dropFirst())
            return rest.isEmpty
                || (rest.count <= 2
                    && !rest.contains { $0 >= 0x30 && $0 <= 0x39 || Bytes.lower($0) >= 0x61 && Bytes.lower($0) <= 0x7A })
        }
        return content.count <= 3
    }

    /// Whether the `(` after token `i` follows it directly or only across inline comments.
    func adjacentParen(_ i: Int) -> Bool {
        guard i + 1 < tokens.count else { return false }
        var k = Int(tokens[i].end)
        let end = Int(tokens[i + 1].start)
        while k < end {
            if value[k] == UInt8(ascii: "/"), k + 1 < end, value[k + 1] == UInt8(ascii: "*") {
                k += 2
                while k + 1 < end, !(value[k] == UInt8(ascii: "*") && value[k + 1] == UInt8(ascii: "/")) { k += 1 }
                k += 2
            } else {
                return false
            }
        }
        return true
    }

    @inline(__always)
    func isSimple(_ t: SQLToken) -> Bool {
        t.kind == .number || t.kind == .string || (t.kind == .word && (t.word == .none || isNiladic(t)))
    }

    /// Words SQL reads as a value without parentheses — `user`, `current_user`, `session_user`,
    /// `system_user` — so `and USER=USER` compares a thing with itself like `and a=a`.
    func isNiladic(_ t: SQLToken) -> Bool {
        t.word == .user || (t.word == .function_ && t.function == .info)
    }

    /// T-SQL `print` (not in the vocabulary: as a plain word it stays an identifier).
    func isPrint(_ t: SQLToken) -> Bool {
        t.kind == .word && t.end - t.start == 5 && Bytes.hasPrefixIgnoringCase(text(t), "print")
    }

    func text(_ t: SQLToken) -> ArraySlice<UInt8> { value[Int(t.start)..<Int(t.end)] }

    /// A literal's content without its quotes (unterminated strings are closed by the application).
    func literalText(_ t: SQLToken) -> ArraySlice<UInt8> {
        var s = text(t)
        if t.kind == .string {
            if t.prefix {
                if t.flag, !s.isEmpty { s = s.dropLast() }
                return s
            }
            if let first = s.first, first != t.quote, let q = s.firstIndex(of: t.quote) {
                s = s[(q + 1)...]  // N'…'
            } else if !s.isEmpty {
                s = s.dropFirst()
            }
            if t.flag, !s.isEmpty { s = s.dropLast() }
        }
        return s
    }

    func smallInt(_ s: ArraySlice<UInt8>) -> Int? {
        guard !s.isEmpty, s.count <= 15 else { return nil }
        var v = 0
        for b in s {
            guard b >= 0x30, b <= 0x39 else { return nil }
            v = v * 10 + Int(b - 0x30)
        }
        return v
    }

    func isComparison(_ t: SQLToken) -> Bool {
        let s = text(t)
        guard let a = s.first else { return false }
        if s.count == 1 { return a == UInt8(ascii: "=") || a == UInt8(ascii: "<") || a == UInt8(ascii: ">") }
        return a == UInt8(ascii: "=") || a == UInt8(ascii: "<") && s.dropFirst().first != UInt8(ascii: "<")
            || a == UInt8(ascii: ">") && s.dropFirst().first != UInt8(ascii: ">")
            || a == UInt8(ascii: "!") && s.dropFirst().first != UInt8(ascii: "!")
    }
}
