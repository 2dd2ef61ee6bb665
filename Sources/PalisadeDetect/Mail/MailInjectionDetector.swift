/// E-mail header and command injection: a line break followed by a mail header (`Bcc:`, `Cc:`,
/// `To:`…) in a value that becomes part of a message, SMTP commands smuggled after a break
/// (`RCPT TO:`, `DATA`), IMAP commands after a break (`A1 FETCH 1:* …`), and sendmail arguments
/// smuggled through an address (`-X/var/www/log.php`, `-OQueueDirectory=`).
public struct MailInjectionDetector: Detector {
    public let name = "mail_injection"

    public init() {}

    public func detect(_ value: ArraySlice<UInt8>, context: DetectionContext, hits: inout [Hit]) {
        guard
            let finding = Self.analyze(
                value, fieldName: context.fieldName, field: context.field.net, bytes: context.bytes(of: value))
        else { return }
        hits.append(.net(.mailInjection, finding, value: value, context: context))
    }

    static let reportFloor = 0.3

    /// Headers that add recipients or rewrite the message.
    static let recipientHeaders: Set<String> = ["bcc", "cc", "to", "resent-to", "resent-cc", "resent-bcc"]
    static let messageHeaders: Set<String> = [
        "from", "subject", "reply-to", "sender", "return-path", "content-type", "mime-version",
        "content-transfer-encoding", "x-mailer", "disposition-notification-to", "errors-to", "x-priority",
        "message-id", "in-reply-to", "references", "list-unsubscribe", "x-originating-ip", "importance",
    ]
    static let smtpCommands: [StaticString] = [
        "mail from:", "rcpt to:", "data", "quit", "helo ", "ehlo ", "rset", "vrfy ", "expn ", "auth ", "starttls",
        "noop", "turn", "send from:", "saml from:", "soml from:",
    ]
    static let imapCommands: Set<String> = [
        "login", "logout", "select", "examine", "create", "delete", "rename", "subscribe", "unsubscribe", "list",
        "lsub", "status", "append", "check", "close", "expunge", "search", "fetch", "store", "copy", "move", "uid",
        "capability", "noop", "authenticate", "starttls", "getquota", "setacl", "getacl",
    ]

    /// Every reading but encoded words needs one of these bytes (a line break's
    /// `LineBreaks.leadBytes`, or `-` for flags).
    static let mayMatch = LineBreaks.leadBytes.union(ByteSet("-"))

    /// An RFC 2047 encoded word needs both.
    static let encodedWordBytes = ByteSet("=?")

    public static func analyze(_ value: ArraySlice<UInt8>, fieldName: String?) -> NetFinding? {
        analyze(value, fieldName: fieldName, field: nil, bytes: ByteSet(presentIn: value))
    }

    /// `field`: the roles of `fieldName` when the caller has them (`DetectionContext.field`);
    /// `bytes`: the bytes present in `value` (`DetectionContext.bytes(of:)`).
    static func analyze(_ value: ArraySlice<UInt8>, fieldName: String?, field: NetField?, bytes: ByteSet)
        -> NetFinding?
    {
        // Pre-filter: a line break (raw, encoded or Unicode), a `-` flag, or `=` and `?` (encoded words).
        guard value.count >= 4, bytes.intersects(mayMatch) || bytes.holds(encodedWordBytes) else { return nil }
        let mayBreak = bytes.intersects(LineBreaks.leadBytes)
        let field = field ?? NetField.of(fieldName)
        var best = NetFinding.none
        if mayBreak {
            let breaks = LineBreaks.scan(value)
            if !breaks.isEmpty { judgeBreaks(value, breaks, field: field, &best) }
        }
        if field.mail, best.confidence < 0.9 { sendmailArguments(value, &best) }
        if best.confidence < 0.85, bytes.holds(encodedWordBytes),
            let (decoded, range) = encodedWordBreak(value)
        {
            // `=?utf-8?Q?Hi=0D=0ABcc:_x@y?=`: a header injection inside an RFC 2047 encoded word —
            // a mail library that decodes words before folding headers writes the break.
            if let inner = analyze(
                decoded[...], fieldName: fieldName, field: field, bytes: ByteSet(presentIn: decoded[...])),
                inner.rule == "mail_injection.header" || inner.rule == "mail_injection.smtp_command"
            {
                best.consider(NetFinding(inner.confidence * 0.9, "mail_injection.encoded_word", range))
            }
        }
        let result = best.rounded
        return result.confidence >= reportFloor ? result : nil
    }

