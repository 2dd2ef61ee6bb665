import Foundation
import PalisadeDetect

/// Loads the corpus files next to this source file (the test target has no resources).
enum Corpus {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Corpus")

    /// The values of a corpus file: one per line, `##` comments and blank lines skipped,
    /// escapes `\n`, `\r`, `\t`, `\\` decoded (any other backslash is literal).
    /// A corpus entry: the value and the field it is judged as.
    struct Entry: Sendable, CustomStringConvertible {
        var field: String
        var value: String
        var description: String { field == "q" ? value : "[\(field)] \(value)" }
    }

    /// Entries of a corpus file; a line may start with `[field:NAME] `.
    static func entries(_ name: String) -> [Entry] {
        load(name).map { line in
            if line.hasPrefix("[field:"), let close = line.firstIndex(of: "]") {
                let field = String(line[line.index(line.startIndex, offsetBy: 7)..<close])
                var rest = line[line.index(after: close)...]
                if rest.first == " " { rest = rest.dropFirst() }
                return Entry(field: field, value: String(rest))
            }
            return Entry(field: "q", value: line)
        }
    }

    static func load(_ name: String) -> [String] {
        let url = directory.appendingPathComponent(name)
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { return [] }
        var values: [String] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.isEmpty || line.hasPrefix("##") { continue }
            values.append(unescape(String(line)))
        }
        return values
    }

    static func unescape(_ line: String) -> String {
        var out = ""
        var iterator = line.makeIterator()
        while let c = iterator.next() {
            guard c == "\\" else {
                out.append(c)
                continue
            }
            guard let next = iterator.next() else {
                out.append("\\")
                break
            }
            switch next {
            case "n": out.append("\n")
            case "r": out.append("\r")
            case "t": out.append("\t")
            case "\\": out.append("\\")
            default:
                out.append("\\")
                out.append(next)
            }
        }
        return out
    }

    /// Judges a value the way the analyzer would for a plain query parameter named `field`.
    static func hits(_ value: String, detector: any Detector, field: String = "q", sensitivity: Sensitivity = .default)
        -> [Hit]
    {
        let context = DetectionContext(
            source: .query, kind: .text, fieldName: field, depth: 1, sensitivity: sensitivity)
        var hits: [Hit] = []
        let bytes = Array(value.utf8)
        detector.detect(bytes[...], context: context, hits: &hits)
        return hits
    }

    static func fires(_ value: String, detector: any Detector, field: String = "q", sensitivity: Sensitivity = .default)
        -> Bool
    {
        let context = DetectionContext(
            source: .query, kind: .text, fieldName: field, depth: 1, sensitivity: sensitivity)
        let raw = hits(value, detector: detector, field: field, sensitivity: sensitivity)
        let adjusted = raw.map { Scoring.adjust($0, context: context) }
        return Scoring.score(adjusted, sensitivity: sensitivity).attack
    }
}
