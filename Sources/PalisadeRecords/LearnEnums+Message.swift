import PalisadeCore
import PalisadeLearn

// One-to-one mappings between PalisadeLearn's / PalisadeCore's enums and the `palisade.v1`
// enums (revision 2). Reading is lenient: an unknown or unspecified value maps to the most
// permissive domain value documented on each function, so a record newer than the reader never
// makes scoring stricter.

extension Palisade_V1_ValueFormat {
    public init(_ format: ValueFormat) {
        switch format {
        case .empty: self = .empty
        case .integer: self = .integer
        case .decimal: self = .decimal
        case .boolean: self = .boolean
        case .null: self = .null
        case .uuid: self = .uuid
        case .date: self = .date
        case .datetime: self = .datetime
        case .email: self = .email
        case .ipv4: self = .ipv4
        case .ipv6: self = .ipv6
        case .url: self = .url
        case .hex: self = .hex
        case .base64: self = .base64
        case .jwt: self = .jwt
        case .token: self = .token
        case .word: self = .word
        case .text: self = .text
        case .binary: self = .binary
        }
    }

    /// The domain format; unknown values read as `text` (accepts nearly everything).
    public var domain: ValueFormat {
        switch self {
        case .empty: .empty
        case .integer: .integer
        case .decimal: .decimal
        case .boolean: .boolean
        case .null: .null
        case .uuid: .uuid
        case .date: .date
        case .datetime: .datetime
        case .email: .email
        case .ipv4: .ipv4
        case .ipv6: .ipv6
        case .url: .url
        case .hex: .hex
        case .base64: .base64
        case .jwt: .jwt
        case .token: .token
        case .word: .word
        case .text, .unspecified, .UNRECOGNIZED: .text
        case .binary: .binary
        }
    }
}

extension Palisade_V1_SegmentKind {
    public init(_ kind: SegmentKind) {
        switch kind {
        case .literal: self = .literal
        case .number: self = .number
        case .uuid: self = .uuid
        case .hex: self = .hex
        case .date: self = .date
        case .email: self = .email
        case .token: self = .token
        case .param: self = .param
        }
    }

    /// The domain kind; unknown values read as `param` (matches any segment).
    public var domain: SegmentKind {
        switch self {
        case .literal: .literal
        case .number: .number
        case .uuid: .uuid
        case .hex: .hex
        case .date: .date
        case .email: .email
        case .token: .token
        case .param, .unspecified, .UNRECOGNIZED: .param
        }
    }
}

extension Palisade_V1_ScalarType {
    public init(_ type: ValueType) {
        switch type {
        case .string: self = .string
        case .number: self = .number
        case .boolean: self = .boolean
        case .null: self = .null
        case .binary: self = .binary
        }
    }

    /// The domain type; unknown values read as `string`.
    public var domain: ValueType {
        switch self {
        case .number: .number
        case .boolean: .boolean
        case .null: .null
        case .binary: .binary
        case .string, .unspecified, .UNRECOGNIZED: .string
        }
    }
}

extension Palisade_V1_SensitiveKind {
    public init(_ kind: SensitiveKind) {
        switch kind {
        case .email: self = .email
        case .phone: self = .phone
        case .card: self = .card
        case .iban: self = .iban
        case .ssn: self = .ssn
        case .jwt: self = .jwt
        case .secret: self = .secret
        case .nationalID: self = .nationalID
        }
    }

    /// The domain kind; nil for unknown values (they are skipped).
    public var domain: SensitiveKind? {
        switch self {
        case .email: .email
        case .phone: .phone
        case .card: .card
        case .iban: .iban
        case .ssn: .ssn
        case .jwt: .jwt
        case .secret: .secret
        case .nationalID: .nationalID
        case .unspecified, .UNRECOGNIZED: nil
        }
    }

    static func set(_ kinds: [Palisade_V1_SensitiveKind]) -> SensitiveSet {
        SensitiveSet(kinds.compactMap(\.domain))
    }
}

extension Palisade_V1_ValueEncoding {
    public init(_ encoding: ValueEncoding) {
        switch encoding {
        case .base64: self = .base64
        case .json: self = .json
        case .jwt: self = .jwt
        case .url: self = .url
        case .xml: self = .xml
        case .compressed: self = .compressed
        case .html: self = .html
        case .escape: self = .escape
        case .form: self = .form
        case .other: self = .other
        }
    }

    /// The domain encoding; unknown values read as `other`.
    public var domain: ValueEncoding {
        switch self {
        case .base64: .base64
        case .json: .json
        case .jwt: .jwt
        case .url: .url
        case .xml: .xml
        case .compressed: .compressed
        case .html: .html
        case .escape: .escape
        case .form: .form
        case .other, .unspecified, .UNRECOGNIZED: .other
        }
    }
}

extension Palisade_V1_ParameterLocation {
    public init(_ source: ParamSource) {
        switch source {
        case .path: self = .path
        case .query: self = .query
        case .header: self = .header
        case .cookie: self = .cookie
        case .body: self = .body
        }
    }

    /// The domain source; unknown values are derived from the location's first component.
    public func domain(location: String) -> ParamSource {
        switch self {
        case .path: .path
        case .query: .query
        case .header: .header
        case .cookie: .cookie
        case .body: .body
        case .unspecified, .UNRECOGNIZED: ParamSource(location: location)
        }
    }
}

extension Palisade_V1_ValueShape {
    public init(_ shape: ValueShape) {
        self.init()
        format = Palisade_V1_ValueFormat(shape.format)
        length = UInt64(max(shape.length, 0))
        charset = UInt32(shape.charset.rawValue)
    }

    /// The domain shape; lengths beyond `RecordLimits.maxLength` are clamped.
    public var domain: ValueShape {
        ValueShape(
            format: format.domain, length: RecordLimits.length(length),
            charset: CharsetClass(rawValue: UInt8(truncatingIfNeeded: charset)))
    }
}

/// Bounds applied when reading observations and baselines from the wire (hostile or corrupt
/// records never trap, and later arithmetic on the values cannot overflow).
public enum RecordLimits {
    /// Largest length kept (1 TiB); larger values are clamped.
    public static let maxLength = 1 << 40
    /// Most path segments read.
    public static let maxSegments = 256
    /// Most parameters read per observation or baseline.
    public static let maxParams = 4096
    /// Most entries read in smaller lists (formats, content types, status codes, auth schemes).
    public static let maxListEntries = 256
    /// Largest counter kept (2^52); larger values are clamped.
    public static let maxCount = 1 << 52

    static func length(_ value: UInt64) -> Int { Int(min(value, UInt64(maxLength))) }
    static func count(_ value: UInt64) -> Int { Int(min(value, UInt64(maxCount))) }
}
