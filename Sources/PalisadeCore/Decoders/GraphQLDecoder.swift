/// TODO(decoders): GraphQL documents: operations, fields, arguments, variables, aliases, fragments, directives
public struct GraphQLDecoder: ValueDecoder {
    public let name = "graphql"
    public let isContainer = true

    public init() {}

    public func decode(_ input: ArraySlice<UInt8>, context: DecodeContext, budget: inout DecodeBudget) -> Decoded? {
        nil
    }
}
