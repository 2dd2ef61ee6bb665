/// Builds compact JSON text. Strings are escaped so any input (attacker-controlled included)
/// yields valid JSON; invalid UTF-8 is repaired by `String(decoding:)` before it gets here.
public struct JSONWriter: Sendable {
    public private(set) var output: String = ""
    private var needsComma: [Bool] = [false]

    public init() {}

    private mutating func separator() {
        if needsComma[needsComma.count - 1] { output += "," }
        needsComma[needsComma.count - 1] = true
    }

    public mutating func beginObject() {
        separator()
        output += "{"
        needsComma.append(false)
    }

    public mutating func endObject() {
        needsComma.removeLast()
        output += "}"
    }

    public mutating func beginArray() {
        separator()
        output += "["
        needsComma.append(false)
    }

    public mutating func endArray() {
        needsComma.removeLast()
        output += "]"
    }

    /// Writes `"key":` inside an object; the next value call writes the value.
    public mutating func key(_ key: String) {
        separator()
        Self.appendQuoted(key, to: &output)
        output += ":"
        needsComma[needsComma.count - 1] = false
    }

    public mutating func string(_ value: String) {
        separator()
        Self.appendQuoted(value, to: &output)
    }

    public mutating func optionalString(_ value: String?) {
        if let value { string(value) } else { null() }
    }

    public mutating func int(_ value: Int) {
        separator()
        output += String(value)
    }

    public mutating func double(_ value: Double, decimals: Int = 3) {
        separator()
        guard value.isFinite else {
            output += "null"
            return
        }
        output += Self.format(value, decimals: decimals)
    }

    public mutating func bool(_ value: Bool) {
        separator()
        output += value ? "true" : "false"
    }

    public mutating func null() {
        separator()
        output += "null"
    }

    /// Inserts already-encoded JSON as one value.
    public mutating func raw(_ json: String) {
        separator()
        output += json
    }

    /// Fixed-point formatting without Foundation: trailing zeros trimmed.
    public static func format(_ value: Double, decimals: Int) -> String {
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        let rounded = (value * scale).rounded()
        guard abs(rounded) < 9.0e15 else { return String(value) }
        let scaled = Int64(rounded)
        let negative = scaled < 0
        let magnitude = scaled.magnitude
        let unit = UInt64(scale)
        var text = String(magnitude / unit)
        var fraction = magnitude % unit
        if decimals > 0, fraction != 0 {
            var digits = [Character](repeating: "0", count: decimals)
            var position = decimals - 1
            while fraction > 0, position >= 0 {
                digits[position] = Character(String(fraction % 10))
                fraction /= 10
                position -= 1
            }
            while digits.last == "0" { digits.removeLast() }
            text += "." + String(digits)
        }
        return negative ? "-" + text : text
    }

    public static func appendQuoted(_ value: String, to output: inout String) {
        output += "\""
        var start = value.utf8.startIndex
        var index = start
        let utf8 = value.utf8
        while index != utf8.endIndex {
            let byte = utf8[index]
            var replacement: String?
            switch byte {
            case 0x22: replacement = "\\\""
            case 0x5C: replacement = "\\\\"
            case 0x0A: replacement = "\\n"
            case 0x0D: replacement = "\\r"
            case 0x09: replacement = "\\t"
            case 0x00..<0x20, 0x7F:
                let hex = String(byte, radix: 16)
                replacement = "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: break
            }
            if let replacement {
                output += value[start..<index]
                output += replacement
                start = utf8.index(after: index)
            }
            index = utf8.index(after: index)
        }
        output += value[start..<utf8.endIndex]
        output += "\""
    }

    /// `value` as a JSON string literal.
    public static func quoted(_ value: String) -> String {
        var out = ""
        appendQuoted(value, to: &out)
        return out
    }
}
