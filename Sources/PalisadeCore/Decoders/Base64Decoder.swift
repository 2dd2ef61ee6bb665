/// Base64 (standard alphabet) and Base64url, unwrapped only when the value looks like Base64 and
/// decodes to something meaningful.
///
/// Sniffed values must pass every test, cheapest first and without allocating:
/// - 12 or more characters (8 with padding), one alphabet only (`+/` or `-_`, never both),
///   padding only at the end, length mod 4 ≠ 1;
/// - not a plain word: all letters of one case, all digits, or all hex (with dashes: UUIDs);
/// - the decoded bytes are valid UTF-8 with at least 90% printable (child kind `.text`), or
///   start with a known binary signature (gzip, zlib, Java serialization, .NET BinaryFormatter,
///   Python pickle, PNG, JPEG, GIF, PDF, ZIP; child kind `.binary`).
///
/// A `data:<type>;base64,` URI is decoded after the comma whatever its content; its media type
/// becomes the child's declared content type (so `data:application/json;base64,…` is decoded
/// as JSON). When declared, MIME line breaks are allowed and any content is accepted.
public struct Base64Decoder: ValueDecoder {
    public let name = "base64"
    public let isContainer = false
    /// An alphabet character (either alphabet) or the `d` of `data:` first; 8 bytes at least;
    /// nothing but alphabet characters and `=`, unless it starts with the `d` of `data:`.
    public var sniffGate: SniffGate {
        let alphabet = ByteSet(where: { Base64.sextet($0, alphabet: .either) != nil })
        return SniffGate(
            first: alphabet, minCount: 8, only: alphabet.union(ByteSet([UInt8(ascii: "=")])),
            onlyUnlessFirst: ByteSet("dD".utf8))
    }

    public init() {}

    public func decode(_ input: ArraySlice<UInt8>, context: DecodeContext, budget: inout DecodeBudget) -> Decoded? {
        guard let first = input.first else { return nil }
        // Cheap rejection: a data URI or an alphabet character must come first.
        if first == UInt8(ascii: "d") || first == UInt8(ascii: "D"), Bytes.hasPrefixIgnoringCase(input, "data:") {
            return decodeDataURI(input, budget: &budget)
        }
        if context.declared { return decodeDeclared(input, budget: &budget) }
        guard input.count >= 8, Base64.sextet(first, alphabet: .either) != nil else { return nil }
        // `isPlausibleEncoding` in advance, from the length alone: padding only ever ends a value
        // `Shape` accepts, and without it 12 characters are needed.
        guard input.count >= 12 || input.last == UInt8(ascii: "=") else { return nil }
        var data = input
        var padding = 0
        while padding < 2, data.last == UInt8(ascii: "=") {
            data = data.dropLast()
            padding += 1
        }
        // What the bytes decode to usually settles it within a few bytes (both alphabets decode
        // alike); the full character scan runs only for values that pass.
        guard let kind = Self.sniffContent(data, alphabet: .either), let shape = Shape(input),
            shape.isPlausibleEncoding, !shape.isPlainWord
        else { return nil }
        return emit(data, alphabet: shape.alphabet, kind: kind, budget: &budget)
    }

    /// Decodes `data` (no padding) into one child, taking its size from the budget.
    private func emit(
        _ data: ArraySlice<UInt8>, alphabet: Base64.Alphabet, kind: ValueKind?, contentType: String? = nil,
        budget: inout DecodeBudget
    ) -> Decoded? {
        let size = Self.decodedCount(data.count)
        guard size > 0 else { return nil }
        guard budget.consume(size) else {
            return Decoded(
                children: [], annotations: [Annotation(.limitBytes, detail: "base64", value: size)])
        }
        guard let bytes = Base64.decode(data, alphabet: alphabet) else { return nil }
        let childKind = kind ?? (DecodedContent.isMostlyText(bytes) ? .text : .binary)
        return Decoded(children: [Child(path: "", value: bytes, kind: childKind, contentType: contentType)])
    }

