/// Why a hit fired, in its detector's terms — the detail lines `palisade scan --explain` prints
/// under each hit. Each detector's `explain` function re-reads the value for this only; detection
/// never runs through here.
public enum HitExplanation {
    /// Why a hit fired, in the detector's own terms: the SQL tokens and walk of each reading, the
    /// XSS readings, the shell tokens of a command line, the folded path, the parsed host and its
    /// range, the XML declarations, the template expressions, the filter tokens, the resolved
    /// lookup, the injected header lines, the serialized format, the key path, the redirect target,
    /// the tool fingerprint; the GraphQL counts against their limits. `record`: the captured request,
    /// for hits on its headers and path (they are not all decoded points).
    public static func lines(for hit: Hit, in decoded: DecodedRequest, record: CaptureRecord? = nil) -> [String] {
        detectorLines(for: hit, in: decoded, record: record) + contextLines(for: hit, in: decoded)
    }

    /// How scoring weighed the hit where it was found (`Scoring.factors`): one line listing the
    /// factors, or none when the detector's figure was kept as it was.
    public static func contextLines(for hit: Hit, in decoded: DecodedRequest) -> [String] {
        let index = Int(hit.point)
        guard index >= 0, index < decoded.points.count else { return [] }
        var context = DetectionContext(
            source: decoded.source(of: index), kind: decoded.points[index].kind,
            fieldName: decoded.fieldName(of: index), depth: Int(decoded.points[index].depth), sensitivity: .default)
        let evasive = DecodeChain.evasive(decoded)
        context.evasiveChain = !evasive.isEmpty && evasive[index]
        let factors = Scoring.factors(for: hit.attackClass, context: context)
        guard !factors.isEmpty else { return [] }
        let listed = ContextFactors.all.filter { factors.contains($0) }.map {
            "× " + String($0.factor) + " (" + $0.reason + ")"
        }
        return ["scoring context: " + listed.joined(separator: ", ")]
    }

    /// The detector's own lines for `hit` (`lines` without the scoring context).
    public static func detectorLines(for hit: Hit, in decoded: DecodedRequest, record: CaptureRecord? = nil) -> [String]
    {
        let index = Int(hit.point)
        let point = index >= 0 && index < decoded.points.count ? decoded.points[index] : nil
        let field = point.flatMap { _ in decoded.fieldName(of: index) }
        let source = point.map { _ in decoded.source(of: index) } ?? .query
        let location = point.map { _ in decoded.location(of: index) } ?? hit.location
        let depth = point.map { Int($0.depth) } ?? 1
        guard let value = point?.value.prefix(4096) ?? requestValue(at: hit.location, in: record) else {
            return hit.attackClass == .graphqlAbuse ? graphQL(hit, decoded) : []
        }
        switch hit.attackClass {
        case .sqli: return SQLiDetector.explain(value, source: source, depth: depth)
        case .xss: return XSSDetector.explain(value, source: source, depth: depth)
        case .rce: return RCEDetector.explain(value, fieldName: field, source: source, depth: depth)
        case .codeInjection: return CodeInjectionDetector.explain(value)
        case .pathTraversal: return TraversalDetector.explain(value, fieldName: field, source: source)
        case .ssrf: return SSRFDetector.explain(value, fieldName: field, source: source)
        case .xxe: return XXEDetector.explain(value)
        case .ssti: return SSTIDetector.explain(value)
        case .nosqli:
            return NoSQLiDetector.explain(value, kind: point?.kind ?? .text, location: location, fieldName: field)
        case .ldapi: return LDAPInjectionDetector.explain(value, fieldName: field)
        case .xpathi: return XPathInjectionDetector.explain(value)
        case .jndi: return JNDIDetector.explain(value)
        case .crlf: return CRLFDetector.explain(value, fieldName: field, source: source)
        case .mailInjection: return MailInjectionDetector.explain(value, fieldName: field)
        case .deserialization: return DeserializationDetector.explain(value, fieldName: field)
        case .prototypePollution: return PrototypePollutionDetector.explain(value, location: location)
        case .openRedirect:
            return OpenRedirectDetector.explain(
                value, fieldName: field, source: source, requestHost: record.flatMap { $0.host ?? $0.header("host") })
        case .scanner: return ScannerDetector.explain(value, location: location)
        case .graphqlAbuse: return graphQL(hit, decoded)
        default: return []
        }
    }

    /// The raw value a request-level hit names: `header.<name>` or `path` of the captured request.
    static func requestValue(at location: String, in record: CaptureRecord?) -> ArraySlice<UInt8>? {
        guard let record else { return nil }
        if location == "path" { return Array(record.path.utf8).prefix(4096) }
        guard location.hasPrefix("header.") else { return nil }
        let name = location.dropFirst(7)
        for header in record.headers where header.name.lowercased() == name {
            return Array(header.value.utf8).prefix(4096)
        }
        return nil
    }

    /// The GraphQL annotations of the hit's point against their default limits.
    static func graphQL(_ hit: Hit, _ decoded: DecodedRequest) -> [String] {
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
            case .graphqlRepeatedField: limit = limits.repeats
            case .graphqlRepeatedMutation: limit = limits.mutationRepeats
            default: limit = nil
            }
            if let limit {
                lines.append("\(annotation.code): \(annotation.value) (default limit \(limit))")
            } else if annotation.code.rawValue.hasPrefix("graphql.") {
                lines.append("\(annotation.code): \(annotation.detail)")
            }
        }
        return lines
    }
}
