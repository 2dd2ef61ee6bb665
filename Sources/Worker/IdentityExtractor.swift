import PalisadeCore
import PalisadeDetect
import PalisadePolicy
import PalisadeRecords
import Synchronization

/// The client identities of one request (docs/RECORDS.md, "Identities"): what the aggregator's
/// behaviour detection keys on. Never raw secrets: the API key leaves only as its hash.
struct RequestIdentities: Sendable, Equatable {
    /// What the verdict record carries (fields 11–17), kept as the record takes it: building it
    /// from separate fields per request copied every string and the header array.
    var verdict: VerdictIdentities
    /// The verdict's `client` and Kafka key.
    var clientKey: String

    init(
        ip: String?, apiKeyHash: String?, jwtSub: String?, objectIDHash: UInt64?, usernameHash: UInt64?,
        pathHash: UInt64, headers: [CaptureRecord.Header], clientKey: String
    ) {
        self.verdict = VerdictIdentities(
            clientIP: ip, apiKeyHash: apiKeyHash, jwtSub: jwtSub, objectIDHash: objectIDHash,
            usernameHash: usernameHash, pathHash: pathHash, headers: headers)
        self.clientKey = clientKey
    }

    var ip: String? { verdict.clientIP }
    var apiKeyHash: String? { verdict.apiKeyHash }
    var jwtSub: String? { verdict.jwtSub }
    var objectIDHash: UInt64? { verdict.objectIDHash }
    var usernameHash: UInt64? { verdict.usernameHash }
    var pathHash: UInt64 { verdict.pathHash ?? 0 }
    var headers: [CaptureRecord.Header] { verdict.headers }
}

/// Finds a request's identities: client IP, API key (hashed), bearer-JWT subject, the object id
/// of the template's last path parameter, the username of a login request.
struct IdentityExtractor: Sendable {
    /// Identity values longer than this are cut (attacker-controlled text).
    static let maxValueBytes = 512

    let clientKey: WorkerSettings.ClientKey
    let apiKeyHeaders: Set<String>
    let apiKeyQueryParameters: Set<String>
    let identityHeaders: [String]
    let usernameFields: Set<String>
    /// `apiKeyHeaders` and `identityHeaders` as bytes, for reading header names in place.
    let apiKeyHeaderNames: HeaderNameList
    let identityHeaderNames: HeaderNameList
    let classifier = AuthEndpointClassifier()
    /// Subjects of the bearer tokens seen last: clients send one token many times, and reading
    /// it (Base64, JSON) is the extractor's largest cost.
    let subjects = SubjectCache(capacity: 4_096)
    /// Digests of the API keys seen last (a SHA-256 each).
    let apiKeyHashes = RecentCache<HashedText, String>(capacity: 4_096)
    /// Whether an endpoint is a login: `classifier.isAuth` splits the template into tokens and
    /// looks each up, and a worker sees few templates many times.
    let authEndpoints = RecentCache<AuthEndpoint, Bool>(capacity: 1_024)

    init(settings: WorkerSettings) {
        self.clientKey = settings.clientKey
        self.apiKeyHeaders = Set(settings.apiKeyHeaders)
        self.apiKeyQueryParameters = Set(settings.apiKeyQueryParameters)
        self.identityHeaders = settings.identityHeaders
        self.apiKeyHeaderNames = HeaderNameList(self.apiKeyHeaders)
        self.identityHeaderNames = HeaderNameList(settings.identityHeaders)
        self.usernameFields = Set(settings.usernameFields)
    }