    /// `data:[<media type>][;param…];base64,<data>`.
    private func decodeDataURI(_ input: ArraySlice<UInt8>, budget: inout DecodeBudget) -> Decoded? {
        // The header is short; do not scan a long value for a comma that is not there.
        let headerEnd = min(input.endIndex, input.startIndex + 256)
        guard let comma = input[..<headerEnd].firstIndex(of: UInt8(ascii: ",")) else { return nil }
        let header = input[(input.startIndex + 5)..<comma]
        guard header.count >= 7, Bytes.hasPrefixIgnoringCase(header.suffix(7), ";base64") else { return nil }
        var data = input[(comma + 1)...]
        var padding = 0
        while padding < 2, data.last == UInt8(ascii: "=") {
            data = data.dropLast()
            padding += 1
        }
        guard !data.isEmpty, let alphabet = Shape.alphabet(of: data) else { return nil }
        let mediaType = header.dropLast(7).split(separator: UInt8(ascii: ";"), maxSplits: 1).first ?? []
        let contentType = mediaType.isEmpty ? nil : Bytes.lowercased(String(decoding: mediaType, as: UTF8.self))
        let kind: ValueKind? =
            DecodedContent.signature(Self.prefix(of: data, alphabet: alphabet)) == nil ? nil : .binary
        return emit(data, alphabet: alphabet, kind: kind, contentType: contentType, budget: &budget)
    }

    /// Declared Base64 (a `Content-Transfer-Encoding: base64` part): line breaks allowed.
    private func decodeDeclared(_ input: ArraySlice<UInt8>, budget: inout DecodeBudget) -> Decoded? {
        var compact = input.filter { !Bytes.isSpace($0) }[...]
        var padding = 0
        while padding < 2, compact.last == UInt8(ascii: "=") {
            compact = compact.dropLast()
            padding += 1
        }
        guard !compact.isEmpty, let alphabet = Shape.alphabet(of: compact)
        else { return nil }
        let kind: ValueKind? =
            DecodedContent.signature(Self.prefix(of: compact, alphabet: alphabet)) == nil ? nil : .binary
        return emit(compact, alphabet: alphabet, kind: kind, budget: &budget)
    }

    /// Bytes decoded from `count` Base64 characters without padding.
    static func decodedCount(_ count: Int) -> Int {
        count / 4 * 3 + max(count % 4 - 1, 0)
    }

    /// The first decoded bytes (up to 12) without decoding the rest.
    static func prefix(of data: ArraySlice<UInt8>, alphabet: Base64.Alphabet) -> [UInt8] {
        var head = data.prefix(16)
        if head.count % 4 == 1 { head = head.dropLast() }
        return Base64.decode(head, alphabet: alphabet) ?? []
    }

    /// What `data` (valid Base64 characters, no padding) decodes to, without allocating:
    /// `.binary` for a known signature, `.text` for printable UTF-8, nil for anything else.
    static func sniffContent(_ data: ArraySlice<UInt8>, alphabet: Base64.Alphabet) -> ValueKind? {
        let total = decodedCount(data.count)
        guard total > 0 else { return nil }
        var headCount = min(total, 16)
        var scan = UTF8TextScan(expectedCount: total)
        var head = SIMD16<UInt8>()
        var produced = 0
        var accumulator: UInt32 = 0
        var bits = 0
        for byte in data {
            guard let value = Base64.sextet(byte, alphabet: alphabet) else { return nil }
            accumulator = accumulator << 6 | UInt32(value)
            bits += 6
            guard bits >= 8 else { continue }
            bits -= 8
            let decoded = UInt8(truncatingIfNeeded: accumulator >> UInt32(bits))
            if produced >= headCount {
                produced += 1
                guard scan.feed(decoded) else { return nil }
                continue
            }
            // A first byte no signature starts with: the bytes can only be text, read as such from
            // here (most values sniffed as Base64 are ids and hex that fail within a few bytes).
            if produced == 0, !DecodedContent.mayStartSignature(decoded) {
                headCount = 0
                produced = 1
                guard scan.feed(decoded) else { return nil }
                continue
            }
            // The first bytes: a signature, else the start of the text check.
            head[produced] = decoded
            produced += 1
            guard produced == headCount else { continue }
            if let signature = DecodedContent.signature(head, count: headCount) {
                // Pickles end with STOP ('.'): check the last byte before trusting two magic bytes.
                if signature == .pickle { return lastDecodedByte(data, alphabet: alphabet) == 0x2E ? .binary : nil }
                return .binary
            }
            for i in 0..<headCount where !scan.feed(head[i]) { return nil }
        }
        return scan.finish() ? .text : nil
    }

