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
        let key = JWTCache.Key(input, fieldName: context.fieldName, limit: budget.limits.maxStructureDepth)
        if let key, let decoded = cache.replay(key, budget: &budget) { return decoded }
        var charges = JWTCharges()
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
        charges: inout JWTCharges
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

/// What decoding a token asked of the budget, in order: the header's decoded size checked against
/// the allowance, its JSON children charged; the same for the payload of a JWS. A token is
/// remembered only when every step succeeded (both parts, or a JWE's header, fit the allowance and
/// were charged in full, no limit hit); replaying checks the same conditions against the current
/// budget in the same order and makes the same charges.
struct JWTCharges: ReplayCharges {
    var headerSize = 0
    var headerCharged: Int?
    var hasPayload = false
    var payloadSize = 0
    var payloadCharged: Int?

    /// Whether every step succeeded, so that the budget's only change was the charges.
    var replayable: Bool { headerCharged != nil && (!hasPayload || payloadCharged != nil) }

    func replay(on budget: inout DecodeBudget) -> Bool {
        guard let headerCharged else { return false }
        var remaining = budget.remainingBytes
        guard headerSize <= remaining, headerCharged <= remaining else { return false }
        remaining -= headerCharged
        if hasPayload {
            guard let payloadCharged, payloadSize <= remaining, payloadCharged <= remaining else { return false }
        }
        _ = budget.consume(headerCharged)
        if let payloadCharged { _ = budget.consume(payloadCharged) }
        return true
    }
}

/// Recently decoded tokens (`JWTDecoder`); the limit in the key is `maxStructureDepth`.
typealias JWTCache = DecodeReplayCache<JWTCharges>
