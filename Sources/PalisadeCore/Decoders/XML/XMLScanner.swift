/// The tokenizer and tree walker behind `XMLFieldDecoder`: one linear pass over the bytes, no
/// recursion, an explicit stack of at most `maxDepth` open elements. Every search for a closing
/// delimiter starts where the previous construct ended, so the pass stays linear whatever the input
/// (unterminated comments, CDATA, quotes or DOCTYPEs simply run to the end).
struct XMLScanner {
    /// The DOCTYPE child carries at most this much of the declaration's text.
    static let maxDoctypeBytes = 65_536
    /// Excerpts in annotation details (system ids, names).
    static let maxDetailBytes = 60
    /// Element and attribute names are cut to this many bytes in paths.
    static let maxPathNameBytes = 128
    /// Per-item annotations (PIs, external identifiers) stop after this many; counts go on.
    static let maxItemAnnotations = 16

    /// What a sniffed value starts with.
    enum Prologue: Equatable {
        case declaration
        case doctype
        case element(ArraySlice<UInt8>)
    }

    /// The start of a value that may be XML (`bytes` starts with `<`): `<?xml`, `<!DOCTYPE`, or `<`
    /// + a name (returned, for the HTML check); nil for anything else.
    static func sniffPrologue(_ bytes: ArraySlice<UInt8>) -> Prologue? {
        let start = bytes.startIndex
        guard bytes.count >= 2 else { return nil }
        let next = bytes[start + 1]
        if next == UInt8(ascii: "?") {
            guard matches(bytes, "<?xml", at: start, ignoringCase: false), bytes.count > 5 else { return nil }
            let after = bytes[start + 5]
            return Bytes.isSpace(after) || after == UInt8(ascii: "?") ? .declaration : nil
        }
        if next == UInt8(ascii: "!") {
            return matches(bytes, "<!DOCTYPE", at: start, ignoringCase: false) ? .doctype : nil
        }
        guard isNameStart(next) else { return nil }
        var end = start + 1
        while end < bytes.endIndex, isNameByte(bytes[end]) { end += 1 }
        return .element(bytes[(start + 1)..<end])
    }

    private struct Frame {
        var name: Range<Int>
        var path: String
        var fieldName: String
    }

    private struct DoctypeStats {
        var count = 0
        var name = ""
        var length = 0
        var entityDeclarations = 0
        var parameterEntities = 0
        var firstParameterEntity = ""
        var externalCount = 0
        var externals: [(detail: String, isDTD: Bool)] = []
    }

    private struct Token {
        var range: Range<Int>
        var isLiteral: Bool
    }

    let input: ArraySlice<UInt8>
    /// Sniffing: the first problem fails the whole value (`failed`) and HTML-ish markup is refused.
    let strict: Bool
    let maxDepth: Int
    let maxChildren: Int
    let maxBytes: Int

    private(set) var children: [Child] = []
    private(set) var outputBytes = 0
    private(set) var pointsCut = false
    private(set) var bytesCut = false
    private(set) var depthCut = false
    private(set) var failed = false
    private(set) var elementCount = 0

    private var position: Int
    private var stack: [Frame] = []
    /// Open elements below the depth limit: counted, not kept.
    private var overflow = 0
    private var rootCount = 0
    /// The current text run and whether it has anything but whitespace.
    private var text: [UInt8] = []
    private var textSignificant = false
    private var malformedCount = 0
    private var firstProblem = ""
    private var itemAnnotations: [Annotation] = []
    private var processingInstructions = 0
    private var doctype = DoctypeStats()
    private var declarationTokens: [Token] = []

    init(input: ArraySlice<UInt8>, strict: Bool, maxDepth: Int, maxChildren: Int, maxBytes: Int) {
        self.input = input
        self.strict = strict
        self.maxDepth = max(maxDepth, 1)
        self.maxChildren = maxChildren
        self.maxBytes = maxBytes
        self.position = input.startIndex
    }

    // MARK: - Driver

