/// Protocol anomalies: requests that break HTTP or encoding rules in ways ordinary clients never
/// do, but evasion and desynchronisation attempts do. Limits (`limit.*`) are already turned into
/// hits by `Analyzer`; this detector covers the rest.
///
/// **Calibration.** `Scoring.score` never lets a `protocol_anomaly` hit make `attack: true` on its
/// own: these hits add to the request's score and explain other hits (an overlong-UTF-8 `../` is
/// worse than a plain one), and they are listed in verdicts for operators. Confidences are
/// therefore low to medium (0.3–0.7), ordered by how rarely legitimate clients produce them:
///
/// | rule | confidence | why |
/// |---|---|---|
/// | `jwt_alg_none` | 0.7 | an unsigned token presented as a credential |
/// | `smuggling_cl_te` | 0.6 | both `Content-Length` and `Transfer-Encoding` (RFC 9112 §6.3) |
/// | `smuggling_te_obfuscated` | 0.6 | `Transfer-Encoding` other than plain `chunked`, or repeated |
/// | `smuggling_cl_conflict` | 0.6 | several `Content-Length`s that disagree, or not digits |
/// | `method_invalid` | 0.6 | a method that is not an RFC 9110 token |
/// | `header_name_invalid` | 0.5 | whitespace or non-token bytes in a header name |
/// | `path_control_char` | 0.55 | control bytes in the raw path |
/// | `overlong_utf8` | 0.55 | `%c0%ae` and friends: only evasion produces them |
/// | `duplicate_key_conflict` | 0.55 / 0.35 | a JSON key repeated with different values, on a security field (role, admin, user, price…) / elsewhere |
/// | `nul_byte` | 0.5 | a decoded NUL in a text value |
/// | `percent_u` | 0.45 | IIS `%u0027` escapes |
/// | `method_trace` | 0.45 | TRACE/TRACK/DEBUG (cross-site tracing, debug endpoints) |
/// | `multiple_encoding` | 0.4 | percent-encoding applied twice or more (`%252e`) |
/// | `content_type_mismatch` | 0.4 | the body is not what its Content-Type says |
/// | `path_not_origin_form` | 0.4 | a path that does not start with `/` (nor `*`, nor an absolute URL) |
/// | `path_dot_segments` | 0.3 | `/./` or `/../` left in the raw path (clients normalise them) |
public struct ProtocolAnomalyDetector: RequestDetector {
    public let name = "protocol_anomaly"

    public init() {}

    public func detect(_ request: RequestContext, hits: inout [Hit]) {
        Self.method(request.record.method, hits: &hits)
        Self.headers(request.record.headers, hits: &hits)
        Self.annotations(request.decoded, hits: &hits)
        Self.path(request.record.rawPath, hits: &hits)
    }

    static func add(_ hits: inout [Hit], _ rule: String, _ confidence: Double, at location: String, _ evidence: String)
    {
        hits.append(
            Hit(
                attackClass: .protocolAnomaly, point: -1, location: location, confidence: confidence,
                evidence: String(evidence.prefix(Evidence.maxLength)), rule: "protocol_anomaly." + rule))
    }

    /// RFC 9110 `tchar`.
    @inline(__always)
    static func isTokenChar(_ byte: UInt8) -> Bool { HeaderName.tokenBytes.contains(byte) }

    static func printable(_ string: String) -> String {
        let bytes = Array(string.utf8.prefix(256))[...]
        return Evidence.excerpt(bytes, around: bytes.startIndex..<bytes.endIndex, fieldName: nil)
    }

    static func method(_ method: String, hits: inout [Hit]) {
        let bytes = method.utf8
        if bytes.isEmpty || bytes.count > 32 || !bytes.allSatisfy(isTokenChar) {
            add(&hits, "method_invalid", 0.6, at: "method", printable(method))
            return
        }
        switch method.uppercased() {
        case "TRACE", "TRACK", "DEBUG": add(&hits, "method_trace", 0.45, at: "method", method)
        default: break
        }
    }

