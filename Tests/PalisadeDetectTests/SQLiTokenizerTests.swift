import PalisadeCore
import Testing

@testable import PalisadeDetect

/// The tokenizer's speed-ups must not change a single token: words are classified from the hash
/// computed while scanning, so the classification is compared with the plain lookup over the
/// word's bytes (hash of the bytes, then of the part before the first dot, then the prefixes) for
/// every token of every corpus line, in every reading.
@Suite struct SQLiTokenizerTests {
    /// The classification as the tokenizer did it before: hashing the token's bytes again.
    static func plainClassification(_ bytes: ArraySlice<UInt8>) -> (SQLWord, SQLFunctionClass, Bool) {
        guard bytes.count <= 64 else { return (.none, .none, false) }
        if let entry = SQLVocabulary.lookup(WordHash.of(bytes)) {
            return (entry.word, entry.function, entry.systemObject)
        }
        var system = false
        if let dot = bytes.firstIndex(of: UInt8(ascii: ".")),
            let entry = SQLVocabulary.lookup(WordHash.of(bytes[bytes.startIndex..<dot])), entry.systemObject
        {
            system = true
        }
        if Bytes.hasPrefixIgnoringCase(bytes, "xp_") || Bytes.hasPrefixIgnoringCase(bytes, "master..")
            || Bytes.hasPrefixIgnoringCase(bytes, "information_schema")
        {
            system = true
        }
        return (.none, .none, system)
    }

    static var values: [String] {
        var values: [String] = []
        for file in ["sqli.txt", "benign.txt", "benign-net.txt", "benign-exec.txt", "xpathi.txt", "nosqli.txt"] {
            values += Corpus.entries(file).map(\.value)
        }
        values += [
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5",
            "application/json, text/plain, */*", "en-GB,en;q=0.9", "master..sysdatabases x..y a.b.c",
            "INFORMATION_SCHEMA.tables.x Xp_cmdshell MASTER..xp_dirtree pg_catalog.pg_user.x sys.dbms_lock.sleep(1)",
            "@@version @x.y @'quoted' @@global.secure_file_priv", String(repeating: "abc.", count: 30) + "d",
        ]
        return values
    }

    @Test func wordsAreClassifiedLikeThePlainLookup() {
        var tokens: [SQLToken] = []
        var facts = SQLLexFacts()
        var words = 0
        for text in Self.values {
            let bytes = Array(text.utf8)
            // A slice that does not start at 0, as the analyzer's values do.
            let padded = [UInt8(ascii: "x")] + bytes
            let value = padded[1...]
            for opening in [nil, UInt8(ascii: "'"), UInt8(ascii: "\""), UInt8(ascii: "`")] as [UInt8?] {
                SQLTokenizer.tokenize(value, opening: opening, into: &tokens, facts: &facts)
                for token in tokens where token.kind == .word || token.kind == .variable {
                    let (word, function, system) = Self.plainClassification(value[Int(token.start)..<Int(token.end)])
                    #expect(token.word == word && token.function == function && token.systemObject == system, "\(text)")
                    words += 1
                }
            }
        }
        #expect(words > 10_000)
    }
}
