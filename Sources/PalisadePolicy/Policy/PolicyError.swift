/// One problem in a policy file, naming the field and the line.
///
/// An extensible struct (STYLE 12): `code` is stable for programs, `reason` is for people.
/// Policy errors are never retriable: the operator has to change the file.
public struct PolicyError: Error, Sendable, Equatable, CustomStringConvertible {
    public struct Code: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// Not YAML, or not a single document.
        public static let syntax = Code(rawValue: "syntax")
        /// A field the schema does not know (typos must not silently disable a rule).
        public static let unknownField = Code(rawValue: "unknown_field")
        public static let missingField = Code(rawValue: "missing_field")
        /// A mapping where a list was expected, text where a number was expected, and so on.
        public static let wrongType = Code(rawValue: "wrong_type")
        /// The right type but not an allowed value (out of range, unknown class, bad CIDR…).
        public static let invalidValue = Code(rawValue: "invalid_value")
        /// A key given twice, or two rules with the same name.
        public static let duplicate = Code(rawValue: "duplicate")
        /// The file or a list is larger than the documented limit.
        public static let tooLarge = Code(rawValue: "too_large")
    }

    public var code: Code
    /// Where, e.g. `rules[2].decision.ttl_secs` (`$` for the document).
    public var field: String
    /// 1-based, when known.
    public var line: Int?
    public var column: Int?
    public var reason: String
    public var isRetriable: Bool { false }

    public init(code: Code, field: String, line: Int?, column: Int?, reason: String) {
        self.code = code
        self.field = field
        self.line = line
        self.column = column
        self.reason = reason
    }

    public var description: String {
        var location = "policy"
        if let line { location += " line \(line)" }
        if let column { location += " column \(column)" }
        return "\(location), \(field): \(reason)"
    }
}

/// Every problem found in a policy file (all of them, in file order, so one edit round fixes
/// them all).
public struct PolicyErrors: Error, Sendable, Equatable, CustomStringConvertible {
    public var errors: [PolicyError]
    public init(_ errors: [PolicyError]) { self.errors = errors }
    public var description: String { errors.map(\.description).joined(separator: "\n") }

    /// The first error on `field`, if any (for tests and UIs).
    public func first(field: String) -> PolicyError? { errors.first { $0.field == field } }
}
