/// HTML output where nothing dynamic can become markup: literal markup is `StaticString` (written
/// by us, in the source), and every `String` — request data, attacker text, numbers — goes through
/// ``HTML/escape(_:)``, in text and in (always double-quoted) attribute values alike.
struct HTML {
    private(set) var output = ""

    init() {}

    /// The one escaping function: `& < > " '` become character references, so the result is inert
    /// in element text and in quoted attribute values.
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            case "\0": out += "\u{FFFD}"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// Trusted markup from the source code.
    mutating func raw(_ markup: StaticString) {
        output += markup.description
    }

    /// Escaped text.
    mutating func text(_ value: String) {
        output += Self.escape(value)
    }

    mutating func text(_ value: Int) { output += String(value) }

    /// `<tag a="v" …>`; attribute values escaped (`selected="selected"` for boolean ones).
    mutating func open(_ tag: StaticString, _ attributes: KeyValuePairs<StaticString, String> = [:]) {
        output += "<"
        output += tag.description
        for (name, value) in attributes {
            output += " "
            output += name.description
            output += "=\""
            output += Self.escape(value)
            output += "\""
        }
        output += ">"
    }

    mutating func close(_ tag: StaticString) {
        output += "</"
        output += tag.description
        output += ">"
    }

    /// `<tag>text</tag>`.
    mutating func element(_ tag: StaticString, _ text: String) {
        element(tag, [:], text)
    }

    /// `<tag …>text</tag>`.
    mutating func element(_ tag: StaticString, _ attributes: KeyValuePairs<StaticString, String> = [:], _ text: String)
    {
        open(tag, attributes)
        self.text(text)
        close(tag)
    }

    /// `<tag …>…</tag>` with the body written by `body`.
    mutating func element(
        _ tag: StaticString, _ attributes: KeyValuePairs<StaticString, String> = [:], body: (inout HTML) -> Void
    ) {
        open(tag, attributes)
        body(&self)
        close(tag)
    }

    /// `<tr><td>…</td>…</tr>` with every value escaped; `mono` lists the cells in code type.
    mutating func row(_ cells: [String], mono: Set<Int> = []) {
        raw("<tr>")
        for (i, cell) in cells.enumerated() {
            if mono.contains(i) { element("td", ["class": "mono"], cell) } else { element("td", cell) }
        }
        raw("</tr>")
    }

    /// A link to a dashboard path (`/ui/…`) with escaped query values.
    mutating func link(_ path: String, query: [(String, String?)] = [], _ label: String, class cssClass: String = "") {
        let href = Self.url(path, query: query)
        if cssClass.isEmpty {
            element("a", ["href": href], label)
        } else {
            element("a", ["href": href, "class": cssClass], label)
        }
    }

    /// `path?k=v&…` with the values percent-encoded (nil and empty values left out).
    static func url(_ path: String, query: [(String, String?)]) -> String {
        let pairs = query.compactMap { key, value -> String? in
            guard let value, !value.isEmpty else { return nil }
            return "\(key)=\(percentEncoded(value))"
        }
        return pairs.isEmpty ? path : path + "?" + pairs.joined(separator: "&")
    }

    /// Percent-encodes everything but unreserved characters (RFC 3986), for a query value or a
    /// path segment.
    static func percentEncoded(_ value: String) -> String {
        var out = ""
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = Array("0123456789ABCDEF".utf8)
                out += "%"
                out.unicodeScalars.append(Unicode.Scalar(hex[Int(byte >> 4)]))
                out.unicodeScalars.append(Unicode.Scalar(hex[Int(byte & 0x0F)]))
            }
        }
        return out
    }
}
