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
    /// `sniffers`, `snifferIDs`, `sniffIndex` and `entries` in one immutable object, rebuilt at
    /// registration: what the engine decodes with (reading them from this struct copied it, a
    /// retain and release per array, for every value sniffed; looking a standard decoder up in
    /// `entries` hashed its name).
    private(set) var table = DecoderTable(sniffers: [], ids: [], index: SniffIndex(), entries: [:])

    public init() {}

    public mutating func register(_ decoder: any ValueDecoder, sniff: Bool) {
        byName[decoder.name] = decoder
        entries[decoder.name] = (decoder, DecoderName.id(for: decoder.name))
        defer { table = DecoderTable(sniffers: sniffers, ids: snifferIDs, index: sniffIndex, entries: entries) }
        if sniff {
            sniffers.append(decoder)
            snifferIDs.append(DecoderName.id(for: decoder.name))
            sniffGates.append(decoder.sniffGate)
            sniffIndex.add(decoder.sniffGate, position: sniffers.count - 1)
        }
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
        registry.register(FullwidthDecoder(), sniff: true)
        return registry
    }()
}

/// The sniffers' gates as masks (bit `i` = `sniffers[i]`) indexed by a value's first byte, first
/// non-space byte and length, plus the bytes some gates require: one short pass over a value
/// tells which sniffers may take it (`DecoderTable.admitted`, over these tables flattened). Sniffers
/// past the 64th are always asked.
struct SniffIndex: Sendable {
    fileprivate private(set) var byFirst = [UInt64](repeating: ~0, count: 256)
    fileprivate private(set) var byFirstNonSpace = [UInt64](repeating: ~0, count: 256)
    /// Sniffers whose gate needs a non-space byte (rejected for all-space values).
    fileprivate private(set) var nonSpaceGated: UInt64 = 0
    /// Index `min(count, 64)`: the sniffers whose `minCount` the count reaches.
    fileprivate private(set) var byCount = [UInt64](repeating: ~0, count: 65)
    /// The byte sets gates require one byte of (a `contains` byte is a set of one; at most 8
    /// distinct sets), by slot: their bit in `flags` is `1 << slot`; who requires them.
    fileprivate private(set) var required: [(bytes: ByteSet, mask: UInt64)] = []
    /// The byte sets gates allow only (`SniffGate.only`), as the sets of the other bytes, which
    /// must not occur: slot `i`'s bit in `flags` is `1 << (required.count + i)` once compiled
    /// (`DecoderTable`); who is held to them. Required and excluded sets share the 8 flag bits.
    fileprivate private(set) var excluded: [(bytes: ByteSet, mask: UInt64)] = []
    /// Index: a value's first byte; the sniffers whose `onlyUnlessFirst` it is in.
    fileprivate private(set) var exempt = [UInt64](repeating: 0, count: 256)

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
        if let only = gate.only {
            let others = ByteSet(where: { !only.contains($0) })
            if let slot = excluded.firstIndex(where: { $0.bytes == others }) {
                excluded[slot].mask |= bit
            } else if required.count + excluded.count < 8 {
                excluded.append((others, bit))
            } else {
                return  // a ninth distinct set stays unchecked here: the decoder rejects on its own
            }
            if let unless = gate.onlyUnlessFirst {
                for byte in 0..<256 where unless.contains(UInt8(byte)) { exempt[byte] |= bit }
            }
        }
    }

    /// Records that the sniffers in `bit` need a byte of `bytes`.
    private mutating func require(_ bytes: ByteSet, bit: UInt64) {
        if let slot = required.firstIndex(where: { $0.bytes == bytes }) {
            required[slot].mask |= bit
        } else if required.count + excluded.count < 8 {
            required.append((bytes, bit))
        }
        // A ninth distinct set stays unchecked here: the decoder rejects on its own.
    }

    /// Per byte, the flag bits of the required sets then the excluded sets it belongs to.
    var flags: [UInt8] {
        var flags = [UInt8](repeating: 0, count: 256)
        for (slot, set) in (required.map(\.bytes) + excluded.map(\.bytes)).enumerated() {
            for byte in 0..<256 where set.contains(UInt8(byte)) { flags[byte] |= 1 << UInt8(slot) }
        }
        return flags
    }
}

