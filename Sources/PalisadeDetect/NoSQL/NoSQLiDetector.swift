/// NoSQL (MongoDB-style) injection: query operators smuggled into keys and server-side JavaScript.
///
/// Request-level because the meaning of an operator depends on where it sits: `$ne` under a
/// `password` key is the classic login bypass, `$gt` under `filters[price]` is how Strapi-style
/// APIs filter lists. Rules (docs/DETECTION.md, "nosqli"):
/// - **Operator keys** (`.key` points: JSON keys and form/query names such as `user[$ne]`): a `$`
///   operator standing as a whole key or bracket/dot component. Server-side JavaScript
///   (`$where`, `$function`, `$accumulator`) 0.9 anywhere; aggregation stages that reach other
///   collections or evaluate expressions (`$expr`, `$lookup`, `$graphLookup`, `$unionWith`, `$out`,
///   `$merge`) 0.8 (0.6 under a filter); query operators (`$ne`, `$gt`, `$regex`, `$in`, …) 0.9 on
///   a secret field (`password`, `token`…), else 0.35 (0.45 for `$regex`) when a component before
///   them names a filter (`filters[price][$gt]`, `where`, `criteria`…: operator syntax is then the
///   API's own language, as in Strapi or Parse), else 0.9 on a login field (`user`, `email`,
///   `login`…), else 0.7.
///   Other `$` keys (JSON Schema's `$ref`, `$schema`, `$id`, prices) are not operators.
/// - **JavaScript bodies**: the value of a `$where`/`$function` key (0.9), and JavaScript that
///   reads the queried document or stalls the server in any text value: `this.<field>` compared or
///   matched (0.75), `sleep(<n>)` after a statement break (0.7), `db.<collection>.<method>(` (0.75),
///   and an unparsed `{$op: …}` object literal (0.65).
public struct NoSQLiDetector: RequestDetector {
    public let name = "nosqli"
    /// Hits per request, at most: one per point, the strongest first is enough to explain.
    static let maxHits = 8

    public init() {}

    public func detect(_ request: RequestContext, hits: inout [Hit]) {
        let decoded = request.decoded
        var found = 0
        for index in decoded.points.indices where found < Self.maxHits {
            // Field by field: copying the whole point costs retains of its strings.
            guard !decoded.points[index].isContainer else { continue }
            let count = decoded.points[index].value.count
            guard count > 0, count <= 1 << 20 else { continue }
            let hit: Hit?
            switch decoded.points[index].kind {
            case .key:
                // An operator key needs a `$` (`operatorIn`).
                guard request.bytes(ofPoint: index).contains(UInt8(ascii: "$")) else { continue }
                hit = Self.judgeKey(decoded.points[index].value[...], index: index, decoded: decoded)
            case .text:
                // Most text values are known free of JavaScript and sit under no `$` key: they are
                // passed over before their bytes are sliced (a retain and a release each).
                let javaScriptFree = request.facts(ofPoint: index).contains(.javaScriptFree)
                if javaScriptFree, !decoded.segment(of: index, contains: UInt8(ascii: "$")) { continue }
                hit = Self.judgeText(
                    decoded.points[index].value[...], bytes: request.bytes(ofPoint: index), index: index,
                    decoded: decoded, javaScriptFree: javaScriptFree)
            default: hit = nil
            }
            if let hit {
                hits.append(hit)
                found += 1
            }
        }
    }

    // MARK: keys

    enum Family {
        case javascript, aggregation, query, logical
    }

    static let operators: [String: Family] = {
        var table: [String: Family] = [:]
        for name in ["where", "function", "accumulator"] { table[name] = .javascript }
        for name in ["expr", "lookup", "graphLookup", "unionWith", "out", "merge"] { table[name] = .aggregation }
        // `$type` is left out: Json.NET and others use it as a type discriminator.
        for name in [
            "ne", "eq", "gt", "gte", "lt", "lte", "in", "nin", "regex", "exists", "elemMatch", "all", "size", "mod",
            "text", "options", "not",
        ] {
            table[name] = .query
        }
        for name in ["or", "and", "nor"] { table[name] = .logical }
        return table
    }()

