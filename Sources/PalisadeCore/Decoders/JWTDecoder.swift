import Synchronization

/// JSON Web Tokens (RFC 7519), read and never verified.
///
/// Accepts `header.payload.signature` (JWS compact form, signature possibly empty) and the
/// 5-part JWE compact form, optionally after `Bearer ` (any case). The header must start with
/// `eyJ` (`{"` in Base64url); every part is Base64url. Header fields are emitted under
/// `{header}` (`>jwt{header}.alg`), payload claims exactly like JSON (`>jwt.sub`, `>jwt.a.b`,
/// `>jwt.roles[0]`); the signature is not emitted. Of a JWE only the header is readable.
///
/// `alg: none` (any case) is annotated `jwt.alg_none`. A part that is not valid JSON is
/// annotated `malformed`; a payload that is not JSON is still emitted whole at `{payload}`
/// (text or binary) so that whatever it carries is judged. Nil when neither part is JSON.
///
/// Clients send the same token with every request of a session, so a decoder remembers the
/// result for recent tokens (`JWTCache`) and replays it, budget charges included, when the same
/// bytes come again under the same field name and limits: same children, same annotations,
/// same budget left, as decoding again.
public struct JWTDecoder: ValueDecoder {
    public let name = "jwt"
    public let isContainer = true
    /// `eyJ…` or `Bearer …`, at least 10 bytes.
    public var sniffGate: SniffGate { SniffGate(first: ByteSet("Bbe".utf8), minCount: 10) }
    let cache = JWTCache()

    public init() {}

    public func decode(_ input: ArraySlice<UInt8>, context: DecodeContext, budget: inout DecodeBudget) -> Decoded? {
        guard let token = Self.token(input) else { return nil }
        let key = JWTCache.Key(input, fieldName: context.fieldName, maxStructureDepth: budget.limits.maxStructureDepth)
        if let key, let decoded = cache.replay(key, budget: &budget) { return decoded }
        var charges = JWTCache.Charges()
        guard var decoded = decodeToken(token, context: context, budget: &budget, charges: &charges) else { return nil }
        if let key, charges.replayable {
            cache.store(key, decoded: decoded, charges: charges)
            decoded.childrenShared = true
        }
        return decoded
    }

    /// Decodes the token (`token(_:)` of the value), recording in `charges` what it asked of the
    /// budget.
    private func decodeToken(
        _ token: ArraySlice<UInt8>, context: DecodeContext, budget: inout DecodeBudget,
        charges: inout JWTCache.Charges
    ) -> Decoded? {
        guard let parts = Self.split(token: token) else { return nil }
        var children: [Child] = []
        var annotations: [Annotation] = []
        let json = JSONFieldDecoder()
        var jsonContext = context
        jsonContext.declared = true
        jsonContext.contentType = nil

        // Header.
        var headerDecoded = false
        charges.headerSize = Base64Decoder.decodedCount(Self.unpadded(parts[0]).count)
        switch decodePart(parts[0], budget: &budget) {
        case .bytes(let bytes):
            let (decoded, charged) = json.decodeCharging(bytes[...], context: jsonContext, budget: &budget)
            charges.headerCharged = charged
            if let header = decoded {
                headerDecoded = true
                for var child in header.children {
                    child.path = LocationPath.joined("{header}", child.path)
                    if child.path == "{header}.alg", child.kind == .text,
                        Bytes.lowercased(String(decoding: child.value, as: UTF8.self)) == "none"
                    {
                        annotations.append(Annotation(.jwtAlgNone, detail: "alg: none"))
                    }
                    children.append(child)
                }
                annotations += header.annotations
            } else {
                annotations.append(Annotation(.malformed, detail: "jwt header: not JSON"))
            }
        case .limited(let annotation):
            annotations.append(annotation)
        case .invalid:
            annotations.append(Annotation(.malformed, detail: "jwt header: not Base64url"))
        }

        // Payload (JWS only; a JWE's second part is an encrypted key).
        var payloadDecoded = false
        if parts.count == 3 {
            charges.hasPayload = true
            charges.payloadSize = Base64Decoder.decodedCount(Self.unpadded(parts[1]).count)
            switch decodePart(parts[1], budget: &budget) {
            case .bytes(let bytes):
                let (decoded, charged) =
                    bytes.isEmpty ? (nil, nil) : json.decodeCharging(bytes[...], context: jsonContext, budget: &budget)
                charges.payloadCharged = charged
                if let payload = decoded {
                    payloadDecoded = true
                    // Claims sit at `.claim`; a payload that is a bare JSON scalar at `{payload}`.
                    for var child in payload.children {
                        if child.path.isEmpty { child.path = "{payload}" }
                        children.append(child)
                    }
                    annotations += payload.annotations
                } else {
                    annotations.append(Annotation(.malformed, detail: "jwt payload: not JSON"))
                    if headerDecoded, !bytes.isEmpty, budget.consume(bytes.count) {
                        let kind: ValueKind = DecodedContent.isMostlyText(bytes) ? .text : .binary
                        children.append(Child(path: "{payload}", value: bytes, kind: kind))
                    }
                }
            case .limited(let annotation):
                annotations.append(annotation)
            case .invalid:
                annotations.append(Annotation(.malformed, detail: "jwt payload: not Base64url"))
            }
        }
        guard headerDecoded || payloadDecoded else { return nil }
        return Decoded(children: children, annotations: annotations)
    }

