/// TODO(decoders): schema-less protobuf wire decoding
public struct ProtobufDecoder: ValueDecoder {
    public let name = "protobuf"
    public let isContainer = true

    public init() {}

    public func decode(_ input: ArraySlice<UInt8>, context: DecodeContext, budget: inout DecodeBudget) -> Decoded? {
        nil
    }
}
