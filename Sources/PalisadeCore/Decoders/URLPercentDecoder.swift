/// TODO(decoders): percent decoding: rounds, %u forms, overlong UTF-8
public struct URLPercentDecoder: ValueDecoder {
    public let name = "url"
    public let isContainer = false

    public init() {}

    public func decode(_ input: ArraySlice<UInt8>, context: DecodeContext, budget: inout DecodeBudget) -> Decoded? {
        nil
    }
}
