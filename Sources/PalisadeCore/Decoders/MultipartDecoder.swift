/// TODO(decoders): multipart/form-data with nested parts and filenames
public struct MultipartDecoder: ValueDecoder {
    public let name = "multipart"
    public let isContainer = true

    public init() {}

    public func decode(_ input: ArraySlice<UInt8>, context: DecodeContext, budget: inout DecodeBudget) -> Decoded? {
        nil
    }
}
