/// One segment of a path template: a literal or a named parameter.
public enum TemplateSegment: Sendable, Hashable, CustomStringConvertible {
    case literal(String)
    case param(name: String, kind: SegmentKind)

    public var description: String {
        switch self {
        case .literal(let text): text
        case .param(let name, _): "{" + name + "}"
        }
    }

    public var isParam: Bool {
        if case .param = self { return true }
        return false
    }

    /// Renders `/a/{id}/b`; `/` for no segments.
    public static func render(_ segments: [TemplateSegment]) -> String {
        segments.isEmpty ? "/" : segments.reduce(into: "") { $0 += "/" + $1.description }
    }

    /// Parses `/users/{id}/orders/{uuid}`: `{…}` segments are parameters, named by their text
    /// (their kind taken from a known placeholder name, else `.param`).
    public static func parse(_ template: String) -> [TemplateSegment] {
        template.split(separator: "/").map { raw in
            if raw.count >= 2, raw.first == "{", raw.last == "}" {
                let name = String(raw.dropFirst().dropLast())
                let base = name.split(separator: "_").first.map(String.init) ?? name
                let kind = SegmentKind.allCases.first { $0 != .literal && $0.placeholderName == base } ?? .param
                return .param(name: name, kind: kind)
            }
            return .literal(String(raw))
        }
    }
}
