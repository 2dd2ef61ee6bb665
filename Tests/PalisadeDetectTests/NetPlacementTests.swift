import Testing

@testable import PalisadeDetect

/// Network-family attacks placed where requests carry them, judged through the whole `Analyzer`.
@Suite struct NetPlacementTests {
    let analyzer = Analyzer()

    func verdict(
        path: String, headers: [CaptureRecord.Header] = [], body: String = "", method: String = "GET"
    ) -> Verdict {
        analyzer.analyze(PlacementTests.record(path: path, headers: headers, body: body, method: method)).verdict
    }

    @Test func traversalInRawPath() {
        let v = verdict(path: "/static/..%2f..%2f..%2fetc%2fpasswd")
        #expect(v.attack)
        let hit = v.hits.first { $0.attackClass == .pathTraversal }
        #expect(hit?.location.hasPrefix("path") == true, "\(v.hits)")
    }

    @Test func traversalInQuery() {
        let v = verdict(path: "/download?file=....//....//....//etc/passwd")
        #expect(v.hits.first { $0.attackClass == .pathTraversal }?.location == "query.file", "\(v.hits)")
        #expect(v.attack)
    }

    @Test func ssrfInQuery() {
        let v = verdict(path: "/fetch?url=http://0x7f000001:8080/admin")
        #expect(v.attack)
        #expect(v.hits.first { $0.attackClass == .ssrf }?.location == "query.url", "\(v.hits)")
    }

    @Test func ssrfInJSONCallback() {
        let body = #"{"name":"hook","callback_url":"http://169.254.169.254/latest/meta-data/iam/"}"#
        let v = verdict(
            path: "/v1/webhooks", headers: [.init("content-type", "application/json")], body: body, method: "POST")
        #expect(v.attack)
        let hit = v.hits.first { $0.attackClass == .ssrf }
        #expect(hit?.location == "body.json.callback_url", "\(v.hits)")
        #expect(hit?.rule == "ssrf.metadata")
    }

    @Test func xxeInXMLBody() {
        let body =
            #"<?xml version="1.0"?><!DOCTYPE order [<!ENTITY x SYSTEM "file:///etc/passwd">]><order><note>&x;</note></order>"#
        let v = verdict(
            path: "/v1/orders", headers: [.init("content-type", "application/xml")], body: body, method: "POST")
        #expect(v.attack)
        let hit = v.hits.first { $0.attackClass == .xxe }
        #expect(hit?.location.hasSuffix("!doctype") == true, "\(v.hits)")
        #expect(hit?.rule == "xxe.external_entity")
    }

    @Test func xxeInBase64InsideJSON() {
        // <!DOCTYPE r [<!ENTITY e SYSTEM "http://attacker.example/x">]><r>&e;</r>
        let xml = #"<!DOCTYPE r [<!ENTITY e SYSTEM "http://attacker.example/x">]><r>&e;</r>"#
        let body = #"{"doc":"\#(base64(xml))"}"#
        let v = verdict(
            path: "/v1/import", headers: [.init("content-type", "application/json")], body: body, method: "POST")
        #expect(v.hits.contains { $0.attackClass == .xxe }, "\(v.hits)")
        #expect(v.attack)
    }

    @Test func traversalInMultipartFilename() {
        let boundary = "XyZ"
        let body =
            "--\(boundary)\r\nContent-Disposition: form-data; name=\"upload\"; filename=\"../../../var/www/html/shell.php\"\r\nContent-Type: text/plain\r\n\r\nhello\r\n--\(boundary)--\r\n"
        let v = verdict(
            path: "/v1/upload", headers: [.init("content-type", "multipart/form-data; boundary=\(boundary)")],
            body: body, method: "POST")
        #expect(v.attack, "\(v.hits)")
        #expect(v.hits.contains { $0.attackClass == .pathTraversal && $0.location.hasPrefix("body") }, "\(v.hits)")
    }

    @Test func crlfInQuery() {
        let v = verdict(path: "/login?lang=en%0d%0aSet-Cookie:%20sid=attacker")
        #expect(v.attack)
        #expect(v.hits.first { $0.attackClass == .crlf }?.location == "query.lang", "\(v.hits)")
    }

