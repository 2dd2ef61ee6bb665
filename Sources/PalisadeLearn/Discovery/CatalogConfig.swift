/// Thresholds of API discovery (docs/LEARNING.md, "Discovery"). Counts are requests.
public struct CatalogConfig: Sendable, Equatable {
    /// A position whose distinct literal values exceed this (with `cardinalityMinSamples`
    /// requests through it) folds its non-stable values into `{param}`.
    public var cardinalityThreshold: Int = 24
    public var cardinalityMinSamples: Int = 50
    /// Positions below this depth (0 = first segment, top-level resources) never fold for
    /// cardinality, only at the hard cap.
    public var foldMinDepth: Int = 1
    /// A position folds for cardinality only when at least this share of its distinct literals
    /// were seen once (values have a long tail; resource names repeat).
    public var foldMinSingletonShare: Double = 0.5
    /// Hard cap on literal children per position: reaching it folds regardless of samples.
    public var maxLiteralChildren: Int = 64
    /// A literal survives a fold when it has at least this many requests, …
    public var stableMinCount: Int = 10
    /// … at least this share of the position's traffic, …
    public var stableMinShare: Double = 0.05
    /// … and at least this multiple of the mean per-value traffic.
    public var stableMeanFactor: Double = 4
    /// A numeric position that only ever saw one value over this many requests is a literal
    /// (`/api/2024/stats`); fewer requests or more values make it `{id}`.
    public var numericLiteralMinSamples: Int = 50
    /// Endpoints per host+method; paths that would add more go to the overflow count.
    public var maxEndpointsPerHostMethod: Int = 2_000
    /// Tree nodes per host+method.
    public var maxNodesPerHostMethod: Int = 20_000
    /// Host+method pairs; observations for further ones are counted as overflow.
    public var maxHostMethods: Int = 4_096
    /// Deeper paths (from the wire, where up to 256 segments decode) are counted as overflow.
    public var maxSegments: Int = 32
    /// Parameters tracked per endpoint (`EndpointStats.maxParams`).
    public var maxParamsPerEndpoint: Int = 128

    public init() {}
}
