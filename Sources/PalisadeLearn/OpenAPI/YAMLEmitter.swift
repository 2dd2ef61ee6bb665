import PalisadeCore

/// Emits a `JSONValue` as block-style YAML 1.2. Strings are always double-quoted with JSON
/// escapes (valid YAML), keys are plain only when they cannot be read as anything but a string;
/// numbers, booleans and null are plain. No dependency.
public enum YAMLEmitter {
    public static func emit(_ value: JSONValue) -> String {
        var out = ""
        switch value {
        case .object(let members) where !members.isEmpty: mapping(members, indent: 0, into: &out)
        case .array(let values) where !values.isEmpty: sequence(values, indent: 0, into: &out)
        default: out = scalar(value) + "\n"
        }
        return out
    }

    private static func mapping(_ members: [JSONMember], indent: Int, into out: inout String) {
        let pad = String(repeating: " ", count: indent)
        for m in members {
            out += pad + key(m.key) + ":"
            block(m.value, indent: indent, into: &out)
        }
    }

    private static func sequence(_ values: [JSONValue], indent: Int, into out: inout String) {
        let pad = String(repeating: " ", count: indent)
        for v in values {
            switch v {
            case .object(let members) where !members.isEmpty:
                var nested = ""
                mapping(members, indent: indent + 2, into: &nested)
                out += pad + "- " + nested.dropFirst(indent + 2)
            case .array(let inner) where !inner.isEmpty:
                var nested = ""
                sequence(inner, indent: indent + 2, into: &nested)
                out += pad + "- " + nested.dropFirst(indent + 2)
            default:
                out += pad + "- " + scalar(v) + "\n"
            }
        }
    }

    /// The value after `key:` — inline scalar or an indented block.
    private static func block(_ value: JSONValue, indent: Int, into out: inout String) {
        switch value {
        case .object(let members) where !members.isEmpty:
            out += "\n"
            mapping(members, indent: indent + 2, into: &out)
        case .array(let values) where !values.isEmpty:
            out += "\n"
            sequence(values, indent: indent + 2, into: &out)
        default:
            out += " " + scalar(value) + "\n"
        }
    }

    static func scalar(_ value: JSONValue) -> String {
        switch value {
        case .null: "null"
        case .bool(let b): b ? "true" : "false"
        case .number(let text): text
        case .string(let s): JSONWriter.quoted(s)
        case .array: "[]"
        case .object: "{}"
        }
    }

    private static let reserved: Set<String> = [
        "true", "false", "null", "yes", "no", "on", "off", "y", "n", "~",
    ]

    static func key(_ key: String) -> String {
        let utf8 = key.utf8
        guard let first = utf8.first,
            (first >= 0x41 && first <= 0x5A) || (first >= 0x61 && first <= 0x7A) || first == 0x5F,
            !reserved.contains(Bytes.lowercased(key)),
            utf8.allSatisfy({
                ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x61 && $0 <= 0x7A) || $0 == 0x5F
                    || $0 == 0x2D
                    || $0 == 0x2E
            })
        else { return JSONWriter.quoted(key) }
        return key
    }
}
