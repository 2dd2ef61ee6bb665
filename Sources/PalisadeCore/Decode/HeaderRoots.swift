/// The request header names the engine knows, looked up over a name's bytes (ASCII
/// case-insensitively) without building, lowercasing or hashing a `String`: with a dictionary of
/// locations, a lowercase copy, the skip check and the segment hints worked out per header, making
/// a header root cost ~850 instructions before its value was even copied.
///
/// For each known name: whether its header is skipped, read as the `cookie` root or made a
/// `header.<name>` root — its location and `SegmentHints` built once, exactly as the engine would
/// build them for any other name (`LocationPath.appending(key:to:)`, `Point.hints`).
struct HeaderRoots: Sendable {
    enum Role: UInt8, Sendable {
        /// A `header.<name>` root.
        case root
        /// Framing and hop-by-hop fields the gateway already validated: never decoded.
        case skipped
        /// Decoded as the `cookie` root.
        case cookie
    }

    /// Headers whose first value the engine reads for the body.
    enum Noted: UInt8, Sendable { case no, contentType, contentEncoding }

    struct Entry: Sendable {
        /// The name, lowercase: the root's field name.
        let name: String
        let role: Role
        let noted: Noted
        /// `header.<name>` (roots only).
        let segment: String
        /// `Point.hints` of `segment`.
        let hints: UInt8
    }

    /// Headers never worth decoding.
    static let skippedNames = [
        "content-length", "connection", "keep-alive", "transfer-encoding", "te", "upgrade",
    ]

    /// Common request header names, made roots.
    static let rootNames = [
        "accept", "accept-charset", "accept-encoding", "accept-language", "authorization", "cache-control",
        "content-encoding", "content-type", "dnt", "forwarded", "host", "if-match", "if-modified-since",
        "if-none-match", "origin", "pragma", "priority", "referer", "sec-ch-ua", "sec-ch-ua-mobile",
        "sec-ch-ua-platform", "sec-fetch-dest", "sec-fetch-mode", "sec-fetch-site", "sec-fetch-user",
        "upgrade-insecure-requests", "user-agent", "via", "x-api-key", "x-correlation-id", "x-csrf-token",
        "x-forwarded-for", "x-forwarded-host", "x-forwarded-proto", "x-real-ip", "x-request-id",
        "x-requested-with",
        // Tracing and proxy headers gateways add to every request.
        "traceparent", "tracestate", "baggage", "b3", "x-b3-traceid", "x-b3-spanid", "x-b3-parentspanid",
        "x-b3-sampled", "x-amzn-trace-id", "x-cloud-trace-context", "x-forwarded-port", "x-forwarded-prefix",
        "x-forwarded-server", "x-client-ip", "true-client-ip", "cf-connecting-ip", "cf-ray", "cdn-loop",
    ]

    static let standard = HeaderRoots()

    let entries: [Entry]
    /// `entries`' names, concatenated: entry `i`'s bytes are `names[nameStarts[i]..<nameStarts[i + 1]]`.
    private let names: [UInt8]
    private let nameStarts: [Int32]
    /// Open addressing, linear probing: an index into `entries`, or -1.
    private let slots: [Int16]
    private let longest: Int

    private static let slotCount = 256

    private init() {
        var entries: [Entry] = []
        for name in Self.rootNames {
            let segment = LocationPath.appending(key: name, to: "header")
            entries.append(
                Entry(
                    name: name, role: .root,
                    noted: name == "content-type" ? .contentType : name == "content-encoding" ? .contentEncoding : .no,
                    segment: segment, hints: Point.hints(key: segment, marker: 0, decoderID: 0)))
        }
        for name in Self.skippedNames {
            entries.append(Entry(name: name, role: .skipped, noted: .no, segment: "", hints: 0))
        }
        entries.append(Entry(name: "cookie", role: .cookie, noted: .no, segment: "", hints: 0))
        var slots = Array(repeating: Int16(-1), count: Self.slotCount)
        var names: [UInt8] = []
        var nameStarts: [Int32] = [0]
        for (index, entry) in entries.enumerated() {
            let bytes = Array(entry.name.utf8)
            var slot = bytes.withUnsafeBufferPointer(Self.slot)
            while slots[slot] >= 0 { slot = (slot + 1) & (Self.slotCount - 1) }
            slots[slot] = Int16(index)
            names += bytes
            nameStarts.append(Int32(names.count))
        }
        self.entries = entries
        self.names = names
        self.nameStarts = nameStarts
        self.slots = slots
        self.longest = entries.map(\.name.utf8.count).max() ?? 0
    }