    /// The first operator in a key: `$name` standing alone or as a `[…]`/`.` component.
    static func operatorIn(_ key: ArraySlice<UInt8>) -> (name: String, family: Family, range: Range<Int>)? {
        guard key.count <= 512, key.contains(UInt8(ascii: "$")) else { return nil }
        var index = key.startIndex
        while index < key.endIndex {
            defer { index += 1 }
            guard key[index] == UInt8(ascii: "$") else { continue }
            if index > key.startIndex {
                let before = key[index - 1]
                guard before == UInt8(ascii: "[") || before == UInt8(ascii: ".") else { continue }
            }
            var end = index + 1
            while end < key.endIndex, ByteFind.isIdentifier(key[end]) { end += 1 }
            guard end > index + 1, end - index <= 16 else { continue }
            if end < key.endIndex {
                let after = key[end]
                guard after == UInt8(ascii: "]") || after == UInt8(ascii: ".") else { continue }
            }
            let name = String(decoding: key[(index + 1)..<end], as: UTF8.self)
            if let family = operators[name] { return (name, family, index..<end) }
        }
        return nil
    }

    static func judgeKey(_ key: ArraySlice<UInt8>, index: Int, decoded: DecodedRequest) -> Hit? {
        guard let op = operatorIn(key) else { return nil }
        let location = Array(decoded.location(of: index).utf8)
        let (owner, replacesScalar) = ownerField(location[...], before: "$" + op.name)
        let filter = underFilter(location[...])
        let confidence: Double
        let rule: String
        switch op.family {
        case .javascript:
            confidence = 0.9
            rule = "nosqli.operator_js"
        case .aggregation:
            confidence = filter ? 0.6 : 0.8
            rule = "nosqli.operator_aggregation"
        case .logical:
            // `$or`/`$and` only combine conditions; the operators inside them are judged on their own.
            confidence = 0.45
            rule = "nosqli.operator_logical"
        case .query:
            if let owner, Evidence.isSecretField(String(decoding: owner, as: UTF8.self)) {
                confidence = 0.9
                rule = "nosqli.operator_on_credential"
            } else if replacesScalar {
                // `q={"$gt":""}`: an operator object where the parameter's value should be.
                confidence = 0.8
                rule = "nosqli.operator_object"
            } else if filter {
                confidence = op.name == "regex" ? 0.45 : 0.35
                rule = "nosqli.operator_in_filter"
            } else if let owner, isCredential(owner) {
                confidence = 0.9
                rule = "nosqli.operator_on_credential"
            } else {
                confidence = op.name == "regex" ? 0.75 : 0.7
                rule = "nosqli.operator"
            }
        }
        return Hit(
            attackClass: .nosqli, point: Int32(index), confidence: confidence,
            evidence: Evidence.excerpt(key, around: op.range, fieldName: nil), rule: rule)
    }

    /// The identifier just before the operator in a location (`….password.$ne` → `password`,
    /// `query["user[$ne]"]` → `user`), and whether the operator object is the whole decoded value
    /// of a parameter (`query.q>json.$gt` → `q`, true).
    static func ownerField(_ location: ArraySlice<UInt8>, before operatorName: String) -> ([UInt8]?, Bool) {
        let needle = Array(operatorName.utf8)
        guard needle.count <= location.count else { return (nil, false) }
        var start: Int?
        var i = location.endIndex - needle.count
        while i >= location.startIndex {
            if location[i..<(i + needle.count)].elementsEqual(needle) {
                start = i
                break
            }
            i -= 1
        }
        guard var cursor = start else { return (nil, false) }
        while cursor > location.startIndex,
            [UInt8(ascii: "."), UInt8(ascii: "["), UInt8(ascii: "\""), UInt8(ascii: "]")].contains(location[cursor - 1])
        {
            cursor -= 1
        }
        var replacesScalar = false
        if cursor - location.startIndex >= 5, location[(cursor - 5)..<cursor].elementsEqual(">json".utf8) {
            replacesScalar = true
            cursor -= 5
        }
        var begin = cursor
        while begin > location.startIndex, ByteFind.isIdentifier(location[begin - 1]) || location[begin - 1] == 0x2D {
            begin -= 1
        }
        return (begin < cursor ? Array(location[begin..<cursor]) : nil, replacesScalar)
    }

