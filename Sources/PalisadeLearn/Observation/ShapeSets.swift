import PalisadeCore

/// A set of `ValueFormat`s as a bit set (allocation-free membership on the scoring path).
public struct FormatSet: OptionSet, Sendable, Hashable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public init(_ format: ValueFormat) { self.rawValue = 1 << UInt32(format.index) }
    public var formats: [ValueFormat] { ValueFormat.allCases.filter { contains(FormatSet($0)) } }
}

/// A set of `SensitiveKind`s as a bit set.
public struct SensitiveSet: OptionSet, Sendable, Hashable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public init(_ kind: SensitiveKind) { self.rawValue = 1 << UInt8(kind.index) }
    public init(_ kinds: [SensitiveKind]) {
        var raw: UInt8 = 0
        for kind in kinds { raw |= 1 << UInt8(kind.index) }
        self.rawValue = raw
    }
    public var kinds: [SensitiveKind] { SensitiveKind.allCases.filter { contains(SensitiveSet($0)) } }
}

/// How a parameter's value was found to be wrapped: the first decoder that unwrapped it
/// (`query.data>base64…` → `.base64`). Drives `expectsEncoded`.
public enum ValueEncoding: String, Sendable, Hashable, CaseIterable {
    case base64, json, jwt, url, xml, compressed, html, escape, form, other

    /// Maps a decoder name (`ValueDecoder.name`) to an encoding.
    public init(decoderName: String) {
        // The names sniffing finds most (JWTs, JSON, Base64) compared first: a `String` switch
        // tries its cases in order.
        switch decoderName {
        case "jwt": self = .jwt
        case "json": self = .json
        case "base64", "base64url": self = .base64
        case "url", "percent", "urlpercent": self = .url
        case "xml": self = .xml
        case "gzip", "deflate": self = .compressed
        case "html", "htmlentity", "html_entity": self = .html
        case "escape", "unicode_escape": self = .escape
        case "form", "multipart": self = .form
        default: self = .other
        }
    }

    var index: Int { Self.allCases.firstIndex(of: self) ?? 0 }
}

/// A set of `ValueEncoding`s as a bit set.
public struct EncodingSet: OptionSet, Sendable, Hashable {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    public init(_ encoding: ValueEncoding) { self.rawValue = 1 << UInt16(encoding.index) }
    public var encodings: [ValueEncoding] { ValueEncoding.allCases.filter { contains(EncodingSet($0)) } }
}

/// The JSON-ish type of a value, from the decoder's `ValueKind` (used for request body schemas).
public enum ValueType: String, Sendable, Hashable, CaseIterable {
    case string, number, boolean, null, binary

    public init(_ kind: ValueKind) {
        switch kind {
        case .number: self = .number
        case .boolean: self = .boolean
        case .null: self = .null
        case .binary: self = .binary
        default: self = .string
        }
    }

    var index: Int {
        switch self {
        case .string: 0
        case .number: 1
        case .boolean: 2
        case .null: 3
        case .binary: 4
        }
    }
}

extension ValueFormat {
    /// Stable position in `allCases` (0…18), for fixed-size counters and bit sets.
    public var index: Int {
        switch self {
        case .empty: 0
        case .integer: 1
        case .decimal: 2
        case .boolean: 3
        case .null: 4
        case .uuid: 5
        case .date: 6
        case .datetime: 7
        case .email: 8
        case .ipv4: 9
        case .ipv6: 10
        case .url: 11
        case .hex: 12
        case .base64: 13
        case .jwt: 14
        case .token: 15
        case .word: 16
        case .text: 17
        case .binary: 18
        }
    }

    static let byIndex: [ValueFormat] = ValueFormat.allCases.sorted { $0.index < $1.index }
}

extension SensitiveKind {
    var index: Int {
        switch self {
        case .email: 0
        case .phone: 1
        case .card: 2
        case .iban: 3
        case .ssn: 4
        case .jwt: 5
        case .secret: 6
        case .nationalID: 7
        }
    }
}

extension CharsetClass {
    /// The eight single-bit classes, in bit order.
    static let singles: [CharsetClass] = (0..<8).map { CharsetClass(rawValue: 1 << UInt8($0)) }

    /// Names for docs and exports (`digit`, `lower`, …).
    public var names: [String] {
        let all = ["digit", "lower", "upper", "space", "safe_punct", "punct", "non_ascii", "control"]
        return (0..<8).filter { rawValue & (1 << UInt8($0)) != 0 }.map { all[$0] }
    }
}
