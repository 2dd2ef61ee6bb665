import PalisadeCore

/// Small helpers to build and read `JSONValue` documents (OpenAPI export and comparison).
extension JSONValue {
    static func obj(_ members: [(String, JSONValue)]) -> JSONValue {
        .object(members.map { JSONMember(key: $0.0, value: $0.1) })
    }

    static func int(_ value: Int) -> JSONValue { .number(String(value)) }

    static func strings(_ values: [String]) -> JSONValue { .array(values.map { .string($0) }) }

    var objectMembers: [JSONMember]? {
        if case .object(let members) = self { return members }
        return nil
    }

    var arrayValues: [JSONValue]? {
        if case .array(let values) = self { return values }
        return nil
    }

    var boolValue: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }

    /// Compact JSON text via `JSONWriter`.
    public func jsonText() -> String {
        var writer = JSONWriter()
        write(to: &writer)
        return writer.output
    }

    func write(to writer: inout JSONWriter) {
        switch self {
        case .null: writer.null()
        case .bool(let b): writer.bool(b)
        case .number(let text): writer.raw(text)
        case .string(let s): writer.string(s)
        case .array(let values):
            writer.beginArray()
            for v in values { v.write(to: &writer) }
            writer.endArray()
        case .object(let members):
            writer.beginObject()
            for m in members {
                writer.key(m.key)
                m.value.write(to: &writer)
            }
            writer.endObject()
        }
    }
}
