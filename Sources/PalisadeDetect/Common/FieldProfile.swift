/// What a field's name says about the values it should carry. Scoring uses it to weigh hits:
/// SQL in a `code` field is expected, SQL in an `id` is not.
public enum FieldProfile: Sendable, Equatable {
    /// Source code, queries, templates, snippets: attack syntax is often legitimate content.
    case code
    /// Prose written by people: comments, descriptions, messages, bodies.
    case freeText
    /// Anything else (ids, names, filters, search terms, tokens…).
    case plain

    public static func of(_ fieldName: String?) -> FieldProfile { of(fieldName, tables: true) }

    /// `tables`: read ASCII names through `FieldNames` (false: the plain comparisons below).
    static func of(_ fieldName: String?, tables: Bool) -> FieldProfile {
        guard let fieldName, !fieldName.isEmpty, fieldName.utf8.count <= 64 else { return .plain }
        if tables, let reading = FieldNames.read(fieldName) { return reading.profile }
        var lowered: [UInt8] = []
        lowered.reserveCapacity(fieldName.utf8.count)
        for byte in fieldName.utf8 where byte != UInt8(ascii: "-") && byte != UInt8(ascii: "_") {
            lowered.append(Bytes.lower(byte))
        }
        let name = String(decoding: lowered, as: UTF8.self)
        if codeNames.contains(name) { return .code }
        if freeTextNames.contains(name) { return .freeText }
        let slice = lowered[...]
        for marker in codeMarkers where Bytes.containsIgnoringCase(slice, marker) { return .code }
        for marker in freeTextMarkers where Bytes.containsIgnoringCase(slice, marker) { return .freeText }
        return .plain
    }

    /// Programming code only. Markup fields (`html`, `template`, `markup`) are deliberately not
    /// here: script in an HTML field is exactly what stored XSS looks like.
    static let codeNames: Set<String> = [
        "code", "src", "source", "sourcecode", "snippet", "sql", "script", "program", "gist", "patch", "diff",
        "codeblock", "example", "solution", "js", "javascript", "formula", "expression", "regex", "pattern",
        "querysql", "sqlquery",
    ]
    static let codeMarkers: [StaticString] = ["snippet", "sourcecode", "codeblock", "sqlquery", "rawsql"]
    static let freeTextNames: Set<String> = [
        "comment", "comments", "description", "desc", "body", "message", "msg", "text", "content", "note",
        "notes", "bio", "about", "review", "feedback", "summary", "title", "subject", "caption", "reply",
        "post", "answer", "question", "details", "remarks", "story", "abstract", "excerpt", "signature",
    ]
    static let freeTextMarkers: [StaticString] = ["comment", "description", "message", "feedback", "review"]

    /// Fields that carry a command line: the RCE detector needs less evidence there (a known
    /// command with a flag or a path is enough), since the application presumably runs it.
    static let commandNames: Set<String> = [
        "cmd", "command", "commands", "cmdline", "commandline", "exec", "execute", "shell", "script", "run",
        "runcmd", "execcmd", "exe",
    ]
    static let commandMarkers: [StaticString] = ["cmd", "command", "shell"]

    /// Whether the name says the value is a command line (`cmd`, `command`, `exec`, `runCmd`…).
    /// `tables`: read ASCII names through `FieldNames` (false: the plain comparisons below).
    static func isCommand(_ fieldName: String?, tables: Bool = true) -> Bool {
        guard let fieldName, !fieldName.isEmpty, fieldName.utf8.count <= 64 else { return false }
        if tables, let reading = FieldNames.read(fieldName) { return reading.command }
        var lowered: [UInt8] = []
        for byte in fieldName.utf8 where byte != UInt8(ascii: "-") && byte != UInt8(ascii: "_") {
            lowered.append(Bytes.lower(byte))
        }
        if commandNames.contains(String(decoding: lowered, as: UTF8.self)) { return true }
        return commandMarkers.contains { Bytes.containsIgnoringCase(lowered[...], $0) }
    }
}
