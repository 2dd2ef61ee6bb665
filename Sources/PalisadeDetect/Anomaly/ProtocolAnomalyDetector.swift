#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

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
        Self.headers(request.record.headers, knownNames: request.decoded.knownHeaderNames, hits: &hits)
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
        if bytes.isEmpty || bytes.count > 32 || !allTokenBytes(method) {
            add(&hits, "method_invalid", 0.6, at: "method", printable(method))
            return
        }
        // A token is ASCII: its uppercasing is ASCII's, compared here on the bytes (no copy).
        if bytes.count == 5,
            equalsIgnoringCase(method, "TRACE") || equalsIgnoringCase(method, "TRACK")
                || equalsIgnoringCase(method, "DEBUG")
        {
            add(&hits, "method_trace", 0.45, at: "method", method)
        }
    }

    /// Whether every byte of `string` is a `tchar` (`HeaderName.isToken`, over the contiguous
    /// storage with the set read once).
    @inline(__always)
    static func allTokenBytes(_ string: String) -> Bool {
        let tokens = HeaderName.tokenBytes
        return string.utf8.withContiguousStorageIfAvailable { bytes in
            for byte in bytes where !tokens.contains(byte) { return false }
            return true
        } ?? string.utf8.allSatisfy { tokens.contains($0) }
    }

    /// Whether `string`'s bytes are `ascii`'s, ASCII-case-insensitively (`ascii` in one case).
    @inline(__always)
    static func equalsIgnoringCase(_ string: String, _ ascii: StaticString) -> Bool {
        let count = ascii.utf8CodeUnitCount
        let expected = ascii.utf8Start
        return string.utf8.withContiguousStorageIfAvailable { bytes in
            guard bytes.count == count else { return false }
            for offset in 0..<count where Bytes.lower(bytes[offset]) != Bytes.lower(expected[offset]) { return false }
            return true
        } ?? (Bytes.lowercased(string) == Bytes.lowercased(ascii.description))
    }

    static func path(_ raw: String, hits: inout [Hit]) {
        // Read in place (the first 16 KiB of the raw path's bytes); an array is made only for a
        // hit's evidence.
        var rawCopy = raw
        rawCopy.withUTF8 { all in
            let bytes = UnsafeBufferPointer(rebasing: all.prefix(16 * 1024))
            guard let first = bytes.first, let pointer = bytes.baseAddress else { return }
            for byte in bytes where byte < 0x20 || byte == 0x7F {
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
            // The first `%c0`, else the first `%c1` (any case), visiting the `%`s only.
            var c0: Int?
            var c1: Int?
            var at = 0
            while c0 == nil, at + 3 <= bytes.count,
                let percent = memchr(pointer + at, 0x25, bytes.count - at)
            {
                let index = UnsafeRawPointer(pointer).distance(to: UnsafeRawPointer(percent))
                at = index + 1
                guard index + 3 <= bytes.count, Bytes.lower(bytes[index + 1]) == UInt8(ascii: "c") else { continue }
                if bytes[index + 2] == UInt8(ascii: "0") {
                    c0 = index
                } else if bytes[index + 2] == UInt8(ascii: "1"), c1 == nil {
                    c1 = index
                }
            }
            let overlong = c0 ?? c1
            // Dot segments in the path part only (a query may legitimately carry `../`).
            var end = 0
            while end < bytes.count, bytes[end] != UInt8(ascii: "?"), bytes[end] != UInt8(ascii: "#") { end += 1 }
            let path = UnsafeBufferPointer(rebasing: bytes[..<end])
            if hasDotSegment(path) {
                add(&hits, "path_dot_segments", 0.3, at: "path", printable(String(decoding: path, as: UTF8.self)))
            }
            if let overlong, !hits.contains(where: { $0.rule == "protocol_anomaly.overlong_utf8" }) {
                let evidence = Array(bytes)[...]
                add(
                    &hits, "overlong_utf8", 0.55, at: "path",
                    Evidence.excerpt(evidence, around: overlong..<min(evidence.endIndex, overlong + 3), fieldName: nil))
            }
        }
    }

    /// `/./` or `/../` in `path`, or `path` ending in `/.` or `/..`.
    static func hasDotSegment(_ path: UnsafeBufferPointer<UInt8>) -> Bool {
        let count = path.count
        var index = 0
        while index + 1 < count {
            defer { index += 1 }
            guard path[index] == UInt8(ascii: "/"), path[index + 1] == UInt8(ascii: ".") else { continue }
            // `/.` at the end, `/./`, `/..` at the end, `/../`.
            if index + 2 == count || path[index + 2] == UInt8(ascii: "/") { return true }
            if path[index + 2] == UInt8(ascii: "."), index + 3 == count || path[index + 3] == UInt8(ascii: "/") {
                return true
            }
        }
        return false
    }

    /// `knownNames`: `DecodedRequest.knownHeaderNames`, the headers whose names the decoder
    /// found to be common valid names other than the framing ones (not read again here).
    static func headers(_ headers: [CaptureRecord.Header], knownNames: UInt64, hits: inout [Hit]) {
        var contentLengths: [String] = []
        var transferEncodings: [String] = []
        var invalidName: String?
        for index in headers.indices {
            if index < 64, knownNames & (1 << UInt64(index)) != 0 { continue }
            // The framing headers by length and bytes: no lowercased copy, no string comparison.
            // The name is read in place (`for header in headers` copied each header, retaining
            // its name and value); most headers stop here.
            let role = framingRole(headers[index].name)
            if role == .plain { continue }
            let header = headers[index]
            let name = header.name
            if role == .invalid {
                if invalidName == nil { invalidName = name }
                // An obfuscated framing header (`Transfer-Encoding `, `Content-Length\t`).
                let folded = Bytes.lowercased(String(decoding: name.utf8.filter(isTokenChar), as: UTF8.self))
                if folded == "transfer-encoding" { transferEncodings.append(header.value) }
                if folded == "content-length" { contentLengths.append(header.value) }
                continue
            }
            switch role {
            case .contentLength: contentLengths.append(header.value)
            case .transferEncoding: transferEncodings.append(header.value)
            case .underscored:
                if invalidName == nil { invalidName = name }
            case .plain, .invalid: break
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

    /// What a header's name is to the framing checks.
    enum FramingRole {
        /// Empty, or bytes other than `tchar`s.
        case invalid
        case contentLength
        case transferEncoding
        /// `transfer_encoding`, `content_length`: valid tokens some servers fold into the real ones.
        case underscored
        /// Any other valid name.
        case plain
    }

    /// The role of a header name, ASCII-case-insensitively: one pass for the token check, then the
    /// four framing names compared only at their lengths (14 and 17 bytes).
    static func framingRole(_ name: String) -> FramingRole {
        let tokens = HeaderName.tokenBytes
        let role = name.utf8.withContiguousStorageIfAvailable { bytes -> FramingRole in
            guard !bytes.isEmpty else { return .invalid }
            // Lowercase letters and `-` (nearly every byte of a header name) without the set.
            for byte in bytes where byte &- UInt8(ascii: "a") >= 26 && byte != UInt8(ascii: "-") {
                guard tokens.contains(byte) else { return .invalid }
            }
            switch bytes.count {
            case 14:
                if matches(bytes, "content", "length") { return bytes[7] == 0x2D ? .contentLength : .underscored }
            case 17:
                if matches(bytes, "transfer", "encoding") {
                    return bytes[8] == 0x2D ? .transferEncoding : .underscored
                }
            default: break
            }
            return .plain
        }
        if let role { return role }
        if name.isEmpty || !HeaderName.isToken(name) { return .invalid }
        switch Bytes.lowercased(name) {
        case "content-length": return .contentLength
        case "transfer-encoding": return .transferEncoding
        case "transfer_encoding", "content_length": return .underscored
        default: return .plain
        }
    }

    /// Whether `bytes` are `head`, then `-` or `_`, then `tail` (lowercase), ASCII-case-insensitively.
    @inline(__always)
    static func matches(_ bytes: UnsafeBufferPointer<UInt8>, _ head: StaticString, _ tail: StaticString) -> Bool {
        let headCount = head.utf8CodeUnitCount
        let tailCount = tail.utf8CodeUnitCount
        guard bytes.count == headCount + 1 + tailCount else { return false }
        for offset in 0..<headCount where Bytes.lower(bytes[offset]) != head.utf8Start[offset] { return false }
        let separator = bytes[headCount]
        guard separator == UInt8(ascii: "-") || separator == UInt8(ascii: "_") else { return false }
        for offset in 0..<tailCount where Bytes.lower(bytes[headCount + 1 + offset]) != tail.utf8Start[offset] {
            return false
        }
        return true
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
        for index in decoded.points.indices {
            // The name's length first: comparing two different strings takes the slow path.
            guard let name = decoded.points[index].decoder, name.utf8.count == 3, name == "url" else { continue }
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
        // The codes already reported (a few at most): compared as cases, not hashed as strings.
        var seen: [AnnotationCode] = []
        if !decoded.annotations.contains(where: { $0.code == .multipleEncoding }), let index = nestedPercent(decoded) {
            seen.append(.multipleEncoding)
            hits.append(
                Hit(
                    attackClass: .protocolAnomaly, point: Int32(index), confidence: 0.4,
                    evidence: "percent-encoded twice", rule: "protocol_anomaly.multiple_encoding"))
        }
        for annotation in decoded.annotations {
            let code = annotation.code
            // One hit per code per request: repetition adds nothing.
            guard !seen.contains(code) else { continue }
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
            seen.append(code)
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