    static let credentialNames: Set<String> = [
        "password", "passwd", "pass", "pwd", "username", "user", "login", "email", "mail", "token", "otp", "pin",
        "secret", "apikey", "api_key", "userid", "user_id", "uname", "account", "session", "code",
        "passcode", "credential", "credentials", "auth", "key",
    ]

    static func isCredential(_ name: [UInt8]) -> Bool {
        let lowered = String(decoding: name.map(Bytes.lower), as: UTF8.self)
        if credentialNames.contains(lowered) { return true }
        return Evidence.isSecretField(lowered)
    }

    /// Whether a component after the root names a filter language (`filter`, `where`, `criteria`…).
    static func underFilter(_ location: ArraySlice<UInt8>) -> Bool {
        // Skip the root segment (`query`, `body`): a query string is not a filter by itself.
        var start = location.startIndex
        while start < location.endIndex, ByteFind.isIdentifier(location[start]) { start += 1 }
        let rest = location[start...]
        for marker: StaticString in [
            "filter", "where", "criteria", "condition", "selector", "search", "sort", "match", "query",
            "populate", "having",
        ] where ByteFind.contains(marker, in: rest, ignoringCase: true) {
            return true
        }
        // A search parameter named `q` (`query.q>json…`).
        return ByteFind.contains(".q>", in: rest) || ByteFind.contains(".q.", in: rest)
            || ByteFind.contains(".q[", in: rest)
    }

    // MARK: text

    /// Bytes one of which every JavaScript reading but `jsReturn` needs (`(`, `$` or `=`).
    static let textBytes = ByteSet("($=")

    static func judgeText(_ value: ArraySlice<UInt8>, index: Int, decoded: DecodedRequest) -> Hit? {
        judgeText(value, bytes: ByteSet(presentIn: value), index: index, decoded: decoded)
    }

    /// `bytes`: the bytes present in `value` (`RequestContext.bytes(ofPoint:)`). `javaScriptFree`:
    /// `javaScriptReading` is known to find nothing in `value` (`ValueFacts`), so it is not run.
    static func judgeText(
        _ value: ArraySlice<UInt8>, bytes: ByteSet, index: Int, decoded: DecodedRequest, javaScriptFree: Bool = false
    ) -> Hit? {
        // The value of a `$where`/`$function`/`$accumulator` key: only when the segment has a `$`.
        if decoded.segment(of: index, contains: UInt8(ascii: "$")) {
            let location = decoded.location(of: index)
            let field = decoded.fieldName(of: index)
            if field == "$where" || field == "$function" || field == "$accumulator"
                || (field == "body" && location.contains("$function"))
            {
                return Hit(
                    attackClass: .nosqli, point: Int32(index), confidence: 0.9,
                    evidence: Evidence.excerpt(value, around: value.startIndex..<value.endIndex, fieldName: field),
                    rule: "nosqli.where_body")
            }
        }
        guard !javaScriptFree, let (range, confidence, rule) = javaScriptReading(value, bytes: bytes) else {
            return nil
        }
        let field = decoded.fieldName(of: index)
        // Prose about MongoDB (a comment quoting `db.users.find()`) is not an injection: free-text
        // fields get 0.6 of the confidence, under the default threshold.
        let factor = FieldProfile.of(field) == .freeText ? 0.6 : 1.0
        return hit(value, range, confidence * factor, rule, index, field)
    }

