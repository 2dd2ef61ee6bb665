/// The format of a value as far as learning is concerned: what a parameter usually carries.
/// Stable raw values: they are stored in baselines and published to workers.
public enum ValueFormat: String, Sendable, Hashable, CaseIterable {
    case empty, integer, decimal, boolean, null, uuid, date, datetime, email, ipv4, ipv6, url, hex
    case base64, jwt, token, word, text, binary
}

/// Character classes present in a value, as a bit set.
public struct CharsetClass: OptionSet, Sendable, Hashable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let digit = CharsetClass(rawValue: 1 << 0)
    public static let lower = CharsetClass(rawValue: 1 << 1)
    public static let upper = CharsetClass(rawValue: 1 << 2)
    public static let space = CharsetClass(rawValue: 1 << 3)
    /// `-_.~` — what identifiers and slugs use.
    public static let safePunct = CharsetClass(rawValue: 1 << 4)
    /// Any other printable ASCII punctuation: quotes, brackets, `<>;|&$` …
    public static let punct = CharsetClass(rawValue: 1 << 5)
    public static let nonASCII = CharsetClass(rawValue: 1 << 6)
    public static let control = CharsetClass(rawValue: 1 << 7)
}

/// A value's shape: format, length and character classes.
public struct ValueShape: Sendable, Hashable {
    public var format: ValueFormat
    public var length: Int
    public var charset: CharsetClass

    public init(format: ValueFormat, length: Int, charset: CharsetClass) {
        self.format = format
        self.length = length
        self.charset = charset
    }

    /// Classifies a decoded value. One pass for the character classes, then cheap format checks
    /// chosen by those classes. No allocation.
    public static func classify(_ bytes: ArraySlice<UInt8>, kind: ValueKind = .text) -> ValueShape {
        let charset = charsetClass(bytes)
        let length = bytes.count
        switch kind {
        case .binary: return ValueShape(format: .binary, length: length, charset: charset)
        case .null: return ValueShape(format: .null, length: length, charset: charset)
        case .boolean: return ValueShape(format: .boolean, length: length, charset: charset)
        case .number:
            return ValueShape(format: isInteger(bytes) ? .integer : .decimal, length: length, charset: charset)
        default: break
        }
        return ValueShape(format: format(bytes, charset: charset), length: length, charset: charset)
    }

    public static func charsetClass(_ bytes: ArraySlice<UInt8>) -> CharsetClass {
        var set: UInt8 = 0
        for byte in bytes { set |= table[Int(byte)] }
        return CharsetClass(rawValue: set)
    }

    private static let table: [UInt8] = (0..<256).map { value -> UInt8 in
        let b = UInt8(value)
        switch b {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return CharsetClass.digit.rawValue
        case UInt8(ascii: "a")...UInt8(ascii: "z"): return CharsetClass.lower.rawValue
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): return CharsetClass.upper.rawValue
        case UInt8(ascii: " "), 0x09, 0x0A, 0x0D: return CharsetClass.space.rawValue
        case UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"): return CharsetClass.safePunct.rawValue
        case 0x21...0x7E: return CharsetClass.punct.rawValue
        case 0x80...0xFF: return CharsetClass.nonASCII.rawValue
        default: return CharsetClass.control.rawValue
        }
    }

    static func format(_ b: ArraySlice<UInt8>, charset: CharsetClass) -> ValueFormat {
        if b.isEmpty { return .empty }
        let alnum: CharsetClass = [.digit, .lower, .upper]
        if charset == .digit || (charset.isSubset(of: [.digit, .safePunct]) && isInteger(b)) {
            return isInteger(b) ? .integer : (isDecimal(b) ? .decimal : .word)
        }
        if charset.isSubset(of: [.digit, .safePunct]), isDecimal(b) { return .decimal }
        if b.count <= 5, charset.isSubset(of: [.lower, .upper]) {
            switch Bytes.lowercased(String(decoding: b, as: UTF8.self)) {
            case "true", "false": return .boolean
            case "null": return .null
            default: break
            }
        }
        if charset.contains(.space) || charset.contains(.nonASCII) || charset.contains(.control) {
            return charset.contains(.control) && !charset.contains(.space) ? .binary : .text
        }
        if PathTemplate.isUUID(Array(b)) { return .uuid }
        if b.count == 10, PathTemplate.isDate(Array(b)) { return .date }
        if b.count >= 19, PathTemplate.isDate(Array(b.prefix(10))), b[b.startIndex + 10] == UInt8(ascii: "T")
            || b[b.startIndex + 10] == UInt8(ascii: " ")
        {
            return .datetime
        }
        if Sensitive.isEmail(b) { return .email }
        if IPAddress.parseV4(b) != nil { return .ipv4 }
        if b.contains(UInt8(ascii: ":")), IPAddress.parseV6(b) != nil { return .ipv6 }
        if Bytes.hasPrefixIgnoringCase(b, "http://") || Bytes.hasPrefixIgnoringCase(b, "https://") { return .url }
        if Sensitive.isJWT(b) { return .jwt }
        if b.count >= 8, b.count % 2 == 0, b.allSatisfy({ hexValue($0) != nil }), !charset.isSubset(of: [.lower, .upper]) {
            return .hex
        }
        if b.count >= 16, charset.isSubset(of: alnum.union([.punct])), looksBase64(b) { return .base64 }
        if b.count >= 20, charset.isSubset(of: alnum.union(.safePunct)), charset.contains(.digit),
            !charset.isDisjoint(with: [.lower, .upper])
        {
            return .token
        }
        if charset.isSubset(of: alnum.union(.safePunct)) { return .word }
        return .text
    }

    static func isInteger(_ b: ArraySlice<UInt8>) -> Bool {
        var digits = b[...]
        if digits.first == UInt8(ascii: "-") || digits.first == UInt8(ascii: "+") { digits = digits.dropFirst() }
        return !digits.isEmpty && digits.count <= 20 && digits.allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
    }

    static func isDecimal(_ b: ArraySlice<UInt8>) -> Bool {
        var seenDot = false
        var seenDigit = false
        for (i, byte) in b.enumerated() {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): seenDigit = true
            case UInt8(ascii: "."): if seenDot { return false }; seenDot = true
            case UInt8(ascii: "-"), UInt8(ascii: "+"): if i != 0 { return false }
            default: return false
            }
        }
        return seenDigit && b.count <= 40
    }

    /// Base64 alphabet only, `+`/`/` or `=` padding present, length compatible.
    static func looksBase64(_ b: ArraySlice<UInt8>) -> Bool {
        var special = false
        for byte in b {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                continue
            case UInt8(ascii: "+"), UInt8(ascii: "/"), UInt8(ascii: "="): special = true
            default: return false
            }
        }
        return special && b.count % 4 == 0
    }
}