    static func judgeBreaks(
        _ value: ArraySlice<UInt8>, _ breaks: [LineBreaks.Break], field: NetField, _ best: inout NetFinding
    ) {
        let prefix = value[value.startIndex..<breaks[0].start]
        var prefixSpaces = 0
        for byte in prefix where byte == 0x20 { prefixSpaces += 1 }
        let rawBreaks = breaks.filter { !$0.encoded }.count
        var smtp = 0
        var envelope = false
        var smtpStart = -1
        var nameBuffer: [UInt8] = []
        for b in breaks {
            guard b.next < value.endIndex else { continue }
            let line = value[b.next...]
            let range = b.start..<min(value.endIndex, b.next + 40)
            if let (nameRange, after) = LineBreaks.headerName(value, at: b.next) {
                nameBuffer.removeAll(keepingCapacity: true)
                for byte in value[nameRange] { nameBuffer.append(Bytes.lower(byte)) }
                let name = String(decoding: nameBuffer, as: UTF8.self)
                let rest = value[after..<min(value.endIndex, after + 256)]
                let restLine = rest.prefix { $0 != 0x0A && $0 != 0x0D }
                let hasAddress = restLine.contains(UInt8(ascii: "@"))
                var confidence = 0.0
                if recipientHeaders.contains(name) {
                    confidence = hasAddress ? 0.92 : 0.6
                } else if messageHeaders.contains(name) {
                    confidence = name == "content-type" || name == "mime-version" ? 0.85 : (hasAddress ? 0.85 : 0.7)
                }
                if b.unicode, confidence < 0.85 { confidence = 0 }
                if confidence > 0 {
                    if b.encoded { confidence = min(0.95, confidence + 0.05) }
                    best.consider(NetFinding(confidence, "mail_injection.header", range))
                }
            }
            // SMTP: commands at the start of a line.
            for command in smtpCommands where Bytes.hasPrefixIgnoringCase(line, command) {
                let n = command.utf8CodeUnitCount
                let endOK =
                    command.utf8Start[n - 1] == UInt8(ascii: ":") || command.utf8Start[n - 1] == 0x20 || line.count == n
                    || !((line[line.startIndex + n] | 0x20) >= 0x61 && (line[line.startIndex + n] | 0x20) <= 0x7A)
                if endOK {
                    smtp += 1
                    // An envelope command names a recipient or sender: strong on its own.
                    if command.utf8Start[n - 1] == UInt8(ascii: ":"), n >= 8 { envelope = true }
                    if smtpStart < 0 { smtpStart = b.start }
                    break
                }
            }
            // IMAP: `tag COMMAND` at the start of a line.
            var t = line.startIndex
            while t < line.endIndex, t - line.startIndex < 10,
                (line[t] | 0x20 >= 0x61 && line[t] | 0x20 <= 0x7A) || (line[t] >= 0x30 && line[t] <= 0x39)
            {
                t += 1
            }
            let gap = LineBreaks.skipSpace(line, t)
            if t > line.startIndex, gap > t, gap < line.endIndex {
                var e = gap
                while e < line.endIndex, e - gap < 16, line[e] | 0x20 >= 0x61, line[e] | 0x20 <= 0x7A { e += 1 }
                nameBuffer.removeAll(keepingCapacity: true)
                for byte in line[gap..<e] { nameBuffer.append(Bytes.lower(byte)) }
                let command = String(decoding: nameBuffer, as: UTF8.self)
                let tagHasDigit = line[line.startIndex..<t].contains { $0 >= 0x30 && $0 <= 0x39 }
                let upper = e > gap && line[gap..<e].allSatisfy { $0 >= 0x41 && $0 <= 0x5A }
                if imapCommands.contains(command), tagHasDigit || upper,
                    e == line.endIndex || line[e] == 0x20 || line[e] == 0x0D || line[e] == 0x0A
                        || line[e] == UInt8(ascii: "%")
                {
                    best.consider(NetFinding(upper && tagHasDigit ? 0.85 : 0.65, "mail_injection.imap_command", range))
                }
            }
        }
        if smtp >= 2 || (smtp == 1 && (envelope || breaks.contains(where: { $0.encoded }))) {
            best.consider(
                NetFinding(
                    smtp >= 2 ? 0.92 : (envelope ? 0.85 : 0.7), "mail_injection.smtp_command",
                    smtpStart..<min(value.endIndex, smtpStart + 60)))
        }
        guard best.confidence > 0 else { return }
        // Context: mail fields are where this lands; elsewhere a break + `To:` is often just text.
        if !field.mail {
            best.confidence *= best.rule == "mail_injection.header" ? 0.85 : 0.95
        }
        if prefixSpaces >= 3 && !field.mail { best.confidence *= 0.7 }
        if rawBreaks >= 3 && best.rule == "mail_injection.header" { best.confidence *= 0.75 }
        if field.freeText && !field.mail { best.confidence *= 0.7 }
    }

