/// The decoders Palisade knows, by name, and the order in which values are sniffed.
public struct DecoderRegistry: Sendable {
    public private(set) var byName: [String: any ValueDecoder] = [:]
    /// Decoders tried, in order, on every text or binary value that was not given a declared
    /// decoder; the first that returns a result wins (its children are sniffed in turn).
    public private(set) var sniffers: [any ValueDecoder] = []

    public init() {}

    public mutating func register(_ decoder: any ValueDecoder, sniff: Bool) {
        byName[decoder.name] = decoder
        if sniff { sniffers.append(decoder) }
    }

    public func decoder(named name: String) -> (any ValueDecoder)? { byName[name] }

    /// Every decoder Palisade ships. Sniff order: cheap, specific formats first; Base64 late
    /// because many plain words are valid Base64; entity and escape decoding last.
    public static let standard: DecoderRegistry = {
        var registry = DecoderRegistry()
        // Declared only (chosen by position or content type).
        registry.register(PathDecoder(), sniff: false)
        registry.register(CookieDecoder(), sniff: false)
        registry.register(FormDecoder(), sniff: false)
        registry.register(MultipartDecoder(), sniff: false)
        registry.register(GRPCDecoder(), sniff: false)
        // Sniffed, in this order.
        registry.register(URLPercentDecoder(), sniff: true)
        registry.register(JWTDecoder(), sniff: true)
        registry.register(JSONFieldDecoder(), sniff: true)
        registry.register(XMLFieldDecoder(), sniff: true)
        registry.register(GraphQLDecoder(), sniff: true)
        registry.register(GzipDecoder(), sniff: true)
        registry.register(DeflateDecoder(), sniff: true)
        registry.register(ProtobufDecoder(), sniff: true)
        registry.register(Base64Decoder(), sniff: true)
        registry.register(HTMLEntityDecoder(), sniff: true)
        registry.register(EscapeDecoder(), sniff: true)
        return registry
    }()
}
