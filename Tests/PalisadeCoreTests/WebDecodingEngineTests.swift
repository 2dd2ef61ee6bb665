import Testing

@testable import PalisadeCore

/// End-to-end locations through `RequestDecoder` for the web decoders (path, query, cookie,
/// form, multipart, url, html, escape).
@Suite struct WebDecodingEngineTests {
    private func decode(
        _ rawPath: String, method: String = "GET", headers: [(String, String)] = [], body: String = ""
    ) -> DecodedRequest {
        let record = CaptureRecord(
            id: "01JTEST", ts: 1_763_700_000_000, method: method, rawPath: rawPath,
            headers: headers.map { CaptureRecord.Header($0.0, $0.1) }, body: Array(body.utf8))
        return RequestDecoder().decode(record)
    }

    private func locations(_ request: DecodedRequest) -> [String] {
        request.points.indices.map { "\(request.location(of: $0)) \(request.points[$0].kind)" }
    }

    @Test func plainRequestCostsOnlyItsRoots() {
        let request = decode("/health?ok=1")
        #expect(locations(request) == ["path text", "query text", "path[0] text", "query.ok text"])
        #expect(request.value(at: "path[0]") == "health")
        #expect(request.value(at: "query.ok") == "1")
        #expect(request.annotations.isEmpty)
        #expect(!request.points[0].isContainer)  // the whole path stays judged (traversal spans segments)
        #expect(request.points[1].isContainer)
    }

    @Test func pathSegmentsAndMatrixParameters() {
        let request = decode("/v1/users;jsessionid=abc/42/..%2f")
        #expect(request.value(at: "path[0]") == "v1")
        #expect(request.value(at: "path[1]") == "users")
        #expect(request.value(at: "path[1];jsessionid") == "abc")
        #expect(request.value(at: "path[2]") == "42")
        #expect(request.value(at: "path[3]") == "../")
        #expect(request.points(at: "path[1];jsessionid").count == 1)  // the plain name is dropped
    }

    @Test func doubleEncodedQueryValuesUnwrapThroughURL() {
        let request = decode("/search?id=%2527%20OR%201=1&q=a+b&x=%25252527")
        #expect(request.value(at: "query.id") == "%27 OR 1=1")
        #expect(request.value(at: "query.id>url") == "' OR 1=1")
        #expect(request.value(at: "query.q") == "a b")
        #expect(request.points(at: "query.q>url").isEmpty)
        #expect(request.value(at: "query.x>url") == "'")
        let rounds = request.annotations(.multipleEncoding)
        #expect(rounds.map(\.value) == [3])
        #expect(rounds.first.map { request.location(of: Int($0.point)) } == "query.x")
    }

    @Test func percentUAndOverlongFormsAreAnnotatedWhereTheySit() {
        let request = decode("/..%c0%af..%c0%afetc/passwd?q=%u003cscript%u003e")
        #expect(request.value(at: "path[0]") == "../../etc")
        #expect(request.value(at: "query.q") == "%u003cscript%u003e")
        #expect(request.value(at: "query.q>url") == "<script>")
        #expect(request.annotations(.overlongUTF8).map { request.location(of: Int($0.point)) } == ["path"])
        #expect(request.annotations(.percentUnicode).map { request.location(of: Int($0.point)) } == ["query.q"])
    }

    @Test func suspiciousParameterNamesBecomeKeyPoints() {
        let request = decode("/?%3Cscript%3E=1&__proto__[x]=y")
        #expect(request.value(at: "query[\"<script>\"]") == "<script>")
        #expect(request.points(at: "query[\"<script>\"]").map { request.points[$0].kind } == [.key, .text])
        #expect(request.points(at: "query[\"__proto__[x]\"]").map { request.points[$0].kind } == [.key, .text])
    }

    @Test func cookiesAreSplitAndDecodedOnce() {
        let request = decode("/", headers: [("Cookie", "session=abc%3Cx; pref=\"dark mode\"; t=%253C")])
        #expect(request.value(at: "cookie.session") == "abc<x")
        #expect(request.value(at: "cookie.pref") == "dark mode")
        #expect(request.value(at: "cookie.t") == "%3C")
        #expect(request.value(at: "cookie.t>url") == "<")
    }

