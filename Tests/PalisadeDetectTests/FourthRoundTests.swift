import Testing

@testable import PalisadeDetect

/// The fourth round of holdout and external-corpus follow-ups (docs/DETECTION.md, "Session 6:
/// fourth round"): each rule through the whole analyzer, placed like `RequestCorpus` places a
/// line, with near misses that must stay quiet.
@Suite struct FourthRoundTests {
    /// Aliased copies of a login in a *query* (the mutation-repeat limit does not apply) and a
    /// batch of documents each guessing once: one credential argument given many values.
    @Test func graphQLCredentialGuessing() throws {
        let guesses = (1...12).map { #"a\#($0): login(user:"admin", password:"guess\#($0)"){token}"# }
        let query = try #require(
            RequestCorpus.strongest("[graphql] query { " + guesses.joined(separator: " ") + " }", .graphqlAbuse))
        #expect(query.rule == "graphql_abuse.credential_guessing")
        #expect(query.confidence >= 0.6)
        let pins = (0..<8).map { #"p\#($0): unlock(input: {vault: "v1", pinCode: "\#(1000 + $0)"}) { ok }"# }
        let nested = try #require(
            RequestCorpus.strongest("[graphql] query { " + pins.joined(separator: " ") + " }", .graphqlAbuse))
        #expect(nested.rule == "graphql_abuse.credential_guessing")
        // A dozen translations by key, a dozen countries by code, one login, and the same
        // password repeated are not guessing.
        let translations = (1...12).map { #"t\#($0): text(key: "label.\#($0)", lang: "fr")"# }
        #expect(
            RequestCorpus.strongest("[graphql] query { " + translations.joined(separator: " ") + " }", .graphqlAbuse)
                == nil)
        let countries = (1...12).map { #"c\#($0): country(code: "C\#($0)") { name }"# }
        #expect(
            RequestCorpus.strongest("[graphql] query { " + countries.joined(separator: " ") + " }", .graphqlAbuse)
                == nil)
        #expect(
            RequestCorpus.strongest(
                #"[graphql] mutation { login(user: "ann", password: "s3cret!") { token } }"#, .graphqlAbuse)
                == nil)
        let same = (1...8).map { #"a\#($0): login(user:"u\#($0)", password:"same"){token}"# }
        #expect(
            RequestCorpus.strongest("[graphql] query { " + same.joined(separator: " ") + " }", .graphqlAbuse) == nil)
    }

    /// A forged log line after an id, and a break nested in another's encoding.
    @Test func crlfLogForgingAndNestedBreak() throws {
        let forged = try #require(
            RequestCorpus.strongest(
                "[field:user] mallory\n2026-03-02 08:15:44 INFO login succeeded for user root", .crlf))
        #expect(forged.rule == "crlf.log_forging")
        #expect(forged.confidence >= 0.6)
        let body = try #require(
            RequestCorpus.strongest(#"[json] {"user":"guest\n2026-11-21 12:00:00 INFO User admin logged in"}"#, .crlf))
        #expect(body.rule == "crlf.log_forging")
        #expect(body.confidence >= 0.6)
        let nested = try #require(RequestCorpus.strongest("[query] lang=de%%0a0aSet-Cookie:%20theme%3Ddark", .crlf))
        #expect(nested.rule == "crlf.header_injection")
        #expect(nested.confidence >= 0.9)
        // A log excerpt, a dated note after prose, `Info:` in prose, a capitalised word after a
        // break, a year in a sentence, a percent before a digit line.
        #expect(
            !RequestCorpus.attack(
                "[field:log] 2026-03-02 08:15:44 INFO service started\n2026-03-02 08:15:45 INFO ready"))
        #expect(
            !RequestCorpus.attack("[field:notes] Shipped on time.\n2026-03-03 09:00 follow-up call with the client"))
        #expect(!RequestCorpus.attack("[field:status] done\nInfo: see the FAQ for details"))
        #expect(!RequestCorpus.attack("[field:message] Reminder\nERROR budget review moved to Friday"))
        #expect(!RequestCorpus.attack("[field:user] alice\n2026 was a good year"))
        #expect(!RequestCorpus.attack("[field:discount] 100%\n0 items left"))
    }

    /// A value ending the application's `$where` expression and returning true.
    @Test func whereExpressionReturningTrue() throws {
        let hit = try #require(RequestCorpus.strongest("[field:id] 1; return true", .nosqli))
        #expect(hit.rule == "nosqli.js_return")
        #expect(hit.confidence >= 0.6)
        #expect(RequestCorpus.strongest("[query] item=9;return !0//", .nosqli) != nil)
        #expect(!RequestCorpus.attack("[field:id] 42; returning customer"))
        #expect(!RequestCorpus.attack(#"[json] {"steps":"1; return the device to the store"}"#))
        #expect(!RequestCorpus.attack(#"[json] {"hint":"ok; return value is true when saved"}"#))
    }

    /// cmd's and the shell's `set` only in the probe's enclosed shape.
    @Test func enclosedSetProbe() throws {
        let hit = try #require(RequestCorpus.strongest(#"[json] {"host":"&set&"}"#, .rce))
        #expect(hit.confidence >= 0.6)
        #expect(RequestCorpus.strongest("[field:q] |set|", .rce) != nil)
        for quiet in ["reset&set&go", "ready;set;go", "set;get;", "a&set&b", "& set &", "game|set|match"] {
            #expect(RequestCorpus.strongest(#"[json] {"v":"\#(quiet)"}"#, .rce) == nil, "\(quiet)")
        }
    }

    /// A bare-number assertion (`(1=0)`) makes a whole filter an injection even in a filter field.
    @Test func ldapBareNumberAssertion() throws {
        let whole = try #require(
            RequestCorpus.strongest("[field:filter] (&(uid=admin)(!(&(1=0)(userPassword=x))))", .ldapi))
        #expect(whole.confidence >= 0.8)
        let breakout = try #require(RequestCorpus.strongest("[field:user] admin)(|(1=1)", .ldapi))
        #expect(breakout.confidence >= 0.85)
        // An OID attribute and an ordinary search filter stay below the threshold.
        #expect(!RequestCorpus.attack("[field:filter] (&(2.5.4.3=John*)(objectClass=person))"))
        #expect(!RequestCorpus.attack("[field:filter] (&(objectClass=user)(cn=John*))"))
    }
}