    func extract(_ record: CaptureRecord, decoded: DecodedRequest, template: String) -> RequestIdentities {
        let ip = record.clientIP.flatMap { $0.isEmpty ? nil : Self.capped($0) }
        var apiKey: String?
        var authorization: String?
        var headers: [CaptureRecord.Header] = []
        // Headers read in place, their names compared as bytes: binding each header copied its
        // strings, and lowercasing the name made (or retained) a string per header.
        record.headers.withUnsafeBufferPointer { all in
            for index in all.indices {
                let header = all.baseAddress! + index
                let roles = headerRoles(header.pointee.name)
                if apiKey == nil, roles.apiKey, !header.pointee.value.isEmpty { apiKey = header.pointee.value }
                if authorization == nil, roles.authorization { authorization = header.pointee.value }
                if !identityHeaders.isEmpty, roles.identity, !header.pointee.value.isEmpty {
                    headers.append(
                        CaptureRecord.Header(Bytes.lowercased(header.pointee.name), Self.capped(header.pointee.value)))
                }
            }
        }
        if apiKey == nil, !apiKeyQueryParameters.isEmpty, let query = record.query {
            apiKey = Self.queryValue(query, names: apiKeyQueryParameters)
        }
        let jwtSub = authorization.flatMap { subjects.subject(of: $0, read: Self.bearerSubject) }.map(Self.capped)
        let apiKeyHash = apiKey.map { apiKeyHashes.value(for: $0, compute: IdentityHash.apiKey) }
        // The path's bytes read in place (`record.path` made a `Substring` of the raw path).
        let (objectID, pathHash) = record.withPathUTF8 { path in
            (Self.lastParameterValue(path: path, template: template), IdentityHash.fnv1a64(path))
        }
        var usernameHash: UInt64?
        if !record.body.isEmpty, isAuth(method: record.method, template: template) {
            usernameHash = username(decoded).map { IdentityHash.fnv1a64($0) }
        }

        let key: String
        switch clientKey {
        case .ip: key = ip ?? ""
        case .apiKey: key = apiKeyHash.map { "api_key:" + $0 } ?? ip ?? ""
        case .jwtSub: key = jwtSub.map { "jwt_sub:" + $0 } ?? ip ?? ""
        case .identity:
            key = jwtSub.map { "jwt_sub:" + $0 } ?? apiKeyHash.map { "api_key:" + $0 } ?? ip ?? ""
        }
        return RequestIdentities(
            ip: ip, apiKeyHash: apiKeyHash, jwtSub: jwtSub, objectIDHash: objectID.map { IdentityHash.fnv1a64($0) },
            usernameHash: usernameHash, pathHash: pathHash, headers: headers,
            clientKey: key)
    }

    /// `classifier.isAuth`, remembered per endpoint.
    func isAuth(method: String, template: String) -> Bool {
        let classifier = classifier  // captured alone, not the whole extractor
        // Keyed by the two strings as they are: a key joined into one string allocated (and
        // hashed a longer text) per request.
        return authEndpoints.value(
            for: AuthEndpoint(method: method, template: template),
            compute: { _ in classifier.isAuth(method: method, template: template) })
    }

    /// A method and a template, `authEndpoints`' key.
    struct AuthEndpoint: Hashable, Sendable, RecentCacheKey {
        var method: String
        var template: String
        var byteCount: Int { method.utf8.count + template.utf8.count }
    }

    /// What a header named `name` is to the extractor, as the lowercased name compared with
    /// `apiKeyHeaders`, `"authorization"` and `identityHeaders` reads it: over the name's bytes
    /// when it and the lists are ASCII, by lowercasing it into a string otherwise.
    func headerRoles(_ name: String) -> (apiKey: Bool, authorization: Bool, identity: Bool) {
        let roles = name.utf8.withContiguousStorageIfAvailable { name in
            (apiKeyHeaderNames.contains(lowercased: name), identityHeaderNames.contains(lowercased: name))
        }
        if let roles, let apiKey = roles.0, let identity = roles.1 {
            let authorization = name.utf8.withContiguousStorageIfAvailable {
                $0.count == 13 && Bytes.hasPrefixIgnoringCase($0, "authorization")
            }
            if let authorization { return (apiKey, authorization, identity) }
        }
        let lowercased = Bytes.lowercased(name)
        return (
            apiKeyHeaders.contains(lowercased), lowercased == "authorization", identityHeaders.contains(lowercased)
        )
    }

