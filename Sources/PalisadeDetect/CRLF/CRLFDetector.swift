/// CRLF injection and HTTP response splitting: a line break (raw, percent-encoded left over after
/// decoding, or a Unicode character that truncates to CR/LF) followed by a header line
/// (`Set-Cookie:`, `Location:`…) or a status line (`HTTP/1.1 200`), in a value that can reach a
/// response header. Multi-line text in bodies (addresses, YAML, quoted e-mails) is weighed down:
/// it reaches headers far less often and has `Name: value` lines of its own.
public struct CRLFDetector: Detector {
    public let name = "crlf"

    public init() {}

    public func detect(_ value: ArraySlice<UInt8>, context: DetectionContext, hits: inout [Hit]) {
        guard
            let finding = Self.analyze(
                value, fieldName: context.fieldName, source: context.source, field: context.field.net,
                bytes: context.bytes(of: value))
        else { return }
        hits.append(.net(.crlf, finding, value: value, context: context))
    }

    static let reportFloor = 0.3

    /// Response headers whose injection changes what the client does.
    static let dangerousHeaders: Set<String> = [
        "set-cookie", "set-cookie2", "location", "content-type", "content-length", "refresh", "content-disposition",
        "content-security-policy", "access-control-allow-origin", "access-control-allow-credentials",
        "access-control-allow-headers", "access-control-allow-methods", "x-xss-protection", "transfer-encoding",
        "link", "cache-control", "x-frame-options", "strict-transport-security", "content-encoding",
        "x-content-type-options", "www-authenticate", "proxy-authenticate", "upgrade", "connection", "vary",
        "content-language", "content-location", "expires", "pragma", "retry-after", "server", "x-powered-by",
        "x-accel-redirect", "x-sendfile", "x-forwarded-for", "x-forwarded-host", "x-forwarded-proto",
        "x-original-url", "x-rewrite-url", "cookie", "authorization", "referer", "user-agent", "x-real-ip",
        "content-range", "accept-ranges", "last-modified", "etag", "age", "x-cache", "keep-alive", "trailer",
    ]
    /// Header names that also start ordinary lines of text (`Host: Ann`, `Date: Monday`).
    static let commonWords: Set<String> = ["host", "date", "from", "to", "via", "warning", "allow", "accept", "range"]

    /// Whether the header line after `from` (just past the colon) has the shape its header needs:
    /// a `Location`/`Content-Location` is a URI reference, which has no spaces (`Location: Building
    /// 5` is a line of text), and a `Set-Cookie` is `name=value` (the `=` perhaps still `%3D`). Other
    /// headers are not checked.
    static func valueFits(_ name: String, _ value: ArraySlice<UInt8>, from: Int, _ breaks: [LineBreaks.Break]) -> Bool {
        let uri = name == "location" || name == "content-location"
        guard uri || name == "set-cookie" else { return true }
        let start = LineBreaks.skipSpace(value, from)
        let end = breaks.first(where: { $0.start >= start })?.start ?? value.endIndex
        guard start < end else { return false }
        let line = value[start..<end].prefix(512)
        if name == "set-cookie" {
            return line.contains(UInt8(ascii: "=")) || Bytes.containsIgnoringCase(line, "%3d")  // `=` or encoded
        }
        var last = line.endIndex
        while last > line.startIndex, line[last - 1] == 0x20 { last -= 1 }
        return !line[line.startIndex..<last].contains(0x20)
    }

