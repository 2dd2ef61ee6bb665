import PalisadeCore

/// One step of a location below its root: `.key` / `["key"]`, or `[]` (any element).
enum LocationComponent: Hashable {
    case key(String)
    case element

    /// Parses `.json.items[].sku` (the part after the root). Nil when it does not parse
    /// (unwrapping steps `>…`, indices not collapsed).
    static func parse(_ text: Substring) -> [LocationComponent]? {
        let utf8 = Array(text.utf8)
        var out: [LocationComponent] = []
        var i = 0
        while i < utf8.count {
            switch utf8[i] {
            case UInt8(ascii: "."):
                var j = i + 1
                while j < utf8.count, utf8[j] != UInt8(ascii: "."), utf8[j] != UInt8(ascii: "["),
                    utf8[j] != UInt8(ascii: ">")
                {
                    j += 1
                }
                guard j > i + 1 else { return nil }
                out.append(.key(String(decoding: utf8[(i + 1)..<j], as: UTF8.self)))
                i = j
            case UInt8(ascii: "["):
                if i + 1 < utf8.count, utf8[i + 1] == UInt8(ascii: "]") {
                    out.append(.element)
                    i += 2
                } else if i + 1 < utf8.count, utf8[i + 1] == UInt8(ascii: "\"") {
                    var key: [UInt8] = []
                    var j = i + 2
                    var closed = false
                    while j < utf8.count {
                        if utf8[j] == UInt8(ascii: "\\"), j + 1 < utf8.count {
                            key.append(utf8[j + 1])
                            j += 2
                            continue
                        }
                        if utf8[j] == UInt8(ascii: "\""), j + 1 < utf8.count, utf8[j + 1] == UInt8(ascii: "]") {
                            closed = true
                            j += 2
                            break
                        }
                        key.append(utf8[j])
                        j += 1
                    }
                    guard closed else { return nil }
                    out.append(.key(String(decoding: key, as: UTF8.self)))
                    i = j
                } else {
                    return nil
                }
            default:
                return nil
            }
        }
        return out
    }

    /// Renders back: `.key` or `["key"]`, `[]`.
    static func render(_ components: [LocationComponent]) -> String {
        components.reduce(into: "") { out, c in
            switch c {
            case .key(let k): out += LocationPath.key(k)
            case .element: out += "[]"
            }
        }
    }
}

extension ParamSource {
    /// The parameter name of a query/header/cookie location (`query.page` → `page`), nil for
    /// nested or unnamed locations.
    static func name(of location: String) -> (ParamSource, String)? {
        let source = ParamSource(location: location)
        guard source != .body, source != .path else { return nil }
        let rest = location.dropFirst(source.rawValue.count)
        guard let components = LocationComponent.parse(rest), components.count == 1, case .key(let name) = components[0]
        else { return nil }
        return (source, name)
    }
}
