/// `multipart/form-data` (and the other `multipart/*` types): one child per part.
///
/// - The boundary comes from `context.contentType` (`boundary=…`, quoted or not). The engine
///   lowercases declared content types, so delimiters are matched ignoring ASCII case. Without a
///   boundary parameter, a first body line `--something` is taken as the delimiter (`malformed`).
///   Boundaries longer than RFC 2046's 70 characters are annotated `multipart.boundary`
///   (value = length) and still used.
/// - Delimiters are found line by line (CRLF or bare LF): each line start is compared with
///   `--boundary` once, so the search is linear in the body whatever the boundary's length. A
///   delimiter line is `--boundary`, optionally `--` (the close delimiter), then only spaces/tabs.
/// - Part headers end at the first empty line; folded lines are joined. Content-Disposition gives
///   `name`, `filename` and `filename*` (RFC 5987, percent-decoded once); Content-Type is passed on
///   lowercased as the child's `contentType`, so the engine decodes JSON, XML, form or nested
///   multipart parts as declared (`body.multipart.meta.json.x`).
/// - Children per part: the name as a `.key` child and the value at `LocationPath.key(name)`
///   (`[i]`, the part's 0-based position, without a name), `fieldName` = name; each file name as a
///   `.filename` child at the same path (both when `filename` and `filename*` disagree).
/// - Non-blank data before the first delimiter or after the close delimiter is kept as
///   `[preamble]` / `[epilogue]` (parsers disagree on it; it must not hide from detectors).
/// - Annotations: `multipart.parts` (value = parts seen), `malformed` (missing close delimiter —
///   the parts read so far are kept, the last one running to the end —, unterminated or missing
///   part headers, duplicate `name` or `boundary` (the first wins), preamble/epilogue data), one
///   per kind with a count.
/// - Parts are bounded by `maxPoints` (`limit.points`, the rest still counted) and bytes by the
///   budget. Nil when no delimiter is found: the engine reports the mismatch and sniffs the body.
public struct MultipartDecoder: ValueDecoder {
    public let name = "multipart"
    public let isContainer = true

    /// RFC 2046 §5.1.1.
    public static let maxBoundaryLength = 70

    public init() {}

    public func decode(_ input: ArraySlice<UInt8>, context: DecodeContext, budget: inout DecodeBudget) -> Decoded? {
        var issues = Issues()
        var boundary: [UInt8]
        let declared = context.contentType.map { Self.boundaries(inContentType: Array($0.utf8)[...]) } ?? []
        if let first = declared.first {
            boundary = first
            // Parsers disagree on which one wins.
            if declared.count > 1 { issues.note("duplicate boundary parameter") }
        } else if let sniffed = Self.sniffBoundary(input) {
            boundary = sniffed
            issues.note("no boundary parameter")
        } else {
            return nil
        }
        guard !boundary.isEmpty, !boundary.contains(0x0A), !boundary.contains(0x0D) else { return nil }
        for index in boundary.indices { boundary[index] = Bytes.lower(boundary[index]) }

        var parser = Parser(input: input, boundary: boundary)
        guard let first = parser.nextDelimiter() else { return nil }
        var builder = Builder(maxParts: budget.limits.maxPoints)
        if boundary.count > Self.maxBoundaryLength {
            builder.annotations.append(
                Annotation(.multipartBoundary, detail: "boundary longer than 70", value: boundary.count))
        }
        if !Self.isBlank(input[input.startIndex..<first.contentEnd]) {
            builder.addExtra("[preamble]", input[input.startIndex..<first.contentEnd], budget: &budget)
            issues.note("data before the first boundary")
        }
        var delimiter = first
        while !delimiter.isClose {
            guard let next = parser.nextDelimiter() else {
                // No close delimiter: the last part runs to the end of the body.
                builder.addPart(input[delimiter.nextStart...], issues: &issues, budget: &budget)
                issues.note("missing closing boundary")
                break
            }
            builder.addPart(input[delimiter.nextStart..<next.contentEnd], issues: &issues, budget: &budget)
            delimiter = next
        }
        if delimiter.isClose, !Self.isBlank(input[delimiter.nextStart...]) {
            builder.addExtra("[epilogue]", input[delimiter.nextStart...], budget: &budget)
            issues.note("data after the closing boundary")
        }
        if builder.parts > builder.maxParts { budget.hit(.points) }
        var annotations = builder.annotations
        annotations.append(Annotation(.multipartParts, detail: "parts", value: builder.parts))
        annotations.append(contentsOf: issues.annotations)
        return Decoded(children: builder.children, annotations: annotations)
    }