    /// The last byte `data` decodes to.
    private static func lastDecodedByte(_ data: ArraySlice<UInt8>, alphabet: Base64.Alphabet) -> UInt8? {
        let tailCount = data.count % 4 == 0 ? 4 : data.count % 4
        return Base64.decode(data.suffix(tailCount), alphabet: alphabet)?.last
    }
}

/// The character-level shape of a candidate Base64 value, found in one pass without allocating.
private struct Shape {
    var alphabet: Base64.Alphabet = .either
    var padding = 0
    var dataCount = 0
    var hasLower = false
    var hasUpper = false
    var hasDigit = false
    /// Any of `+/-_`.
    var hasSymbol = false
    /// Only hex digits and dashes (hex ids, UUIDs, plain numbers).
    var isHexOrDash = true

    init?(_ input: ArraySlice<UInt8>) {
        var standard = false
        var url = false
        for byte in input {
            if byte == UInt8(ascii: "=") {
                padding += 1
                if padding > 2 { return nil }
                continue
            }
            if padding > 0 { return nil }
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "f"):
                hasLower = true
            case UInt8(ascii: "g")...UInt8(ascii: "z"):
                hasLower = true
                isHexOrDash = false
            case UInt8(ascii: "A")...UInt8(ascii: "F"):
                hasUpper = true
            case UInt8(ascii: "G")...UInt8(ascii: "Z"):
                hasUpper = true
                isHexOrDash = false
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                hasDigit = true
            case UInt8(ascii: "+"), UInt8(ascii: "/"):
                standard = true
                hasSymbol = true
                isHexOrDash = false
            case UInt8(ascii: "-"):
                url = true
                hasSymbol = true
            case UInt8(ascii: "_"):
                url = true
                hasSymbol = true
                isHexOrDash = false
            default:
                return nil
            }
            dataCount += 1
        }
        if standard && url { return nil }
        alphabet = standard ? .standard : url ? .url : .either
    }

    var isPlausibleEncoding: Bool {
        let total = dataCount + padding
        if padding > 0 { return total >= 8 && total % 4 == 0 && dataCount % 4 != 1 }
        return total >= 12 && dataCount % 4 != 1
    }

    /// A word, a number, or a hex id: valid Base64 characters, but not Base64.
    var isPlainWord: Bool {
        if isHexOrDash { return true }
        return !hasSymbol && !hasDigit && hasLower != hasUpper
    }

    /// The one alphabet `data` uses (no padding inside), nil if it mixes them or has other bytes.
    static func alphabet(of data: ArraySlice<UInt8>) -> Base64.Alphabet? {
        var standard = false
        var url = false
        for byte in data {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"):
                continue
            case UInt8(ascii: "+"), UInt8(ascii: "/"): standard = true
            case UInt8(ascii: "-"), UInt8(ascii: "_"): url = true
            default: return nil
            }
        }
        if standard && url { return nil }
        return standard ? .standard : url ? .url : .either
    }
}

/// Judging decoded bytes: text, a known binary format, or neither. Shared by the binary decoders.
enum DecodedContent {
    /// Binary formats worth unwrapping or flagging when found inside an encoding.
    enum Signature: Sendable, Equatable {
        case gzip, zlib, javaSerialization, dotNetBinaryFormatter, pickle, png, jpeg, gif, pdf, zip
    }

    /// Valid UTF-8 with at least 90% printable bytes. `allowTruncatedTail` accepts a multi-byte
    /// sequence cut by a limit at the very end.
    static func isMostlyText<C: Collection<UInt8>>(_ bytes: C, allowTruncatedTail: Bool = false) -> Bool {
        var scan = UTF8TextScan(expectedCount: bytes.count)
        for byte in bytes where !scan.feed(byte) { return false }
        return scan.finish(allowTruncatedTail: allowTruncatedTail)
    }

    /// Valid UTF-8 without a single control character other than tab, CR and LF.
    static func isCleanText<C: Collection<UInt8>>(_ bytes: C) -> Bool {
        var scan = UTF8TextScan(expectedCount: 0)
        for byte in bytes where !scan.feed(byte) { return false }
        return scan.finish()
    }

    static func signature(_ bytes: [UInt8]) -> Signature? {
        var head = SIMD16<UInt8>()
        let count = min(bytes.count, 16)
        for i in 0..<count { head[i] = bytes[i] }
        return signature(head, count: count)
    }