    /// The JavaScript readings of a text value, the first that finds something: the range, the
    /// confidence before the field's factor, the rule. A pure function of the value's bytes
    /// (`bytes`: those present in it), so the analyzer remembers when it finds nothing
    /// (`ValueFacts.javaScriptFree`) with the value's other results.
    static func javaScriptReading(_ value: ArraySlice<UInt8>, bytes: ByteSet) -> (Range<Int>, Double, String)? {
        guard value.count >= 6, bytes.intersects(textBytes) || bytes.holds(Gate.jsReturn) else { return nil }
        let found: (Range<Int>, Double, String)?
        // Each reading runs only when the value holds the bytes it needs (`Gate`).
        if bytes.holds(Gate.this), let range = thisComparison(value) {
            found = (range, 0.75, "nosqli.js_this_field")
        } else if bytes.holds(Gate.sleep), let range = jsSleep(value) {
            found = (range, 0.7, "nosqli.js_sleep")
        } else if bytes.holds(Gate.shell), let range = shellCall(value) {
            found = (range, 0.75, "nosqli.mongo_shell")
        } else if bytes.contains(UInt8(ascii: "$")), bytes.intersects(Gate.literalBefore),
            let range = objectLiteralOperator(value)
        {
            found = (range, 0.65, "nosqli.operator_literal")
        } else if bytes.intersects(Gate.quotes), bytes.intersects(Gate.breaks), let range = quoteBreakout(value) {
            found = (range, 0.7, "nosqli.js_breakout")
        } else if bytes.holds(Gate.jsReturn), let range = jsReturn(value) {
            found = (range, 0.7, "nosqli.js_return")
        } else {
            found = nil
        }
        return found
    }

    /// The bytes each JavaScript reading needs (necessary conditions, case-sensitive like the
    /// readings): `this.`, `sleep(`, `db.`; an operator literal a `$` after `{` or `,`; a quote
    /// breakout a quote and one of `;` `|` `&`.
    enum Gate {
        static let this = ByteSet("this."), sleep = ByteSet("sleep("), shell = ByteSet("db.")
        static let literalBefore = ByteSet("{,"), quotes = ByteSet("'\""), breaks = ByteSet(";|&")
        static let jsReturn = ByteSet("return;")
    }

    static func hit(
        _ value: ArraySlice<UInt8>, _ range: Range<Int>, _ confidence: Double, _ rule: String, _ index: Int,
        _ field: String?
    ) -> Hit {
        Hit(
            attackClass: .nosqli, point: Int32(index), confidence: confidence,
            evidence: Evidence.excerpt(value, around: range, fieldName: field), rule: rule)
    }

    /// `this.field` followed by `.match(`, `==`, `!=`, `===`, `>`, `<`, `.length`, `.indexOf(`,
    /// `.startsWith(` — JavaScript reading the queried document.
    static func thisComparison(_ value: ArraySlice<UInt8>) -> Range<Int>? {
        var from = value.startIndex
        while let at = ByteFind.index(of: "this.", in: value, from: from) {
            from = at + 5
            if at > value.startIndex, ByteFind.isIdentifier(value[at - 1]) { continue }
            var end = at + 5
            while end < value.endIndex, ByteFind.isIdentifier(value[end]) { end += 1 }
            guard end > at + 5 else { continue }
            var cursor = end
            while cursor < value.endIndex, value[cursor] == 0x20 { cursor += 1 }
            let rest = value[cursor...]
            for follower: StaticString in [
                ".match(", "==", "!=", ">", "<", ".length", ".indexOf(", ".startsWith(", ".search(", ".test(",
                "[0]", ".charAt(",
            ] where Bytes.hasPrefixIgnoringCase(rest, follower) {
                return at..<min(value.endIndex, cursor + follower.utf8CodeUnitCount)
            }
        }
        return nil
    }

