public struct XSSDetector: Detector {
    public let name = "xss"
    public init() {}
    public func detect(_ value: ArraySlice<UInt8>, context: DetectionContext, hits: inout [Hit]) {}
}