/// The registry's sniffers, their interned names, their gates' masks and the decoders registered
/// under the standard names, in memory owned by one object that never changes: the engine reads
/// them in place for every value, without the retains and releases that copying arrays out of a
/// struct costs, and without hashing a decoder's name to find it.
final class DecoderTable: @unchecked Sendable {
    // @unchecked: everything below is written in `init` only and read-only afterwards.
    let count: Int
    /// `count` sniffers, in sniff order, each boxed with a closure that calls it as its concrete
    /// type: a call through the existential (read from unsafe memory, or from a box's `let`)
    /// copied and destroyed it each time, ~100 instructions a value sniffed.
    private let sniffers: UnsafeMutablePointer<Boxed>
    /// Their interned names (`DecoderName`).
    private let ids: UnsafeMutablePointer<UInt16>
    /// `SniffIndex`'s tables, flattened: by first byte (256), by first non-space byte (256),
    /// by `min(count, 64)` (65), the masks of the required byte sets (`requiredCount`), the masks
    /// of the excluded byte sets (`excludedCount`), then the exemptions by first byte (256).
    private let masks: UnsafeMutablePointer<UInt64>
    private let flags: UnsafeMutablePointer<UInt8>
    private let requiredCount: Int
    private let excludedCount: Int
    /// By the required slots a value's bytes cover (`seen`'s low `requiredCount` bits): the mask of
    /// the sniffers whose required bytes are all there — one lookup instead of a loop over slots.
    private let requiredMet: UnsafeMutablePointer<UInt64>
    private let nonSpaceGated: UInt64
    /// Index `i`: the entry registered under `DecoderName.standard[i]`, if any.
    private let standard: [(decoder: Boxed, id: UInt16)?]
    /// Every entry by name (`DecoderRegistry.entries`): for the names that are not standard.
    private let entries: [String: (decoder: Boxed, id: UInt16)]

    init(
        sniffers: [any ValueDecoder], ids: [UInt16], index: SniffIndex,
        entries: [String: (decoder: any ValueDecoder, id: UInt16)]
    ) {
        precondition(sniffers.count == ids.count, "one id per sniffer")
        count = sniffers.count
        self.sniffers = .allocate(capacity: max(count, 1))
        self.sniffers.initialize(from: sniffers.map { Boxed($0) }, count: count)
        self.ids = .allocate(capacity: max(count, 1))
        self.ids.initialize(from: ids, count: count)
        requiredCount = index.required.count
        excludedCount = index.excluded.count
        masks = .allocate(capacity: 256 + 256 + 65 + requiredCount + excludedCount + 256)
        masks.initialize(from: index.byFirst, count: 256)
        (masks + 256).initialize(from: index.byFirstNonSpace, count: 256)
        // Bits past the last sniffer are cleared here, so that a value no sniffer may take is
        // seen as such (`admitted` = 0); every table starts with all bits set.
        let present: UInt64 = count >= 64 ? ~0 : (1 << UInt64(count)) - 1
        (masks + 512).initialize(from: index.byCount.map { $0 & present }, count: 65)
        (masks + 577).initialize(from: index.required.map(\.mask), count: requiredCount)
        (masks + 577 + requiredCount).initialize(from: index.excluded.map(\.mask), count: excludedCount)
        (masks + 577 + requiredCount + excludedCount).initialize(from: index.exempt, count: 256)
        flags = .allocate(capacity: 256)
        flags.initialize(from: index.flags, count: 256)
        let patterns = 1 << requiredCount
        requiredMet = .allocate(capacity: patterns)
        for pattern in 0..<patterns {
            var met: UInt64 = ~0
            for slot in 0..<requiredCount where pattern & (1 << slot) == 0 { met &= ~index.required[slot].mask }
            (requiredMet + pattern).initialize(to: met)
        }
        nonSpaceGated = index.nonSpaceGated
        let boxed = entries.mapValues { (decoder: Boxed($0.decoder), id: $0.id) }
        standard = DecoderName.standard.map { boxed[$0] }
        self.entries = boxed
    }

