/// TODO(decoders): Cookie header into name=value pairs
public struct CookieDecoder: ValueDecoder {
    public let name = "cookie"
    public let isContainer = true

    public init() {}

    public func decode(_ input: ArraySlice<UInt8>, context: DecodeContext, budget: inout DecodeBudget) -> Decoded? {
        nil
    }
}
