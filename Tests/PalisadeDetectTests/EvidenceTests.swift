import Testing

@testable import PalisadeDetect

@Suite struct EvidenceTests {
    @Test func excerptIsShortAndCentred() {
        let value = Array((String(repeating: "a", count: 200) + "' OR 1=1--" + String(repeating: "b", count: 200)).utf8)
        let excerpt = Evidence.excerpt(value[...], around: 200..<210, fieldName: "q")
        #expect(excerpt.contains("' OR 1=1--"))
        #expect(excerpt.count <= Evidence.maxLength + 2)
        #expect(excerpt.hasPrefix("…"))
        #expect(excerpt.hasSuffix("…"))
    }

    @Test func controlCharactersAreEscaped() {
        let value = Array("a\nb\tc\u{1}d".utf8)
        #expect(Evidence.excerpt(value[...], around: 0..<value.count, fieldName: nil) == "a\\nb\\tc\\x01d")
    }

    @Test func secretsAreMasked() {
        let value = Array("hunter2secret' OR 1=1--".utf8)
        let masked = Evidence.excerpt(value[...], around: 13..<23, fieldName: "password")
        #expect(!masked.contains("hunter2"))
        #expect(masked.contains("OR"))
        for field in ["api_key", "Authorization", "X-Auth-Token", "session_id", "client_secret", "pwd"] {
            #expect(Evidence.isSecretField(field), "\(field)")
        }
        for field in ["q", "author", "shipping", "comment", "id"] {
            #expect(!Evidence.isSecretField(field), "\(field)")
        }
    }

    @Test func neverSplitsUTF8() {
        let value = Array((String(repeating: "é", count: 100) + "<script>").utf8)
        let excerpt = Evidence.excerpt(value[...], around: 200..<208, fieldName: nil)
        #expect(excerpt.contains("<script>"))
        #expect(!excerpt.contains("\u{FFFD}"))
    }
}
