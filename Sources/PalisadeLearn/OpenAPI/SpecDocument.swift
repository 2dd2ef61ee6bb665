import PalisadeCore
import Yams

/// Why an uploaded specification could not be read.
public struct SpecError: Error, Sendable, Equatable, CustomStringConvertible {
    public var reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { reason }
}

/// Reads an OpenAPI 3.x document (JSON, or YAML through Yams) into a `JSONValue` tree.
public enum SpecDocument {
    /// Bytes accepted; larger documents are refused.
    public static let maxBytes = 8 << 20

    public static func parse(_ text: String) throws(SpecError) -> JSONValue {
        guard text.utf8.count <= maxBytes else { throw SpecError("specification larger than \(maxBytes) bytes") }
        let first = text.utf8.first { !Bytes.isSpace($0) }
        if first == UInt8(ascii: "{") {
            do {
                return try JSONReader(maxDepth: 128).parse(Array(text.utf8))
            } catch {
                throw SpecError("invalid JSON: \(error)")
            }
        }
        let node: Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch {
            throw SpecError("invalid YAML: \(error)")
        }
        guard let node else { throw SpecError("empty document") }
        return try convert(node, depth: 0)
    }

    static func isJSONNumber(_ text: String) -> Bool {
        guard let first = text.utf8.first, first == UInt8(ascii: "-") || (first >= 0x30 && first <= 0x39) else {
            return false
        }
        return text.utf8.allSatisfy {
            ($0 >= 0x30 && $0 <= 0x39) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "+") || $0 == UInt8(ascii: ".")
                || $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E")
        }
    }

    static func convert(_ node: Node, depth: Int) throws(SpecError) -> JSONValue {
        guard depth < 128 else { throw SpecError("document nested deeper than 128") }
        switch node {
        case .scalar(let scalar):
            if scalar.style == .plain || scalar.style == .any {
                if node.null != nil { return .null }
                if let b = node.bool { return .bool(b) }
                if let i = node.int { return .number(String(i)) }
                if node.float != nil, isJSONNumber(scalar.string) { return .number(scalar.string) }
            }
            return .string(scalar.string)
        case .mapping(let mapping):
            var members: [JSONMember] = []
            for (key, value) in mapping {
                members.append(JSONMember(key: key.scalar?.string ?? "", value: try convert(value, depth: depth + 1)))
            }
            return .object(members)
        case .sequence(let sequence):
            var values: [JSONValue] = []
            for value in sequence { values.append(try convert(value, depth: depth + 1)) }
            return .array(values)
        case .alias:
            throw SpecError("YAML aliases are not supported")
        }
    }
}