    /// The first RFC 2047 encoded word (`=?charset?Q?…?=` or `?B?…?=`, at most 16 read) whose
    /// decoded text holds a CR or LF: that text and the word's range.
    static func encodedWordBreak(_ v: ArraySlice<UInt8>) -> ([UInt8], Range<Int>)? {
        var i = v.startIndex
        var words = 0
        while i + 1 < v.endIndex, words < 16 {
            guard v[i] == UInt8(ascii: "="), v[i + 1] == UInt8(ascii: "?") else {
                i += 1
                continue
            }
            words += 1
            // charset ? encoding ? text ?=
            var j = i + 2
            while j < v.endIndex, j - i < 48, v[j] != UInt8(ascii: "?"), v[j] != 0x20 { j += 1 }
            guard j + 2 < v.endIndex, v[j] == UInt8(ascii: "?"), v[j + 2] == UInt8(ascii: "?") else {
                i += 2
                continue
            }
            let encoding = v[j + 1] | 0x20
            let textStart = j + 3
            var k = textStart
            while k + 1 < v.endIndex, k - textStart < 1024,
                !(v[k] == UInt8(ascii: "?") && v[k + 1] == UInt8(ascii: "="))
            {
                k += 1
            }
            let text = v[textStart..<min(k, v.endIndex)]
            var decoded: [UInt8] = []
            if encoding == UInt8(ascii: "q") {
                var t = text.startIndex
                while t < text.endIndex {
                    if text[t] == UInt8(ascii: "="), t + 2 < text.endIndex, let h = HostClassifier.hex(text[t + 1]),
                        let l = HostClassifier.hex(text[t + 2])
                    {
                        decoded.append(h << 4 | l)
                        t += 3
                        continue
                    }
                    decoded.append(text[t] == UInt8(ascii: "_") ? 0x20 : text[t])
                    t += 1
                }
            } else if encoding == UInt8(ascii: "b") {
                decoded = Base64.decode(text) ?? []
            }
            if decoded.contains(0x0A) || decoded.contains(0x0D) {
                return (decoded, i..<min(v.endIndex, k + 2))
            }
            i = max(k, i + 2)
        }
        return nil
    }

    /// `attacker@x.com -X/var/www/shell.php`, `"a\" -OQueueDirectory=/tmp -X/tmp/x.php"@x.com`.
    static func sendmailArguments(_ v: ArraySlice<UInt8>, _ best: inout NetFinding) {
        guard v.contains(UInt8(ascii: "-")) else { return }
        var i = v.startIndex - 1  // a flag may open the value
        while i + 2 < v.endIndex {
            if i < v.startIndex || v[i] == 0x20 || v[i] == 0x09, v[i + 1] == UInt8(ascii: "-") {
                let flag = v[i + 2]
                var restStart = i + 3
                while restStart < v.endIndex, restStart - i < 8, v[restStart] == 0x20 { restStart += 1 }
                let rest = v[restStart...]
                if flag == UInt8(ascii: "X") || flag == UInt8(ascii: "C"),
                    rest.first == UInt8(ascii: "/") || rest.first == UInt8(ascii: ".")
                {
                    best.consider(NetFinding(0.92, "mail_injection.sendmail_argument", i..<min(v.endIndex, i + 40)))
                    return
                }
                if flag == UInt8(ascii: "O"), Bytes.hasPrefixIgnoringCase(rest, "QueueDirectory") {
                    best.consider(NetFinding(0.92, "mail_injection.sendmail_argument", i..<min(v.endIndex, i + 40)))
                    return
                }
                if flag == UInt8(ascii: "b"),
                    rest.first == UInt8(ascii: "e") || rest.first == UInt8(ascii: "s")
                        || rest.first == UInt8(ascii: "p")
                {
                    best.consider(NetFinding(0.75, "mail_injection.sendmail_argument", i..<min(v.endIndex, i + 40)))
                }
            }
            i += 1
        }
    }
}
