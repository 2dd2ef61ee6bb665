/// A stable code naming something a decoder noticed (a declaration, a malformed input, a limit).
public struct AnnotationCode: RawRepresentable, Sendable, Hashable, ExpressibleByStringLiteral,
    CustomStringConvertible
{
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { self.rawValue = value }
    public var description: String { rawValue }
}

extension AnnotationCode {
    // Limits (DecodeLimits); each is also a `protocol_anomaly` signal.
    public static let limitDepth: AnnotationCode = "limit.depth"
    public static let limitPoints: AnnotationCode = "limit.points"
    public static let limitBytes: AnnotationCode = "limit.bytes"
    public static let limitRatio: AnnotationCode = "limit.ratio"
    public static let limitTime: AnnotationCode = "limit.time"
    public static let limitStructureDepth: AnnotationCode = "limit.structure_depth"
    public static let limitBodyBytes: AnnotationCode = "limit.body_bytes"

    // Malformed input.
    public static let malformed: AnnotationCode = "malformed"
    public static let contentTypeMismatch: AnnotationCode = "body.content_type_mismatch"
    public static let invalidUTF8: AnnotationCode = "encoding.invalid_utf8"

    // Percent decoding.
    public static let overlongUTF8: AnnotationCode = "url.overlong_utf8"
    public static let percentUnicode: AnnotationCode = "url.percent_u"
    public static let multipleEncoding: AnnotationCode = "url.multiple_encoding"
    public static let nulByte: AnnotationCode = "encoding.nul_byte"

    // JSON.
    public static let jsonDuplicateKey: AnnotationCode = "json.duplicate_key"

    // XML.
    public static let xmlDoctype: AnnotationCode = "xml.doctype"
    public static let xmlEntityDeclaration: AnnotationCode = "xml.entity_declaration"
    public static let xmlExternalEntity: AnnotationCode = "xml.external_entity"
    public static let xmlParameterEntity: AnnotationCode = "xml.parameter_entity"
    public static let xmlProcessingInstruction: AnnotationCode = "xml.processing_instruction"

    // GraphQL.
    public static let graphqlIntrospection: AnnotationCode = "graphql.introspection"
    public static let graphqlDepth: AnnotationCode = "graphql.depth"
    public static let graphqlAliases: AnnotationCode = "graphql.aliases"
    public static let graphqlBatch: AnnotationCode = "graphql.batch"
    public static let graphqlFields: AnnotationCode = "graphql.fields"
    public static let graphqlDirectives: AnnotationCode = "graphql.directives"
    /// The most selections of one field name in a selection set (value) and that name (detail).
    public static let graphqlRepeatedField: AnnotationCode = "graphql.repeated_field"
    /// The most selections of one root field of a mutation (`a: login(…) b: login(…)`).
    public static let graphqlRepeatedMutation: AnnotationCode = "graphql.repeated_mutation"

    // Multipart.
    public static let multipartParts: AnnotationCode = "multipart.parts"
    public static let multipartBoundary: AnnotationCode = "multipart.boundary"

    // JWT.
    public static let jwtAlgNone: AnnotationCode = "jwt.alg_none"
}

/// Something noticed while decoding, attached to the point it concerns.
public struct Annotation: Sendable, Equatable {
    public var code: AnnotationCode
    /// Index of the point concerned (-1: the request as a whole).
    public var point: Int32
    /// A short human-readable detail (never a secret; at most a few dozen characters of input).
    public var detail: String
    /// A measured quantity where one applies (depth, count, bytes), else 0.
    public var value: Int

    public init(_ code: AnnotationCode, point: Int32 = -1, detail: String = "", value: Int = 0) {
        self.code = code
        self.point = point
        self.detail = detail
        self.value = value
    }

    /// Whether this annotation reports a limit being hit.
    public var isLimit: Bool { code.rawValue.hasPrefix("limit.") }
}