    /// `sleep(<digits>)` after a statement break (`;`, `||`, `&&`, a quote) — a stalled JS engine.
    static func jsSleep(_ value: ArraySlice<UInt8>) -> Range<Int>? {
        guard let at = ByteFind.index(of: "sleep(", in: value) else { return nil }
        var cursor = at + 6
        var digits = 0
        while cursor < value.endIndex, value[cursor] >= 0x30, value[cursor] <= 0x39 {
            cursor += 1
            digits += 1
        }
        guard digits > 0, cursor < value.endIndex, value[cursor] == UInt8(ascii: ")") else { return nil }
        var back = at
        while back > value.startIndex, value[back - 1] == 0x20 { back -= 1 }
        guard back > value.startIndex else { return nil }
        let before = value[back - 1]
        let breaks =
            before == UInt8(ascii: ";") || before == UInt8(ascii: "|") || before == UInt8(ascii: "&")
            || before == UInt8(ascii: "{")
        guard breaks,
            ByteFind.contains("this", in: value) || ByteFind.contains("return", in: value)
                || ByteFind.contains("function", in: value) || ByteFind.contains("'", in: value)
                || ByteFind.contains("\"", in: value)
        else { return nil }
        return at..<(cursor + 1)
    }

    /// A quote closing the application's JavaScript string, then a statement or logical break and a
    /// JavaScript keyword: `'; return true; var a='`, `"; while(true){}`, `' || this.x`.
    static func quoteBreakout(_ value: ArraySlice<UInt8>) -> Range<Int>? {
        var index = value.startIndex
        while index < value.endIndex {
            defer { index += 1 }
            let quote = value[index]
            guard quote == UInt8(ascii: "'") || quote == UInt8(ascii: "\"") else { continue }
            var cursor = index + 1
            while cursor < value.endIndex, value[cursor] == 0x20 { cursor += 1 }
            guard cursor < value.endIndex else { return nil }
            if value[cursor] == UInt8(ascii: ";") {
                cursor += 1
            } else if cursor + 1 < value.endIndex,
                (value[cursor] == UInt8(ascii: "|") && value[cursor + 1] == UInt8(ascii: "|"))
                    || (value[cursor] == UInt8(ascii: "&") && value[cursor + 1] == UInt8(ascii: "&"))
            {
                cursor += 2
            } else {
                continue
            }
            while cursor < value.endIndex, value[cursor] == 0x20 { cursor += 1 }
            let rest = value[cursor...]
            for keyword: StaticString in ["return ", "return(", "while(", "while (", "var ", "let ", "this.", "sleep("]
            where Bytes.hasPrefixIgnoringCase(rest, keyword) {
                return index..<min(value.endIndex, cursor + keyword.utf8CodeUnitCount)
            }
            // A JavaScript comparison right after the break: `' || 1==1//`, `' || 'a'=='a`.
            if let equal = ByteFind.index(of: "==", in: rest.prefix(16)) {
                return index..<min(value.endIndex, equal + 2)
            }
        }
        return nil
    }

    /// A value that ends the application's JavaScript expression and returns true: one token (a
    /// number, an id, a closing quote), `;`, then `return` and a truthy literal (`true`, `1`, `!0`),
    /// a comparison (`1==1`) or the queried document (`this.isAdmin`), then the end of the value,
    /// `;`, `//` or `}` — `1; return true` in an id that a `$where` string concatenates
    /// (`this.id == 1; return true`). Prose (`Step 1; return the form`) returns no literal.
    static func jsReturn(_ value: ArraySlice<UInt8>) -> Range<Int>? {
        guard value.count <= 256, let semicolon = value.firstIndex(of: UInt8(ascii: ";")) else { return nil }
        let head = Bytes.trimmed(value[value.startIndex..<semicolon])
        guard !head.isEmpty, head.count <= 64, !head.contains(0x20) else { return nil }
        var k = semicolon + 1
        while k < value.endIndex, value[k] == 0x20 { k += 1 }
        guard Bytes.hasPrefixIgnoringCase(value[k...], "return"), k + 6 < value.endIndex else { return nil }
        k += 6
        guard value[k] == 0x20 || value[k] == UInt8(ascii: "(") || value[k] == UInt8(ascii: "!") else { return nil }
        while k < value.endIndex, value[k] == 0x20 { k += 1 }
        // The expression: up to `;`, `//`, `}` or the end.
        var e = k
        while e < value.endIndex, value[e] != UInt8(ascii: ";"), value[e] != UInt8(ascii: "}"),
            !(value[e] == UInt8(ascii: "/") && e + 1 < value.endIndex && value[e + 1] == UInt8(ascii: "/"))
        {
            e += 1
        }
        let expression = Bytes.trimmed(value[k..<e])
        guard !expression.isEmpty, expression.count <= 40 else { return nil }
        var literal = false
        for truthy: StaticString in ["true", "1", "!0", "!!1", "!false", "(true)", "(1)"]
        where expression.count == truthy.utf8CodeUnitCount && Bytes.hasPrefixIgnoringCase(expression, truthy) {
            literal = true
        }
        let document = Bytes.hasPrefixIgnoringCase(expression, "this.")
        let comparison =
            !expression.contains(0x20)
            && (ByteFind.contains("==", in: expression) || ByteFind.contains("!=", in: expression))
        guard literal || document || comparison else { return nil }
        return value.startIndex..<e
    }

