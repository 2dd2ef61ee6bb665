/// Gzip (RFC 1952) values and bodies, inflated within the request's decompression allowance.
///
/// Sniffed when the value starts with `1f 8b 08` and reserved flag bits are clear; applied by
/// the engine for `Content-Encoding: gzip`. Several members are inflated one after the other
/// (at most `Inflate.maxMembers`). Output is capped at `budget.decompressionCap(inputCount:)`:
/// a bomb stops there with `limit.ratio` (or `limit.bytes` when the request's byte allowance
/// was the tighter bound) and what was produced is kept. Corrupt or truncated streams keep what
/// inflated and are annotated `malformed`.
public struct GzipDecoder: ValueDecoder {
    public let name = "gzip"
    public let isContainer = false
    /// The gzip magic byte and a full header.
    public var sniffGate: SniffGate { SniffGate(first: ByteSet([0x1F]), minCount: 10) }

    public init() {}

    public func decode(_ input: ArraySlice<UInt8>, context: DecodeContext, budget: inout DecodeBudget) -> Decoded? {
        guard Self.hasHeader(input) else { return nil }
        return BoundedInflation.run(input, format: .gzip, label: name, budget: &budget).decoded
    }

    /// `1f 8b 08` (deflate) with the reserved FLG bits clear.
    static func hasHeader(_ input: ArraySlice<UInt8>) -> Bool {
        guard input.count >= 10 else { return false }
        let start = input.startIndex
        return input[start] == 0x1F && input[start + 1] == 0x8B && input[start + 2] == 0x08
            && input[start + 3] & 0xE0 == 0
    }
}

extension AnnotationCode {
    /// Bytes after the end of a compressed stream (hidden content, or a second stream).
    public static let compressionTrailingData: AnnotationCode = "compression.trailing_data"
}

/// One capped inflation and what it means for the budget and the annotations.
struct BoundedInflation {
    var bytes: [UInt8]
    var ending: Inflate.Ending
    var annotations: [Annotation]

    /// The transformation result: nil when nothing came out and no limit was hit.
    var decoded: Decoded? {
        if bytes.isEmpty {
            return ending == .capped ? Decoded(children: [], annotations: annotations) : nil
        }
        let kind: ValueKind =
            DecodedContent.isMostlyText(bytes, allowTruncatedTail: ending != .complete) ? .text : .binary
        return .transformed(bytes, kind: kind, annotations: annotations)
    }

    /// Inflates `input`, draws the output from the budget and records limits and malformations.
    static func run(
        _ input: ArraySlice<UInt8>, format: Inflate.Format, label: String, budget: inout DecodeBudget
    ) -> BoundedInflation {
        // Never nil when corrupt streams are accepted.
        run(input, format: format, label: label, rejectCorrupt: false, budget: &budget)
            ?? BoundedInflation(bytes: [], ending: .corrupt, annotations: [])
    }

    /// As `run`, but nil (and nothing drawn from the budget) for a corrupt stream when
    /// `rejectCorrupt`: a sniffed format that turns out not to be one.
    static func run(
        _ input: ArraySlice<UInt8>, format: Inflate.Format, label: String, rejectCorrupt: Bool,
        budget: inout DecodeBudget
    ) -> BoundedInflation? {
        let (byRatio, overflow) = input.count.multipliedReportingOverflow(by: budget.limits.maxExpansionRatio)
        let cap = budget.decompressionCap(inputCount: input.count)
        let bytesBound = !overflow && budget.remainingBytes < byRatio
        let result = Inflate.inflate(input, format: format, cap: cap)
        if rejectCorrupt, result.ending == .corrupt { return nil }
        var annotations: [Annotation] = []
        switch result.ending {
        case .complete:
            if result.tooManyMembers {
                annotations.append(
                    Annotation(
                        .malformed, detail: "\(label): more than \(Inflate.maxMembers) members", value: result.members))
            } else if result.trailing > 0 {
                annotations.append(
                    Annotation(
                        .compressionTrailingData, detail: "\(label): data after the stream", value: result.trailing))
            }
        case .capped:
            let limit: LimitKind = bytesBound ? .bytes : .ratio
            budget.hit(limit)
            annotations.append(Annotation(limit.annotationCode, detail: label, value: cap))
        case .truncated:
            annotations.append(Annotation(.malformed, detail: "\(label): truncated stream", value: result.bytes.count))
        case .corrupt:
            annotations.append(Annotation(.malformed, detail: "\(label): corrupt stream", value: result.bytes.count))
        }
        // The cap never exceeds what is left of the allowance, so this always succeeds.
        _ = budget.consume(result.bytes.count)
        return BoundedInflation(bytes: result.bytes, ending: result.ending, annotations: annotations)
    }
}
