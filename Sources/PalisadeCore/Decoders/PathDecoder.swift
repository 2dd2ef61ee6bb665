/// TODO(decoders): path segments and matrix params
public struct PathDecoder: ValueDecoder {
    public let name = "path"
    public let isContainer = true

    public init() {}

    public func decode(_ input: ArraySlice<UInt8>, context: DecodeContext, budget: inout DecodeBudget) -> Decoded? {
        nil
    }
}