    private enum Part {
        case bytes([UInt8])
        case limited(Annotation)
        case invalid
    }

    /// Base64url-decodes one part, provided the byte allowance can hold it.
    private func decodePart(_ part: ArraySlice<UInt8>, budget: inout DecodeBudget) -> Part {
        let data = Self.unpadded(part)
        let size = Base64Decoder.decodedCount(data.count)
        guard size <= budget.remainingBytes else {
            budget.hit(.bytes)
            return .limited(Annotation(.limitBytes, detail: "jwt", value: size))
        }
        guard let bytes = Base64.decode(data, alphabet: .url) else { return .invalid }
        return .bytes(bytes)
    }

    /// A part without its trailing `=` padding.
    private static func unpadded(_ part: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        var data = part
        while data.last == UInt8(ascii: "=") { data = data.dropLast() }
        return data
    }

    /// The token after an optional `Bearer ` prefix, if it starts like one (`eyJ`, 10 bytes or
    /// more); the cheap first test of `split`.
    static func token(_ input: ArraySlice<UInt8>) -> ArraySlice<UInt8>? {
        guard let first = input.first else { return nil }
        var token = input
        if first == UInt8(ascii: "B") || first == UInt8(ascii: "b") {
            guard Bytes.hasPrefixIgnoringCase(input, "bearer ") else { return nil }
            token = Bytes.trimmed(input.dropFirst(7))
        } else if first != UInt8(ascii: "e") {
            return nil
        }
        guard token.count >= 10, token[token.startIndex] == UInt8(ascii: "e"),
            token[token.startIndex + 1] == UInt8(ascii: "y"), token[token.startIndex + 2] == UInt8(ascii: "J")
        else { return nil }
        return token
    }

    /// The parts (3 or 5) of a token as `token(_:)` extracts it; nil if it is not shaped like a
    /// compact JWS/JWE. Does not allocate when it is not.
    static func split(token: ArraySlice<UInt8>) -> [ArraySlice<UInt8>]? {
        var dots = 0
        for byte in token {
            switch byte {
            case UInt8(ascii: "."):
                dots += 1
                if dots > 4 { return nil }
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "="):
                continue
            default:
                return nil
            }
        }
        guard dots == 2 || dots == 4 else { return nil }
        var parts: [ArraySlice<UInt8>] = []
        parts.reserveCapacity(dots + 1)
        var start = token.startIndex
        var index = token.startIndex
        while index < token.endIndex {
            if token[index] == UInt8(ascii: ".") {
                parts.append(token[start..<index])
                start = index + 1
            }
            index += 1
        }
        parts.append(token[start...])
        // The header, and a JWS payload, cannot be empty; a signature can (`alg: none`).
        guard !parts[0].isEmpty, dots == 4 || !parts[1].isEmpty else { return nil }
        return parts
    }
}

/// Recently decoded tokens (`JWTDecoder`), shared by the threads using one decoder: at most
/// `capacity` tokens of at most `maxTokenBytes` bytes, forgotten all at once when full.
///
/// A token is remembered only when decoding it touched the budget in the plain way: both parts
/// (the header of a JWE) fit the allowance and were charged in full, no limit hit. Replaying
/// checks the same conditions against the current budget in the same order and makes the same
/// charges; if any condition fails the token is decoded again, so a replayed result is always
/// what decoding would have produced.
final class JWTCache: Sendable {
    static let capacity = 256
    static let maxTokenBytes = 4096

    /// The input bytes and everything else the decode depends on, with their hash.
    struct Key: Sendable {
        let bytes: ArraySlice<UInt8>
        let fieldName: String?
        let maxStructureDepth: Int
        let hash: Int