    /// The username a login body carried: the first scalar body field whose name is one of
    /// `usernameFields` (case-insensitive).
    func username(_ decoded: DecodedRequest) -> String? {
        // Body points first, read in place (binding each point copied it; the name was lowercased
        // for every point of the request).
        for index in decoded.points.indices where decoded.source(of: index) == .body {
            guard !decoded.points[index].isContainer, !decoded.points[index].value.isEmpty,
                decoded.points[index].value.count <= Self.maxValueBytes,
                let name = decoded.fieldName(of: index), usernameFields.contains(Bytes.lowercased(name))
            else { continue }
            return decoded.points[index].text
        }
        return nil
    }

    /// `sub` of `Bearer <JWT>` (not verified: Palisade sees tokens, not keys).
    static func bearerSubject(_ authorization: String) -> String? {
        let bytes = Bytes.trimmed(Array(authorization.utf8)[...])
        guard Bytes.hasPrefixIgnoringCase(bytes, "bearer ") else { return nil }
        let token = Bytes.trimmed(bytes.dropFirst(7))
        guard token.count <= 16_384 else { return nil }
        let parts = token.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard parts.count == 3, let payload = Base64.decode(parts[1], alphabet: .either),
            let claims = try? JSONReader(maxDepth: 8).parse(payload), let sub = claims["sub"]?.stringValue,
            !sub.isEmpty
        else { return nil }
        return sub
    }

    /// The value of the first query parameter named in `names` (names compared byte for byte;
    /// one pass over the query's bytes in place, no copies until a name matches).
    static func queryValue(_ query: Substring, names: Set<String>) -> String? {
        var query = query
        return query.withUTF8 { bytes -> String? in
            var found: String?
            Percent.forEachPair(in: bytes, separator: UInt8(ascii: "&")) { name, value in
                // A pair without `=` or with an empty value names nothing.
                guard let value, !value.isEmpty else { return true }
                let named = names.contains { candidate in
                    candidate.utf8.withContiguousStorageIfAvailable { $0.elementsEqual(name) }
                        ?? candidate.utf8.elementsEqual(name)
                }
                guard named else { return true }
                var findings = Percent.Findings()
                let decoded = Percent.decodeComponent(ArraySlice(value), plusAsSpace: true, findings: &findings)
                found = capped(String(decoding: decoded, as: UTF8.self))
                return false
            }
            return found
        }
    }

    /// The raw path segment at the template's last `{…}` position (`42` for `/users/42/orders`
    /// under `/users/{id}/orders`). Segments are the non-empty pieces between `/`s, read in place.
    static func lastParameterValue(path: Substring, template: String) -> String? {
        var path = path
        return path.withUTF8 { lastParameterValue(path: $0, template: template) }
    }

    /// ``lastParameterValue(path:template:)-(Substring,_)`` over the path's bytes.
    static func lastParameterValue(path: UnsafeBufferPointer<UInt8>, template: String) -> String? {
        var template = template
        return template.withUTF8 { template -> String? in
            var parameter: Int?
            var count = 0
            forEachSegment(template) { range in
                if template[range.lowerBound] == UInt8(ascii: "{") { parameter = count }
                count += 1
            }
            guard let parameter else { return nil }
            var value: Range<Int>?
            var pathCount = 0
            forEachSegment(path) { range in
                if pathCount == parameter { value = range }
                pathCount += 1
            }
            guard pathCount == count, let value else { return nil }
            return capped(String(decoding: UnsafeBufferPointer(rebasing: path[value]), as: UTF8.self))
        }
    }

    /// Calls `body` with the range of each non-empty piece of `bytes` between `/`s, in order.
    private static func forEachSegment(_ bytes: UnsafeBufferPointer<UInt8>, _ body: (Range<Int>) -> Void) {
        var start = 0
        while start < bytes.count {
            var end = start
            while end < bytes.count, bytes[end] != UInt8(ascii: "/") { end += 1 }
            if end > start { body(start..<end) }
            start = end + 1
        }
    }

