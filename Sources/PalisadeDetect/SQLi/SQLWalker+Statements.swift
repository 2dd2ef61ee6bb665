/// Statements: what may follow a `;` (or start a value), checked for a plausible form.
extension SQLWalker {
    /// Reads a statement after `;` (or at the start of a value) and returns where to continue.
    mutating func statementStart(
        _ from: Int, state: inout State, stacked isStacked: Bool = false, strongOnly: Bool = false
    ) -> Int {
        func record(_ strength: Statement) {
            if strongOnly, strength != .strong { return }
            statement = max(statement, strength)
            if isStacked, strength != .none {
                stacked = true
                stackedStatement = max(stackedStatement, strength)
            }
        }
        var i = from
        let n = tokens.count
        while i < n, tokens[i].kind == .lineComment || tokens[i].kind == .lparen {
            endsWithComment = i == n - 1 && tokens[i].kind == .lineComment
            i += 1
        }
        guard i < n else { return n }
        let t = tokens[i]
        func word(_ k: Int) -> SQLWord { k < n && tokens[k].kind == .word ? tokens[k].word : .none }
        func isName(_ k: Int) -> Bool {
            k < n && (tokens[k].kind == .word || tokens[k].kind == .string || tokens[k].kind == .variable)
        }
        func endsAfter(_ k: Int) -> Bool {
            k >= n || tokens[k].kind == .semicolon || tokens[k].kind == .lineComment
        }
        var strength = Statement.none
        switch t.word {
        case .select:
            // The main walk reads the select list; `selectEvidence` judges it afterwards.
            state = .operand
            selectAt = i
            record(.medium)
            return i
        case .insert, .replace:
            var k = i + 1
            if word(k) == .into { k += 1 }
            let valuesList = word(k + 1) == .values && k + 2 < n && tokens[k + 2].kind == .lparen
            let columnList = k + 1 < n && tokens[k + 1].kind == .lparen
            let setList = word(k + 1) == .set && isName(k + 2) && k + 3 < n && tokens[k + 3].kind == .op
            if isName(k), valuesList || columnList || setList || word(k + 1) == .select {
                strength = .strong
            } else if word(i + 1) == .into {
                strength = .medium
            }
        case .update:
            if isName(i + 1), word(i + 2) == .set { strength = .strong }
        case .delete:
            var k = i + 1
            let from = word(k) == .from
            if from { k += 1 }
            // `delete from t` is a statement; `delete t` (T-SQL/Oracle) only convinces after a `;`.
            if isName(k), endsAfter(k + 1) || word(k + 1) == .where { strength = from ? .strong : .medium }
        case .drop, .truncate, .create, .alter, .rename:
            let object = word(i + 1)
            if object.isSchemaObject {
                var k = i + 2
                if word(k) == .if {
                    k += 1
                    if word(k) == .not { k += 1 }
                    if word(k) == .exists { k += 1 }
                }
                if isName(k), endsAfter(k + 1) || t.word != .drop {
                    strength = .strong
                } else if isName(k) {
                    strength = .medium
                }
            }
        case .exec, .execute, .call:
            if i + 1 < n {
                let target = tokens[i + 1]
                if target.systemObject || target.function == .system {
                    strength = .strong
                    system = true
                } else if target.kind == .lparen, i + 2 < n,
                    tokens[i + 2].kind == .string || tokens[i + 2].kind == .variable
                {
                    strength = .strong  // exec('…'), exec(@sql)
                } else if target.kind == .variable {
                    strength = .strong
                } else if isName(i + 1) {
                    strength = .medium
                }
            }
        case .declare:
            if i + 1 < n, tokens[i + 1].kind == .variable { strength = .strong }
        case .waitfor:
            if word(i + 1) == .delay
                || (i + 1 < n && tokens[i + 1].kind == .word
                    && Bytes.hasPrefixIgnoringCase(text(tokens[i + 1]), "time"))
            {
                strength = .strong
                time = true
            }
        case .shutdown:
            if endsAfter(i + 1) || (i + 1 < n && tokens[i + 1].kind == .word) { strength = .strong }
        case .set:
            if i + 1 < n, tokens[i + 1].kind == .variable || (isName(i + 1) && i + 2 < n && tokens[i + 2].kind == .op) {
                strength = .medium
            }
        case .grant, .revoke, .backup, .dbcc, .kill, .load:
            if isName(i + 1) { strength = .medium }
        case .show:
            if word(i + 1) == .table || word(i + 1) == .database { strength = .medium }
        case .if:
            // T-SQL: if (select …) > 0 waitfor delay …
            if i + 1 < n, tokens[i + 1].kind == .lparen || word(i + 1) == .not || word(i + 1) == .exists {
                strength = .medium
            }
        case .use, .begin:
            if isName(i + 1), endsAfter(i + 2) { strength = .weak }
        case .none where isPrint(t) && i + 1 < n && tokens[i + 1].kind == .variable:
            // T-SQL `print @@version`: a system variable shown to the client; a local `@v` is weak.
            let name = text(tokens[i + 1])
            strength = name.count > 2 && name.dropFirst().first == UInt8(ascii: "@") ? .strong : .weak
        default:
            if t.kind == .word, t.function == .time || t.function == .system, i + 1 < n, tokens[i + 1].kind == .lparen {
                if t.function == .time, isStacked { delayStatement = true }
                state = .operand
                record(.medium)
                return i
            }
            junk = true
            return i
        }
        if strength == .none {
            junk = true
            return i
        }
        record(strength)
        // Scan the rest of this statement permissively for strong features.
        var k = i + 1
        var depth = 0
        while k < n, tokens[k].kind != .semicolon {
            let u = tokens[k]
            consumed += 1
            switch u.kind {
            case .lparen: depth += 1
            case .rparen: depth = max(0, depth - 1)
            case .lineComment: if k == n - 1 { endsWithComment = true }
            case .word, .variable:
                if u.systemObject { systemObject = true }
                if u.kind == .word, u.word == .select { selectSeen = true }
                // T-SQL `if (…) select … else drop function f`: a branch of a stacked `if` is a
                // statement of its own; one that changes the schema is as strong as after a `;`
                // (a `drop` only when the statement ends after its name, as there).
                if t.word == .if, u.kind == .word, word(k - 1) == .else || tokens[k - 1].kind == .rparen,
                    u.word == .drop || u.word == .truncate || u.word == .alter || u.word == .create,
                    word(k + 1).isSchemaObject, isName(k + 2), endsAfter(k + 3) || u.word != .drop
                {
                    record(.strong)
                }
                if u.kind == .word, u.word == .waitfor, word(k + 1) == .delay {
                    time = true
                    statement = .strong
                }
                if k + 1 < n, tokens[k + 1].kind == .lparen {
                    functions += 1
                    switch u.function {
                    case .time: time = true
                    case .error: error = true
                    case .system: system = true
                    case .info: info = true
                    default: break
                    }
                }
            default: break
            }
            k += 1
        }
        if k < n {
            state = .operator
            return k  // the semicolon: the main loop reads the next statement
        }
        state = .operator
        return n
    }
}
