/// HTML (and SVG/MathML-in-HTML) element names. A sniffed value whose root element has one of these
/// names is HTML, not an XML document: it stays plain text so the XSS detector sees the markup
/// (`<img src=x onerror=…>`, `<svg onload=…>`) instead of an attribute split out of it.
enum HTMLElementNames {
    static let all: Set<String> = [
        "a", "abbr", "acronym", "address", "animate", "animatemotion", "animatetransform", "applet", "area",
        "article", "aside", "audio", "b", "base", "basefont", "bdi", "bdo", "bgsound", "big", "blink",
        "blockquote", "body", "br", "button", "canvas", "caption", "center", "cite", "code", "col",
        "colgroup", "data", "datalist", "dd", "del", "details", "dfn", "dialog", "dir", "div", "dl", "dt",
        "em", "embed", "feimage", "fieldset", "figcaption", "figure", "font", "footer", "foreignobject",
        "form", "frame", "frameset", "h1", "h2", "h3", "h4", "h5", "h6", "handler", "head", "header",
        "hgroup", "hr", "html", "i", "iframe", "image", "img", "input", "ins", "isindex", "kbd", "keygen",
        "label", "layer", "legend", "li", "link", "listing", "main", "map", "mark", "marquee", "math",
        "menu", "menuitem", "meta", "meter", "multicol", "nav", "nextid", "nobr", "noembed", "noframes",
        "noscript", "object", "ol", "optgroup", "option", "output", "p", "param", "picture", "plaintext",
        "portal", "pre", "progress", "q", "rb", "rp", "rt", "rtc", "ruby", "s", "samp", "script", "search",
        "section", "select", "set", "slot", "small", "source", "spacer", "span", "strike", "strong",
        "style", "sub", "summary", "sup", "svg", "table", "tbody", "td", "template", "textarea", "tfoot",
        "th", "thead", "time", "title", "tr", "track", "tt", "u", "ul", "use", "var", "video", "wbr",
        "xmp",
    ]

    /// Whether the name's local part (after the last `:`) is an HTML element name, ignoring case:
    /// `<x:script xmlns:x="http://www.w3.org/1999/xhtml">` is as much HTML as `<script>`.
    static func contains(localName name: ArraySlice<UInt8>) -> Bool {
        let local = name.lastIndex(of: UInt8(ascii: ":")).map { name[($0 + 1)...] } ?? name
        guard !local.isEmpty, local.count <= 16 else { return false }
        var lowered: [UInt8] = []
        lowered.reserveCapacity(local.count)
        for byte in local { lowered.append(Bytes.lower(byte)) }
        return all.contains(String(decoding: lowered, as: UTF8.self))
    }
}
