extension PrototypePollutionDetector {
    /// Why a point reads as prototype pollution — for `palisade scan --explain`: the key path of the
    /// point (its location split into components) with the component that reaches
    /// `Object.prototype`, and, when the value itself is an object path handed to a setter, that path.
    public static func explain(_ value: ArraySlice<UInt8>, location: String) -> [String] {
        var lines: [String] = []
        var components: [String] = []
        var current = ""
        for character in location {
            if character == "." || character == "[" || character == "]" || character == ">" || character == "\"" {
                if !current.isEmpty { components.append(current) }
                current = ""
            } else {
                current.append(character)
            }
        }
        if !current.isEmpty { components.append(current) }
        var reach: String? = nil
        for (index, component) in components.enumerated() {
            if component == "__proto__" {
                reach = "`__proto__` (component \(index + 1))"
                break
            }
            let bytes = Array(component.utf8)[...]
            if let at = ByteFind.index(of: "__proto__", in: bytes), strippedToProto(bytes, match: at) != nil {
                reach = "`\(component)` (component \(index + 1)), `__proto__` once a filter strips `__proto__`"
                break
            }
            if component == "constructor", index + 1 < components.count, components[index + 1] == "prototype" {
                reach = "`constructor` → `prototype` (components \(index + 1)–\(index + 2))"
                break
            }
        }
        let path = components.suffix(12).map { "`\($0)`" }.joined(separator: " → ")
        lines.append("key path: " + path + (reach.map { "; reaches Object.prototype through " + $0 } ?? ""))
        if let (range, rule) = pathMatch(value, keyed: false) {
            lines.append(
                "path value " + ExplainText.show(value, limit: 64) + " (\(rule)) names "
                    + ExplainText.show(ExplainText.slice(value, range)))
        } else if value.elementsEqual("__proto__".utf8) {
            lines.append("value `__proto__` handed to a setter as a key or path element")
        } else if reach == nil, let at = ByteFind.index(of: "\"__proto__\"", in: value) {
            lines.append("json member " + ExplainText.show(value[at..<min(value.endIndex, at + 24)]))
        }
        return lines
    }
}