    /// A slot from the length and four of the bytes, ASCII letters folded to lowercase (`| 0x20`
    /// folds some other pairs too: the comparison decides). Hashing every byte cost more than
    /// the rare extra probe.
    private static func slot(_ name: UnsafeBufferPointer<UInt8>) -> Int {
        let count = name.count
        let first = UInt32(name[0] | 0x20)
        let middle = UInt32(name[count / 2] | 0x20)
        let late = UInt32(name[count * 3 / 4] | 0x20)
        let last = UInt32(name[count - 1] | 0x20)
        var hash = UInt32(truncatingIfNeeded: count) &* 0x9E37_79B1
        hash ^= first &* 0x85EB_CA77
        hash ^= middle &* 0xC2B2_AE3D
        hash ^= late &* 0x27D4_EB2F
        hash ^= last &* 0x1656_67B1
        hash ^= hash >> 15
        return Int(hash & UInt32(slotCount - 1))
    }

    /// The lowercase name of the entry whose bytes are exactly `name` (`CaptureRecord.Header.knownName`).
    func knownName(_ name: UnsafeBufferPointer<UInt8>) -> String? {
        index(of: name, exact: true).map { entries[$0].name }
    }

    /// The entry for a header name, any ASCII case; nil for a name not in the table.
    func entry(for name: String) -> Entry? {
        index(for: name).map { entries[$0] }
    }

    /// The position in `entries` of a header name's entry, any ASCII case; nil for a name not in
    /// the table. The engine reads the entry's fields in place: a copy of the entry retained and
    /// released its segment string, for every header of every request.
    func index(for name: String) -> Int? {
        let index: Int?? = name.utf8.withContiguousStorageIfAvailable { self.index(of: $0) }
        if let index { return index }
        // Bridged or otherwise non-contiguous strings: over a copy of the bytes.
        return Array(name.utf8).withUnsafeBufferPointer { self.index(of: $0) }
    }

    /// `exact`: the name's bytes as they are (lowercase) only, not any ASCII case.
    private func index(of name: UnsafeBufferPointer<UInt8>, exact: Bool = false) -> Int? {
        let count = name.count
        guard count > 0, count <= longest else { return nil }
        var slot = Self.slot(name)
        return names.withUnsafeBufferPointer { names in
            nameStarts.withUnsafeBufferPointer { starts in
                slots.withUnsafeBufferPointer { slots in
                    while true {
                        let index = Int(slots[slot])
                        guard index >= 0 else { return nil }
                        let start = Int(starts[index])
                        if Int(starts[index + 1]) - start == count {
                            let entry = UnsafeBufferPointer(rebasing: names[start..<(start + count)])
                            // Names usually come lowercase: compared as they are first.
                            if Bytes.equal(entry, name) || (!exact && Self.equalsLowercase(entry, name)) {
                                return index
                            }
                        }
                        slot = (slot + 1) & (Self.slotCount - 1)
                    }
                }
            }
        }
    }

    /// Whether `name` lowercased (ASCII) equals `lowercase` (same length).
    private static func equalsLowercase(_ lowercase: UnsafeBufferPointer<UInt8>, _ name: UnsafeBufferPointer<UInt8>)
        -> Bool
    {
        for index in 0..<name.count {
            let byte = name[index]
            if byte != lowercase[index], Bytes.lower(byte) != lowercase[index] { return false }
        }
        return true
    }
}