    /// Whether some signature starts with `byte`: `signature` finds none in bytes starting with
    /// any other.
    static func mayStartSignature(_ byte: UInt8) -> Bool {
        switch byte {
        case 0x1F, 0x78, 0xAC, 0x00, 0x80, 0x89, 0xFF, 0x47, 0x25, 0x50: true
        default: false
        }
    }

    /// The signature the first `count` bytes of `head` start with.
    static func signature(_ head: SIMD16<UInt8>, count: Int) -> Signature? {
        func starts(_ magic: [UInt8]) -> Bool {
            guard count >= magic.count else { return false }
            for (i, byte) in magic.enumerated() where head[i] != byte { return false }
            return true
        }
        guard count >= 2 else { return nil }
        switch head[0] {
        case 0x1F: return head[1] == 0x8B ? .gzip : nil
        case 0x78: return [0x01, 0x5E, 0x9C, 0xDA].contains(head[1]) ? .zlib : nil
        case 0xAC: return starts(Magic.java) ? .javaSerialization : nil
        case 0x00: return starts(Magic.dotNet) ? .dotNetBinaryFormatter : nil
        case 0x80: return (0x02...0x05).contains(head[1]) ? .pickle : nil
        case 0x89: return starts(Magic.png) ? .png : nil
        case 0xFF: return starts(Magic.jpeg) ? .jpeg : nil
        case 0x47: return starts(Magic.gif87) || starts(Magic.gif89) ? .gif : nil
        case 0x25: return starts(Magic.pdf) ? .pdf : nil
        case 0x50: return starts(Magic.zip) || starts(Magic.emptyZip) ? .zip : nil
        default: return nil
        }
    }

    private enum Magic {
        static let java: [UInt8] = [0xAC, 0xED, 0x00, 0x05]
        static let dotNet: [UInt8] = [0x00, 0x01, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0xFF]
        static let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        static let jpeg: [UInt8] = [0xFF, 0xD8, 0xFF]
        static let gif87: [UInt8] = Array("GIF87a".utf8)
        static let gif89: [UInt8] = Array("GIF89a".utf8)
        static let pdf: [UInt8] = Array("%PDF-".utf8)
        static let zip: [UInt8] = [0x50, 0x4B, 0x03, 0x04]
        static let emptyZip: [UInt8] = [0x50, 0x4B, 0x05, 0x06]
    }
}

/// Streaming check that bytes are valid UTF-8 and at least 90% printable (ASCII printable, tab,
/// CR, LF, or part of a multi-byte character). Gives up as soon as either cannot hold.
struct UTF8TextScan {
    /// Non-printable bytes allowed for the whole input.
    private let allowance: Int
    private var nonPrintable = 0
    private var pending = 0
    private var low: UInt8 = 0x80
    private var high: UInt8 = 0xBF
    private(set) var count = 0

    init(expectedCount: Int) {
        allowance = expectedCount / 10
    }

    /// Takes one byte; false once the input can no longer be text.
    @inline(__always)
    mutating func feed(_ byte: UInt8) -> Bool {
        count += 1
        if pending > 0 {
            guard byte >= low, byte <= high else { return false }
            pending -= 1
            low = 0x80
            high = 0xBF
            return true
        }
        switch byte {
        case 0x20...0x7E, 0x09, 0x0A, 0x0D:
            return true
        case 0x00...0x1F, 0x7F:
            nonPrintable += 1
            return nonPrintable <= allowance
        case 0xC2...0xDF:
            pending = 1
        case 0xE0:
            pending = 2
            low = 0xA0
        case 0xED:
            pending = 2
            high = 0x9F
        case 0xE1...0xEC, 0xEE...0xEF:
            pending = 2
        case 0xF0:
            pending = 3
            low = 0x90
        case 0xF1...0xF3:
            pending = 3
        case 0xF4:
            pending = 3
            high = 0x8F
        default:
            return false  // continuation without a lead, overlong lead, or beyond U+10FFFF
        }
        return true
    }

    /// Whether everything fed was text.
    func finish(allowTruncatedTail: Bool = false) -> Bool {
        count > 0 && (pending == 0 || allowTruncatedTail) && nonPrintable <= count / 10
    }
}
