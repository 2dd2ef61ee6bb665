/// Inflates a gzip-encoded HTTP body (`Content-Encoding: gzip`) with a bound on the output, for
/// listeners that accept compressed uploads. A body that would inflate beyond `maxBytes` is
/// refused, never produced in full (no zip bombs).
public enum GzipBody {
    public enum Outcome: Sendable, Equatable {
        case inflated([UInt8])
        /// The inflated body would exceed `maxBytes`.
        case tooLarge
        /// Not valid gzip: bad header or data, a checksum mismatch, truncation, trailing bytes.
        case invalid(String)
    }

    public static func inflate(_ body: ArraySlice<UInt8>, maxBytes: Int) -> Outcome {
        guard body.count >= 2, body[body.startIndex] == 0x1F, body[body.startIndex + 1] == 0x8B else {
            return .invalid("not gzip data")
        }
        let result = Inflate.inflate(body, format: .gzip, cap: maxBytes)
        switch result.ending {
        case .capped: return .tooLarge
        case .truncated: return .invalid("truncated gzip data")
        case .corrupt: return .invalid("corrupt gzip data")
        case .complete:
            if result.tooManyMembers { return .invalid("too many gzip members") }
            if result.trailing > 0 { return .invalid("bytes after the gzip data") }
            return .inflated(result.bytes)
        }
    }
}
