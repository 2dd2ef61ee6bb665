import Testing

@testable import PalisadeCore

@Suite struct MultipartDecoderTests {
    private func decode(_ body: [UInt8], contentType: String?, limits: DecodeLimits = .default)
        -> (Decoded?, DecodeBudget)
    {
        var budget = DecodeBudget(limits: limits)
        let context = DecodeContext(source: .body, contentType: contentType, fieldName: "body", declared: true)
        let decoded = MultipartDecoder().decode(body[...], context: context, budget: &budget)
        return (decoded, budget)
    }

    /// Decodes with the lowercased content type the engine passes, boundary `b` by default.
    private func decode(_ body: String, contentType: String? = "multipart/form-data; boundary=b") -> Decoded? {
        decode(Array(body.utf8), contentType: contentType.map(Bytes.lowercased)).0
    }

    /// Children as `path kind value` lines.
    private func lines(_ decoded: Decoded?) -> [String] {
        decoded?.children.map { "\($0.path) \($0.kind) \(String(decoding: $0.value, as: UTF8.self))" } ?? []
    }

    private func annotations(_ decoded: Decoded?) -> [String] {
        decoded?.annotations.map { "\($0.code) \($0.detail) \($0.value)" } ?? []
    }

    @Test func parsesABrowserFormWithFilesAndDeclaredParts() {
        let body = [
            "------WebKitFormBoundaryABC",
            #"Content-Disposition: form-data; name="user""#,
            "",
            "alice",
            "------WebKitFormBoundaryABC",
            #"Content-Disposition: form-data; name="avatar"; filename="a.php""#,
            "Content-Type: Application/Octet-Stream",
            "",
            "<?php system($_GET[1]); ?>",
            "------WebKitFormBoundaryABC",
            #"content-disposition: form-data; name="meta""#,
            "CONTENT-TYPE: application/json; charset=UTF-8",
            "",
            #"{"x":1}"#,
            "------WebKitFormBoundaryABC--",
            "",
        ].joined(separator: "\r\n")
        let decoded = decode(body, contentType: "multipart/form-data; boundary=----WebKitFormBoundaryABC")
        #expect(
            lines(decoded) == [
                ".user text alice", ".avatar text <?php system($_GET[1]); ?>",
                ".avatar filename a.php", #".meta text {"x":1}"#,
            ])
        #expect(
            decoded?.children.map(\.contentType) == [
                nil, "Application/Octet-Stream", nil, "application/json; charset=UTF-8",  // as sent
            ])
        #expect(decoded?.children.map(\.fieldName) == ["user", "avatar", "avatar", "meta"])
        #expect(annotations(decoded) == ["multipart.parts parts 3"])
    }

    @Test func toleratesBareLFQuotedBoundariesAndPadding() {
        let body = "--a;b c  \n\nfirst\n--a;b c\nContent-Disposition: form-data; name=\"x\"\n\nsecond\n--a;b c--"
        let decoded = decode(body, contentType: #"multipart/form-data; charset=utf-8; boundary="a;b c""#)
        #expect(lines(decoded) == ["[0] text first", ".x text second"])
        #expect(annotations(decoded) == ["multipart.parts parts 2"])
    }

    @Test func locatesUnnamedPartsByPosition() {
        let decoded = decode(
            "--b\r\n\r\none\r\n--b\r\nContent-Disposition: form-data; name=n\r\n\r\ntwo\r\n--b\r\n\r\nthree\r\n--b--")
        #expect(lines(decoded) == ["[0] text one", ".n text two", "[2] text three"])
    }

    @Test func keepsBothFilenamesWhenTheyDisagree() {
        let decoded = decode(
            "--b\r\nContent-Disposition: form-data; name=\"f\"; filename=\"a.txt\"; filename*=UTF-8''..%2F..%2Fetc%2Fpasswd\r\n\r\nx\r\n--b--"
        )
        #expect(lines(decoded) == [".f text x", ".f filename a.txt", ".f filename ../../etc/passwd"])
        let same = decode(
            "--b\r\nContent-Disposition: form-data; name=f; filename=\"\u{e9}\"; filename*=utf-8''%C3%A9\r\n\r\n\r\n--b--"
        )
        #expect(lines(same) == [".f text ", ".f filename \u{e9}"])
    }

    @Test func unquotesParametersAndKeepsWindowsPaths() {
        let decoded = decode(
            "--b\r\nContent-Disposition: form-data; name=\"a\\\"b\"; filename=\"C:\\dir\\x.txt\"\r\n\r\nv\r\n--b--")
        #expect(lines(decoded) == [#"["a\"b"] key a"b"#, #"["a\"b"] text v"#, #"["a\"b"] filename C:\dir\x.txt"#])
    }

    @Test func joinsFoldedHeaders() {
        let decoded = decode("--b\r\nContent-Disposition: form-data;\r\n\tname=\"folded\"\r\n\r\nv\r\n--b--")
        #expect(lines(decoded) == [".folded text v"])
    }

    @Test func keepsPartsReadBeforeAMissingCloseDelimiter() {
        let decoded = decode(
            "--b\r\nContent-Disposition: form-data; name=a\r\n\r\n1\r\n--b\r\nContent-Disposition: form-data; name=c\r\n\r\ntrunc"
        )
        #expect(lines(decoded) == [".a text 1", ".c text trunc"])
        #expect(annotations(decoded) == ["multipart.parts parts 2", "malformed missing closing boundary 1"])
    }

    @Test func reportsMalformedParts() {
        let noHeaders = decode("--b\r\njust text\r\n--b\r\nX: 1\r\nnot a header\r\n\r\nbody\r\n--b--")
        #expect(lines(noHeaders) == ["[0] text just text", "[1] text X: 1\r\nnot a header\r\n\r\nbody"])
        #expect(annotations(noHeaders) == ["multipart.parts parts 2", "malformed part without headers 2"])
        let unterminated = decode("--b\r\nContent-Disposition: form-data; name=\"a\"\r\n--b--")
        #expect(lines(unterminated) == [".a text "])
        #expect(annotations(unterminated) == ["multipart.parts parts 1", "malformed part headers not terminated 1"])
        let twoBoundaries = decode("--b\r\n\r\nv\r\n--b--", contentType: "multipart/form-data; boundary=b; boundary=c")
        #expect(lines(twoBoundaries) == ["[0] text v"])
        #expect(annotations(twoBoundaries) == ["multipart.parts parts 1", "malformed duplicate boundary parameter 1"])
        let duplicate = decode("--b\r\nContent-Disposition: form-data; name=\"a\"; name=\"b\"\r\n\r\nv\r\n--b--")
        #expect(lines(duplicate) == [".a text v"])
        #expect(annotations(duplicate) == ["multipart.parts parts 1", "malformed duplicate name parameter 1"])
    }

    @Test func keepsPreambleAndEpilogueData() {
        let decoded = decode("<script>\r\n--b\r\n\r\nv\r\n--b--\r\nafter")
        #expect(lines(decoded) == ["[preamble] text <script>", "[0] text v", "[epilogue] text after"])
        #expect(
            annotations(decoded) == [
                "multipart.parts parts 1", "malformed data before the first boundary 1",
                "malformed data after the closing boundary 1",
            ])
        let blank = decode("\r\n--b\r\n\r\nv\r\n--b--\r\n\r\n")
        #expect(lines(blank) == ["[0] text v"])
        #expect(annotations(blank) == ["multipart.parts parts 1"])
    }

    @Test func onlyWholeDelimiterLinesSeparate() {
        let decoded = decode("--b\r\n\r\n--bx\r\nx--b\r\n --b\r\n--b--")
        #expect(lines(decoded) == ["[0] text --bx\r\nx--b\r\n --b"])
    }

    @Test func sniffsTheBoundaryWhenTheParameterIsMissing() {
        let decoded = decode("--XyZ \r\n\r\nv\r\n--XyZ--", contentType: "multipart/form-data")
        #expect(lines(decoded) == ["[0] text v"])
        #expect(annotations(decoded) == ["multipart.parts parts 1", "malformed no boundary parameter 1"])
        #expect(decode("--XyZ\r\n\r\nv\r\n--XyZ--", contentType: nil) != nil)
    }

    @Test(arguments: [
        "hello world", "", "--", "--b Content-Disposition: form-data; name=a --b--", "-b\r\n\r\nv\r\n-b--",
    ])
    func returnsNilWithoutADelimiter(_ body: String) {
        #expect(decode(body) == nil)
    }

    @Test func rejectsUnusableBoundaries() {
        #expect(decode("--\r\n\r\nv", contentType: #"multipart/form-data; boundary="""#) == nil)
        #expect(decode("x", contentType: "multipart/form-data") == nil)
    }

    @Test func parsesWithAHugeBoundaryAndAnnotatesIt() {
        let boundary = String(repeating: "B", count: 10_240)
        let body = "--\(boundary)\r\n\r\nv\r\n--\(boundary)--"
        let decoded = decode(body, contentType: "multipart/form-data; boundary=\(boundary)")
        #expect(lines(decoded) == ["[0] text v"])
        #expect(
            annotations(decoded) == ["multipart.boundary boundary longer than 70 10240", "multipart.parts parts 1"])
        // Lines that almost match a huge boundary cost their length once.
        let nearMiss = String(repeating: "--" + String(repeating: "B", count: 10_239) + "\r\n", count: 100)
        #expect(decode(nearMiss, contentType: "multipart/form-data; boundary=\(boundary)") == nil)
    }

    @Test func boundsThousandsOfEmptyParts() {
        let body = Array((String(repeating: "--b\r\n", count: 50_000) + "--b--").utf8)
        let (decoded, budget) = decode(body, contentType: "multipart/form-data; boundary=b")
        #expect(decoded?.children.count == DecodeLimits.default.maxPoints)
        #expect(decoded?.children.last?.path == "[4095]")
        #expect(decoded?.children.allSatisfy { $0.value.isEmpty && $0.kind == .text } == true)
        #expect(decoded.map { annotations($0) } == ["multipart.parts parts 50000"])
        #expect(budget.hits == [.points])
    }

    @Test func boundsBodiesWithoutLineBreaks() {
        let flat = Array(("--b" + String(repeating: "x", count: 1 << 20)).utf8)
        #expect(decode(flat, contentType: "multipart/form-data; boundary=b").0 == nil)
        let oneLine = Array(("--b\r\n" + String(repeating: "a", count: 1 << 20)).utf8)
        let (decoded, _) = decode(oneLine, contentType: "multipart/form-data; boundary=b")
        #expect(decoded?.children.count == 1)
        #expect(decoded?.children.first?.value.count == 1 << 20)
        #expect(
            decoded.map { annotations($0) } == [
                "multipart.parts parts 1", "malformed part without headers 1", "malformed missing closing boundary 1",
            ])
        let newlines = Array(("--b\r\n" + String(repeating: "\n", count: 1 << 20)).utf8)
        #expect(
            decode(newlines, contentType: "multipart/form-data; boundary=b").0?.children.first?.value.count == (1 << 20)
                - 1)
    }

    @Test func stopsEmittingWhenTheByteBudgetRunsOut() {
        var limits = DecodeLimits()
        limits.maxDecodedBytes = 6
        let body = Array("--b\r\n\r\nabc\r\n--b\r\n\r\ndefg\r\n--b\r\n\r\nh\r\n--b--".utf8)
        let (decoded, budget) = decode(body, contentType: "multipart/form-data; boundary=b", limits: limits)
        #expect(lines(decoded) == ["[0] text abc"])
        #expect(decoded.map { annotations($0) } == ["multipart.parts parts 3"])
        #expect(budget.hits == [.bytes])
    }
}