    // MARK: - Boundary

    /// The `boundary` parameters of a content type, unquoted (normally one).
    static func boundaries(inContentType contentType: ArraySlice<UInt8>) -> [[UInt8]] {
        HeaderParameters.parse(contentType).filter { $0.name == Array("boundary".utf8) }.map(\.value)
    }

    /// A first line `--something` (trailing spaces and CR dropped): its `something`.
    static func sniffBoundary(_ input: ArraySlice<UInt8>) -> [UInt8]? {
        guard input.count > 2, input[input.startIndex] == UInt8(ascii: "-"),
            input[input.startIndex + 1] == UInt8(ascii: "-")
        else { return nil }
        var end = input[input.startIndex...].firstIndex(of: 0x0A) ?? input.endIndex
        while end > input.startIndex + 2, Bytes.isSpace(input[end - 1]) { end -= 1 }
        guard end > input.startIndex + 2 else { return nil }
        return Array(input[(input.startIndex + 2)..<end])
    }

    static func isBlank(_ bytes: ArraySlice<UInt8>) -> Bool {
        bytes.allSatisfy(Bytes.isSpace)
    }
}

// MARK: - Finding delimiters

/// A delimiter line found in the body.
private struct Delimiter {
    /// Where the content before the delimiter ends (the line break before it excluded).
    var contentEnd: Int
    /// Where the content after the delimiter line starts.
    var nextStart: Int
    var isClose: Bool
}

/// Walks the body line by line, looking for delimiter lines.
private struct Parser {
    let input: ArraySlice<UInt8>
    /// Lowercased.
    let boundary: [UInt8]
    var lineStart: Int

    init(input: ArraySlice<UInt8>, boundary: [UInt8]) {
        self.input = input
        self.boundary = boundary
        self.lineStart = input.startIndex
    }

    mutating func nextDelimiter() -> Delimiter? {
        let end = input.endIndex
        // The line break before a delimiter belongs to it, unless it ends the previous delimiter line.
        let floor = lineStart
        while lineStart < end {
            let start = lineStart
            let lineEnd = input[start...].firstIndex(of: 0x0A) ?? end
            lineStart = lineEnd < end ? lineEnd + 1 : end
            guard let isClose = delimiter(from: start, to: lineEnd) else { continue }
            var contentEnd = start
            if contentEnd > floor, input[contentEnd - 1] == 0x0A {
                contentEnd -= 1
                if contentEnd > floor, input[contentEnd - 1] == 0x0D { contentEnd -= 1 }
            }
            return Delimiter(contentEnd: contentEnd, nextStart: lineStart, isClose: isClose)
        }
        return nil
    }

    /// Whether `input[start..<lineEnd]` is a delimiter line, and whether it closes; nil if it is not one.
    /// Costs at most the line's length.
    private func delimiter(from start: Int, to lineEnd: Int) -> Bool? {
        guard lineEnd - start >= 2 + boundary.count, input[start] == UInt8(ascii: "-"),
            input[start + 1] == UInt8(ascii: "-")
        else { return nil }
        var index = start + 2
        for byte in boundary {
            guard Bytes.lower(input[index]) == byte else { return nil }
            index += 1
        }
        var isClose = false
        if lineEnd - index >= 2, input[index] == UInt8(ascii: "-"), input[index + 1] == UInt8(ascii: "-") {
            isClose = true
            index += 2
        }
        while index < lineEnd {
            let byte = input[index]
            guard byte == 0x20 || byte == 0x09 || byte == 0x0D else { return nil }
            index += 1
        }
        return isClose
    }
}

