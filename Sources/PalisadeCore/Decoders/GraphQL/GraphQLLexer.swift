/// Why a GraphQL document stopped parsing.
enum GraphQLError: Error, Equatable {
    /// Not GraphQL (or broken GraphQL): the reason, for the `.malformed` annotation.
    case syntax(String)
    /// More tokens than `GraphQLLexer.maxTokens`: parsing stops, what was read is kept.
    case tokenLimit
}

/// One lexical token (October 2021 spec, §2.1). Ranges index the input; values are decoded on demand.
struct GraphQLToken: Equatable {
    enum Kind: UInt8 {
        case end, punctuator, name, int, float, string, blockString
    }

    var kind: Kind
    var range: Range<Int>
    /// The punctuator's byte (`.` stands for `...`), else 0.
    var punctuator: UInt8 = 0

    func isPunctuator(_ byte: UInt8) -> Bool { kind == .punctuator && punctuator == byte }
}

/// The GraphQL lexer: one token per `next()`, no allocation, never past `maxTokens` tokens.
struct GraphQLLexer {
    /// Tokens read before the lexer gives up (`GraphQLError.tokenLimit`): a 1 MB body of `a:b ` is
    /// ~250k tokens; real documents, even large generated ones, stay in the low thousands.
    static let maxTokens = 100_000

    let input: ArraySlice<UInt8>
    let maxTokens: Int
    private(set) var position: Int
    private(set) var tokenCount = 0

    init(input: ArraySlice<UInt8>, maxTokens: Int = GraphQLLexer.maxTokens) {
        self.input = input
        self.maxTokens = maxTokens
        self.position = input.startIndex
    }

    mutating func next() throws(GraphQLError) -> GraphQLToken {
        skipIgnored()
        let end = input.endIndex
        guard position < end else { return GraphQLToken(kind: .end, range: end..<end) }
        tokenCount += 1
        if tokenCount > maxTokens { throw .tokenLimit }
        let start = position
        let byte = input[start]
        switch byte {
        case UInt8(ascii: "!"), UInt8(ascii: "$"), UInt8(ascii: "&"), UInt8(ascii: "("), UInt8(ascii: ")"),
            UInt8(ascii: ":"), UInt8(ascii: "="), UInt8(ascii: "@"), UInt8(ascii: "["), UInt8(ascii: "]"),
            UInt8(ascii: "{"), UInt8(ascii: "|"), UInt8(ascii: "}"):
            position += 1
            return GraphQLToken(kind: .punctuator, range: start..<position, punctuator: byte)
        case UInt8(ascii: "."):
            guard end - start >= 3, input[start + 1] == UInt8(ascii: "."), input[start + 2] == UInt8(ascii: ".")
            else { throw .syntax("unexpected '.'") }
            position += 3
            return GraphQLToken(kind: .punctuator, range: start..<position, punctuator: byte)
        case UInt8(ascii: "\""):
            return try string()
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return try number()
        default:
            guard Self.isNameStart(byte) else { throw .syntax("unexpected character") }
            position += 1
            while position < end, Self.isNameContinue(input[position]) { position += 1 }
            return GraphQLToken(kind: .name, range: start..<position)
        }
    }

    /// Whitespace, line terminators, commas, comments and the BOM.
    private mutating func skipIgnored() {
        let end = input.endIndex
        while position < end {
            switch input[position] {
            case 0x20, 0x09, 0x0A, 0x0D, UInt8(ascii: ","):
                position += 1
            case UInt8(ascii: "#"):
                while position < end, input[position] != 0x0A, input[position] != 0x0D { position += 1 }
            case 0xEF:
                guard end - position >= 3, input[position + 1] == 0xBB, input[position + 2] == 0xBF else { return }
                position += 3
            default:
                return
            }
        }
    }

