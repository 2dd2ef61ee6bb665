/// A request unwrapped into its tree of points.
public struct DecodedRequest: Sendable {
    public var points: [Point] = []
    public var annotations: [Annotation] = []
    /// Limits this request ran into (each also present as a `limit.*` annotation).
    public var limitHits: Set<LimitKind> = []
    /// Time spent decoding, in nanoseconds.
    public var elapsedNanos: Int64 = 0

    public init() {}

    /// The full location of a point, e.g. `body.json.items[0].filter>base64>json.q`.
    public func location(of index: Int) -> String {
        var segments: [Substring] = []
        var current = index
        var guardCount = 0
        while current >= 0, current < points.count, guardCount <= points.count {
            segments.append(Substring(points[current].segment))
            current = Int(points[current].parent)
            guardCount += 1
        }
        return segments.reversed().joined()
    }

    /// Indices of the points whose location is exactly `location`.
    public func points(at location: String) -> [Int] {
        points.indices.filter { self.location(of: $0) == location }
    }

    /// The text of the first point at `location`, for tests and tools.
    public func value(at location: String) -> String? {
        points(at: location).first.map { points[$0].text }
    }

    /// All annotations with a given code.
    public func annotations(_ code: AnnotationCode) -> [Annotation] {
        annotations.filter { $0.code == code }
    }
}