    /// `db.<collection>.<method>(` or `db.getCollection(`: Mongo shell statements.
    static func shellCall(_ value: ArraySlice<UInt8>) -> Range<Int>? {
        var from = value.startIndex
        while let at = ByteFind.index(of: "db.", in: value, from: from) {
            from = at + 3
            if at > value.startIndex, ByteFind.isIdentifier(value[at - 1]) || value[at - 1] == 0x2E { continue }
            var cursor = at + 3
            if Bytes.hasPrefixIgnoringCase(value[cursor...], "getCollection(") { return at..<(cursor + 14) }
            let nameStart = cursor
            while cursor < value.endIndex, ByteFind.isIdentifier(value[cursor]) { cursor += 1 }
            guard cursor > nameStart, cursor < value.endIndex, value[cursor] == UInt8(ascii: ".") else { continue }
            cursor += 1
            let methodStart = cursor
            while cursor < value.endIndex, ByteFind.isIdentifier(value[cursor]) { cursor += 1 }
            guard cursor < value.endIndex, value[cursor] == UInt8(ascii: "(") else { continue }
            let method = String(decoding: value[methodStart..<cursor], as: UTF8.self)
            if shellMethods.contains(method) { return at..<(cursor + 1) }
        }
        return nil
    }

    static let shellMethods: Set<String> = [
        "find", "findOne", "drop", "insert", "insertOne", "insertMany", "remove", "deleteMany", "deleteOne",
        "update", "updateMany", "updateOne", "aggregate", "mapReduce", "count", "dropDatabase", "findAndModify",
    ]

    /// `{$ne: 1}`, `{"$gt":""}` inside a text value (an object literal the JSON reader did not take).
    static func objectLiteralOperator(_ value: ArraySlice<UInt8>) -> Range<Int>? {
        var from = value.startIndex
        while let at = ByteFind.index(of: "$", in: value, from: from) {
            from = at + 1
            var back = at
            if back > value.startIndex, value[back - 1] == UInt8(ascii: "\"") || value[back - 1] == UInt8(ascii: "'") {
                back -= 1
            }
            while back > value.startIndex, value[back - 1] == 0x20 { back -= 1 }
            guard back > value.startIndex, value[back - 1] == UInt8(ascii: "{") || value[back - 1] == UInt8(ascii: ",")
            else { continue }
            var end = at + 1
            while end < value.endIndex, ByteFind.isIdentifier(value[end]) { end += 1 }
            guard end > at + 1, let family = operators[String(decoding: value[(at + 1)..<end], as: UTF8.self)] else {
                continue
            }
            _ = family
            var cursor = end
            if cursor < value.endIndex, value[cursor] == UInt8(ascii: "\"") || value[cursor] == UInt8(ascii: "'") {
                cursor += 1
            }
            while cursor < value.endIndex, value[cursor] == 0x20 { cursor += 1 }
            if cursor < value.endIndex, value[cursor] == UInt8(ascii: ":") { return (back - 1)..<(cursor + 1) }
        }
        return nil
    }
}
