extension MailInjectionDetector {
    /// Why the value reads as mail injection — for `palisade scan --explain`: the verdict, each line
    /// break and the line it starts (a recipient or message header, an SMTP command), an RFC 2047
    /// encoded word hiding a break, and sendmail arguments smuggled through an address.
    public static func explain(_ value: ArraySlice<UInt8>, fieldName: String? = nil) -> [String] {
        let finding = analyze(value, fieldName: fieldName)
        var lines = [ExplainText.verdict("mail_injection", finding, in: value)]
        for (text, header) in LineBreaks.explainLines(value) {
            if let header, recipientHeaders.contains(header) {
                lines.append(text + " — recipient header `\(header)`")
            } else if let header, messageHeaders.contains(header) {
                lines.append(text + " — message header `\(header)`")
            } else {
                lines.append(text)
            }
        }
        if let (decoded, range) = encodedWordBreak(value) {
            lines.append(
                "RFC 2047 encoded word " + ExplainText.show(ExplainText.slice(value, range), limit: 40) + " decodes to "
                    + ExplainText.show(decoded, limit: 60))
        }
        var sendmail = NetFinding.none
        sendmailArguments(value, &sendmail)
        if sendmail.confidence > 0 {
            lines.append("sendmail argument " + ExplainText.show(ExplainText.slice(value, sendmail.range), limit: 40))
        }
        return lines
    }
}