    @Test func crlfInHeader() {
        let v = verdict(path: "/", headers: [.init("X-Request-Id", "abc%0d%0aSet-Cookie: x=1")])
        #expect(v.attack)
        #expect(v.hits.first { $0.attackClass == .crlf }?.location.hasPrefix("header") == true, "\(v.hits)")
    }

    @Test func openRedirectInQuery() {
        let v = verdict(path: "/login?next=/%5Cevil.example")
        #expect(v.attack)
        #expect(v.hits.first { $0.attackClass == .openRedirect }?.location == "query.next", "\(v.hits)")
    }

    @Test func mailInjectionInForm() {
        let v = verdict(
            path: "/contact", headers: [.init("content-type", "application/x-www-form-urlencoded")],
            body: "email=a%40example.com%0D%0ABcc%3A+spam%40example.net&message=hi", method: "POST")
        #expect(v.attack)
        #expect(v.hits.first { $0.attackClass == .mailInjection }?.location == "body.form.email", "\(v.hits)")
    }

    @Test func ldapAndXPathInQuery() {
        let ldap = verdict(path: "/users?uid=*)(uid=*))(|(uid=*")
        #expect(ldap.hits.contains { $0.attackClass == .ldapi && $0.location == "query.uid" }, "\(ldap.hits)")
        let xpath = verdict(path: "/users?name='%20or%20count(/*)=1%20or%20'")
        #expect(xpath.hits.contains { $0.attackClass == .xpathi && $0.location == "query.name" }, "\(xpath.hits)")
    }

    @Test func benignNetRequestIsClean() {
        let body =
            #"{"redirect_uri":"https://app.example.com/cb","ip":"10.0.0.12","email":"ann@example.com","path":"docs/index.md","avatar_url":"https://cdn.example.com/a.png"}"#
        let v = verdict(
            path: "/v1/profile/settings?next=/dashboard&url=https://example.com/a/../b&file=report.pdf",
            headers: [
                .init("content-type", "application/json"), .init("referer", "http://localhost:3000/settings"),
                .init("origin", "http://localhost:3000"),
            ],
            body: body, method: "POST")
        #expect(!v.attack, "\(v.hits)")
        #expect(v.hits.isEmpty, "\(v.hits)")
    }

    @Test func benignXHTMLIsClean() {
        let body =
            #"<?xml version="1.0"?><!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd"><html xmlns="http://www.w3.org/1999/xhtml"><body><p>Hi</p></body></html>"#
        let v = verdict(
            path: "/v1/render", headers: [.init("content-type", "application/xml")], body: body, method: "POST")
        #expect(!v.attack, "\(v.hits)")
        #expect(!v.hits.contains { $0.attackClass == .xxe }, "\(v.hits)")
    }
}

/// Base64 without Foundation, for building nested test payloads.
func base64(_ string: String) -> String {
    let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
    let bytes = Array(string.utf8)
    var out = ""
    var i = 0
    while i < bytes.count {
        let b0 = Int(bytes[i])
        let b1 = i + 1 < bytes.count ? Int(bytes[i + 1]) : 0
        let b2 = i + 2 < bytes.count ? Int(bytes[i + 2]) : 0
        out.append(alphabet[b0 >> 2])
        out.append(alphabet[((b0 & 3) << 4) | (b1 >> 4)])
        out.append(i + 1 < bytes.count ? alphabet[((b1 & 15) << 2) | (b2 >> 6)] : "=")
        out.append(i + 2 < bytes.count ? alphabet[b2 & 63] : "=")
        i += 3
    }
    return out
}

extension NetPlacementTests {
    @Test func resourceFieldsAreNotDiscountedAsCode() {
        let v = verdict(path: "/proxy?src=http://169.254.169.254/latest/meta-data/")
        #expect(v.attack, "\(v.hits)")
        #expect(v.hits.first { $0.attackClass == .ssrf }?.location == "query.src", "\(v.hits)")
    }
}
