/// TODO(decoders): JWT header and payload, never verified
public struct JWTDecoder: ValueDecoder {
    public let name = "jwt"
    public let isContainer = true

    public init() {}

    public func decode(_ input: ArraySlice<UInt8>, context: DecodeContext, budget: inout DecodeBudget) -> Decoded? {
        nil
    }
}
