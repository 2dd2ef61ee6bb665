/// What a field's name says about network-ish content: the URL, redirect, host, IP and mail roles
/// the path, SSRF, redirect, CRLF and mail detectors weigh their readings by. Names are compared
/// lowercased without `-`/`_` (`return_to`, `returnTo`, `RETURN-TO` are one name).
public struct NetField: Sendable, Equatable {
    public var url = false
    public var redirect = false
    public var host = false
    public var ip = false
    public var mail = false
    public var file = false
    public var freeText = false
    /// The name is known (not nil and not empty).
    public var named = false

    public static func of(_ fieldName: String?) -> NetField { of(fieldName, tables: true) }

    /// `tables`: read ASCII names through `FieldNames` (false: the plain comparisons below, which
    /// the tests hold the tables to).
    static func of(_ fieldName: String?, tables: Bool) -> NetField {
        var role = NetField()
        guard let fieldName, !fieldName.isEmpty, fieldName.utf8.count <= 64 else { return role }
        role.named = true
        if tables, let reading = FieldNames.read(fieldName) { return NetField(reading) }
        var lowered: [UInt8] = []
        lowered.reserveCapacity(fieldName.utf8.count)
        for byte in fieldName.utf8 where byte != UInt8(ascii: "-") && byte != UInt8(ascii: "_") {
            lowered.append(Bytes.lower(byte))
        }
        let slice = lowered[...]
        let name = String(decoding: lowered, as: UTF8.self)
        if redirectNames.contains(name) { role.redirect = true }
        for marker in redirectMarkers where Bytes.containsIgnoringCase(slice, marker) { role.redirect = true }
        if urlNames.contains(name) || role.redirect { role.url = true }
        for marker in urlMarkers where Bytes.containsIgnoringCase(slice, marker) { role.url = true }
        if hostNames.contains(name) { role.host = true }
        for marker in hostMarkers where Bytes.containsIgnoringCase(slice, marker) { role.host = true }
        if ipNames.contains(name) || name.hasSuffix("ip") || name.hasSuffix("ipaddress") || name.hasSuffix("addr") {
            role.ip = true
        }
        if mailNames.contains(name) { role.mail = true }
        for marker in mailMarkers where Bytes.containsIgnoringCase(slice, marker) { role.mail = true }
        if fileNames.contains(name) { role.file = true }
        for marker in fileMarkers where Bytes.containsIgnoringCase(slice, marker) { role.file = true }
        role.freeText = FieldProfile.of(fieldName, tables: tables) == .freeText && !role.url && !role.mail
        return role
    }

    /// The roles of a named field from its reading.
    init(_ reading: FieldNames.Reading) {
        let roles = reading.exact.union(reading.marked)
        named = true
        redirect = roles.contains(.redirect)
        url = roles.contains(.url) || redirect
        host = roles.contains(.host)
        ip = reading.exact.contains(.ip) || reading.ipSuffix
        mail = roles.contains(.mail)
        file = roles.contains(.file)
        freeText = reading.profile == .freeText && !url && !mail
    }

    init() {}