    private mutating func string() throws(GraphQLError) -> GraphQLToken {
        let start = position
        let end = input.endIndex
        if end - start >= 3, input[start + 1] == UInt8(ascii: "\""), input[start + 2] == UInt8(ascii: "\"") {
            var index = start + 3
            while index < end {
                if input[index] == UInt8(ascii: "\""), end - index >= 3, input[index + 1] == UInt8(ascii: "\""),
                    input[index + 2] == UInt8(ascii: "\"")
                {
                    position = index + 3
                    return GraphQLToken(kind: .blockString, range: start..<position)
                }
                // `\"""` is an escaped triple quote.
                if input[index] == UInt8(ascii: "\\"), end - index >= 4, input[index + 1] == UInt8(ascii: "\""),
                    input[index + 2] == UInt8(ascii: "\""), input[index + 3] == UInt8(ascii: "\"")
                {
                    index += 4
                } else {
                    index += 1
                }
            }
            throw .syntax("unterminated block string")
        }
        var index = start + 1
        while index < end {
            switch input[index] {
            case UInt8(ascii: "\""):
                position = index + 1
                return GraphQLToken(kind: .string, range: start..<position)
            case UInt8(ascii: "\\"):
                index += 2
            case 0x0A, 0x0D:
                throw .syntax("unterminated string")
            default:
                index += 1
            }
        }
        throw .syntax("unterminated string")
    }

    private mutating func number() throws(GraphQLError) -> GraphQLToken {
        let start = position
        let end = input.endIndex
        var index = start
        if input[index] == UInt8(ascii: "-") { index += 1 }
        guard index < end, Self.isDigit(input[index]) else { throw .syntax("invalid number") }
        if input[index] == UInt8(ascii: "0") {
            index += 1
            if index < end, Self.isDigit(input[index]) { throw .syntax("invalid number") }
        } else {
            while index < end, Self.isDigit(input[index]) { index += 1 }
        }
        var isFloat = false
        if index < end, input[index] == UInt8(ascii: ".") {
            isFloat = true
            index += 1
            guard index < end, Self.isDigit(input[index]) else { throw .syntax("invalid number") }
            while index < end, Self.isDigit(input[index]) { index += 1 }
        }
        if index < end, input[index] | 0x20 == UInt8(ascii: "e") {
            isFloat = true
            index += 1
            if index < end, input[index] == UInt8(ascii: "+") || input[index] == UInt8(ascii: "-") { index += 1 }
            guard index < end, Self.isDigit(input[index]) else { throw .syntax("invalid number") }
            while index < end, Self.isDigit(input[index]) { index += 1 }
        }
        if index < end, Self.isNameStart(input[index]) || input[index] == UInt8(ascii: ".") {
            throw .syntax("invalid number")
        }
        position = index
        return GraphQLToken(kind: isFloat ? .float : .int, range: start..<index)
    }

    static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    static func isNameStart(_ byte: UInt8) -> Bool {
        (byte | 0x20 >= UInt8(ascii: "a") && byte | 0x20 <= UInt8(ascii: "z")) || byte == UInt8(ascii: "_")
    }

    static func isNameContinue(_ byte: UInt8) -> Bool { isNameStart(byte) || isDigit(byte) }
}

// MARK: - String values

