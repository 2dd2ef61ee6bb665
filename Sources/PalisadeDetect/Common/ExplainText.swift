/// Text helpers for the detectors' `explain(_:)` functions (`palisade scan --explain`): bytes shown
/// printable and short, and a finding's headline.
enum ExplainText {
    /// `bytes` as printable text in backticks: control bytes escaped (`\r`, `\n`, `\t`, `\xNN`), cut
    /// at `limit` bytes with `…`.
    static func show<Bytes: Collection<UInt8>>(_ bytes: Bytes, limit: Int = 48) -> String {
        var out = "`"
        var count = 0
        for byte in bytes {
            if count == limit {
                out += "…"
                break
            }
            count += 1
            switch byte {
            case 0x0D: out += "\\r"
            case 0x0A: out += "\\n"
            case 0x09: out += "\\t"
            case 0x20..<0x7F: out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let digits = Array("0123456789abcdef")
                out += "\\x" + String(digits[Int(byte >> 4)]) + String(digits[Int(byte & 15)])
            }
        }
        return out + "`"
    }

    /// Bytes that end a URL written inside markup or quotes.
    static let quoteOrTag = ByteSet("\"'<>`")

    /// `value[range]` with the range clamped to the value (readings may point just outside it).
    static func slice(_ value: ArraySlice<UInt8>, _ range: Range<Int>) -> ArraySlice<UInt8> {
        let lower = min(max(range.lowerBound, value.startIndex), value.endIndex)
        let upper = min(max(range.upperBound, lower), value.endIndex)
        return value[lower..<upper]
    }

    /// `family: rule confidence — excerpt`, or `family: nothing`.
    static func verdict(_ family: String, _ finding: (some ExplainedFinding)?, in value: ArraySlice<UInt8>) -> String {
        guard let finding, finding.confidence > 0 else { return "\(family): nothing" }
        let excerpt = Evidence.excerpt(value, around: finding.range, fieldName: nil)
        return "\(family): \(finding.rule) \(finding.confidence) — \(excerpt)"
    }

    /// One `name: rule confidence at \`matched\`` line per reading of an execution-family
    /// detector that found something, each run on its own.
    static func readings(
        _ scans: [(String, (ArraySlice<UInt8>, inout ExecBest) -> Void)], in value: ArraySlice<UInt8>
    ) -> [String] {
        var lines: [String] = []
        for (name, scan) in scans {
            var best = ExecBest()
            scan(value, &best)
            guard best.confidence > 0 else { continue }
            lines.append("\(name): \(best.rule) \(best.confidence) at " + show(slice(value, best.range), limit: 64))
        }
        return lines
    }
}

/// What every detector's finding carries: the strongest reading's confidence, rule and range.
protocol ExplainedFinding {
    var confidence: Double { get }
    var rule: String { get }
    var range: Range<Int> { get }
}

extension NetFinding: ExplainedFinding {}
extension ExecBest: ExplainedFinding {}
extension RCEDetector.Finding: ExplainedFinding {}
extension CodeInjectionDetector.Finding: ExplainedFinding {}
extension SSTIDetector.Finding: ExplainedFinding {}
extension JNDIDetector.Finding: ExplainedFinding {}
extension DeserializationDetector.Finding: ExplainedFinding {}

extension ExplainText {
}