    mutating func run() {
        let input = self.input
        let end = input.endIndex
        while position < end, !failed {
            switch input[position] {
            case UInt8(ascii: "<"):
                markup()
            case UInt8(ascii: "&"):
                if overflow > 0 {
                    position += 1
                } else {
                    position = Self.decodeReference(input, at: position, into: &text)
                    textSignificant = true
                }
            default:
                var stop = position
                while stop < end, input[stop] != UInt8(ascii: "<"), input[stop] != UInt8(ascii: "&") { stop += 1 }
                appendText(input[position..<stop])
                position = stop
            }
        }
        guard !failed else { return }
        flushText()
        if !stack.isEmpty || overflow > 0 {
            malformed("unclosed element at end of input")
            stack.removeAll()
            overflow = 0
        }
    }

    /// Annotations for the whole value, once `run()` is done.
    func finishAnnotations() -> [Annotation] {
        var out = itemAnnotations
        if doctype.count > 0 {
            out.append(Annotation(.xmlDoctype, detail: doctype.name, value: doctype.length))
            if doctype.entityDeclarations > 0 {
                out.append(Annotation(.xmlEntityDeclaration, value: doctype.entityDeclarations))
            }
            if doctype.parameterEntities > 0 {
                out.append(
                    Annotation(
                        .xmlParameterEntity, detail: doctype.firstParameterEntity, value: doctype.parameterEntities))
            }
            for external in doctype.externals {
                out.append(Annotation(.xmlExternalEntity, detail: external.detail, value: doctype.externalCount))
                if external.isDTD { out.append(Annotation(.xmlExternalDTD, detail: external.detail)) }
            }
        }
        if depthCut { out.append(Annotation(.limitStructureDepth, detail: "xml", value: maxDepth)) }
        if malformedCount > 0 { out.append(Annotation(.malformed, detail: firstProblem, value: malformedCount)) }
        return out
    }

    // MARK: - Output

    private var currentPath: String { stack.last?.path ?? "" }

    private mutating func emit(path: String, value: [UInt8], kind: ValueKind, fieldName: String?) {
        guard overflow == 0 else { return }
        guard children.count < maxChildren else {
            pointsCut = true
            return
        }
        guard value.count <= maxBytes - outputBytes else {
            bytesCut = true
            return
        }
        outputBytes += value.count
        children.append(Child(path: path, value: value, kind: kind, fieldName: fieldName))
    }

    private mutating func malformed(_ reason: String) {
        malformedCount += 1
        if malformedCount == 1 { firstProblem = reason }
        if strict { failed = true }
    }

    private mutating func appendText(_ bytes: ArraySlice<UInt8>) {
        guard overflow == 0, !bytes.isEmpty else { return }
        if !textSignificant, bytes.contains(where: { !Bytes.isSpace($0) }) { textSignificant = true }
        text.append(contentsOf: bytes)
    }

    /// Emits the current text run at the current element's path (outside the root: malformed, at `""`).
    private mutating func flushText() {
        defer {
            text.removeAll(keepingCapacity: true)
            textSignificant = false
        }
        guard textSignificant, overflow == 0 else { return }
        if stack.isEmpty { malformed("text outside the root element") }
        emit(path: currentPath, value: text, kind: .text, fieldName: stack.last?.fieldName)
    }

    // MARK: - Markup

    private mutating func markup() {
        let start = position
        let end = input.endIndex
        guard start + 1 < end else {
            malformed("stray '<'")
            appendText(input[start..<end])
            position = end
            return
        }
        let next = input[start + 1]
        if next == UInt8(ascii: "?") {
            processingInstruction()
        } else if next == UInt8(ascii: "!") {
            if Self.matches(input, "<!--", at: start, ignoringCase: false) {
                comment()
            } else if Self.matches(input, "<![CDATA[", at: start, ignoringCase: false) {
                cdata()
            } else if Self.matches(input, "<!DOCTYPE", at: start, ignoringCase: true) {
                doctypeDeclaration()
            } else {
                malformed("unknown markup declaration")
                position = Self.find(input, ">", from: start).map { $0 + 1 } ?? end
            }
        } else if next == UInt8(ascii: "/") {
            endTag()
        } else if Self.isNameStart(next) {
            startTag()
        } else {
            malformed("stray '<'")
            appendText(input[start..<(start + 1)])
            position = start + 1
        }
    }