    /// The entry registered under the name interned as `id` (`DecoderName`): a standard one by
    /// its index, any other through the dictionary. What `entry(named:)` gives for that name.
    @inline(__always)
    func entry(id: UInt16) -> (decoder: Boxed, id: UInt16)? {
        let index = Int(id) - 1
        if index >= 0, index < standard.count { return standard[index] }
        guard let name = DecoderName.name(of: id) else { return nil }
        return entries[name]
    }

    /// The entry registered under `name`: a standard name by its index (no hashing), any other
    /// through the dictionary.
    @inline(__always)
    func entry(named name: String) -> (decoder: Boxed, id: UInt16)? {
        guard let index = DecoderName.standard.firstIndex(of: name) else { return entries[name] }
        return standard[index]
    }

    deinit {
        sniffers.deinitialize(count: count)
        sniffers.deallocate()
        ids.deallocate()
        masks.deallocate()
        flags.deallocate()
        requiredMet.deallocate()
    }

    /// Sniffer `position`'s interned name.
    @inline(__always)
    func id(at position: Int) -> UInt16 { ids[position] }

    /// Sniffer `position`'s `decode`, called in place.
    @inline(__always)
    func decode(
        at position: Int, _ input: ArraySlice<UInt8>, context: DecodeContext, budget: inout DecodeBudget
    ) -> Decoded? {
        sniffers[position].decode(input, context, &budget)
    }

    /// Sniffer `position`, boxed: for what a successful decode needs.
    func sniffer(at position: Int) -> Boxed { sniffers[position] }

    /// A decoder boxed, called through its `decode` (see `sniffers`).
    final class Boxed: Sendable {
        let decoder: any ValueDecoder
        /// `decoder.isContainer`, read once.
        let isContainer: Bool
        /// `decoder.decode`, with the decoder's concrete type known (opened once, here).
        let decode: @Sendable (ArraySlice<UInt8>, DecodeContext, inout DecodeBudget) -> Decoded?

        init(_ decoder: any ValueDecoder) {
            self.decoder = decoder
            self.isContainer = decoder.isContainer
            self.decode = Self.decoding(decoder)
        }

        private static func decoding<D: ValueDecoder>(_ decoder: D)
            -> @Sendable (ArraySlice<UInt8>, DecodeContext, inout DecodeBudget) -> Decoded?
        {
            { decoder.decode($0, context: $1, budget: &$2) }
        }
    }

    /// `SniffIndex.admitted`, over the flattened tables.
    func admitted(_ value: UnsafeBufferPointer<UInt8>) -> UInt64 {
        guard let first = value.first else { return 0 }
        let count = value.count
        var mask = masks[Int(first)] & masks[512 + min(count, 64)]
        var index = 0
        while index < count, Bytes.isSpace(value[index]) { index += 1 }
        mask &= index < count ? masks[256 + Int(value[index])] : ~nonSpaceGated
        if requiredCount + excludedCount > 0 {
            var seen: UInt8 = 0
            for byte in value { seen |= flags[Int(byte)] }
            mask &= requiredMet[Int(seen) & ((1 << requiredCount) - 1)]
            if seen >> UInt8(requiredCount) != 0 {
                let exempt = masks[577 + requiredCount + excludedCount + Int(first)]
                for slot in 0..<excludedCount where seen & (1 << UInt8(requiredCount + slot)) != 0 {
                    mask &= ~masks[577 + requiredCount + slot] | exempt
                }
            }
        }
        return mask
    }
}
