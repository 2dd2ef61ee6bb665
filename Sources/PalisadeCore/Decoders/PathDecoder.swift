/// The raw URL path: `/v1/users;jsessionid=abc/42/..%2f` becomes `[0]`="v1", `[1]`="users",
/// `[1];jsessionid`="abc", `[2]`="42", `[3]`="../".
///
/// - One child per non-empty segment, at `[i]` (0-based over non-empty segments), split on `/`
///   before decoding, so an encoded `%2f` stays inside its segment.
/// - Matrix parameters (`;name=value`, RFC 3986 §3.3 and servlet `;jsessionid`) become children at
///   `[i];name` (names that are not plain identifiers as `[i];["…"]`), with the name also as a
///   `.key` child there; the segment's own value is the part before its first `;`. A parameter
///   without `=` is a name with an empty value.
/// - Everything is percent-decoded once (`+` stays `+`), overlong UTF-8 folded and NULs kept as in
///   `url`; deeper encodings are left to the `url` sniffer (`path[3]>url`).
/// - `.` and `..` are not normalized: detectors need to see them.
/// - Segments and parameters together are bounded by `maxPoints`, bytes by the budget.
public struct PathDecoder: ValueDecoder {
    public let name = "path"
    // Not a container: traversal spans segments (`/../../etc/passwd`), so the whole path stays judged.
    public let isContainer = false

    public init() {}

    public func decode(_ input: ArraySlice<UInt8>, context: DecodeContext, budget: inout DecodeBudget) -> Decoded? {
        var children: [Child] = []
        // One child per segment, most often: reserved up front instead of grown 1, 2, 4…
        var slashes = 0
        for byte in input where byte == UInt8(ascii: "/") { slashes += 1 }
        children.reserveCapacity(min(slashes + 1, 64))
        var log = Percent.FindingLog()
        var segments = 0
        var values = 0  // segments and matrix parameters, bounded by maxPoints
        var start = input.startIndex
        while start < input.endIndex {
            let end = input[start...].firstIndex(of: UInt8(ascii: "/")) ?? input.endIndex
            defer { start = end + 1 }
            let segment = input[start..<end]
            if segment.isEmpty { continue }
            if values >= budget.limits.maxPoints {
                budget.hit(.points)
                break
            }
            let indexPath = LocationPath.index(segments)
            let semicolon = segment.firstIndex(of: UInt8(ascii: ";")) ?? segment.endIndex
            var findings: Percent.Findings = []
            let value = Percent.decodeComponent(segment[..<semicolon], plusAsSpace: false, findings: &findings)
            guard budget.consume(value.count) else { break }
            log.note(findings, field: LocationPath.joined("path", indexPath))
            children.append(Child(path: indexPath, value: value, kind: .text))
            segments += 1
            values += 1
            guard semicolon < segment.endIndex else { continue }
            let matrix = Percent.PairReader(separator: UInt8(ascii: ";"))
            let complete = matrix.read(
                segment[(semicolon + 1)...],
                path: .custom {
                    LocationPath.joined(indexPath, ";", LocationPath.isPlain($0) ? $0 : LocationPath.key($0))
                },
                into: &children, log: &log, values: &values, budget: &budget)
            if !complete { break }
        }
        guard !children.isEmpty else { return nil }
        return Decoded(children: children, annotations: log.annotations)
    }
}