        /// Nil for values too long to remember.
        init?(_ bytes: ArraySlice<UInt8>, fieldName: String?, maxStructureDepth: Int) {
            guard bytes.count <= JWTCache.maxTokenBytes else { return nil }
            var hash = UInt64(truncatingIfNeeded: maxStructureDepth) &+ 0x9E37_79B9_7F4A_7C15
            bytes.withUnsafeBytes { Self.mix($0, into: &hash) }
            if var name = fieldName {
                name.withUTF8 { Self.mix(UnsafeRawBufferPointer($0), into: &hash) }
            } else {
                hash = (hash ^ 0xFF) &* 0xFF51_AFD7_ED55_8CCD
            }
            self.bytes = bytes
            self.fieldName = fieldName
            self.maxStructureDepth = maxStructureDepth
            self.hash = Int(truncatingIfNeeded: hash ^ (hash >> 29))
        }

        /// Folds `raw` into `hash`, eight bytes at a time (multiply, rotate), its length last.
        /// Only the cache's slot: an entry's bytes, field name and limit are compared in full
        /// before it is replayed, so a collision, by chance or crafted, costs a decode and never
        /// a wrong result (the dictionary hashes this number again with its own seed). Swift's
        /// `Hasher` cost ~1,200 instructions per token here.
        static func mix(_ raw: UnsafeRawBufferPointer, into hash: inout UInt64) {
            let multiplier: UInt64 = 0x9FB2_1C65_1E98_DF25
            var offset = 0
            while offset + 8 <= raw.count {
                let word = raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
                hash = (hash ^ word) &* multiplier
                hash = hash << 23 | hash >> 41
                offset += 8
            }
            var tail: UInt64 = 0
            var shift: UInt64 = 0
            while offset < raw.count {
                tail |= UInt64(raw[offset]) << shift
                shift += 8
                offset += 1
            }
            hash = (hash ^ tail ^ UInt64(raw.count) << 56) &* multiplier
            hash ^= hash >> 32
        }

        /// Byte equality eight bytes at a time (the generic `elementsEqual` goes index by index).
        static func equal(_ a: [UInt8], _ b: ArraySlice<UInt8>) -> Bool {
            guard a.count == b.count else { return false }
            return a.withUnsafeBytes { x in
                b.withUnsafeBytes { y in
                    var offset = 0
                    while offset + 8 <= x.count {
                        guard
                            x.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
                                == y.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
                        else { return false }
                        offset += 8
                    }
                    while offset < x.count {
                        guard x[offset] == y[offset] else { return false }
                        offset += 1
                    }
                    return true
                }
            }
        }

        func matches(_ entry: Entry) -> Bool {
            entry.fieldName == fieldName && entry.maxStructureDepth == maxStructureDepth
                && Self.equal(entry.bytes, bytes)
        }
    }

    /// What decoding a token asked of the budget, in order: the header's decoded size checked
    /// against the allowance, its JSON children charged; the same for the payload of a JWS.
    struct Charges: Sendable {
        var headerSize = 0
        var headerCharged: Int?
        var hasPayload = false
        var payloadSize = 0
        var payloadCharged: Int?

        /// Whether every step succeeded, so that the budget's only change was the charges.
        var replayable: Bool { headerCharged != nil && (!hasPayload || payloadCharged != nil) }
    }

    struct Entry: Sendable {
        let bytes: [UInt8]
        let fieldName: String?
        let maxStructureDepth: Int
        let decoded: Decoded
        let charges: Charges
    }

    private let entries = Mutex<[Int: Entry]>([:])

    init() {}

    /// Tokens remembered now.
    var count: Int { entries.withLock { $0.count } }

    /// The remembered result for `key`, its charges made, if the budget lets every step succeed
    /// as it did the first time; else nil and the budget untouched.
    func replay(_ key: Key, budget: inout DecodeBudget) -> Decoded? {
        guard let entry = entries.withLock({ $0[key.hash] }), key.matches(entry),
            let headerCharged = entry.charges.headerCharged
        else { return nil }
        let charges = entry.charges
        var remaining = budget.remainingBytes
        guard charges.headerSize <= remaining, headerCharged <= remaining else { return nil }
        remaining -= headerCharged
        if charges.hasPayload {
            guard let payloadCharged = charges.payloadCharged, charges.payloadSize <= remaining,
                payloadCharged <= remaining
            else { return nil }
        }
        _ = budget.consume(headerCharged)
        if let payloadCharged = charges.payloadCharged { _ = budget.consume(payloadCharged) }
        var decoded = entry.decoded
        decoded.childrenShared = true
        return decoded
    }

    func store(_ key: Key, decoded: Decoded, charges: Charges) {
        let entry = Entry(
            bytes: Array(key.bytes), fieldName: key.fieldName, maxStructureDepth: key.maxStructureDepth,
            decoded: decoded, charges: charges)
        entries.withLock { entries in
            if entries.count >= Self.capacity, entries[key.hash] == nil { entries.removeAll(keepingCapacity: true) }
            entries[key.hash] = entry
        }
    }
}