    private mutating func processingInstruction() {
        let start = position
        let end = input.endIndex
        let targetStart = start + 2
        var targetEnd = targetStart
        while targetEnd < end, Self.isNameByte(input[targetEnd]), input[targetEnd] != UInt8(ascii: "?") {
            targetEnd += 1
        }
        let close = Self.find(input, "?>", from: targetStart)
        let instructionEnd = close.map { $0 + 2 } ?? end
        position = instructionEnd
        if close == nil { malformed("unterminated processing instruction") }
        let target = input[targetStart..<targetEnd]
        if target.count == 3, Bytes.hasPrefixIgnoringCase(target, "xml") {
            if elementCount > 0 || doctype.count > 0 { malformed("misplaced XML declaration") }
            return
        }
        if target.isEmpty { malformed("processing instruction without target") }
        processingInstructions += 1
        if processingInstructions <= Self.maxItemAnnotations {
            itemAnnotations.append(Annotation(.xmlProcessingInstruction, detail: Self.excerpt(target)))
        }
        emit(
            path: currentPath + "?" + Self.bareSegment(target), value: Array(input[start..<instructionEnd]),
            kind: .markup, fieldName: nil)
    }

    private mutating func comment() {
        let contentStart = position + 4
        let close = Self.find(input, "-->", from: contentStart)
        if close == nil { malformed("unterminated comment") }
        let content = input[contentStart..<(close ?? input.endIndex)]
        position = close.map { $0 + 3 } ?? input.endIndex
        if content.contains(where: { !Bytes.isSpace($0) }) {
            emit(path: currentPath + "#comment", value: Array(content), kind: .text, fieldName: nil)
        }
    }

    private mutating func cdata() {
        let contentStart = position + 9
        let close = Self.find(input, "]]>", from: contentStart)
        if close == nil { malformed("unterminated CDATA section") }
        appendText(input[contentStart..<(close ?? input.endIndex)])
        position = close.map { $0 + 3 } ?? input.endIndex
    }

    private mutating func endTag() {
        let end = input.endIndex
        let nameStart = position + 2
        var nameEnd = nameStart
        while nameEnd < end, !Bytes.isSpace(input[nameEnd]), input[nameEnd] != UInt8(ascii: ">"),
            input[nameEnd] != UInt8(ascii: "<")
        {
            nameEnd += 1
        }
        var index = nameEnd
        while index < end, Bytes.isSpace(input[index]) { index += 1 }
        if index < end, input[index] == UInt8(ascii: ">") {
            position = index + 1
        } else {
            malformed("malformed end tag")
            while index < end, input[index] != UInt8(ascii: ">"), input[index] != UInt8(ascii: "<") { index += 1 }
            position = index < end && input[index] == UInt8(ascii: ">") ? index + 1 : index
        }
        flushText()
        if nameStart == nameEnd { malformed("end tag without name") }
        closeElement(input[nameStart..<nameEnd])
    }

    private mutating func closeElement(_ name: ArraySlice<UInt8>) {
        if overflow > 0 {
            overflow -= 1
            return
        }
        guard let top = stack.last else {
            malformed("end tag without start tag")
            return
        }
        if sameName(top.name, name) {
            stack.removeLast()
            return
        }
        malformed("mismatched end tag")
        // Lenient: an end tag closes the nearest open element of its name; stray ones are ignored.
        if let match = stack.lastIndex(where: { sameName($0.name, name) }) {
            stack.removeSubrange(match...)
        }
    }

    private func sameName(_ open: Range<Int>, _ name: ArraySlice<UInt8>) -> Bool {
        open.count == name.count && input[open].elementsEqual(name)
    }

