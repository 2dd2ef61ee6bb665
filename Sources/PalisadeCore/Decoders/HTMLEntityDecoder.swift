/// TODO(decoders): HTML entities
public struct HTMLEntityDecoder: ValueDecoder {
    public let name = "html"
    public let isContainer = false

    public init() {}

    public func decode(_ input: ArraySlice<UInt8>, context: DecodeContext, budget: inout DecodeBudget) -> Decoded? {
        nil
    }
}
