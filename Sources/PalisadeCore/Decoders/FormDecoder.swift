/// TODO(decoders): query strings and application/x-www-form-urlencoded
public struct FormDecoder: ValueDecoder {
    public let name = "form"
    public let isContainer = true

    public init() {}

    public func decode(_ input: ArraySlice<UInt8>, context: DecodeContext, budget: inout DecodeBudget) -> Decoded? {
        nil
    }
}