    private mutating func startTag() {
        let end = input.endIndex
        let nameStart = position + 1
        var index = nameStart
        while index < end, Self.isNameByte(input[index]) { index += 1 }
        let nameEnd = index
        let name = input[nameStart..<nameEnd]
        if strict, !Self.isStrictName(name) {
            malformed("invalid element name")
            return
        }
        flushText()
        if stack.isEmpty, overflow == 0 {
            rootCount += 1
            if rootCount > 1 { malformed("more than one root element") }
        }
        elementCount += 1
        let cut = overflow > 0 || stack.count >= maxDepth
        if cut { depthCut = true }
        let path = cut ? "" : currentPath + LocationPath.key(bytes: name.prefix(Self.maxPathNameBytes))
        let fieldName = cut ? "" : String(decoding: name.prefix(Self.maxPathNameBytes), as: UTF8.self)
        var selfClosing = false
        attributes: while !failed {
            while index < end, Bytes.isSpace(input[index]) { index += 1 }
            guard index < end else {
                malformed("unterminated start tag")
                break
            }
            switch input[index] {
            case UInt8(ascii: ">"):
                index += 1
                break attributes
            case UInt8(ascii: "/"):
                if index + 1 < end, input[index + 1] == UInt8(ascii: ">") {
                    index += 2
                    selfClosing = true
                    break attributes
                }
                malformed("stray '/' in start tag")
                index += 1
                continue attributes
            case UInt8(ascii: "<"):
                malformed("unterminated start tag")
                break attributes
            default:
                break
            }
            let attributeStart = index
            while index < end, Self.isNameByte(input[index]) { index += 1 }
            guard index > attributeStart else {
                malformed("stray character in start tag")
                index += 1
                continue
            }
            let attribute = input[attributeStart..<index]
            if strict {
                if !Self.isStrictName(attribute) { malformed("invalid attribute name") }
                // `onload=`, `onerror=`: an HTML event handler, not an XML document.
                if attribute.count > 2, Bytes.hasPrefixIgnoringCase(attribute, "on") {
                    malformed("event handler attribute")
                }
            }
            while index < end, Bytes.isSpace(input[index]) { index += 1 }
            var value: [UInt8] = []
            if index < end, input[index] == UInt8(ascii: "=") {
                index += 1
                while index < end, Bytes.isSpace(input[index]) { index += 1 }
                if index < end, input[index] == UInt8(ascii: "\"") || input[index] == UInt8(ascii: "'") {
                    let quote = input[index]
                    let valueStart = index + 1
                    var close = valueStart
                    while close < end, input[close] != quote { close += 1 }
                    if close == end { malformed("unterminated attribute value") }
                    if !cut { value = Self.decodeText(input[valueStart..<close]) }
                    index = min(close + 1, end)
                } else {
                    malformed("unquoted attribute value")
                    let valueStart = index
                    while index < end, !Bytes.isSpace(input[index]), input[index] != UInt8(ascii: ">"),
                        input[index] != UInt8(ascii: "<"),
                        !(input[index] == UInt8(ascii: "/") && index + 1 < end && input[index + 1] == UInt8(ascii: ">"))
                    {
                        index += 1
                    }
                    if !cut { value = Self.decodeText(input[valueStart..<index]) }
                }
            } else {
                malformed("attribute without value")
            }
            if !cut {
                emit(
                    path: path + "@" + Self.bareSegment(attribute), value: value, kind: .text,
                    fieldName: String(decoding: attribute.prefix(Self.maxPathNameBytes), as: UTF8.self))
            }
        }
        position = index
        guard !failed, !selfClosing else { return }
        if cut {
            overflow += 1
        } else {
            stack.append(Frame(name: nameStart..<nameEnd, path: path, fieldName: fieldName))
        }
    }

    // MARK: - DOCTYPE

    private mutating func doctypeDeclaration() {
        let start = position
        let end = input.endIndex
        if elementCount > 0 || doctype.count > 0 { malformed("misplaced DOCTYPE") }
        doctype.count += 1
        var index = start + 9
        var words: [Range<Int>] = []
        var literals: [Range<Int>] = []
        var closed = false
        scan: while index < end {
            let byte = input[index]
            switch byte {
            case UInt8(ascii: ">"):
                index += 1
                closed = true
                break scan
            case UInt8(ascii: "["):
                index = internalSubset(from: index + 1)
            case UInt8(ascii: "\""), UInt8(ascii: "'"):
                let literal = quoted(from: index)
                if literals.count < 4 { literals.append(literal.content) }
                index = literal.next
            default:
                if Bytes.isSpace(byte) {
                    index += 1
                    continue scan
                }
                let wordStart = index
                while index < end, !Self.isDelimiter(input[index]), input[index] != UInt8(ascii: "[") { index += 1 }
                if words.count < 4 { words.append(wordStart..<index) }
            }
        }
        if !closed { malformed("unterminated DOCTYPE") }
        position = index
        if doctype.count == 1, let name = words.first { doctype.name = Self.excerpt(input[name]) }
        doctype.length += index - start
        // `<!DOCTYPE root SYSTEM "uri">` / `PUBLIC "pubid" "uri"`: an external subset.
        if words.count >= 2 {
            let keyword = input[words[1]]
            if keyword.count == 6, Bytes.hasPrefixIgnoringCase(keyword, "SYSTEM") {
                recordExternal(literals.first, isDTD: true)
            } else if keyword.count == 6, Bytes.hasPrefixIgnoringCase(keyword, "PUBLIC") {
                recordExternal(literals.count > 1 ? literals[1] : literals.first, isDTD: true)
            }
        }
        emit(
            path: "!doctype", value: Array(input[start..<min(index, start + Self.maxDoctypeBytes)]), kind: .markup,
            fieldName: nil)
    }

