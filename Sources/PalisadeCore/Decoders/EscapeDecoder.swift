/// TODO(decoders): JS/Unicode/hex escapes
public struct EscapeDecoder: ValueDecoder {
    public let name = "escape"
    public let isContainer = false

    public init() {}

    public func decode(_ input: ArraySlice<UInt8>, context: DecodeContext, budget: inout DecodeBudget) -> Decoded? {
        nil
    }
}
