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

    /// Odd and even lengths (the summary reads bytes in pairs), slices that do not start at 0, and
    /// every byte value in each of the two positions of a pair.
    @Test func byteSummaryOfEveryLengthOffsetAndByte() {
        let all = (0..<512).map { UInt8(truncatingIfNeeded: $0 &* 37) }
        for start in 0..<3 {
            for count in 0..<9 {
                let slice = all[start..<(start + count)]
                let set = ByteSet(presentIn: slice)
                for byte in UInt8.min...UInt8.max {
                    #expect(set.contains(byte) == slice.contains(byte), "byte \(byte), \(start)..<\(start + count)")
                }
            }
        }
        for byte in UInt8.min...UInt8.max {
            for pair in [[byte, 0x41], [0x41, byte]] {
                let set = ByteSet(presentIn: pair[...])
                #expect(set.contains(byte) && set.contains(0x41))
                #expect(set == ByteSet(pair), "\(pair)")
            }
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

    @Test func isSupersetOfHoldsExactlyWhenEveryByteIsThere() {
        let set = ByteSet("rO0AB", extra: [0xE2])
        #expect(set.isSuperset(of: ByteSet("rO0")))
        #expect(set.isSuperset(of: ByteSet("", extra: [0xE2])))
        #expect(set.isSuperset(of: ByteSet()))
        #expect(!set.isSuperset(of: ByteSet("rO0ABC")))
        #expect(!ByteSet().isSuperset(of: ByteSet("a")))
        for value in Self.values.prefix(400) {
            let bytes = ByteSet(presentIn: value[...])
            #expect(bytes.isSuperset(of: bytes))
            #expect(bytes.isSuperset(of: ByteSet(value.prefix(3))))
            #expect(ByteSet(value.prefix(3)).isSuperset(of: bytes) == Set(value).isSubset(of: Set(value.prefix(3))))
        }
    }

    /// The deserialization detector skips its search for encoded streams when a value lacks a
    /// byte every prefix needs; each prefix, anywhere and in either case where it may be, passes.
    @Test func deserializationStreamGateLetsEveryPrefixThrough() {
        let prefixes = [
            "rO0AB", "aced0005", "ACED0005", "AcEd0005", "AAEAAAD/////", "H4sIAAAAAAAAAJ", "gASV", "gAJj", "gANj",
            "BAhvO", "BAh7", "_$$ND_FUNC$$_",
        ]
        for prefix in prefixes {
            for value in [prefix, "x=" + prefix + "…", "0x" + prefix] {
                #expect(DeserializationDetector.mayHoldStream(ByteSet(presentIn: Array(value.utf8)[...])), "\(value)")
            }
        }
        for value in ["https://app.example.com/orders/17?tab=items", "Root=1-6921e3c0-5a1f0000000000a1b2c3", "rO0A"] {
            #expect(!DeserializationDetector.mayHoldStream(ByteSet(presentIn: Array(value.utf8)[...])), "\(value)")
        }
    }

    /// A gadget class named in a short free value is reported (0.5) in each qualified form; the
    /// reading needs an uppercase letter or `::`, so a URL's dots and colon skip it.
    @Test func gadgetNamesNeedAQualifiedForm() {
        for text in [
            "Caused by: org.apache.commons.collections.functors.InvokerTransformer.transform",
            "at System.Windows.Data.ObjectDataProvider..ctor",
        ] {
            let finding = DeserializationDetector.analyze(Array(text.utf8)[...])
            #expect(finding?.rule == "deserialization.gadget_name", "\(text)")
        }
        #expect(DeserializationDetector.qualifiedName(Array("Gem::Installer".utf8)[...]))
        #expect(DeserializationDetector.qualifiedName(Array("a.B".utf8)[...]))
        #expect(!DeserializationDetector.qualifiedName(Array("https://app.example.com/a".utf8)[...]))
        #expect(DeserializationDetector.analyze(Array("https://app.example.com/orders/17?tab=items".utf8)[...]) == nil)
    }

    /// SQLi and XSS read `=` alone as nothing to judge (the pre-filters leave out `Root=1-5a1f…`,
    /// `tab=items`): every corpus value either detector reports passes their gates as they are now,
    /// and such values are not reported.
    @Test func equalsSignAloneIsNotWorthReading() {
        for value in ["Root=1-6921e3c0-5a1f0000000000a1b2c3", "https://app.example.com/orders/17?tab=items", "a=b"] {
            let slice = Array(value.utf8)[...]
            #expect(!SQLiDetector.worthReading(slice), "\(value)")
            #expect(XSSDetector.analyze(slice) == nil, "\(value)")
        }
        #expect(XSSDetector.containsOn(Array("x/oNload=alert(1)>".utf8)[...]))
        #expect(!XSSDetector.containsOn(Array("Root=1-6921e3c0".utf8)[...]))
        var checked = 0
        for value in Self.values {
            let bytes = ByteSet(presentIn: value[...])
            if SQLiDetector.read(value[...], bytes: bytes) != nil {
                #expect(SQLiDetector.worthReading(value[...]), "sqli gate: \(value.prefix(60))")
                checked += 1
            }
            #expect(
                XSSDetector.analyze(value[...], bytes: bytes)
                    == XSSDetector.analyze(value[...], bytes: bytes, everyEquals: true), "xss: \(value.prefix(60))")
        }
        #expect(checked > 500, "only \(checked) SQLi readings checked")
    }

    /// Values a gateway adds to every request (an address list, a referer) pass fewer gates; the
    /// forms the gates are for still pass them.
    @Test func gatewayValuesPassFewerGates() {
        func bytes(_ text: String) -> ByteSet { ByteSet(presentIn: Array(text.utf8)[...]) }
        #expect(ByteSet("xJ").containsEitherCase(UInt8(ascii: "j")))
        #expect(ByteSet("X").containsEitherCase(UInt8(ascii: "x")))
        #expect(!ByteSet("ab").containsEitherCase(UInt8(ascii: "j")))
        // Every byte either way: the folded set holds exactly the letters present in either case.
        let mixed = ByteSet("JnD:i@[`{Z")
        for byte in UInt8.min...UInt8.max {
            let letter = byte >= 0x61 && byte <= 0x7A
            let expected = letter ? mixed.containsEitherCase(byte) : mixed.contains(byte)
            #expect(mixed.caseFolded.contains(byte) == expected, "\(byte)")
        }
        for list in ["203.0.113.7, 10.20.0.4", "2026-11-23 17:40:00", "1,2,3"] {
            #expect(!SQLiDetector.worthReading(Array(list.utf8)[...]), "\(list)")
        }
        for sql in ["1 --", "1/**/", "1 OR 1", "1)"] {
            #expect(SQLiDetector.worthReading(Array(sql.utf8)[...]), "\(sql)")
        }
        #expect(!JNDIDetector.mayMatch(bytes("https://app.example.com/orders/17?tab=items")))
        #expect(JNDIDetector.mayMatch(bytes("JNDI:ldap://x")))
        #expect(JNDIDetector.mayMatch(bytes("${x}")))
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

    /// The field-name tables (`FieldNames`: exact names by hash, markers by their first two
    /// bytes) read every name like the plain comparisons: names from the lists, every word of the
    /// corpus, and each with separators and capitals.
    @Test func fieldNameTablesAgreeWithThePlainComparisons() {
        var names: Set<String> = Set(FieldNames.exact.keys)
        for list in [
            NetField.redirectMarkers, NetField.urlMarkers, NetField.hostMarkers, NetField.mailMarkers,
            NetField.fileMarkers, FieldProfile.codeMarkers, FieldProfile.freeTextMarkers, FieldProfile.commandMarkers,
        ] {
            for marker in list {
                let text = marker.description
                names.formUnion([text, "x" + text, text + "_id", "my-" + text.uppercased(), String(text.dropLast())])
            }
        }
        for value in Self.values.prefix(3000) {
            var start = 0
            for end in 0...value.count
            where end == value.count || !(ExecBytes.isIdent(value[end]) || value[end] == 0x2D) {
                if end > start, end - start <= 70 { names.insert(String(decoding: value[start..<end], as: UTF8.self)) }
                start = end + 1
            }
        }
        #expect(names.count > 2000, "\(names.count) names")
        for name in names {
            let roles = FieldRoles.of(name)
            #expect(roles.net == NetField.of(name, tables: false), "\(name)")
            #expect(roles.profile == FieldProfile.of(name, tables: false), "\(name)")
            #expect(roles.command == FieldProfile.isCommand(name, tables: false), "\(name)")
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
            // `mayStart` (one bitmap load) is a necessary condition of a match at that position.
            for value in Self.values.prefix(2000) {
                let slice = value[...]
                for at in slice.indices {
                    let starts = needles.needles.indices.contains {
                        needles.matches($0, in: slice, at: at) && Bytes.lower(slice[at]) == needles.needles[$0][0]
                    }
                    if starts {
                        #expect(needles.mayStart(in: slice, at: at), "\(list.first!) at \(at) in \(value.prefix(60))")
                    }
                }
            }
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

    /// Requests built from corpus values, placed where the analyzer's shortcuts apply: query and
    /// form parameters, JSON values and keys, headers, cookies and the path.
    static let requests: [CaptureRecord] = {
        func encoded(_ value: [UInt8]) -> String {
            var out = ""
            for byte in value {
                if ExecBytes.isAlpha(byte) || (byte >= 0x30 && byte <= 0x39) {
                    out.unicodeScalars.append(UnicodeScalar(byte))
                } else {
                    out += "%" + String(byte, radix: 16, uppercase: true).leftPadded()
                }
            }
            return out
        }
        func json(_ value: [UInt8]) -> String {
            var out = "\""
            for scalar in String(decoding: value, as: UTF8.self).unicodeScalars {
                switch scalar {
                case "\"", "\\": out += "\\" + String(scalar)
                case _ where scalar.value < 0x20: out += "\\u00" + String(scalar.value, radix: 16).leftPadded()
                default: out.unicodeScalars.append(scalar)
                }
            }
            return out + "\""
        }
        var records: [CaptureRecord] = []
        for value in values {
            let q = encoded(value)
            let text = String(decoding: value, as: UTF8.self)
            let plainHeader = !value.contains(0x0A) && !value.contains(0x0D)
            var headers: [CaptureRecord.Header] = [
                .init("content-type", "application/json"), .init("cookie", "p=\(q)"),
            ]
            if plainHeader { headers.append(.init("user-agent", text)) }
            records.append(
                CaptureRecord(
                    id: "a", ts: 0, method: "POST", rawPath: "/api/items/\(q)?q=\(q)&url=\(q)", headers: headers,
                    body: Array(
                        "{\"name\":\(json(value)),\"path\":[\(json(value))],\(json(value)):{\"cmd\":\(json(value))}}"
                            .utf8)))
            records.append(
                CaptureRecord(
                    id: "b", ts: 0, method: "POST", rawPath: "/login",
                    headers: [.init("content-type", "application/x-www-form-urlencoded")],
                    body: Array("user=\(q)&\(q)=1&next=\(q)".utf8)))
        }
        return records
    }()

    /// The analyzer calls the standard detectors on their concrete types; any other list goes
    /// through one closure per detector. Both must give the same verdicts.
    @Test func standardDetectorsFastPathMatchesTheGeneralLoop() {
        struct Silent: Detector {
            let name = "silent"
            func detect(_ value: ArraySlice<UInt8>, context: DetectionContext, hits: inout [Hit]) {}
        }
        // No time budget: a request cut short under a loaded test run would differ between the two.
        var limits = DecodeLimits.default
        limits.timeBudgetMicros = 600_000_000
        let fast = Analyzer(limits: limits)
        let general = Analyzer(limits: limits, detectors: DetectorRegistry.standard + [Silent()])
        #expect(Analyzer.isStandard(DetectorRegistry.standard))
        #expect(!Analyzer.isStandard(general.detectors))
        #expect(!Analyzer.isStandard(Array(DetectorRegistry.standard.reversed())))
        for record in Self.requests {
            let a = fast.analyze(record).verdict
            let b = general.analyze(record).verdict
            #expect(a.hits == b.hits, "\(record.rawPath)")
            #expect(a.score == b.score)
        }
    }
}

extension PrefilterTests {
    /// The request-level gates on the analyzer's value summaries (`RequestContext.bytes(ofPoint:)`)
    /// are necessary conditions of the readings they guard.
    @Test func requestLevelGatesAreNecessaryConditions() {
        var checked = 0
        for value in Self.values {
            let slice = value[...]
            let bytes = ByteSet(presentIn: slice)
            if NoSQLiDetector.operatorIn(slice) != nil {
                #expect(bytes.contains(UInt8(ascii: "$")), "nosqli key gate: \(value.prefix(60))")
                checked += 1
            }
            let interesting = slice.contains {
                $0 == UInt8(ascii: "(") || $0 == UInt8(ascii: "$") || $0 == UInt8(ascii: "=")
            }
            #expect(bytes.intersects(NoSQLiDetector.textBytes) == interesting, "nosqli text gate: \(value.prefix(60))")
            let gate = NoSQLiDetector.Gate.self
            if NoSQLiDetector.thisComparison(slice) != nil {
                #expect(bytes.holds(gate.this), "nosqli this gate: \(value.prefix(60))")
                checked += 1
            }
            if NoSQLiDetector.jsSleep(slice) != nil {
                #expect(bytes.holds(gate.sleep), "nosqli sleep gate: \(value.prefix(60))")
                checked += 1
            }
            if NoSQLiDetector.shellCall(slice) != nil {
                #expect(bytes.holds(gate.shell), "nosqli shell gate: \(value.prefix(60))")
                checked += 1
            }
            if NoSQLiDetector.objectLiteralOperator(slice) != nil {
                #expect(
                    bytes.contains(UInt8(ascii: "$")) && bytes.intersects(gate.literalBefore), "nosqli literal gate")
                checked += 1
            }
            if NoSQLiDetector.quoteBreakout(slice) != nil {
                #expect(bytes.intersects(gate.quotes) && bytes.intersects(gate.breaks), "nosqli breakout gate")
                checked += 1
            }
            if PrototypePollutionDetector.pathMatch(slice, keyed: false) != nil || slice.elementsEqual("__proto__".utf8)
            {
                #expect(PrototypePollutionDetector.mayHoldPath(bytes), "prototype gate: \(value.prefix(60))")
                checked += 1
            }
            // One pass for tools and surveys reads a User-Agent like the two searches.
            let tool = ScannerDetector.find(ScannerDetector.tools, in: slice)
            let survey = tool == nil ? ScannerDetector.find(ScannerDetector.surveys, in: slice) : nil
            let both = ScannerDetector.userAgentName(slice)
            #expect(both?.tool == (tool != nil ? true : survey != nil ? false : nil), "user-agent: \(value.prefix(60))")
            #expect(both?.range == (tool ?? survey), "user-agent range: \(value.prefix(60))")
            if tool != nil || survey != nil { checked += 1 }
            if ScannerDetector.shellshock(slice) != nil {
                #expect(bytes.contains(UInt8(ascii: "(")), "shellshock gate: \(value.prefix(60))")
                checked += 1
            }
            if ScannerDetector.find(ScannerDetector.oastDomains, in: slice, wordStart: false) != nil {
                #expect(bytes.contains(UInt8(ascii: ".")), "oast gate: \(value.prefix(60))")
                checked += 1
            }
        }
        // A survey crawler before a tool, and the reverse: the tool wins either way.
        for text in ["censysinspect/1.1 then sqlmap/1.7", "sqlmap/1.7 and Shodan", "Expanse, a Palo Alto Networks"] {
            let slice = Array(text.utf8)[...]
            let tool = ScannerDetector.find(ScannerDetector.tools, in: slice)
            let survey = ScannerDetector.find(ScannerDetector.surveys, in: slice)
            #expect(ScannerDetector.userAgentName(slice)?.tool == (tool != nil ? true : survey != nil ? false : nil))
            #expect(ScannerDetector.userAgentName(slice)?.range == (tool ?? survey))
        }
        #expect(checked > 30, "only \(checked) readings checked")
    }

    /// The request-level detectors find the same hits with the analyzer's summaries as with none
    /// (every gate open), over requests built from every corpus value.
    @Test func requestLevelDetectorsMatchTheUngatedReading() {
        var limits = DecodeLimits.default
        limits.timeBudgetMicros = 600_000_000
        let decoder = RequestDecoder(limits: limits)
        var compared = 0
        var records = Self.requests
        for file in [
            "nosqli.txt", "prototype_pollution.txt", "scanner.txt", "graphql_abuse.txt", "protocol_anomaly.txt",
        ] {
            records += Corpus.load(file).map(RequestCorpus.record)
        }
        for record in records {
            let decoded = decoder.decode(record)
            var gated = RequestContext(record: record, decoded: decoded, sensitivity: .default)
            var open = gated
            open.valueBytes = Array(repeating: RequestContext.everyByte, count: decoded.points.count)
            gated.valueBytes = decoded.points.map { point in
                switch point.kind {
                case .text, .key, .filename, .binary, .markup:
                    point.isContainer || point.value.isEmpty
                        ? RequestContext.everyByte : ByteSet(presentIn: point.value[...])
                case .number, .boolean, .null: RequestContext.everyByte
                }
            }
            for detector in DetectorRegistry.requestLevel {
                var a: [Hit] = []
                var b: [Hit] = []
                detector.detect(gated, hits: &a)
                detector.detect(open, hits: &b)
                #expect(a == b, "\(detector.name): \(record.rawPath)")
                compared += a.count
            }
        }
        #expect(compared > 100, "only \(compared) hits compared")
    }
}

extension PrefilterTests {
    /// `WordTable` answers like the dictionary it is built from: every key with its value, and
    /// nothing for the hashes of every word of the corpus that is not a key.
    @Test func wordTableAnswersLikeItsDictionary() {
        var words: Set<UInt64> = []
        for value in Self.values {
            var start = 0
            for end in 0...value.count where end == value.count || !ExecBytes.isIdent(value[end]) {
                if end > start { words.insert(WordHash.of(value[start..<end])) }
                start = end + 1
            }
        }
        #expect(words.count > 1000)
        func check<Value: Sendable>(_ entries: [UInt64: Value], _ same: (Value, Value) -> Bool) {
            let table = WordTable(entries)
            #expect(table.count == entries.count)
            for (key, value) in entries {
                guard let found = table[key] else {
                    Issue.record("key \(key) missing")
                    continue
                }
                #expect(same(found, value))
            }
            for word in words { #expect((table[word] == nil) == (entries[word] == nil)) }
        }
        check(SQLVocabulary.entries) {
            $0.word == $1.word && $0.function == $1.function && $0.systemObject == $1.systemObject
        }
        check(ShellVocabulary.entries) { $0.kind == $1.kind && $0.windows == $1.windows }
        // Tables of every size up to a few hundred keys, including colliding slots.
        for size in [0, 1, 2, 3, 4, 5, 15, 16, 17, 100, 700] {
            var entries: [UInt64: Int] = [:]
            for (index, word) in words.prefix(size).enumerated() { entries[word] = index }
            check(entries, ==)
        }
    }
}

extension String {
    /// Two characters, `0`-padded on the left (a hex byte).
    fileprivate func leftPadded() -> String { count >= 2 ? self : String(repeating: "0", count: 2 - count) + self }
}