    /// Skips the internal subset (after `[`), counting declarations; returns the index after `]`.
    private mutating func internalSubset(from start: Int) -> Int {
        let end = input.endIndex
        var index = start
        while index < end {
            switch input[index] {
            case UInt8(ascii: "]"):
                return index + 1
            case UInt8(ascii: "\""), UInt8(ascii: "'"):
                index = quoted(from: index).next
            case UInt8(ascii: "<"):
                if Self.matches(input, "<!--", at: index, ignoringCase: false) {
                    let close = Self.find(input, "-->", from: index + 4)
                    if close == nil { malformed("unterminated comment") }
                    index = close.map { $0 + 3 } ?? end
                } else if Self.matches(input, "<?", at: index, ignoringCase: false) {
                    let close = Self.find(input, "?>", from: index + 2)
                    if close == nil { malformed("unterminated processing instruction") }
                    index = close.map { $0 + 2 } ?? end
                } else if Self.matches(input, "<!", at: index, ignoringCase: false) {
                    index = markupDeclaration(from: index + 2)
                } else {
                    index += 1
                }
            default:
                index += 1
            }
        }
        malformed("unterminated DOCTYPE internal subset")
        return end
    }

    /// Reads one `<!…>` declaration of the internal subset (from after `<!`); returns the index after `>`.
    private mutating func markupDeclaration(from start: Int) -> Int {
        let end = input.endIndex
        declarationTokens.removeAll(keepingCapacity: true)
        var index = start
        var closed = false
        scan: while index < end {
            let byte = input[index]
            switch byte {
            case UInt8(ascii: ">"):
                index += 1
                closed = true
                break scan
            case UInt8(ascii: "\""), UInt8(ascii: "'"):
                let literal = quoted(from: index)
                if declarationTokens.count < 6 {
                    declarationTokens.append(Token(range: literal.content, isLiteral: true))
                }
                index = literal.next
            default:
                if Bytes.isSpace(byte) {
                    index += 1
                    continue scan
                }
                let wordStart = index
                while index < end, !Self.isDelimiter(input[index]) { index += 1 }
                if declarationTokens.count < 6 {
                    declarationTokens.append(Token(range: wordStart..<index, isLiteral: false))
                }
            }
        }
        if !closed { malformed("unterminated markup declaration") }
        entityDeclaration()
        return index
    }

    /// Counts `<!ENTITY [%] name (literal | SYSTEM lit | PUBLIC lit lit)>` from `declarationTokens`.
    private mutating func entityDeclaration() {
        let tokens = declarationTokens
        guard let keyword = tokens.first, !keyword.isLiteral, keyword.range.count == 6,
            Bytes.hasPrefixIgnoringCase(input[keyword.range], "ENTITY")
        else { return }
        doctype.entityDeclarations += 1
        var next = 1
        var parameterName: Range<Int>?
        if next < tokens.count, !tokens[next].isLiteral, input[tokens[next].range.lowerBound] == UInt8(ascii: "%") {
            let percent = tokens[next].range
            if percent.count == 1 {
                next += 1
                parameterName = next < tokens.count ? tokens[next].range : percent
            } else {
                parameterName = (percent.lowerBound + 1)..<percent.upperBound  // `%name`, no space
            }
        }
        if let parameterName {
            doctype.parameterEntities += 1
            if doctype.parameterEntities == 1 { doctype.firstParameterEntity = Self.excerpt(input[parameterName]) }
        }
        next += 1  // the entity name
        guard next < tokens.count, !tokens[next].isLiteral else { return }
        let kind = input[tokens[next].range]
        guard kind.count == 6 else { return }
        func literal(_ offset: Int) -> Range<Int>? {
            let at = next + offset
            return at < tokens.count && tokens[at].isLiteral ? tokens[at].range : nil
        }
        if Bytes.hasPrefixIgnoringCase(kind, "SYSTEM") {
            recordExternal(literal(1), isDTD: false)
        } else if Bytes.hasPrefixIgnoringCase(kind, "PUBLIC") {
            recordExternal(literal(2) ?? literal(1), isDTD: false)
        }
    }