    static func path(_ raw: String, hits: inout [Hit]) {
        var overlong: Int?
        defer {
            if let overlong, !hits.contains(where: { $0.rule == "protocol_anomaly.overlong_utf8" }) {
                let bytes = Array(raw.utf8.prefix(16 * 1024))[...]
                add(
                    &hits, "overlong_utf8", 0.55, at: "path",
                    Evidence.excerpt(bytes, around: overlong..<min(bytes.endIndex, overlong + 3), fieldName: nil))
            }
        }
        let bytes = Array(raw.utf8.prefix(16 * 1024))
        guard let first = bytes.first else { return }
        if bytes.contains(where: { $0 < 0x20 || $0 == 0x7F }) {
            add(&hits, "path_control_char", 0.55, at: "path", printable(raw))
            return
        }
        if first != UInt8(ascii: "/"), first != UInt8(ascii: "*"),
            !(Bytes.hasPrefixIgnoringCase(bytes, "http://") || Bytes.hasPrefixIgnoringCase(bytes, "https://"))
        {
            add(&hits, "path_not_origin_form", 0.4, at: "path", printable(raw))
            return
        }
        // `%c0`/`%c1` can only start an overlong (invalid) UTF-8 sequence: `%c0%ae`, `%c0%2e`. The
        // decoder annotates the sequences it folds; this catches the malformed ones it leaves.
        if let at = ByteFind.index(of: "%c0", in: bytes[...], ignoringCase: true)
            ?? ByteFind.index(of: "%c1", in: bytes[...], ignoringCase: true)
        {
            overlong = at
        }
        // Dot segments in the path part only (a query may legitimately carry `../`).
        let end = bytes.firstIndex(where: { $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "#") }) ?? bytes.endIndex
        let path = bytes[..<end]
        if ByteFind.contains("/./", in: path) || ByteFind.contains("/../", in: path)
            || path.last == 0x2E
                && (path.suffix(2).elementsEqual("/.".utf8) || path.suffix(3).elementsEqual("/..".utf8))
        {
            add(&hits, "path_dot_segments", 0.3, at: "path", printable(String(decoding: path, as: UTF8.self)))
        }
    }

    static func headers(_ headers: [CaptureRecord.Header], hits: inout [Hit]) {
        var contentLengths: [String] = []
        var transferEncodings: [String] = []
        var invalidName: String?
        for header in headers {
            let name = header.name
            if name.isEmpty || !HeaderName.isToken(name) {
                if invalidName == nil { invalidName = name }
                // An obfuscated framing header (`Transfer-Encoding `, `Content-Length\t`).
                let folded = Bytes.lowercased(String(decoding: name.utf8.filter(isTokenChar), as: UTF8.self))
                if folded == "transfer-encoding" { transferEncodings.append(header.value) }
                if folded == "content-length" { contentLengths.append(header.value) }
                continue
            }
            switch Bytes.lowercased(name) {
            case "content-length": contentLengths.append(header.value)
            case "transfer-encoding": transferEncodings.append(header.value)
            case "transfer_encoding", "content_length":
                if invalidName == nil { invalidName = name }
            default: break
            }
        }
        if let invalidName {
            add(&hits, "header_name_invalid", 0.5, at: "header", printable(invalidName))
        }
        if !contentLengths.isEmpty, !transferEncodings.isEmpty {
            add(
                &hits, "smuggling_cl_te", 0.6, at: "header.transfer-encoding",
                "content-length: \(printable(contentLengths[0])), transfer-encoding: \(printable(transferEncodings[0]))"
            )
        }
        if transferEncodings.count > 1 {
            add(
                &hits, "smuggling_te_obfuscated", 0.6, at: "header.transfer-encoding",
                "\(transferEncodings.count) transfer-encoding headers")
        } else if let te = transferEncodings.first, !isPlainChunked(te) {
            add(&hits, "smuggling_te_obfuscated", 0.6, at: "header.transfer-encoding", printable(te))
        }
        if contentLengths.count > 1, Set(contentLengths).count > 1 {
            add(
                &hits, "smuggling_cl_conflict", 0.6, at: "header.content-length", contentLengths.joined(separator: ", ")
            )
        } else if let cl = contentLengths.first,
            cl.utf8.isEmpty || !cl.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) || cl.utf8.count > 19
        {
            add(&hits, "smuggling_cl_conflict", 0.6, at: "header.content-length", printable(cl))
        }
    }

    /// `chunked`, any case, nothing else (codings before it, such as `gzip, chunked`, are legal but
    /// no client sends them on requests; they are what TE.TE desync attempts look like).
    static func isPlainChunked(_ value: String) -> Bool {
        Bytes.lowercased(value) == "chunked"
    }

    static let securityFields: Set<String> = [
        "role", "roles", "admin", "isadmin", "is_admin", "user", "username", "user_id", "userid", "id", "uid",
        "email", "password", "amount", "price", "total", "quantity", "qty", "account", "account_id", "permissions",
        "permission", "scope", "scopes", "group", "groups", "access", "access_level", "privilege", "privileges",
        "verified", "is_verified", "owner", "owner_id", "tenant", "tenant_id", "org", "org_id", "currency",
        "balance", "discount", "coupon", "status", "type", "level", "plan", "tier", "approved", "enabled", "active",
    ]

    /// Percent-encoding found again in a value already percent-decoded once (`%252e` → `%2e` → `.`):
    /// the form/query decoder and the `url` sniffer are separate steps, so the decoder's own
    /// `url.multiple_encoding` (several rounds inside one step) does not see it. Only escapes of
    /// bytes that matter to parsers count (`. / \\ < > ' " %` and NUL); `%20` in a nested redirect
    /// URL is ordinary.
    static func nestedPercent(_ decoded: DecodedRequest) -> Int? {
        for index in decoded.points.indices where decoded.points[index].decoder == "url" {
            let parent = Int(decoded.points[index].parent)
            guard parent >= 0, parent < decoded.points.count else { continue }
            let parentPoint = decoded.points[parent]
            guard parentPoint.decoder == "form" || parentPoint.decoder == "path" || parentPoint.decoder == "cookie"
            else { continue }
            let raw = parentPoint.value[...]
            var cursor = raw.startIndex
            while cursor + 2 < raw.endIndex {
                defer { cursor += 1 }
                guard raw[cursor] == UInt8(ascii: "%") else { continue }
                let high = Bytes.lower(raw[cursor + 1])
                let low = Bytes.lower(raw[cursor + 2])
                switch (high, low) {
                case (UInt8(ascii: "2"), UInt8(ascii: "e")), (UInt8(ascii: "2"), UInt8(ascii: "f")),
                    (UInt8(ascii: "5"), UInt8(ascii: "c")), (UInt8(ascii: "3"), UInt8(ascii: "c")),
                    (UInt8(ascii: "3"), UInt8(ascii: "e")), (UInt8(ascii: "2"), UInt8(ascii: "7")),
                    (UInt8(ascii: "2"), UInt8(ascii: "2")), (UInt8(ascii: "2"), UInt8(ascii: "5")),
                    (UInt8(ascii: "0"), UInt8(ascii: "0")):
                    return index
                default: continue
                }
            }
        }
        return nil
    }

    static func annotations(_ decoded: DecodedRequest, hits: inout [Hit]) {
        var seen: Set<String> = []
        if !decoded.annotations.contains(where: { $0.code == .multipleEncoding }), let index = nestedPercent(decoded) {
            seen.insert(AnnotationCode.multipleEncoding.rawValue)
            hits.append(
                Hit(
                    attackClass: .protocolAnomaly, point: Int32(index), confidence: 0.4,
                    evidence: "percent-encoded twice", rule: "protocol_anomaly.multiple_encoding"))
        }
        for annotation in decoded.annotations {
            let code = annotation.code
            // One hit per code per request: repetition adds nothing.
            guard !seen.contains(code.rawValue) else { continue }
            var rule: String?
            var confidence = 0.0
            var evidence = annotation.detail
            switch code {
            case .jwtAlgNone: (rule, confidence) = ("jwt_alg_none", 0.7)
            case .overlongUTF8: (rule, confidence) = ("overlong_utf8", 0.55)
            case .nulByte: (rule, confidence) = ("nul_byte", 0.5)
            case .percentUnicode: (rule, confidence) = ("percent_u", 0.45)
            case .multipleEncoding:
                (rule, confidence) = ("multiple_encoding", 0.4)
                evidence = "percent-encoded \(annotation.value) times"
            case .contentTypeMismatch: (rule, confidence) = ("content_type_mismatch", 0.4)
            case .jsonDuplicateKey:
                guard let judged = duplicate(annotation, in: decoded) else { continue }
                (rule, confidence, evidence) = ("duplicate_key_conflict", judged.confidence, judged.evidence)
            default: break
            }
            guard let rule else { continue }
            seen.insert(code.rawValue)
            hits.append(
                Hit(
                    attackClass: .protocolAnomaly, point: annotation.point, confidence: confidence,
                    evidence: String(evidence.prefix(Evidence.maxLength)), rule: "protocol_anomaly." + rule))
        }
    }

    /// A duplicated JSON key whose values differ: 0.55 on a security field, 0.35 elsewhere; nil
    /// when the values are the same (a sloppy client, not a parser-differential attempt).
    static func duplicate(_ annotation: Annotation, in decoded: DecodedRequest) -> (
        confidence: Double, evidence: String
    )? {
        let key = annotation.detail
        let container = annotation.point
        guard !key.isEmpty, container >= 0 else { return nil }
        let suffix = LocationPath.key(key)
        // Values per segment under the key (`.role`, `.permissions[1]`, `.account.id`): the key's
        // occurrences conflict when a segment holds different values, or when some segment appears
        // fewer times than another (the occurrences differ in shape).
        var bySegment: [String: (value: [UInt8], count: Int)] = [:]
        var conflicting = false
        var checked = 0
        for point in decoded.points where point.parent == container && point.kind != .key {
            checked += 1
            if checked > 4096 { break }
            let segment = point.segment
            guard segment.hasSuffix(suffix) || segment.contains(suffix + "[") || segment.contains(suffix + ".") else {
                continue
            }
            if let previous = bySegment[segment] {
                if previous.value != point.value { conflicting = true }
                bySegment[segment] = (previous.value, previous.count + 1)
            } else {
                bySegment[segment] = (point.value, 1)
            }
        }
        let counts = Set(bySegment.values.map(\.count))
        if counts.count > 1 { conflicting = true }
        guard conflicting else { return nil }
        let security = securityFields.contains(Bytes.lowercased(key))
        let evidence = "duplicate key " + printable(key) + " with different values"
        return (security ? 0.55 : 0.35, evidence)
    }
}
