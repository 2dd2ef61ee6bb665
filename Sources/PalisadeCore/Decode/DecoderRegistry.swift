/// The decoders Palisade knows, by name, and the order in which values are sniffed.
public struct DecoderRegistry: Sendable {
    public private(set) var byName: [String: any ValueDecoder] = [:]
    /// Decoders tried, in order, on every text or binary value that was not given a declared
    /// decoder; the first that returns a result wins (its children are sniffed in turn).
    public private(set) var sniffers: [any ValueDecoder] = []
    /// `sniffers[i].sniffGate`, read once at registration.
    public private(set) var sniffGates: [SniffGate] = []
    /// The gates compiled into per-byte masks (`SniffIndex`).
    private(set) var sniffIndex = SniffIndex()
    /// `DecoderName.id(for: sniffers[i].name)`, interned once at registration.
    private(set) var snifferIDs: [UInt16] = []
    /// `byName` with each decoder's interned name: what the engine looks declared decoders up in.
    private(set) var entries: [String: (decoder: any ValueDecoder, id: UInt16)] = [:]

    public init() {}

    public mutating func register(_ decoder: any ValueDecoder, sniff: Bool) {
        byName[decoder.name] = decoder
        entries[decoder.name] = (decoder, DecoderName.id(for: decoder.name))
        if sniff {
            sniffers.append(decoder)
            snifferIDs.append(DecoderName.id(for: decoder.name))
            sniffGates.append(decoder.sniffGate)
            sniffIndex.add(decoder.sniffGate, position: sniffers.count - 1)
        }
    }

    public func decoder(named name: String) -> (any ValueDecoder)? { byName[name] }

    /// A decoder by name with its interned name (`DecoderName`).
    func entry(named name: String) -> (decoder: any ValueDecoder, id: UInt16)? { entries[name] }

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

/// The sniffers' gates as masks (bit `i` = `sniffers[i]`) indexed by a value's first byte, first
/// non-space byte and length, plus the bytes some gates require: one short pass over a value
/// tells which sniffers may take it. Sniffers past the 64th are always asked.
struct SniffIndex: Sendable {
    private var byFirst = [UInt64](repeating: ~0, count: 256)
    private var byFirstNonSpace = [UInt64](repeating: ~0, count: 256)
    /// Sniffers whose gate needs a non-space byte (rejected for all-space values).
    private var nonSpaceGated: UInt64 = 0
    /// Index `min(count, 64)`: the sniffers whose `minCount` the count reaches.
    private var byCount = [UInt64](repeating: ~0, count: 65)
    /// The byte sets gates require one byte of (a `contains` byte is a set of one; at most 8
    /// distinct sets), by slot: their bit in `flags` is `1 << slot`; who requires them.
    private var required: [(bytes: ByteSet, mask: UInt64)] = []
    private var flags = [UInt8](repeating: 0, count: 256)

    mutating func add(_ gate: SniffGate, position: Int) {
        guard position < 64 else { return }
        let bit: UInt64 = 1 << UInt64(position)
        if let first = gate.first {
            for byte in 0..<256 where !first.contains(UInt8(byte)) { byFirst[byte] &= ~bit }
        }
        if let firstNonSpace = gate.firstNonSpace {
            nonSpaceGated |= bit
            for byte in 0..<256 where !firstNonSpace.contains(UInt8(byte)) { byFirstNonSpace[byte] &= ~bit }
        }
        for count in 0...64 where count < min(gate.minCount, 64) { byCount[count] &= ~bit }
        if let byte = gate.contains { require(ByteSet([byte]), bit: bit) }
        if let bytes = gate.containsAny { require(bytes, bit: bit) }
    }

    /// Records that the sniffers in `bit` need a byte of `bytes`.
    private mutating func require(_ bytes: ByteSet, bit: UInt64) {
        if let slot = required.firstIndex(where: { $0.bytes == bytes }) {
            required[slot].mask |= bit
        } else if required.count < 8 {
            let flag: UInt8 = 1 << UInt8(required.count)
            for byte in 0..<256 where bytes.contains(UInt8(byte)) { flags[byte] |= flag }
            required.append((bytes, bit))
        }
        // A ninth distinct set stays unchecked here: the decoder rejects on its own.
    }

    /// The sniffers (bit `i` = position `i`) whose gate admits `value`; bits past the sniffers
    /// registered may be set.
    func admitted(_ value: UnsafeBufferPointer<UInt8>) -> UInt64 {
        guard let first = value.first else { return 0 }
        let count = value.count
        var mask = byFirst[Int(first)] & byCount[min(count, 64)]
        var index = 0
        while index < count, Bytes.isSpace(value[index]) { index += 1 }
        mask &= index < count ? byFirstNonSpace[Int(value[index])] : ~nonSpaceGated
        if !required.isEmpty {
            var seen: UInt8 = 0
            flags.withUnsafeBufferPointer { flags in
                for byte in value { seen |= flags[Int(byte)] }
            }
            for (slot, entry) in required.enumerated() where seen & (1 << UInt8(slot)) == 0 { mask &= ~entry.mask }
        }
        return mask
    }
}