    private mutating func recordExternal(_ systemID: Range<Int>?, isDTD: Bool) {
        doctype.externalCount += 1
        guard doctype.externals.count < Self.maxItemAnnotations else { return }
        doctype.externals.append((systemID.map { Self.excerpt(input[$0]) } ?? "", isDTD))
    }

    /// A quoted literal starting at `start` (a quote): its content and the index after it.
    private mutating func quoted(from start: Int) -> (content: Range<Int>, next: Int) {
        let quote = input[start]
        var close = start + 1
        while close < input.endIndex, input[close] != quote { close += 1 }
        if close == input.endIndex {
            malformed("unterminated literal")
            return ((start + 1)..<close, close)
        }
        return ((start + 1)..<close, close + 1)
    }

    // MARK: - Bytes

    /// Whitespace, `>` or a quote: where a DOCTYPE word ends.
    private static func isDelimiter(_ byte: UInt8) -> Bool {
        Bytes.isSpace(byte) || byte == UInt8(ascii: ">") || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'")
    }

    static func isNameStart(_ byte: UInt8) -> Bool {
        (byte | 0x20) >= UInt8(ascii: "a") && (byte | 0x20) <= UInt8(ascii: "z") || byte == UInt8(ascii: "_")
            || byte == UInt8(ascii: ":") || byte >= 0x80
    }

    /// Lenient name bytes: anything but whitespace and the bytes that end a name in a tag.
    static func isNameByte(_ byte: UInt8) -> Bool {
        !Bytes.isSpace(byte) && byte != UInt8(ascii: "/") && byte != UInt8(ascii: ">") && byte != UInt8(ascii: "<")
            && byte != UInt8(ascii: "=") && byte != UInt8(ascii: "\"") && byte != UInt8(ascii: "'")
    }