extension GraphQLLexer {
    /// The value of a `"…"` token (quotes included in `token`): escapes decoded, lone surrogates
    /// replaced by U+FFFD. `\u{…}` (a later spec draft) is accepted too.
    static func stringValue(_ quoted: ArraySlice<UInt8>) throws(GraphQLError) -> [UInt8] {
        let inner = quoted.dropFirst().dropLast()
        guard inner.contains(UInt8(ascii: "\\")) else { return Array(inner) }
        var out: [UInt8] = []
        out.reserveCapacity(inner.count)
        var index = inner.startIndex
        var pendingHigh: UInt32?
        func flushHigh(_ out: inout [UInt8]) {
            if pendingHigh != nil {
                out.append(contentsOf: [0xEF, 0xBF, 0xBD])
                pendingHigh = nil
            }
        }
        while index < inner.endIndex {
            let byte = inner[index]
            guard byte == UInt8(ascii: "\\") else {
                flushHigh(&out)
                out.append(byte)
                index += 1
                continue
            }
            guard index + 1 < inner.endIndex else { throw .syntax("invalid escape") }
            let escape = inner[index + 1]
            index += 2
            if escape != UInt8(ascii: "u") { flushHigh(&out) }
            switch escape {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(escape)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var value: UInt32 = 0
                if index < inner.endIndex, inner[index] == UInt8(ascii: "{") {
                    guard let close = inner[index...].prefix(10).firstIndex(of: UInt8(ascii: "}")),
                        close > index + 1, let parsed = hex(inner[(index + 1)..<close])
                    else { throw .syntax("invalid escape") }
                    value = parsed
                    index = close + 1
                } else {
                    guard inner.endIndex - index >= 4, let parsed = hex(inner[index..<(index + 4)]) else {
                        throw .syntax("invalid escape")
                    }
                    value = parsed
                    index += 4
                }
                if value >= 0xDC00, value <= 0xDFFF, let high = pendingHigh {
                    value = 0x10000 + ((high - 0xD800) << 10) + (value - 0xDC00)
                    pendingHigh = nil
                } else {
                    flushHigh(&out)
                    if value >= 0xD800, value <= 0xDBFF {
                        pendingHigh = value
                        continue
                    }
                }
                let scalar = Unicode.Scalar(value) ?? "\u{FFFD}"
                UTF8.encode(scalar) { out.append($0) }
            default:
                throw .syntax("invalid escape")
            }
        }
        flushHigh(&out)
        return out
    }

    private static func hex(_ digits: ArraySlice<UInt8>) -> UInt32? {
        guard !digits.isEmpty, digits.count <= 8 else { return nil }
        var value: UInt32 = 0
        for byte in digits {
            let digit: UInt32
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
            default: return nil
            }
            value = value << 4 | digit
        }
        return value
    }

    /// The value of a `"""…"""` token (§2.9.5 BlockStringValue): `\"""` unescaped, common
    /// indentation removed, leading and trailing blank lines dropped, lines joined with `\n`.
    static func blockStringValue(_ quoted: ArraySlice<UInt8>) -> [UInt8] {
        let inner = quoted.dropFirst(3).dropLast(3)
        var raw: [UInt8] = []
        raw.reserveCapacity(inner.count)
        var index = inner.startIndex
        while index < inner.endIndex {
            if inner[index] == UInt8(ascii: "\\"), inner.endIndex - index >= 4, inner[index + 1] == UInt8(ascii: "\""),
                inner[index + 2] == UInt8(ascii: "\""), inner[index + 3] == UInt8(ascii: "\"")
            {
                raw.append(contentsOf: [0x22, 0x22, 0x22])
                index += 4
            } else {
                raw.append(inner[index])
                index += 1
            }
        }
        // Split into lines.
        var lines: [Range<Int>] = []
        var lineStart = 0
        index = 0
        while index < raw.count {
            if raw[index] == 0x0A || raw[index] == 0x0D {
                lines.append(lineStart..<index)
                if raw[index] == 0x0D, index + 1 < raw.count, raw[index + 1] == 0x0A { index += 1 }
                lineStart = index + 1
            }
            index += 1
        }
        lines.append(lineStart..<raw.count)
        func indent(_ line: Range<Int>) -> Int {
            var count = 0
            while count < line.count, raw[line.lowerBound + count] == 0x20 || raw[line.lowerBound + count] == 0x09 {
                count += 1
            }
            return count
        }
        var common: Int?
        for line in lines.dropFirst() {
            let width = indent(line)
            if width < line.count { common = min(common ?? width, width) }
        }
        if let common, common > 0 {
            for i in lines.indices.dropFirst() {
                lines[i] = min(lines[i].lowerBound + common, lines[i].upperBound)..<lines[i].upperBound
            }
        }
        guard let first = lines.firstIndex(where: { indent($0) < $0.count }),
            let last = lines.lastIndex(where: { indent($0) < $0.count })
        else { return [] }
        var out: [UInt8] = []
        out.reserveCapacity(raw.count)
        for (offset, line) in lines[first...last].enumerated() {
            if offset > 0 { out.append(0x0A) }
            out.append(contentsOf: raw[line])
        }
        return out
    }
}
