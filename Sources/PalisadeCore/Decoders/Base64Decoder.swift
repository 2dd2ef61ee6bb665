/// TODO(decoders): Base64/Base64url when plausible
public struct Base64Decoder: ValueDecoder {
    public let name = "base64"
    public let isContainer = false

    public init() {}

    public func decode(_ input: ArraySlice<UInt8>, context: DecodeContext, budget: inout DecodeBudget) -> Decoded? {
        nil
    }
}