    /// An XML name (ASCII part of the production; any non-ASCII byte accepted).
    static func isStrictName(_ name: ArraySlice<UInt8>) -> Bool {
        guard let first = name.first, isNameStart(first) else { return false }
        for byte in name {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: ":"), UInt8(ascii: "-"),
                UInt8(ascii: "."), 0x80...0xFF:
                continue
            default:
                return false
            }
        }
        return true
    }

    /// `name` when it is a plain key, else `["name"]`: the form attribute and PI names take after `@`/`?`.
    static func bareSegment(_ name: ArraySlice<UInt8>) -> String {
        let text = String(decoding: name.prefix(maxPathNameBytes), as: UTF8.self)
        return LocationPath.isPlain(text) ? text : LocationPath.key(text)
    }

    static func matches(_ bytes: ArraySlice<UInt8>, _ literal: StaticString, at index: Int, ignoringCase: Bool) -> Bool
    {
        let count = literal.utf8CodeUnitCount
        guard index >= bytes.startIndex, bytes.endIndex - index >= count else { return false }
        let pointer = literal.utf8Start
        for offset in 0..<count {
            let byte = bytes[index + offset]
            let wanted = pointer[offset]
            if ignoringCase ? Bytes.lower(byte) != Bytes.lower(wanted) : byte != wanted { return false }
        }
        return true
    }

    /// The index where `literal` next occurs at or after `start`.
    static func find(_ bytes: ArraySlice<UInt8>, _ literal: StaticString, from start: Int) -> Int? {
        let first = literal.utf8Start[0]
        let last = bytes.endIndex - literal.utf8CodeUnitCount
        var index = max(start, bytes.startIndex)
        while index <= last {
            if bytes[index] == first, matches(bytes, literal, at: index, ignoringCase: false) { return index }
            index += 1
        }
        return nil
    }

    /// At most `maxDetailBytes` of `bytes` as text, cut on a UTF-8 boundary.
    static func excerpt(_ bytes: ArraySlice<UInt8>) -> String {
        guard bytes.count > maxDetailBytes else { return String(decoding: bytes, as: UTF8.self) }
        var cut = bytes.startIndex + maxDetailBytes
        while cut > bytes.startIndex, bytes[cut] & 0xC0 == 0x80 { cut -= 1 }
        return String(decoding: bytes[..<cut], as: UTF8.self)
    }

    /// Text or an attribute value with the predefined entities and character references decoded.
    static func decodeText(_ bytes: ArraySlice<UInt8>) -> [UInt8] {
        guard var amp = bytes.firstIndex(of: UInt8(ascii: "&")) else { return Array(bytes) }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var runStart = bytes.startIndex
        while true {
            out.append(contentsOf: bytes[runStart..<amp])
            runStart = decodeReference(bytes, at: amp, into: &out)
            guard let next = bytes[runStart...].firstIndex(of: UInt8(ascii: "&")) else { break }
            amp = next
        }
        out.append(contentsOf: bytes[runStart...])
        return out
    }

    /// Decodes the reference at `start` (an `&`) into `out`: `&lt;` `&gt;` `&amp;` `&quot;` `&apos;`,
    /// `&#60;`, `&#x3c;`; anything else (`&xxe;`, a lone `&`, `&#0;`) is copied verbatim. Returns the
    /// index after what was consumed.
    static func decodeReference(_ bytes: ArraySlice<UInt8>, at start: Int, into out: inout [UInt8]) -> Int {
        let limit = min(bytes.endIndex, start + 40)
        var semicolon = start + 1
        while semicolon < limit {
            let byte = bytes[semicolon]
            if byte == UInt8(ascii: ";") || byte == UInt8(ascii: "&") || byte == UInt8(ascii: "<")
                || Bytes.isSpace(byte)
            {
                break
            }
            semicolon += 1
        }
        guard semicolon < limit, bytes[semicolon] == UInt8(ascii: ";") else {
            out.append(UInt8(ascii: "&"))
            return start + 1
        }
        let name = bytes[(start + 1)..<semicolon]
        if let byte = predefinedEntity(name) {
            out.append(byte)
        } else if name.first == UInt8(ascii: "#"), let scalar = characterReference(name.dropFirst()) {
            UTF8.encode(scalar) { out.append($0) }
        } else {
            out.append(contentsOf: bytes[start...semicolon])
        }
        return semicolon + 1
    }

    private static func predefinedEntity(_ name: ArraySlice<UInt8>) -> UInt8? {
        switch name.count {
        case 2:
            if matches(name, "lt", at: name.startIndex, ignoringCase: false) { return UInt8(ascii: "<") }
            if matches(name, "gt", at: name.startIndex, ignoringCase: false) { return UInt8(ascii: ">") }
        case 3:
            if matches(name, "amp", at: name.startIndex, ignoringCase: false) { return UInt8(ascii: "&") }
        case 4:
            if matches(name, "quot", at: name.startIndex, ignoringCase: false) { return UInt8(ascii: "\"") }
            if matches(name, "apos", at: name.startIndex, ignoringCase: false) { return UInt8(ascii: "'") }
        default:
            break
        }
        return nil
    }

    /// `60` or `x3c` (after `&#`): the scalar, or nil when invalid (empty, a non-digit, a surrogate,
    /// beyond U+10FFFF, or NUL, which XML forbids).
    private static func characterReference(_ digits: ArraySlice<UInt8>) -> Unicode.Scalar? {
        var digits = digits
        var radix: UInt32 = 10
        if let first = digits.first, first == UInt8(ascii: "x") || first == UInt8(ascii: "X") {
            radix = 16
            digits = digits.dropFirst()
        }
        guard !digits.isEmpty else { return nil }
        var value: UInt32 = 0
        for byte in digits {
            let digit: UInt32
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f") where radix == 16: digit = UInt32(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F") where radix == 16: digit = UInt32(byte - UInt8(ascii: "A") + 10)
            default: return nil
            }
            value = value * radix + digit
            if value > 0x10FFFF { return nil }
        }
        guard value != 0 else { return nil }
        return Unicode.Scalar(value)
    }
}
