import PalisadeCore

/// What a value's decode chain says about intent (docs/SCORING.md, "Context"): the encodings
/// between the request as sent and the value a detector judged.
///
/// Some encodings have no use but hiding bytes from a filter: overlong UTF-8 (`%c0%af` for `/`),
/// IIS-style `%u002e`. Browsers, HTTP libraries and API clients never produce them, and once decoded
/// they are gone: the detectors see a plain `/`. When a container (query, form, cookie, path) or a
/// transformation (`>url`) reports one, every value decoded out of it, at any depth, is marked, and
/// `Scoring.adjust` weighs its hits × 1.25: a lone `../` is an ordinary relative link (0.5), the
/// same `../` spelled `..%c0%af` is not.
///
/// A container's mark covers all its values, not only the parameter that carried the encoding (the
/// decoders report it per container): in `?a=%c0%ae&next=../img/x.png` the `next` link weighs 0.63
/// too. A request that hides one parameter's bytes was crafted, and its other values are read in
/// that light; an ordinary client never sends the first parameter.
///
/// Not on the list: double percent-encoding (nested URLs in redirect and callback parameters are
/// encoded twice by ordinary clients), and a NUL (it stays in the value, where the detectors weigh
/// it themselves: `path_traversal.nul_truncation`; counting it here too would count it twice).
public enum DecodeChain {
    /// The annotations that mark the values below their point.
    public static let evasiveCodes: [AnnotationCode] = [.overlongUTF8, .percentUnicode]

    /// Whether `code` is one of `evasiveCodes`: the names' lengths first (stored, no byte read),
    /// since every request's annotations are asked.
    @inline(__always)
    static func isEvasive(_ code: AnnotationCode) -> Bool {
        let count = code.rawValue.utf8.count
        if count == 17 { return code == .overlongUTF8 }  // url.overlong_utf8
        if count == 13 { return code == .percentUnicode }  // url.percent_u
        return false
    }

    /// The factor `Scoring.adjust` applies to hits on a marked value.
    public static let evasionFactor = 1.25

    /// Per point of `decoded`: whether an evasive annotation sits on one of its ancestors. Empty
    /// (no point marked) when the request has none, the usual case.
    public static func evasive(_ decoded: DecodedRequest) -> [Bool] {
        var annotated: [Int32] = []
        for annotation in decoded.annotations where annotation.point >= 0 && isEvasive(annotation.code) {
            annotated.append(annotation.point)
        }
        guard !annotated.isEmpty else { return [] }
        var marked = Array(repeating: false, count: decoded.points.count)
        decoded.points.withUnsafeBufferPointer { points in
            for index in points.indices {
                let parent = Int(points[index].parent)
                // Parents come before their children; a malformed parent index marks nothing.
                guard parent >= 0, parent < index else { continue }
                marked[index] = marked[parent] || annotated.contains(Int32(parent))
            }
        }
        return marked
    }
}
