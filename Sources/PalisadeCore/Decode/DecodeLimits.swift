/// Hard limits on decoding one request. Every limit hit is recorded as an annotation
/// (`limit.*`, a `protocol_anomaly` signal) and counted; decoding then stops growing that part
/// of the tree but never fails the request. Reasons for each default are in `docs/LIMITS.md`.
public struct DecodeLimits: Sendable, Equatable {
    /// Decoders applied in a chain (`>base64>json>base64…`). Real traffic rarely nests past 4.
    public var maxDepth: Int = 8
    /// Nesting inside one document (JSON arrays/objects, XML elements, GraphQL selections).
    public var maxStructureDepth: Int = 64
    /// Points (values) per request, roots included.
    public var maxPoints: Int = 4096
    /// Bytes produced by all decoders for one request (input bytes not counted).
    public var maxDecodedBytes: Int = 4 << 20
    /// Decompression output / input. zlib's own worst case is ~1032:1; real JSON is 5–20:1.
    public var maxExpansionRatio: Int = 100
    /// Body bytes considered; the rest is ignored and `limit.body_bytes` recorded.
    public var maxBodyBytes: Int = 1 << 20
    /// Wall time for decoding one request, in microseconds.
    public var timeBudgetMicros: Int = 50_000

    public init() {}

    public static let `default` = DecodeLimits()
}

/// Which limit a request ran into.
public enum LimitKind: String, Sendable, Hashable, CaseIterable {
    case depth, structureDepth = "structure_depth", points, bytes, ratio, time
    case bodyBytes = "body_bytes"

    public var annotationCode: AnnotationCode {
        switch self {
        case .depth: .limitDepth
        case .structureDepth: .limitStructureDepth
        case .points: .limitPoints
        case .bytes: .limitBytes
        case .ratio: .limitRatio
        case .time: .limitTime
        case .bodyBytes: .limitBodyBytes
        }
    }
}
