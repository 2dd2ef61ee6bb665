import PalisadeDetect

/// Human-readable rendering of a decoded request for `scan --explain`.
enum Explain {
    static func render(_ decoded: DecodedRequest, verdict: Verdict, record: CaptureRecord? = nil) -> String {
        var out = "  decoded values (\(decoded.points.count)):\n"
        for index in decoded.points.indices {
            let point = decoded.points[index]
            var ancestors = 0
            var parent = Int(point.parent)
            while parent >= 0, ancestors < 64 {
                ancestors += 1
                parent = Int(decoded.points[parent].parent)
            }
            let indent = String(repeating: "  ", count: ancestors + 2)
            var tags = [point.kind.description]
            if point.isContainer { tags.append("container") }
            out += indent + decoded.location(of: index) + "  [" + tags.joined(separator: ", ") + "]  "
            out += excerpt(point) + "\n"
        }
        if !verdict.hits.isEmpty {
            out += "  hits:\n"
            for hit in verdict.hits {
                out += "    \(hit.attackClass.rawValue) at \(hit.location): rule \(hit.rule), confidence "
                out += JSONWriter.format(hit.confidence, decimals: 2) + ", evidence " + JSONWriter.quoted(hit.evidence)
                out += "\n"
                for line in HitExplanation.lines(for: hit, in: decoded, record: record) {
                    out += "      " + line + "\n"
                }
            }
        }
        if !decoded.annotations.isEmpty {
            out += "  annotations:\n"
            for annotation in decoded.annotations {
                let location = annotation.point >= 0 ? decoded.location(of: Int(annotation.point)) : "request"
                out += "    \(annotation.code) at \(location)"
                if !annotation.detail.isEmpty { out += ": " + annotation.detail }
                if annotation.value != 0 { out += " (\(annotation.value))" }
                out += "\n"
            }
        }
        return out
    }

    /// The value as a quoted, escaped excerpt (binary shown as a byte count).
    static func excerpt(_ point: Point) -> String {
        if point.kind == .binary { return "<\(point.value.count) bytes>" }
        let limit = 120
        let text = String(decoding: point.value.prefix(limit), as: UTF8.self)
        return JSONWriter.quoted(text) + (point.value.count > limit ? "… (\(point.value.count) bytes)" : "")
    }
}