    @Test func declaredFormBody() {
        let request = decode(
            "/login", method: "POST", headers: [("Content-Type", "application/x-www-form-urlencoded; charset=UTF-8")],
            body: "user=admin&q=%3Cscript%3E&c=%26lt%3Bimg%26gt%3B")
        #expect(request.value(at: "body.form.user") == "admin")
        #expect(request.value(at: "body.form.q") == "<script>")
        #expect(request.value(at: "body.form.c") == "&lt;img&gt;")
        #expect(request.value(at: "body.form.c>html") == "<img>")
    }

    @Test func formDeclaredButJSONSentIsSniffed() {
        let request = decode(
            "/api", method: "POST", headers: [("Content-Type", "application/x-www-form-urlencoded")],
            body: #"{"a":"b"}"#)
        #expect(request.annotations(.contentTypeMismatch).count == 1)
        #expect(request.value(at: "body>json.a") == "b")
    }

    @Test func escapesInsideJSONStringsUnwrap() {
        let request = decode(
            "/api", method: "POST", headers: [("Content-Type", "application/json")],
            body: #"{"a":"\\x3cscript\\x3ealert(1)\\x3c/script\\x3e"}"#)
        #expect(request.value(at: "body.json.a") == #"\x3cscript\x3ealert(1)\x3c/script\x3e"#)
        #expect(request.value(at: "body.json.a>escape") == "<script>alert(1)</script>")
    }

    @Test func multipartPartsDecodeAsDeclared() {
        let body = [
            "--XyZ",
            #"Content-Disposition: form-data; name="meta""#,
            "Content-Type: application/json",
            "",
            #"{"x":1,"y":"%253Cb%253E"}"#,
            "--XyZ",
            #"Content-Disposition: form-data; name="upload"; filename="../../shell.php""#,
            "Content-Type: text/plain",
            "",
            "<?php echo 1; ?>",
            "--XyZ",
            #"Content-Disposition: form-data; name="inner""#,
            "Content-Type: application/x-www-form-urlencoded",
            "",
            "a=1&b=%3Cx%3E",
            "--XyZ",
            #"Content-Disposition: form-data; name="files""#,
            "Content-Type: multipart/mixed; boundary=InNeR",
            "",
            "--InNeR",
            #"Content-Disposition: attachment; filename="a.txt""#,
            "",
            "nested",
            "--InNeR--",
            "--XyZ--",
            "",
        ].joined(separator: "\r\n")
        let request = decode(
            "/upload", method: "POST", headers: [("Content-Type", "multipart/form-data; boundary=XyZ")], body: body)
        #expect(request.value(at: "body.multipart.meta.json.x") == "1")
        #expect(request.value(at: "body.multipart.meta.json.y>url") == "<b>")
        #expect(request.points(at: "body.multipart.upload").map { request.points[$0].kind } == [.text, .filename])
        #expect(
            request.points(at: "body.multipart.upload").map { request.points[$0].text } == [
                "<?php echo 1; ?>", "../../shell.php",
            ])
        #expect(request.value(at: "body.multipart.inner.form.b") == "<x>")
        #expect(request.value(at: "body.multipart.files.multipart[0]") == "nested")
        #expect(
            request.points(at: "body.multipart.files.multipart[0]").map { request.points[$0].kind } == [
                .text, .filename,
            ])
        #expect(request.annotations(.multipartParts).map(\.value) == [4, 1])
        #expect(request.annotations(.malformed).isEmpty)
    }

    @Test func truncatedMultipartKeepsWhatWasRead() {
        let request = decode(
            "/upload", method: "POST", headers: [("Content-Type", "multipart/form-data; boundary=b")],
            body:
                "--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--b\r\nContent-Disposition: form-data; name=\"c\"\r\n\r\n<scr"
        )
        #expect(request.value(at: "body.multipart.a") == "1")
        #expect(request.value(at: "body.multipart.c") == "<scr")
        #expect(request.annotations(.malformed).map(\.detail) == ["missing closing boundary"])
    }

    @Test func hostileRequestsHitLimitsNotTraps() {
        let pairs = String(repeating: "a=1&", count: 100_000)
        let request = decode("/?" + pairs)
        #expect(request.points.count == DecodeLimits.default.maxPoints)
        #expect(request.limitHits.contains(.points))
        let parts = String(repeating: "--b\r\n", count: 50_000) + "--b--"
        let multipart = decode(
            "/", method: "POST", headers: [("Content-Type", "multipart/form-data; boundary=b")], body: parts)
        #expect(multipart.points.count == DecodeLimits.default.maxPoints)
        #expect(multipart.limitHits.contains(.points))
        #expect(multipart.annotations(.multipartParts).map(\.value) == [50_000])
    }
}
