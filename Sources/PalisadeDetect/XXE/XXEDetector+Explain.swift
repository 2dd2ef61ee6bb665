extension XXEDetector {
    /// Why the value reads as an XML external-entity attack — for `palisade scan --explain`: the
    /// verdict, then each markup declaration as an XML parser reads it: the DOCTYPE and its external
    /// subset, every `<!ENTITY>` (general or parameter, external with its URI and where that points,
    /// or internal with the references in its value) and XInclude elements.
    public static func explain(_ value: ArraySlice<UInt8>) -> [String] {
        let finding = analyze(value)
        var lines = [ExplainText.verdict("xxe", finding, in: value)]
        var i = value.startIndex
        while i + 1 < value.endIndex, lines.count < 17 {
            guard value[i] == UInt8(ascii: "<") else {
                i += 1
                continue
            }
            let rest = value[(i + 1)...]
            if Bytes.hasPrefixIgnoringCase(rest, "!doctype") {
                var j = skipSpace(value, i + 9)
                let root = name(value, j)
                j = skipSpace(value, root.upperBound)
                var line = "doctype " + ExplainText.show(value[root])
                if j < value.endIndex, let ext = externalID(value, j) {
                    line += external(value, ext)
                    j = ext.end
                }
                lines.append(line)
                i = max(j, i + 1)
                continue
            }
            if Bytes.hasPrefixIgnoringCase(rest, "!entity") {
                var j = skipSpace(value, i + 8)
                var kind = "general"
                if j < value.endIndex, value[j] == UInt8(ascii: "%") {
                    kind = "parameter"
                    j = skipSpace(value, j + 1)
                }
                let entityName = name(value, j)
                j = skipSpace(value, entityName.upperBound)
                var line = "entity \(kind) " + ExplainText.show(value[entityName])
                if j < value.endIndex, let ext = externalID(value, j) {
                    line += external(value, ext)
                    j = ext.end
                } else if let lit = literal(value, j) {
                    var refs = 0
                    for k in lit where value[k] == UInt8(ascii: "&") || value[k] == UInt8(ascii: "%") {
                        if k + 1 < lit.upperBound, value[k + 1] != UInt8(ascii: "#") { refs += 1 }
                    }
                    line += " internal value " + ExplainText.show(value[lit]) + " (\(refs) references)"
                    j = lit.upperBound
                }
                lines.append(line)
                i = max(j, i + 1)
                continue
            }
            let tagName = name(value, i + 1)
            if tagName.count >= 7, Bytes.hasPrefixIgnoringCase(value[tagName].suffix(7), "include"),
                let href = firstIndex(
                    value[tagName.upperBound..<min(value.endIndex, tagName.upperBound + 1024)], "href")
            {
                let s = skipSpace(value, skipSpace(value, href + 4) + 1)
                if let lit = literal(value, s, cap: 2048) {
                    lines.append(
                        "xinclude " + ExplainText.show(value[tagName]) + " href " + ExplainText.show(value[lit])
                            + " (\(target(value[lit])))")
                }
            }
            i += 1
        }
        return lines
    }

    /// ` SYSTEM \`file:///etc/passwd\` (local)` / ` PUBLIC \`id\` \`uri\` (remote)`.
    static func external(
        _ v: ArraySlice<UInt8>, _ ext: (publicID: Range<Int>?, system: Range<Int>, end: Int)
    ) -> String {
        var text = ext.publicID.map { " PUBLIC " + ExplainText.show(v[$0]) } ?? " SYSTEM"
        text += " " + ExplainText.show(v[ext.system], limit: 96) + " (\(target(v[ext.system])))"
        return text
    }
}
