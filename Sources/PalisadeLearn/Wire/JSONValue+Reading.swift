import PalisadeCore

/// Strict field readers for decoding published records (never trap; clear errors).
extension JSONValue {
    func field(_ key: String) throws(WireError) -> JSONValue {
        guard let value = self[key] else { throw WireError("missing field `\(key)`") }
        return value
    }

    func string(_ key: String) throws(WireError) -> String {
        guard let s = try field(key).stringValue else { throw WireError("`\(key)` is not a string") }
        return s
    }

    func optionalString(_ key: String) throws(WireError) -> String? {
        switch self[key] {
        case nil, .null?: return nil
        case .string(let s)?: return s
        default: throw WireError("`\(key)` is not a string")
        }
    }

    func int(_ key: String) throws(WireError) -> Int {
        guard case .number(let text) = try field(key), let value = Int(text) else {
            throw WireError("`\(key)` is not an integer")
        }
        return value
    }

    func optionalInt(_ key: String) throws(WireError) -> Int? {
        switch self[key] {
        case nil, .null?: return nil
        case .number(let text)?:
            guard let value = Int(text) else { throw WireError("`\(key)` is not an integer") }
            return value
        default: throw WireError("`\(key)` is not an integer")
        }
    }

    /// An integer within bounds (counts and lengths from the wire must not overflow later sums).
    func int(_ key: String, in range: ClosedRange<Int>) throws(WireError) -> Int {
        let value = try int(key)
        guard range.contains(value) else { throw WireError("`\(key)` out of range") }
        return value
    }

    func double(_ key: String) throws(WireError) -> Double {
        guard case .number(let text) = try field(key), let value = Double(text), value.isFinite else {
            throw WireError("`\(key)` is not a number")
        }
        return value
    }

    func bool(_ key: String) throws(WireError) -> Bool {
        guard case .bool(let b) = try field(key) else { throw WireError("`\(key)` is not a boolean") }
        return b
    }

    func array(_ key: String, max: Int) throws(WireError) -> [JSONValue] {
        guard case .array(let values) = try field(key) else { throw WireError("`\(key)` is not an array") }
        guard values.count <= max else { throw WireError("`\(key)` has more than \(max) entries") }
        return values
    }

    func strings(_ key: String, max: Int = 64) throws(WireError) -> [String] {
        var out: [String] = []
        for v in try array(key, max: max) {
            guard let s = v.stringValue else { throw WireError("`\(key)` holds a non-string") }
            out.append(s)
        }
        return out
    }

    func enumValue<E: RawRepresentable>(_ key: String, as: E.Type) throws(WireError) -> E where E.RawValue == String {
        let raw = try string(key)
        guard let value = E(rawValue: raw) else { throw WireError("`\(key)` has unknown value `\(raw.prefix(40))`") }
        return value
    }

    func enumValues<E: RawRepresentable>(_ key: String, as: E.Type) throws(WireError) -> [E]
    where E.RawValue == String {
        var out: [E] = []
        for raw in try strings(key) {
            guard let value = E(rawValue: raw) else {
                throw WireError("`\(key)` has unknown value `\(raw.prefix(40))`")
            }
            out.append(value)
        }
        return out
    }
}

extension JSONWriter {
    mutating func strings(_ values: [String]) {
        beginArray()
        for v in values { string(v) }
        endArray()
    }
}

extension CharsetClass {
    static let wireNames = ["digit", "lower", "upper", "space", "safe_punct", "punct", "non_ascii", "control"]

    init(names: [String]) throws(WireError) {
        var raw: UInt8 = 0
        for name in names {
            guard let bit = Self.wireNames.firstIndex(of: name) else {
                throw WireError("unknown charset class `\(name.prefix(40))`")
            }
            raw |= 1 << UInt8(bit)
        }
        self.init(rawValue: raw)
    }
}

extension EndpointKey {
    func write(to w: inout JSONWriter) {
        w.beginObject()
        w.key("host")
        w.string(host)
        w.key("method")
        w.string(method)
        w.key("template")
        w.string(template)
        w.endObject()
    }

    init(wire v: JSONValue) throws(WireError) {
        self.init(host: try v.string("host"), method: try v.string("method"), template: try v.string("template"))
    }
}

extension ValueShape {
    func write(to w: inout JSONWriter) {
        w.key("format")
        w.string(format.rawValue)
        w.key("length")
        w.int(length)
        w.key("charset")
        w.strings(charset.names)
    }

    init(wire v: JSONValue) throws(WireError) {
        let length = try v.int("length", in: 0...Int(Int32.max))
        self.init(
            format: try v.enumValue("format", as: ValueFormat.self), length: length,
            charset: try CharsetClass(names: v.strings("charset")))
    }
}