    /// Whether the text before the first break is what an injection rides on rather than a line
    /// of text: nothing, a URL or path (`/`), or one id/host token (letters, digits, `.`-`_`, with
    /// a digit or an inner dot — `www.example.com`, `12345`; not `Thanks.` or `Hello,`).
    static func carrierToken(_ prefix: ArraySlice<UInt8>) -> Bool {
        let token = Bytes.trimmed(prefix)
        guard !token.isEmpty else { return true }
        guard !token.contains(0x20), token.count <= 256 else { return false }
        if token.contains(UInt8(ascii: "/")) { return true }
        var digit = false
        var innerDot = false
        for (offset, byte) in token.enumerated() {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = true
            case UInt8(ascii: "."): if offset > 0 && offset < token.count - 1 { innerDot = true }
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "-"),
                UInt8(ascii: "_"):
                break
            default: return false
            }
        }
        return digit || innerDot
    }

    /// Log levels a forged line names (`INFO`, `[WARN]`, `ERROR:`), lowercased.
    static let logLevels: Set<String> = [
        "info", "warn", "warning", "error", "debug", "trace", "fatal", "critical", "notice", "alert", "severe",
    ]

    /// Whether `line` starts like a line of a log: a timestamp (`2026-11-21`, `2026/11/21`,
    /// `21/Nov/2026`, then `12:00:00`), perhaps in brackets, then a level word (`INFO`, `[ERROR]`) and
    /// text — 0.8; a level word alone in capitals with a bracket or colon (`[INFO] …`, `WARN: …`) —
    /// 0.8; a date and a time followed by words — 0.7. Nil otherwise (`2026 was a good year`,
    /// `Info: see the FAQ`).
    static func forgedLogLine(_ line: ArraySlice<UInt8>) -> Double? {
        var k = LineBreaks.skipSpace(line, line.startIndex)
        let end = line.endIndex
        func digits(_ at: Int, _ n: Int) -> Bool {
            guard at + n <= end else { return false }
            return line[at..<(at + n)].allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
        }
        func isLetter(_ b: UInt8) -> Bool { b | 0x20 >= 0x61 && b | 0x20 <= 0x7A }
        var bracket = false
        if k < end, line[k] == UInt8(ascii: "[") {
            bracket = true
            k += 1
        }
        var date = false
        var time = false
        if digits(k, 4), k + 10 <= end, line[k + 4] == UInt8(ascii: "-") || line[k + 4] == UInt8(ascii: "/"),
            digits(k + 5, 2), line[k + 7] == line[k + 4], digits(k + 8, 2)
        {
            date = true  // 2026-11-21, 2026/11/21
            k += 10
        } else if digits(k, 2), k + 11 <= end, line[k + 2] == UInt8(ascii: "/"), isLetter(line[k + 3]),
            isLetter(line[k + 4]), isLetter(line[k + 5]), line[k + 6] == UInt8(ascii: "/"), digits(k + 7, 4)
        {
            date = true  // 21/Nov/2026 (common log format)
            k += 11
        }
        if date, k < end, line[k] == 0x20 || line[k] == UInt8(ascii: "T") || line[k] == UInt8(ascii: ":") { k += 1 }
        if digits(k, 2), k + 5 <= end, line[k + 2] == UInt8(ascii: ":"), digits(k + 3, 2) {
            time = true
            k += 5
            if k + 3 <= end, line[k] == UInt8(ascii: ":"), digits(k + 1, 2) { k += 3 }
            // Fractions and zones: `.123`, `,123`, `Z`, `+01:00`.
            while k < end, k - line.startIndex < 48,
                (line[k] >= 0x30 && line[k] <= 0x39) || line[k] == UInt8(ascii: ".") || line[k] == UInt8(ascii: ",")
                    || line[k] == UInt8(ascii: "Z") || line[k] == UInt8(ascii: "+") || line[k] == UInt8(ascii: ":")
            {
                k += 1
            }
            // A numeric zone after a space: `10:11:12 +0000`.
            if k + 5 < end, line[k] == 0x20, line[k + 1] == UInt8(ascii: "+") || line[k + 1] == UInt8(ascii: "-"),
                digits(k + 2, 4)
            {
                k += 6
            }
        }
        let stamp = date && time
        if date || time {
            // The level may have brackets of its own: `[2026-11-21 12:00:00] [ERROR] …`.
            if bracket, k < end, line[k] == UInt8(ascii: "]") { k += 1 }
            k = LineBreaks.skipSpace(line, k)
            bracket = false
            if k < end, line[k] == UInt8(ascii: "[") {
                bracket = true
                k += 1
            }
        }
        var e = k
        while e < end, e - k < 9, isLetter(line[e]) { e += 1 }
        var level = false
        var capitals = true
        if e > k, e - k <= 8 {
            var name = ""
            for b in line[k..<e] {
                if b >= 0x61 { capitals = false }
                name.append(Character(Unicode.Scalar(Bytes.lower(b))))
            }
            level = logLevels.contains(name)
        }
        if level {
            var after = e
            var marked = false
            if bracket, after < end, line[after] == UInt8(ascii: "]") {
                after += 1
                marked = true
            }
            if after < end, line[after] == UInt8(ascii: ":") {
                after += 1
                marked = true
            }
            let text = LineBreaks.skipSpace(line, after)
            let followed = text < end && isLetter(line[text]) && (text > after || marked)
            if followed, date || time || (capitals && marked) { return 0.8 }
        }
        // A date and a time then words: `2026-11-21 12:00:00 User admin logged in`.
        if stamp {
            let text = LineBreaks.skipSpace(line, k)
            var words = 0
            var i = text
            var inWord = false
            while i < end, i - text < 64, line[i] != 0x0A, line[i] != 0x0D {
                if isLetter(line[i]) {
                    if !inWord { words += 1 }
                    inWord = true
                } else if line[i] == 0x20 {
                    inWord = false
                }
                i += 1
            }
            if words >= 2 { return 0.7 }
        }
        return nil
    }

    /// The pre-filter on the bytes present in the value: a line break's lead byte.
    static func mayMatch(_ bytes: ByteSet, count: Int) -> Bool { bytes.intersects(LineBreaks.leadBytes) }

    public static func analyze(_ value: ArraySlice<UInt8>, fieldName: String?, source: Source) -> NetFinding? {
        analyze(value, fieldName: fieldName, source: source, field: nil, bytes: ByteSet(presentIn: value))
    }

    /// `field`: the roles of `fieldName` when the caller has them (`DetectionContext.field`);
    /// `bytes`: the bytes present in `value` (`DetectionContext.bytes(of:)`).
    static func analyze(
        _ value: ArraySlice<UInt8>, fieldName: String?, source: Source, field: NetField?, bytes: ByteSet
    ) -> NetFinding? {
        guard value.count >= 4, mayMatch(bytes, count: value.count) else { return nil }
        let breaks = LineBreaks.scan(value)
        guard !breaks.isEmpty else { return nil }
        let field = field ?? NetField.of(fieldName)
        var best = NetFinding.none
        var lines = 0
        for b in breaks { lines += max(b.count, 1) }
        let rawBreaks = breaks.filter { !$0.encoded }.count
        // The text before the first break: an id/URL (no spaces) is what an injection rides on.
        let prefix = value[value.startIndex..<breaks[0].start]
        var prefixSpaces = 0
        for byte in prefix where byte == 0x20 { prefixSpaces += 1 }
        var nameBuffer: [UInt8] = []
        for b in breaks {
            guard b.next < value.endIndex else { continue }
            let line = value[b.next...]
            if Bytes.hasPrefixIgnoringCase(line, "http/1.") || Bytes.hasPrefixIgnoringCase(line, "http/2")
                || Bytes.hasPrefixIgnoringCase(line, "http/0.9")
            {
                // A status line: `HTTP/1.1 200 OK`.
                var k = line.startIndex + 6
                while k < line.endIndex, k - line.startIndex < 10, line[k] != 0x20, line[k] != UInt8(ascii: "%") {
                    k += 1
                }
                let rest = line[LineBreaks.skipSpace(line, k)...]
                if rest.prefix(3).count == 3, rest.prefix(3).allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) {
                    best.consider(
                        NetFinding(0.95, "crlf.response_splitting", b.start..<min(value.endIndex, b.next + 40)))
                    continue
                }
            }
            // A forged log line right after an id (`guest\n2026-11-21 12:00:00 INFO admin logged in`):
            // a logger writing the value on one line gets a second line of the attacker's.
            if b.start == breaks[0].start, prefixSpaces == 0, prefix.count <= 128,
                let strength = Self.forgedLogLine(line)
            {
                let confidence = b.encoded ? min(0.95, strength + 0.05) : strength
                best.consider(NetFinding(confidence, "crlf.log_forging", b.start..<min(value.endIndex, b.next + 40)))
            }
            if let (nameRange, colon) = LineBreaks.headerName(value, at: b.next) {
                nameBuffer.removeAll(keepingCapacity: true)
                for byte in value[nameRange] { nameBuffer.append(Bytes.lower(byte)) }
                let name = String(decoding: nameBuffer, as: UTF8.self)
                var confidence: Double
                if dangerousHeaders.contains(name), valueFits(name, value, from: colon, breaks) {
                    confidence = name == "set-cookie" || name == "location" || name == "refresh" ? 0.92 : 0.85
                } else if dangerousHeaders.contains(name) {
                    confidence = 0.45
                } else if commonWords.contains(name) {
                    confidence = 0.5
                } else if Bytes.hasPrefixIgnoringCase(value[nameRange], "x-") || name.hasPrefix("content-")
                    || name.hasPrefix("access-control-")
                {
                    confidence = 0.75
                } else {
                    guard !b.unicode else { continue }
                    // A `Name: value` line right after a token (an id, a URL, nothing at all) is a
                    // header smuggled behind the value; after prose it is a line of text.
                    confidence = b.start == breaks[0].start && Self.carrierToken(prefix) ? 0.6 : 0.45
                }
                if b.unicode, confidence < 0.85 { continue }
                if b.encoded { confidence = min(0.95, confidence + 0.05) }
                best.consider(
                    NetFinding(confidence, "crlf.header_injection", b.start..<min(value.endIndex, b.next + 40)))
            } else if b.count >= 2, value[b.next] == UInt8(ascii: "<") {
                // A blank line then markup: a body injected after the headers.
                best.consider(
                    NetFinding(b.encoded ? 0.8 : 0.7, "crlf.body_injection", b.start..<min(value.endIndex, b.next + 40))
                )
            }
        }
        if best.confidence == 0, breaks.contains(where: { $0.encoded && !$0.unicode }), !field.freeText {
            // `%0d%0a` that survived decoding with nothing recognisable after it: a probe.
            best.consider(
                NetFinding(0.4, "crlf.encoded_break", breaks[0].start..<min(value.endIndex, breaks[0].next + 24)))
        }
        guard best.confidence > 0 else { return nil }
        if best.rule != "crlf.response_splitting" {
            // Context: prose before the break, documents with many lines, bodies and free text.
            if prefixSpaces >= 2 { best.confidence *= 0.7 }
            // A first line that is itself `Name: value` makes a header-like document (YAML, a
            // pasted e-mail header block), not a value with a header smuggled after it.
            if let (_, after) = LineBreaks.headerName(prefix, at: prefix.startIndex),
                after >= prefix.endIndex || prefix[after] != UInt8(ascii: "/")
            {
                best.confidence *= 0.6
            }
            if rawBreaks >= 3 && lines >= 4 { best.confidence *= 0.7 }
            // A value that starts with the break is no multi-line text: it is only the injection.
            let startsWithBreak = prefix.allSatisfy { $0 == 0x20 }
            if source == .body && !field.url && !field.redirect && !startsWithBreak { best.confidence *= 0.8 }
            if field.freeText || field.mail && !startsWithBreak { best.confidence *= 0.7 }
        }
        let result = best.rounded
        return result.confidence >= reportFloor ? result : nil
    }
}