// MARK: - Parts

/// Collects children and counts parts.
private struct Builder {
    let maxParts: Int
    var children: [Child] = []
    var annotations: [Annotation] = []
    /// Parts seen, emitted or not.
    var parts = 0
    /// Whether the byte budget still allows emitting.
    var emitting = true

    init(maxParts: Int) { self.maxParts = maxParts }

    mutating func addPart(_ content: ArraySlice<UInt8>, issues: inout Issues, budget: inout DecodeBudget) {
        let position = parts
        parts += 1
        guard emitting, position < maxParts else { return }
        let part = Part.parse(content, issues: &issues)
        let filenames = part.filenames
        var cost = part.body.count
        if let name = part.name { cost += name.count }
        for filename in filenames { cost += filename.count }
        guard budget.consume(cost) else {
            emitting = false
            return
        }
        let path: String
        var fieldName: String?
        if let name = part.name {
            let text = String(decoding: name, as: UTF8.self)
            path = LocationPath.key(text)
            fieldName = text
            Child.appendKey(name, path: path, fieldName: text, to: &children)
        } else {
            path = LocationPath.index(position)
        }
        children.append(
            Child(path: path, value: Array(part.body), kind: .text, contentType: part.contentType, fieldName: fieldName)
        )
        for filename in filenames {
            children.append(Child(path: path, value: filename, kind: .filename, fieldName: fieldName))
        }
    }

    mutating func addExtra(_ path: String, _ content: ArraySlice<UInt8>, budget: inout DecodeBudget) {
        guard emitting, budget.consume(content.count) else {
            emitting = false
            return
        }
        children.append(Child(path: path, value: Array(content), kind: .text))
    }
}

/// One part's headers, read.
private struct Part {
    var name: [UInt8]?
    var filename: [UInt8]?
    var extendedFilename: [UInt8]?
    var contentType: String?
    var body: ArraySlice<UInt8>

    /// `filename`, and `filename*` when it says something else.
    var filenames: [[UInt8]] {
        var result: [[UInt8]] = []
        if let filename { result.append(filename) }
        if let extendedFilename, extendedFilename != filename { result.append(extendedFilename) }
        return result
    }

    static func parse(_ content: ArraySlice<UInt8>, issues: inout Issues) -> Part {
        var part = Part(body: content[content.endIndex...])
        guard !content.isEmpty else { return part }
        var headers: [(name: ArraySlice<UInt8>, value: [UInt8])] = []
        var lineStart = content.startIndex
        var terminated = false
        while lineStart < content.endIndex {
            let newline = content[lineStart...].firstIndex(of: 0x0A)
            let next = newline.map { $0 + 1 } ?? content.endIndex
            var lineEnd = newline ?? content.endIndex
            if lineEnd > lineStart, content[lineEnd - 1] == 0x0D { lineEnd -= 1 }
            let line = content[lineStart..<lineEnd]
            if line.isEmpty {
                terminated = true
                lineStart = next
                break
            }
            if line.first == 0x20 || line.first == 0x09, !headers.isEmpty {
                // An obsolete folded line continues the previous header.
                headers[headers.count - 1].value.append(0x20)
                headers[headers.count - 1].value.append(contentsOf: Bytes.trimmed(line))
            } else if let colon = line.firstIndex(of: UInt8(ascii: ":")), colon > line.startIndex,
                line[line.startIndex..<colon].allSatisfy({ $0 > 0x20 && $0 < 0x7F })
            {
                headers.append((line[line.startIndex..<colon], Array(Bytes.trimmed(line[(colon + 1)...]))))
            } else {
                // Not a header line before any blank line: the part has no headers.
                issues.note("part without headers")
                part.body = content
                return part
            }
            lineStart = next
        }
        if !terminated { issues.note("part headers not terminated") }
        part.body = content[lineStart...]
        for header in headers {
            if Bytes.hasPrefixIgnoringCase(header.name, "content-disposition"), header.name.count == 19 {
                part.readDisposition(header.value[...], issues: &issues)
            } else if Bytes.hasPrefixIgnoringCase(header.name, "content-type"), header.name.count == 12,
                part.contentType == nil
            {
                part.contentType = String(decoding: header.value, as: UTF8.self)
            }
        }
        return part
    }

