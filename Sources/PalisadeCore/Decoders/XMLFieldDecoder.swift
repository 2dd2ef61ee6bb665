/// TODO(decoders): XML elements, attributes, CDATA, comments, PIs, DOCTYPE/ENTITY recorded
public struct XMLFieldDecoder: ValueDecoder {
    public let name = "xml"
    public let isContainer = true

    public init() {}

    public func decode(_ input: ArraySlice<UInt8>, context: DecodeContext, budget: inout DecodeBudget) -> Decoded? {
        nil
    }
}
