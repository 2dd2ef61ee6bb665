extension TraversalDetector {
    /// Why the value reads as a path escape — for `palisade scan --explain`: the verdict; the path
    /// after folding (percent layers, overlong UTF-8, look-alikes, textual hex, backslashes) and what
    /// folding undid; the dot segments that climb, or the `./` noise before a system file; the
    /// sensitive targets named in the path.
    public static func explain(_ value: ArraySlice<UInt8>, fieldName: String? = nil, source: Source = .query)
        -> [String]
    {
        let finding = analyze(value, fieldName: fieldName, source: source)
        var lines = [ExplainText.verdict("path_traversal", finding, in: value)]
        let path: ArraySlice<UInt8>
        if PathNormalizer.needsFolding(value) {
            let folded = PathNormalizer.fold(value)
            path = folded.bytes[...]
            var undone: [String] = []
            if folded.encodedSeparator { undone.append("encoded or look-alike separators") }
            if folded.backslash { undone.append("backslashes") }
            if folded.uncPrefix { undone.append("UNC prefix") }
            if let nul = folded.nul { undone.append("NUL at \(nul)") }
            lines.append(
                "normalized path: " + ExplainText.show(path, limit: 96)
                    + (undone.isEmpty ? "" : " (folded: " + undone.joined(separator: ", ") + ")"))
        } else {
            path = value.prefix(1 << 16)
            lines.append("path: " + ExplainText.show(path, limit: 96) + " (nothing to fold)")
        }
        var segments: [String] = []
        var targets: [String] = []
        var targetEnd = path.startIndex
        var i = path.startIndex
        while i < path.endIndex, segments.count < 32 {
            let atSegmentStart =
                i == path.startIndex || path[i - 1] == UInt8(ascii: "/") || path[i - 1] == UInt8(ascii: "=")
                || path[i - 1] == UInt8(ascii: ":") || path[i - 1] == 0
            guard atSegmentStart else {
                i += 1
                continue
            }
            if targets.count < 4, i >= targetEnd, let target = SensitiveTargets.match(path, at: i) {
                targetEnd = target.end
                targets.append(
                    ExplainText.show(path[i..<target.end]) + (target.strong ? " (system file)" : " (app secret)"))
            }
            var j = i
            while j < path.endIndex, path[j] == UInt8(ascii: ".") { j += 1 }
            var k = j
            while k < path.endIndex, path[k] == 0 || path[k] == UInt8(ascii: ";") && k == j { k += 1 }
            if j - i >= 2, k == path.endIndex || path[k] == UInt8(ascii: "/") {
                segments.append(ExplainText.show(path[i..<min(path.endIndex, k + 1)]))
            }
            i = max(j, i + 1)
        }
        if !segments.isEmpty {
            lines.append("dot segments (\(segments.count)): " + segments.joined(separator: " "))
        }
        if segments.isEmpty, let run = noiseRun(path) {
            lines.append("dot-slash noise before a system file: " + ExplainText.show(path[run], limit: 96))
        }
        if !targets.isEmpty { lines.append("sensitive targets: " + targets.joined(separator: ", ")) }
        return lines
    }
}