    private mutating func readDisposition(_ value: ArraySlice<UInt8>, issues: inout Issues) {
        for parameter in HeaderParameters.parse(value) {
            switch parameter.name {
            case Array("name".utf8):
                if name == nil { name = parameter.value } else { issues.note("duplicate name parameter") }
            case Array("filename".utf8):
                if filename == nil { filename = parameter.value }
            case Array("filename*".utf8):
                guard extendedFilename == nil else { continue }
                // RFC 5987: charset'language'percent-encoded.
                var encoded = parameter.value[...]
                if let first = encoded.firstIndex(of: UInt8(ascii: "'")),
                    let second = encoded[(first + 1)...].firstIndex(of: UInt8(ascii: "'"))
                {
                    encoded = encoded[(second + 1)...]
                }
                var findings: Percent.Findings = []
                extendedFilename = Percent.decodeComponent(encoded, plusAsSpace: false, findings: &findings)
            default:
                continue
            }
        }
    }
}

/// `; name=value` parameters of a header value (RFC 9110 §5.6.6): names lowercased, quoted values
/// unquoted (`\"` and `\\` unescaped, other backslashes kept: old browsers sent Windows paths
/// unescaped). Whatever precedes the first `;` (the type or disposition) is skipped.
private enum HeaderParameters {
    static func parse(_ value: ArraySlice<UInt8>) -> [(name: [UInt8], value: [UInt8])] {
        var result: [(name: [UInt8], value: [UInt8])] = []
        let end = value.endIndex
        guard var index = value.firstIndex(of: UInt8(ascii: ";")) else { return result }
        while index < end {
            // Skip separators and whitespace.
            while index < end, value[index] == UInt8(ascii: ";") || Bytes.isSpace(value[index]) { index += 1 }
            let nameStart = index
            while index < end, value[index] != UInt8(ascii: "="), value[index] != UInt8(ascii: ";") { index += 1 }
            let name = Bytes.trimmed(value[nameStart..<index]).map(Bytes.lower)
            guard index < end, value[index] == UInt8(ascii: "=") else {
                if !name.isEmpty { result.append((name, [])) }
                continue
            }
            index += 1
            while index < end, value[index] == 0x20 || value[index] == 0x09 { index += 1 }
            var parameterValue: [UInt8] = []
            if index < end, value[index] == UInt8(ascii: "\"") {
                index += 1
                while index < end, value[index] != UInt8(ascii: "\"") {
                    if value[index] == UInt8(ascii: "\\"), index + 1 < end,
                        value[index + 1] == UInt8(ascii: "\"") || value[index + 1] == UInt8(ascii: "\\")
                    {
                        index += 1
                    }
                    parameterValue.append(value[index])
                    index += 1
                }
                if index < end { index += 1 }  // the closing quote
                while index < end, value[index] != UInt8(ascii: ";") { index += 1 }  // junk after it
            } else {
                let valueStart = index
                while index < end, value[index] != UInt8(ascii: ";") { index += 1 }
                parameterValue = Array(Bytes.trimmed(value[valueStart..<index]))
            }
            if !name.isEmpty { result.append((name, parameterValue)) }
        }
        return result
    }
}

/// Malformations, one annotation per kind with a count.
private struct Issues {
    private(set) var annotations: [Annotation] = []

    mutating func note(_ detail: String) {
        if let index = annotations.firstIndex(where: { $0.detail == detail }) {
            annotations[index].value &+= 1
        } else {
            annotations.append(Annotation(.malformed, detail: detail, value: 1))
        }
    }
}
