import Testing

@testable import PalisadeDetect

/// The fifth round of external-corpus follow-ups (docs/DETECTION.md, "Session 7: fifth round"):
/// each reading through the whole analyzer, placed like `RequestCorpus` places a line, with near
/// misses that must stay quiet.
@Suite struct FifthRoundTests {
    /// A NUL inside one short token with a short suffix after it: the suffix is what an extension
    /// check sees, the NUL where a C file API stops reading.
    @Test func nulInsideAShortToken() throws {
        for line in [
            "invoice%00pdf", "lang%00;", "/%00/", "%00/tmp", "[query] q=report%00html",
            // Decoded by the query's own decoding: the value is the two bytes `\0/`.
            "[query] q=%00/",
        ] {
            let hit = try #require(RequestCorpus.strongest(line, .pathTraversal), "\(line)")
            #expect(hit.rule == "path_traversal.nul_truncation", "\(line)")
            #expect(hit.confidence >= 0.6, "\(line): \(hit.confidence)")
        }
        // The older reading (a NUL ending a name, then an extension or nothing) keeps its figure.
        #expect(RequestCorpus.strongest("page.php%00.jpg", .pathTraversal)?.confidence == 0.85)
        // A NUL in prose, before a long tail, or between two words of a sentence is not a token.
        #expect((RequestCorpus.strongest("see%00the attached invoice", .pathTraversal)?.confidence ?? 0) < 0.6)
        #expect((RequestCorpus.strongest("invoice%00pdfarchive2026", .pathTraversal)?.confidence ?? 0) < 0.6)
        #expect((RequestCorpus.strongest("a%00b%00c", .pathTraversal)?.confidence ?? 0) < 0.6)
        // The same shapes without a NUL.
        for line in ["invoice-00.pdf", "report 00 pdf", "v1.0.0/api", "id|00", "[query] q=./", "[query] q=a/"] {
            #expect(RequestCorpus.strongest(line, .pathTraversal) == nil, "\(line)")
            #expect(!RequestCorpus.attack(line), "\(line)")
        }
    }

    /// The token check itself: one NUL run, printable bytes around it, 1 to 8 bytes after it.
    @Test func nulTokenShape() {
        func check(_ text: [UInt8]) -> Bool {
            let v = text[...]
            guard let at = v.firstIndex(of: 0) else { return false }
            return TraversalDetector.nulInToken(v, at: at)
        }
        #expect(check(Array("something".utf8) + [0] + Array("html".utf8)))
        #expect(check([0, 0] + Array("/".utf8)))
        #expect(!check(Array("abc".utf8) + [0]))  // nothing after: the older rule's case
        #expect(!check(Array("abc".utf8) + [0] + Array("123456789".utf8)))  // nine bytes after
        #expect(!check(Array("a b".utf8) + [0] + Array("x".utf8)))  // a space: not one token
        #expect(!check(Array("a".utf8) + [0x01, 0] + Array("x".utf8)))  // another control byte
        #expect(!check(Array("h".utf8) + [0] + Array("i".utf8) + [0]))  // UTF-16-like: two NULs
    }

    /// `' --` as the whole value: the literal closes empty and the rest of the query is cut off.
    @Test func emptyLiteralThenEmptyComment() throws {
        for line in ["' --", "'--", "') --", "\" --", "'  --  "] {
            let hit = try #require(RequestCorpus.strongest(line, .sqli), "\(line)")
            #expect(hit.rule == "sqli.comment_truncation", "\(line)")
            #expect(hit.confidence >= 0.6, "\(line): \(hit.confidence)")
        }
        // After a user name the login bypass keeps its figure.
        #expect(RequestCorpus.strongest("admin' --", .sqli)?.confidence == 0.8)
        // A quoted dash, a dash before words, a value that does not open with the quote.
        for line in [
            "'--'", "' -- see the note above", "'-- quoted from the manual'", "it's -- mostly -- fine", "x ' --",
        ] {
            #expect((RequestCorpus.strongest(line, .sqli)?.confidence ?? 0) < 0.6, "\(line)")
            #expect(!RequestCorpus.attack(line), "\(line)")
        }
    }

    /// `<!--` inside a script element is a one-line comment: the next line is code.
    @Test func scriptBodyAfterHTMLCommentOpener() throws {
        let hit = try #require(RequestCorpus.strongest(#"<script><!--\nprompt(document.domain)//--></script>"#, .xss))
        #expect(hit.rule == "xss.script_tag")
        #expect(hit.confidence >= 0.9)
        // The element with only a comment keeps its figure (an empty script probe), and in a code
        // field it is a snippet.
        #expect(RequestCorpus.strongest("<script><!-- hide from old browsers --></script>", .xss)?.confidence == 0.7)
        #expect(!RequestCorpus.attack("[field:code] <script><!-- hide from old browsers --></script>"))
    }

