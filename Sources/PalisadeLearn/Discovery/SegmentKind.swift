import PalisadeCore

/// What a path segment looks like, after `PathTemplate`'s identifier classes. A learned template
/// renders a parameter position as `{id}`, `{uuid}`, `{hex}`, `{date}`, `{email}`, `{token}`, or
/// `{param}` for a position folded for its cardinality (slugs, names).
public enum SegmentKind: String, Sendable, Hashable, CaseIterable {
    case literal
    /// All digits (`PathTemplate`'s `{id}`).
    case number
    case uuid, hex, date, email, token
    /// A folded high-cardinality position of ordinary words.
    case param

    public init(segment bytes: [UInt8]) {
        // ASCII bytes are their own text: read in place. Others go through `String`, which
        // repairs invalid UTF-8 first, as the classification always has.
        let placeholder =
            bytes.contains(where: { $0 >= 0x80 })
            ? PathTemplate.placeholder(for: String(decoding: bytes, as: UTF8.self))
            : bytes.withUnsafeBufferPointer { PathTemplate.placeholder(bytes: $0) }
        self = placeholder.flatMap { Self(placeholder: $0[...]) } ?? .literal
    }

    /// The kind a `PathTemplate` identifier placeholder stands for (`{id}` → `.number`); nil for
    /// any other text.
    init?(placeholder: Substring) {
        switch placeholder {
        case "{id}": self = .number
        case "{uuid}": self = .uuid
        case "{hex}": self = .hex
        case "{date}": self = .date
        case "{email}": self = .email
        case "{token}": self = .token
        default: return nil
        }
    }

    /// The placeholder name used in templates (`id` for numbers, matching `PathTemplate`).
    public var placeholderName: String {
        switch self {
        case .literal: "literal"
        case .number: "id"
        case .uuid: "uuid"
        case .hex: "hex"
        case .date: "date"
        case .email: "email"
        case .token: "token"
        case .param: "param"
        }
    }

    /// Whether the segment is an identifier by its looks (anything but a plain literal).
    public var isIdentifier: Bool { self != .literal }
}