    static func capped(_ value: String) -> String {
        guard value.utf8.count > maxValueBytes else { return value }
        return String(decoding: value.utf8.prefix(maxValueBytes), as: UTF8.self)
    }
}

/// Header names (as configured) looked up by the bytes of a header name lowercased on the fly,
/// as `Set<String>.contains(Bytes.lowercased(name))` reads them. ASCII only: `String` equality
/// is canonical equivalence, under which some non-ASCII text equals ASCII text, so `contains`
/// answers nil for a non-ASCII name or list and the caller compares strings.
struct HeaderNameList: Sendable {
    private let names: [[UInt8]]
    private let asciiOnly: Bool

    init(_ names: some Sequence<String>) {
        self.names = names.map { Array($0.utf8) }
        self.asciiOnly = !self.names.contains { $0.contains { $0 >= 0x80 } }
    }

    /// Whether `name` with ASCII letters lowercased is one of the names; nil when only strings can tell.
    func contains(lowercased name: UnsafeBufferPointer<UInt8>) -> Bool? {
        guard asciiOnly else { return nil }
        for byte in name where byte >= 0x80 { return nil }
        for candidate in names where candidate.count == name.count {
            var i = 0
            while i < name.count, Bytes.lower(name[i]) == candidate[i] { i += 1 }
            if i == name.count { return true }
        }
        return false
    }
}

/// Values computed from recently seen request text (bearer token → JWT subject, API key → its
/// digest): bounded, emptied when full; keys over 2 KiB are not kept. One per lane, so its lock
/// is never contended.
final class RecentCache<Key: RecentCacheKey, Value: Sendable>: Sendable {
    private let entries = Mutex<[Key: Value]>([:])
    let capacity: Int
    /// Seeds the hash of `HashedText` keys, so that an outsider cannot aim keys at one bucket.
    let seed = UInt64.random(in: 1...UInt64.max)

    init(capacity: Int) { self.capacity = capacity }

    func value(for key: Key, compute: (Key) -> Value) -> Value {
        if let cached = entries.withLock({ $0[key] }) { return cached }
        let value = compute(key)
        guard key.byteCount <= 2_048 else { return value }
        entries.withLock { entries in
            if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            entries[key] = value
        }
        return value
    }
}

/// A `RecentCache` key: hashable, and with a size (keys over 2 KiB are not kept).
protocol RecentCacheKey: Hashable, Sendable {
    /// Bytes of text the key holds.
    var byteCount: Int { get }
}

/// A text key with a seeded 64-bit hash of its bytes, made once: the dictionary hashes those eight
/// bytes instead of the text (a bearer token is ~150 bytes; hashing it cost ~1,300 instructions a
/// request). Equal texts have equal hashes; a hash collision is told apart by the text.
struct HashedText: RecentCacheKey {
    let text: String
    let hash: UInt64

    init(_ text: String, seed: UInt64) {
        self.text = text
        self.hash = DetectionMemo.textHash(text, seed: seed)
    }

    func hash(into hasher: inout Hasher) { hasher.combine(hash) }
    static func == (a: HashedText, b: HashedText) -> Bool { a.hash == b.hash && a.text == b.text }
    var byteCount: Int { text.utf8.count }
}

extension RecentCache where Key == HashedText {
    /// The value for `text`, remembered or computed (hashed with this cache's seed).
    func value(for text: String, compute: (String) -> Value) -> Value {
        value(for: HashedText(text, seed: seed), compute: { compute($0.text) })
    }
}

/// `Authorization` value → JWT subject (absent ones too).
typealias SubjectCache = RecentCache<HashedText, String?>

extension RecentCache where Key == HashedText, Value == String? {
    func subject(of authorization: String, read: (String) -> String?) -> String? {
        value(for: authorization, compute: read)
    }
}