    static let redirectNames: Set<String> = [
        "next", "redirect", "redir", "return", "returnto", "returnurl", "returnuri", "returnpath", "continue", "dest",
        "destination", "goto", "go", "target", "to", "out", "forward", "fwd", "r", "u", "rurl", "backurl", "back",
        "successurl", "cancelurl", "failureurl", "errorurl", "loginurl", "logouturl", "checkout", "jump", "jumpto",
        "navigate", "location", "view", "landing",
        "landingpage", "exit", "done", "after", "afterlogin", "then", "service", "relaystate", "postlogin",
    ]
    static let redirectMarkers: [StaticString] = ["redirect", "redir", "returnto", "returnurl", "nexturl", "goto"]
    static let urlNames: Set<String> = [
        "url", "uri", "link", "href", "src", "callback", "webhook", "hook", "endpoint", "feed", "rss", "image",
        "img", "avatar", "icon", "logo", "photo", "picture", "thumbnail", "file", "fetch", "load", "proxy",
        "remote", "source", "path", "document", "doc", "site", "website", "homepage", "domain", "api", "server",
        "resource", "open", "download", "upload", "import", "export", "template", "xml", "wsdl", "schema", "dtd",
        "html", "page", "preview", "embed", "oembed", "video", "audio", "media", "stylesheet", "css", "script",
    ]
    static let urlMarkers: [StaticString] = [
        "url", "uri", "link", "href", "webhook", "callback", "endpoint", "feed", "imagesrc", "fetch", "proxy",
    ]
    static let hostNames: Set<String> = [
        "host", "hostname", "server", "servername", "domain", "target", "addr", "address", "upstream", "backend",
        "dns", "resolver", "nameserver", "smtp", "smtphost", "database", "dbhost", "redis", "mongo", "node",
    ]
    static let hostMarkers: [StaticString] = ["host", "server", "upstream"]
    static let ipNames: Set<String> = [
        "ip", "ipaddr", "ipaddress", "ipv4", "ipv6", "clientip", "remoteip", "remoteaddr", "sourceip", "srcip",
        "dstip", "xforwardedfor", "xrealip", "forwardedfor", "cidr", "subnet", "network", "gateway", "netmask",
        "allowlist", "whitelist", "blocklist", "blacklist", "trustedproxies", "lastip", "loginip", "peer",
    ]
    static let mailNames: Set<String> = [
        "email", "mail", "to", "from", "cc", "bcc", "subject", "replyto", "sender", "recipient", "recipients",
        "emailaddress", "mailto", "contact", "name", "fullname", "returnpath", "mailfrom", "rcptto",
    ]
    static let mailMarkers: [StaticString] = ["email", "mail", "recipient", "subject", "replyto", "sender"]
    static let fileNames: Set<String> = [
        "file", "filename", "path", "filepath", "dir", "directory", "folder", "name", "document", "doc", "template",
        "page", "include", "inc", "view", "layout", "lang", "language", "locale", "theme", "skin", "style",
        "module", "download", "load", "read", "show", "cat", "conf", "config", "log", "attachment", "img", "image",
    ]
    static let fileMarkers: [StaticString] = ["file", "path", "dir", "folder", "template", "attach"]
}

/// Everything a field's name says, read once per value (`DetectionContext.field`) rather than
/// once per detector: the network roles, the profile and whether it names a command line.
public struct FieldRoles: Sendable, Equatable {
    public var net: NetField
    public var profile: FieldProfile
    /// The name says the value is a command line (`FieldProfile.isCommand`).
    public var command: Bool

    public static func of(_ fieldName: String?) -> FieldRoles {
        guard let fieldName, !fieldName.isEmpty, fieldName.utf8.count <= 64 else {
            return FieldRoles(net: NetField(), profile: .plain, command: false)
        }
        if let reading = FieldNames.read(fieldName) {
            return FieldRoles(net: NetField(reading), profile: reading.profile, command: reading.command)
        }
        return FieldRoles(
            net: NetField.of(fieldName), profile: FieldProfile.of(fieldName), command: FieldProfile.isCommand(fieldName)
        )
    }

    /// Whether a code-looking field name (`src`, `source`) names a resource for a network class:
    /// `src=http://127.0.0.1/` is an SSRF target, not a code snippet, so `Scoring.adjust` does not
    /// apply its code discount there. Likewise a command field (`script`) names what `rce` runs.
    public func namesResource(for attackClass: AttackClass) -> Bool {
        switch attackClass {
        case .ssrf, .pathTraversal, .openRedirect, .xxe:
            return net.url || net.file || net.redirect
        case .rce:
            return command  // `script`, `shellCmd`: a command is the resource
        default:
            return false
        }
    }
}

/// A network-family detector's strongest reading of a value.
public struct NetFinding: Sendable, Equatable {
    public var confidence: Double
    public var rule: String
    public var range: Range<Int>

    public init(_ confidence: Double, _ rule: String, _ range: Range<Int>) {
        self.confidence = confidence
        self.rule = rule
        self.range = range
    }

    /// Keeps the stronger of two readings.
    mutating func consider(_ other: NetFinding?) {
        if let other, other.confidence > confidence { self = other }
    }

    static let none = NetFinding(0, "", 0..<0)

    /// Rounds to two decimals, clamped to 0…1.
    var rounded: NetFinding {
        var copy = self
        copy.confidence = (min(max(confidence, 0), 1) * 100).rounded() / 100
        return copy
    }
}

extension Hit {
    /// A hit from a network-family finding, with masked evidence.
    static func net(
        _ attackClass: AttackClass, _ finding: NetFinding, value: ArraySlice<UInt8>, context: DetectionContext
    ) -> Hit {
        Hit(
            attackClass: attackClass, point: -1, confidence: finding.confidence,
            evidence: Evidence.excerpt(value, around: finding.range, fieldName: context.fieldName), rule: finding.rule)
    }
}
