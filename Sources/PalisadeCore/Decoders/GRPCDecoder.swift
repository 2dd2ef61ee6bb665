/// TODO(decoders): gRPC 5-byte frames then protobuf
public struct GRPCDecoder: ValueDecoder {
    public let name = "grpc"
    public let isContainer = true

    public init() {}

    public func decode(_ input: ArraySlice<UInt8>, context: DecodeContext, budget: inout DecodeBudget) -> Decoded? {
        nil
    }
}
