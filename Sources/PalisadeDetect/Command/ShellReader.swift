/// Reads shell words the way `sh` and `cmd.exe` would after quote removal: `c''at`, `c\at`,
/// `w^h^o^a^m^i` and `"wh"oami` become the command they name; `$IFS`/`${IFS}` end a word like a
/// space; `$@`, `$9` and other empty expansions vanish; `${PATH:0:1}` is a slash; `%COMSPEC%` is
/// `cmd`. Every trick used is noted: quote splitting and escapes inside a command name are evasion,
/// which nobody types by accident.
struct ShellWord {
    /// The word after quote removal (at most `ShellReader.maxWord` bytes).
    var text: [UInt8] = []
    var start = 0
    var end = 0
    /// Quote splitting, escapes, empty expansions or `^` inside the word.
    var evasion = false
    /// The word contains glob characters (`?`, `*`, `[`).
    var glob = false
    /// The word was quoted as a whole (an argument like `'id'`).
    var quoted = false
    /// The word ended at `$IFS`/`${IFS}` (the separator trick).
    var ifs = false
    /// A quote opened in the word never closes (prose apostrophes, not shell).
    var unclosed = false
}

enum ShellReader {
    static let maxWord = 96

    @inline(__always)
    static func isBreak(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: ";"), UInt8(ascii: "|"), UInt8(ascii: "&"),
            UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: ")"), UInt8(ascii: "<"), UInt8(ascii: ">"),
            UInt8(ascii: "`"), UInt8(ascii: "}"), 0x0B, 0x0C:
            return true
        default: return false
        }
    }

    /// Reads one word starting at `index` (spaces and tabs skipped first).
    static func word(_ value: ArraySlice<UInt8>, from index: Int, braceList: Bool = false) -> ShellWord {
        var i = index
        let end = value.endIndex
        while i < end, value[i] == UInt8(ascii: " ") || value[i] == UInt8(ascii: "\t") { i += 1 }
        var w = ShellWord()
        w.start = i
        if i < end { w.text.reserveCapacity(min(maxWord, end - i)) }  // one allocation per word
        var quotes = 0
        var segments = 0
        let special = Self.special
        // `C:\Windows\…` and `\\server\share`: backslashes are path separators, not escapes.
        let windowsPath =
            (i + 2 < end && ExecBytes.isAlpha(value[i]) && value[i + 1] == UInt8(ascii: ":")
                && value[i + 2] == UInt8(ascii: "\\"))
            || (i + 1 < end && value[i] == UInt8(ascii: "\\") && value[i + 1] == UInt8(ascii: "\\"))
            || (i < end && value[i] == UInt8(ascii: "%"))
        scan: while i < end {
            let byte = value[i]
            if byte == UInt8(ascii: "`"), i + 1 < end, value[i + 1] == UInt8(ascii: "`"), !w.text.isEmpty {
                // Empty command substitution inside a word (`who``ami`).
                w.evasion = true
                i += 2
                continue
            }
            if isBreak(byte) || (braceList && byte == UInt8(ascii: ",")) { break }
            if byte == UInt8(ascii: "\\"), windowsPath {
                append(&w, value[i...i])
                i += 1
                continue
            }
            switch byte {
            case UInt8(ascii: "'"), UInt8(ascii: "\""):
                var close = i + 1
                while close < end, close - i < 512, value[close] != byte { close += 1 }
                guard close < end, value[close] == byte else {
                    w.unclosed = true
                    i = end
                    continue
                }
                let inner = value[(i + 1)..<close]
                append(&w, inner)
                quotes += 1
                i = close + 1
            case UInt8(ascii: "\\"):
                if i + 1 < end {
                    let next = value[i + 1]
                    if ExecBytes.isAlpha(next) || next == UInt8(ascii: "/") { w.evasion = !w.text.isEmpty || w.evasion }
                    if next != 0x0A { append(&w, value[(i + 1)...(i + 1)]) }
                    i += 2
                } else {
                    i += 1
                }
            case UInt8(ascii: "^"):
                if i + 1 < end, ExecBytes.isAlpha(value[i + 1]), !w.text.isEmpty { w.evasion = true }
                i += 1
            case UInt8(ascii: "$"):
                if ExecBytes.matchesExactly(value, at: i, "${IFS}") {
                    w.ifs = true
                    w.evasion = true
                    i += 6
                    if ExecBytes.matchesExactly(value, at: i, "$9") { i += 2 }
                    w.end = i
                    return w
                }
                if ExecBytes.matchesExactly(value, at: i, "$IFS") {
                    w.ifs = true
                    w.evasion = true
                    i += 4
                    if i + 1 < end, value[i] == UInt8(ascii: "$"), ExecBytes.isDigit(value[i + 1]) { i += 2 }
                    w.end = i
                    return w
                }
                if i + 1 < end {
                    let next = value[i + 1]
                    if next == UInt8(ascii: "@") || next == UInt8(ascii: "*") || ExecBytes.isDigit(next) {
                        if !w.text.isEmpty || (i + 2 < end && ExecBytes.isAlpha(value[i + 2])) { w.evasion = true }
                        i += 2
                        continue
                    }
                    if next == UInt8(ascii: "{") {
                        var close = i + 2
                        while close < end, close - i < 40, value[close] != UInt8(ascii: "}") { close += 1 }
                        if close < end, value[close] == UInt8(ascii: "}") {
                            let inner = value[(i + 2)..<close]
                            if let colon = inner.firstIndex(of: UInt8(ascii: ":")), colon > inner.startIndex {
                                // `${PATH:0:1}`, `${HOME:0:1}`: a slash built from a variable.
                                append(&w, [UInt8(ascii: "/")][...])
                                w.evasion = true
                            } else {
                                append(&w, value[i...close])
                            }
                            i = close + 1
                            continue
                        }
                    }
                    if next == UInt8(ascii: "(") {
                        // `$(…)` inside a word: kept as an opaque variable (judged on its own as a
                        // substitution); `$()` is an empty expansion, an evasion.
                        var close = i + 2
                        var depth = 1
                        while close < end, close - i < 256 {
                            if value[close] == UInt8(ascii: "(") { depth += 1 }
                            if value[close] == UInt8(ascii: ")") {
                                depth -= 1
                                if depth == 0 { break }
                            }
                            close += 1
                        }
                        guard close < end, value[close] == UInt8(ascii: ")") else { break scan }
                        if close == i + 2 {
                            w.evasion = true
                        } else {
                            append(&w, value[i...close])
                        }
                        i = close + 1
                        continue
                    }
                }
                append(&w, value[i...i])
                i += 1
            case UInt8(ascii: "%"):
                var close = i + 1
                while close < end, close - i < 40, value[close] != UInt8(ascii: "%"), !isBreak(value[close]) {
                    close += 1
                }
                if close < end, value[close] == UInt8(ascii: "%"), close > i + 1 {
                    let inner = value[(i + 1)..<close]
                    if inner.count == 7, ExecBytes.matches(inner, at: inner.startIndex, "comspec") {
                        append(&w, Array("cmd".utf8)[...])
                        w.evasion = true
                    } else if inner.contains(UInt8(ascii: "~")) {
                        append(&w, [UInt8(ascii: "?")][...])
                        w.evasion = true
                    } else {
                        append(&w, value[i...close])
                    }
                    i = close + 1
                } else {
                    append(&w, value[i...i])
                    i += 1
                }
            case UInt8(ascii: "?"), UInt8(ascii: "*"), UInt8(ascii: "["):
                w.glob = true
                append(&w, value[i...i])
                i += 1
            default:
                // A run of ordinary bytes (none that a case above or the break test reads) is
                // copied at once, up to where `segments` would stop the scan byte by byte.
                var stop = i + 1
                let limit = min(end, i + (4 * maxWord + 1 - segments))
                while stop < limit, !special.contains(value[stop]) { stop += 1 }
                append(&w, value[i..<stop])
                segments += stop - i - 1
                i = stop
            }
            segments += 1
            if segments > 4 * maxWord { break scan }
        }
        if quotes > 0, w.start < end {
            let opener = value[w.start]
            let whole =
                quotes == 1 && (opener == UInt8(ascii: "'") || opener == UInt8(ascii: "\"")) && i > w.start + 1
                && value[i - 1] == opener
            if whole { w.quoted = true } else if !w.text.isEmpty { w.evasion = true }
        }
        w.end = i
        return w
    }

    /// Bytes the word loop reads one at a time: `isBreak`'s, the quotes, escapes, expansions,
    /// globs and `,` (a brace list's separator); every other byte is copied as it is.
    static let special = ByteSet(" \t;|&\n\r)<>`}\u{0B}\u{0C}'\"\\^$%?*[,")

    /// Appends `bytes`, as many as `maxWord` leaves room for.
    @inline(__always)
    static func append(_ w: inout ShellWord, _ bytes: ArraySlice<UInt8>) {
        let room = maxWord - w.text.count
        guard room > 0, !bytes.isEmpty else { return }
        bytes.withUnsafeBufferPointer { w.text.append(contentsOf: UnsafeBufferPointer(rebasing: $0.prefix(room))) }
    }

    /// The command name in a word: the part after the last `/` or `\`, without `.exe`.
    static func basename(_ text: [UInt8]) -> (name: ArraySlice<UInt8>, dir: ArraySlice<UInt8>) {
        var cut = text.startIndex
        for (offset, byte) in text.enumerated() where byte == UInt8(ascii: "/") || byte == UInt8(ascii: "\\") {
            cut = offset + 1
        }
        return (text[cut...], text[..<cut])
    }

    /// Whether a directory prefix is a system binary directory (or a glob of one: `/???/`, `/b?n/`).
    static func isBinDirectory(_ dir: ArraySlice<UInt8>) -> Bool {
        guard !dir.isEmpty else { return false }
        let known: [String] = [
            "/bin/", "/usr/bin/", "/sbin/", "/usr/sbin/", "/usr/local/bin/", "/tmp/", "/dev/shm/", "./",
        ]
        for path in known where ShellVocabulary.matches(dir, Array(path.utf8)[...]) { return true }
        if ExecBytes.contains(dir, "system32\\") || ExecBytes.contains(dir, "windows\\") { return true }
        return false
    }
}
