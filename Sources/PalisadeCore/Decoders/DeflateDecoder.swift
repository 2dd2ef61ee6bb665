/// TODO(decoders): zlib/raw deflate, bounded
public struct DeflateDecoder: ValueDecoder {
    public let name = "deflate"
    public let isContainer = false

    public init() {}

    public func decode(_ input: ArraySlice<UInt8>, context: DecodeContext, budget: inout DecodeBudget) -> Decoded? {
        nil
    }
}
