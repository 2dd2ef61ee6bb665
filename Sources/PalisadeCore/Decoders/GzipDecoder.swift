/// TODO(decoders): gzip bodies and values, bounded
public struct GzipDecoder: ValueDecoder {
    public let name = "gzip"
    public let isContainer = false

    public init() {}

    public func decode(_ input: ArraySlice<UInt8>, context: DecodeContext, budget: inout DecodeBudget) -> Decoded? {
        nil
    }
}
