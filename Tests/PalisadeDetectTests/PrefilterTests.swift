import Foundation
import Testing

@testable import PalisadeDetect

/// The shared per-value pieces the detectors' pre-filters read (`DetectionContext.bytes(of:)`,
/// `DetectionContext.field`, `NeedleSet.occurs`): they must agree with what they summarize, and
/// every gate on the byte summary must be a necessary condition of the detector's own reading.
@Suite struct PrefilterTests {
    /// Every corpus line and a few edge values, as bytes.
    static let values: [[UInt8]] = {
        var values: [[UInt8]] = [[], [0], [0xFF], Array("a".utf8), Array("%0d%0a".utf8), Array("ünïcødé".utf8)]
        let files = (try? FileManager.default.contentsOfDirectory(atPath: Corpus.directory.path)) ?? []
        for file in files.sorted() where file.hasSuffix(".txt") {
            for entry in Corpus.entries(file) { values.append(Array(entry.value.utf8)) }
        }
        return values
    }()

    @Test func corpusIsLoaded() {
        #expect(Self.values.count > 2000, "\(Self.values.count) values")
    }

    @Test func byteSummaryHoldsExactlyTheBytesPresent() {
        for value in Self.values {
            let set = ByteSet(presentIn: value[...])
            let present = Set(value)
            for byte in UInt8.min...UInt8.max {
                #expect(set.contains(byte) == present.contains(byte), "byte \(byte) in \(value.prefix(40))")
            }
            #expect(set.hasNonASCII == value.contains { $0 >= 0x80 })
        }
    }

    @Test func intersectsAndUnion() {
        let letters = ByteSet("abc")
        let digits = ByteSet("123", extra: [0xE2])
        #expect(!letters.intersects(digits))
        #expect(letters.union(digits).intersects(ByteSet("3")))
        #expect(letters.union(digits).intersects(ByteSet("", extra: [0xE2])))
        #expect(!letters.union(digits).intersects(ByteSet("xyz")))
    }

    @Test func contextSummaryIsTheValuesAndFallsBackForAnotherValue() {
        let value = Array("id=1' OR '1'='1".utf8)[...]
        let context = DetectionContext(
            value: value, source: .query, kind: .text, fieldName: "id", depth: 0, sensitivity: .default)
        #expect(context.bytes(of: value).contains(UInt8(ascii: "'")))
        // A context made for another value (different length) does not hand that value's summary out.
        let other = Array("<script>".utf8)[...]
        #expect(context.bytes(of: other).contains(UInt8(ascii: "<")))
        #expect(!context.bytes(of: other).contains(UInt8(ascii: "'")))
    }

    @Test func fieldRolesAgreeWithTheSeparateReadings() {
        let names: [String?] = [
            nil, "", "q", "url", "return_to", "returnTo", "RETURN-TO", "next", "callback_url", "imageSrc", "host",
            "upstream_host", "client_ip", "x-forwarded-for", "remoteAddr", "email", "reply-to", "file_path", "template",
            "comment", "user_description", "code", "sqlQuery", "cmd", "shellCommand", "run", "script", "src", "名前",
            "ürl", "a-_-b", String(repeating: "x", count: 64), String(repeating: "x", count: 65), "__", "-",
        ]
        for name in names {
            let roles = FieldRoles.of(name)
            #expect(roles.net == NetField.of(name), "\(name ?? "nil")")
            #expect(roles.profile == FieldProfile.of(name), "\(name ?? "nil")")
            #expect(roles.command == FieldProfile.isCommand(name), "\(name ?? "nil")")
            var context = DetectionContext(source: .body, kind: .text, fieldName: "q", depth: 0, sensitivity: .default)
            context.fieldName = name
            #expect(context.field == roles, "a changed field name is read again")
        }
    }

    @Test func needleSetOccursMatchesASearchPerNeedle() {
        let lists: [[StaticString]] = [
            ["powershell", "pwsh", "iex", "invoke-expression", "downloadstring(", "net.webclient"],
            ["<?php", "<?=", "#_memberaccess", "@java.lang.", "__", "%x", "process", "$_", "t(java."],
            ["/dev/tcp/", "mkfifo ", "socket.socket(", "a"],
        ]
        for list in lists {
            let needles = NeedleSet(list)
            for value in Self.values {
                let slice = value[...]
                let expected = list.contains { ByteFind.index(of: $0, in: slice, ignoringCase: true) != nil }
                #expect(needles.occurs(in: slice) == expected, "\(list.first!) in \(value.prefix(60))")
            }
        }
    }

    /// For each detector gated on the byte summary in `detect`: whenever its ungated reading
    /// finds something, the gate lets the value through.
    @Test func byteGatesAreNecessaryConditions() {
        var checked = 0
        for value in Self.values {
            let slice = value[...]
            let bytes = ByteSet(presentIn: slice)
            let count = value.count
            for source in [Source.query, .header, .body] {
                for field in ["q", "url", "next", "email", "host", "file"] {
                    if TraversalDetector.analyze(slice, fieldName: field, source: source) != nil {
                        #expect(TraversalDetector.mayMatch(bytes, count: count), "traversal gate: \(value.prefix(60))")
                        checked += 1
                    }
                    if OpenRedirectDetector.analyze(slice, fieldName: field, source: source) != nil {
                        #expect(
                            OpenRedirectDetector.mayMatch(bytes, count: count), "redirect gate: \(value.prefix(60))")
                        checked += 1
                    }
                    if CRLFDetector.analyze(slice, fieldName: field, source: source) != nil {
                        #expect(CRLFDetector.mayMatch(bytes, count: count), "crlf gate: \(value.prefix(60))")
                        checked += 1
                    }
                    if SSRFDetector.analyze(slice, fieldName: field, source: source) != nil {
                        #expect(SSRFDetector.mayMatch(bytes, count: count), "ssrf gate: \(value.prefix(60))")
                        checked += 1
                    }
                }
            }
            for field in ["q", "email", "to"] {
                if MailInjectionDetector.analyze(slice, fieldName: field) != nil {
                    #expect(bytes.intersects(MailInjectionDetector.mayMatch), "mail gate: \(value.prefix(60))")
                    checked += 1
                }
                if LDAPInjectionDetector.analyze(slice, fieldName: field) != nil {
                    #expect(bytes.intersects(LDAPInjectionDetector.gateBytes), "ldap gate: \(value.prefix(60))")
                    checked += 1
                }
            }
            if JNDIDetector.analyze(slice) != nil {
                #expect(JNDIDetector.mayMatch(bytes), "jndi gate: \(value.prefix(60))")
                checked += 1
            }
            if CodeInjectionDetector.analyze(slice) != nil {
                #expect(bytes.intersects(CodeInjectionDetector.gateBytes), "code gate: \(value.prefix(60))")
                checked += 1
            }
            if SSTIDetector.analyze(slice) != nil {
                #expect(bytes.intersects(SSTIDetector.prefilter), "ssti gate: \(value.prefix(60))")
                checked += 1
            }
            if XPathInjectionDetector.analyze(slice) != nil {
                #expect(bytes.intersects(XPathInjectionDetector.gateBytes), "xpath gate: \(value.prefix(60))")
                checked += 1
            }
            if XXEDetector.analyze(slice) != nil {
                #expect(bytes.contains(UInt8(ascii: "<")), "xxe gate: \(value.prefix(60))")
                checked += 1
            }
        }
        #expect(checked > 1000, "only \(checked) readings checked")
    }
}
