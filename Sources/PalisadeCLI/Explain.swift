import PalisadeDetect

/// Human-readable rendering of a decoded request for `scan --explain`.
enum Explain {
    static func render(_ decoded: DecodedRequest, verdict: Verdict) -> String {
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
                for line in details(of: hit, in: decoded) { out += "      " + line + "\n" }
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

    /// Why a hit fired, in the detector's own terms: the SQL tokens and walk of each reading, the
    /// XSS readings, the GraphQL counts against their limits; for the other detectors the rule,
    /// confidence and evidence on the hit line say it all.
    static func details(of hit: Hit, in decoded: DecodedRequest) -> [String] {
        let index = Int(hit.point)
        let value: ArraySlice<UInt8>? =
            index >= 0 && index < decoded.points.count ? decoded.points[index].value.prefix(4096) : nil
        switch hit.attackClass {
        case .sqli:
            return value.map { SQLiDetector.explain($0) } ?? []
        case .xss:
            return value.map { XSSDetector.explain($0) } ?? []
        case .graphqlAbuse:
            let limits = GraphQLAbuseDetector.Limits.default
            var lines: [String] = []
            for annotation in decoded.annotations where hit.point < 0 || annotation.point == hit.point {
                let limit: Int?
                switch annotation.code {
                case .graphqlDepth: limit = limits.depth
                case .graphqlAliases: limit = limits.aliases
                case .graphqlFields: limit = limits.fields
                case .graphqlBatch: limit = limits.operations
                case .graphqlDirectives: limit = limits.directives
                default: limit = nil
                }
                if let limit {
                    lines.append("\(annotation.code): \(annotation.value) (default limit \(limit))")
                } else if annotation.code.rawValue.hasPrefix("graphql.") {
                    lines.append("\(annotation.code): \(annotation.detail)")
                }
            }
            return lines
        default:
            return []
        }
    }

    /// The value as a quoted, escaped excerpt (binary shown as a byte count).
    static func excerpt(_ point: Point) -> String {
        if point.kind == .binary { return "<\(point.value.count) bytes>" }
        let limit = 120
        let text = String(decoding: point.value.prefix(limit), as: UTF8.self)
        return JSONWriter.quoted(text) + (point.value.count > limit ? "… (\(point.value.count) bytes)" : "")
    }
}