    /// Markup written with character references in a raw query: the form split cuts it at every
    /// `&`; the raw query read whole puts it back together.
    @Test func rawQueryMarkupCutAtCharacterReferences() throws {
        let lines = Corpus.load("xss-query.txt")
        #expect(lines.count >= 6)
        for line in lines {
            let hit = try #require(RequestCorpus.hits(line).first { $0.attackClass == .xss && $0.location == "query" })
            #expect(hit.confidence >= 0.8, "\(line): \(hit)")
            #expect(RequestCorpus.attack(line), "\(line)")
        }
        // Low sensitivity too: the whole reading is a script URL or handler, not a stray call.
        let low = Analyzer(sensitivity: .low)
        for line in lines { #expect(low.analyze(RequestCorpus.record(line)).verdict.attack, "\(line)") }
    }

    @Test func rawQueryReadingStaysQuiet() {
        let benign = Corpus.load("benign-data.txt").filter { $0.hasPrefix("[query] ") }
        #expect(benign.count >= 20)
        for line in benign {
            #expect(!RequestCorpus.hits(line).contains { $0.location == "query" && $0.attackClass == .xss }, "\(line)")
        }
        // Without an `&` that starts a character reference the query is not re-read: its values
        // were judged whole already.
        let plain = "[query] q=<img src=x onerror=alert(1)>&page=2"
        #expect(!RequestCorpus.hits(plain).contains { $0.location == "query" })
        #expect(RequestCorpus.attack(plain))
        // A reference outside the matched markup does not re-read it either.
        #expect(XSSRawQueryDetector.reading(Array("q=<b onclick=go()>x</b>&t=caf&%23233;".utf8)[...]) == nil)
    }

    @Test func explainShowsTheRawQueryReading() throws {
        let line = "[query] q=<img src=x onerror=&%23112;&%23114;&%23111;&%23109;&%23112;&%23116;(1)>"
        let record = RequestCorpus.record(line)
        let (decoded, verdict) = RequestCorpus.analyzer.analyze(record)
        let hit = try #require(verdict.hits.first { $0.attackClass == .xss && $0.location == "query" })
        let lines = HitExplanation.lines(for: hit, in: decoded, record: record)
        #expect(lines.first?.hasPrefix("raw query decoded once and read whole") == true, "\(lines)")
        #expect(lines.contains { $0.hasPrefix("xss html tags: xss.event_handler") }, "\(lines)")
    }

    /// Readings that were already over the default threshold, raised for `low`: a constant false
    /// comparison after the injection point and a sub-select branching on a literal tautology.
    @Test func constantConditionsReachLow() {
        let low = Analyzer(sensitivity: .low)
        for line in [
            " and 3=0", " and 2=0#mysql", "7' and 4=5-- x",
            " (SELECT (CASE WHEN (77=77) THEN name ELSE 'x' END) FROM users)",
        ] {
            #expect(low.analyze(RequestCorpus.record(line)).verdict.attack, "\(line): \(RequestCorpus.hits(line))")
        }
        // A comparison of two numbers inside prose starts with a word: capped as before. A
        // different comparison (`2<0`) or a non-literal one is not a contradiction.
        #expect((RequestCorpus.strongest("table 1 and 2=0 rows", .sqli)?.confidence ?? 0) < 0.6)
        #expect(!low.analyze(RequestCorpus.record(" and 2<0")).verdict.attack)
        #expect(!low.analyze(RequestCorpus.record(" and x=0")).verdict.attack)
        // Without the tautology the sub-select keeps its figure.
        #expect(
            RequestCorpus.strongest(" (SELECT (CASE WHEN (id=7) THEN name ELSE 'x' END) FROM users)", .sqli)?.confidence
                == 0.75)
    }

    /// Markup split across CDATA sections (`<![CDATA[<]]>SCRIPT<![CDATA[>]]>`) joins up when an
    /// XML document's text is written out as HTML.
    @Test func markupSplitAcrossCDATASections() throws {
        let low = Analyzer(sensitivity: .low)
        for line in [
            "<![CDATA[<]]>svg onload=prompt(1)<![CDATA[>]]>",
            #"<doc><![CDATA[<iframe src="jav]]><![CDATA[ascript:print()">]]></doc>"#,
        ] {
            let hit = try #require(RequestCorpus.strongest(line, .xss), "\(line)")
            #expect(hit.confidence >= 0.85, "\(line): \(hit)")
            #expect(low.analyze(RequestCorpus.record(line)).verdict.attack, "\(line)")
        }
        // Text in CDATA sections that is no markup once joined, and a value without sections.
        for line in [
            "<item><title><![CDATA[Fish & Chips <b>today</b>]]></title></item>",
            "<note><![CDATA[if (a < b) { swap(a, b); }]]></note>",
        ] {
            #expect(!RequestCorpus.attack(line), "\(line): \(RequestCorpus.hits(line))")
        }
        #expect(XSSDetector.withoutCDATAWrappers(Array("<b>plain</b>".utf8)[...]) == nil)
        #expect(XSSDetector.withoutCDATAWrappers(Array("<![CDATA[just text]]>".utf8)[...]) == nil)
        #expect(
            XSSDetector.withoutCDATAWrappers(Array("a<![CDATA[<]]>b<![cdata[>]]>c".utf8)[...])
                == Array("a<b>c".utf8))
    }
}
