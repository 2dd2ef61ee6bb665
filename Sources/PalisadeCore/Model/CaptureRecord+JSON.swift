/// Why a capture record was rejected. `line` is 1-based when the record came from NDJSON.
public struct CaptureError: Error, Sendable, Equatable, CustomStringConvertible {
    public var line: Int
    public var reason: String
    public init(line: Int, reason: String) {
        self.line = line
        self.reason = reason
    }
    public var description: String { "line \(line): \(reason)" }
}

extension CaptureRecord {
    /// Limits on one capture line.
    public struct ParseOptions: Sendable {
        /// JSON nesting allowed in a capture line (the record itself is shallow).
        public var maxDepth = 16
        /// Decoded body bytes kept; longer bodies are cut and `bodyTruncated` set.
        public var maxBodyBytes = 1 << 20
        /// Header fields kept.
        public var maxHeaders = 256
        public init() {}
    }

    /// Parses one capture record from a JSON line (DESIGN §2).
    ///
    /// Only `method` and `path` are required. `id` is generated when absent, `ts` defaults to
    /// `now`. `body` (UTF-8 text) may stand instead of `body_b64`. Unknown fields are ignored.
    public static func parse<C: Collection<UInt8>>(
        json line: C, lineNumber: Int = 1, now: Int64, options: ParseOptions = ParseOptions(),
        makeID: () -> String = { ULID.make() }
    ) throws(CaptureError) -> CaptureRecord {
        let value: JSONValue
        do {
            value = try JSONReader(maxDepth: options.maxDepth).parse(line)
        } catch {
            throw CaptureError(line: lineNumber, reason: "invalid JSON: \(error)")
        }
        return try from(json: value, lineNumber: lineNumber, now: now, options: options, makeID: makeID)
    }

    /// Builds a record from an already-parsed JSON object.
    public static func from(
        json value: JSONValue, lineNumber: Int = 1, now: Int64, options: ParseOptions = ParseOptions(),
        makeID: () -> String = { ULID.make() }
    ) throws(CaptureError) -> CaptureRecord {
        func fail(_ reason: String) -> CaptureError { CaptureError(line: lineNumber, reason: reason) }
        guard case .object(let members) = value else { throw fail("a capture record must be a JSON object") }

        var fields = CaptureFields()
        for member in members {
            try fields.take(member, fail: fail, options: options)
        }
        guard let method = fields.method else { throw fail("missing required field 'method'") }
        guard let path = fields.path else { throw fail("missing required field 'path'") }
        guard !method.isEmpty, method.utf8.count <= 32, method.utf8.allSatisfy(Self.isTokenByte) else {
            throw fail("field 'method' must be an HTTP token of 1-32 characters")
        }
        guard !path.isEmpty else { throw fail("field 'path' must not be empty") }

        var body = fields.body ?? []
        var truncated = fields.bodyTruncated
        if body.count > options.maxBodyBytes {
            body.removeSubrange(options.maxBodyBytes...)
            truncated = true
        }
        return CaptureRecord(
            id: fields.id ?? makeID(), ts: fields.ts ?? now, node: fields.node, clientIP: fields.clientIP,
            method: method, scheme: fields.scheme, host: fields.host, rawPath: path, headers: fields.headers,
            body: body, bodyTruncated: truncated, status: fields.status, latencyMs: fields.latencyMs,
            responseBytes: fields.responseBytes, service: fields.service, route: fields.route,
            consumer: fields.consumer)
    }

    static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        default:
            return Array("!#$%&'*+-.^_`|~".utf8).contains(byte)
        }
    }
}

/// The fields of a capture record as they are read, before required ones are checked.
private struct CaptureFields {
    var id: String?
    var ts: Int64?
    var node: String?
    var clientIP: String?
    var method: String?
    var scheme: String?
    var host: String?
    var path: String?
    var headers: [CaptureRecord.Header] = []
    var body: [UInt8]?
    var bodyTruncated = false
    var status: Int?
    var latencyMs: Double?
    var responseBytes: Int?
    var service: String?
    var route: String?
    var consumer: String?

    mutating func take(
        _ member: JSONMember, fail: (String) -> CaptureError, options: CaptureRecord.ParseOptions
    ) throws(CaptureError) {
        let value = member.value
        func string() throws(CaptureError) -> String? {
            switch value {
            case .null: return nil
            case .string(let s): return s
            default: throw fail("field '\(member.key)' must be a string")
            }
        }
        func integer() throws(CaptureError) -> Int64? {
            switch value {
            case .null: return nil
            case .number(let text):
                if let n = Int64(text) { return n }
                // Accept integral values written with a fraction or exponent (e.g. 1.76e12).
                if let d = Double(text), d.rounded() == d, abs(d) < 9.0e18 { return Int64(d) }
                throw fail("field '\(member.key)' must be an integer")
            default: throw fail("field '\(member.key)' must be an integer")
            }
        }
        switch member.key {
        case "id": id = try string().flatMap { $0.isEmpty ? nil : $0 }
        case "ts":
            ts = try integer()
            if let ts, ts < 0 { throw fail("field 'ts' must not be negative") }
        case "node": node = try string()
        case "client_ip": clientIP = try string()
        case "method": method = try string()
        case "scheme": scheme = try string()
        case "host": host = try string()
        case "path": path = try string()
        case "service": service = try string()
        case "route": route = try string()
        case "consumer": consumer = try string()
        case "status":
            if let n = try integer() {
                guard (0...999).contains(n) else { throw fail("field 'status' must be 0-999") }
                status = Int(n)
            }
        case "response_bytes":
            if let n = try integer() {
                guard n >= 0 else { throw fail("field 'response_bytes' must not be negative") }
                responseBytes = Int(n)
            }
        case "latency_ms":
            switch value {
            case .null: latencyMs = nil
            case .number(let text):
                guard let d = Double(text), d.isFinite, d >= 0 else {
                    throw fail("field 'latency_ms' must be a non-negative number")
                }
                latencyMs = d
            default: throw fail("field 'latency_ms' must be a number")
            }
        case "body_truncated":
            switch value {
            case .null: bodyTruncated = false
            case .bool(let b): bodyTruncated = b
            default: throw fail("field 'body_truncated' must be a boolean")
            }
        case "body_b64":
            guard let text = try string() else { return }
            let trimmed = text.utf8.filter { !Bytes.isSpace($0) }
            guard let bytes = Base64.decode(trimmed, alphabet: .either) else {
                throw fail("field 'body_b64' is not valid Base64")
            }
            body = bytes
        case "body":
            // `body_b64` wins when both are present.
            if body == nil, let text = try string() { body = Array(text.utf8) }
        case "headers":
            headers = try Self.headers(value, fail: fail, max: options.maxHeaders)
        default:
            break  // unknown fields are ignored
        }
    }

    /// `[["name","value"], …]` (the contract) or `{"name":"value" | ["v1","v2"]}` (accepted too).
    static func headers(_ value: JSONValue, fail: (String) -> CaptureError, max: Int) throws(CaptureError)
        -> [CaptureRecord.Header]
    {
        var out: [CaptureRecord.Header] = []
        switch value {
        case .null:
            return []
        case .array(let pairs):
            for (index, pair) in pairs.enumerated() {
                guard case .array(let items) = pair, items.count == 2,
                    case .string(let name) = items[0], case .string(let headerValue) = items[1]
                else {
                    throw fail("headers[\(index)] must be a [name, value] pair of strings")
                }
                guard !name.isEmpty else { throw fail("headers[\(index)] has an empty name") }
                if out.count < max { out.append(.init(name, headerValue)) }
            }
        case .object(let members):
            for member in members {
                switch member.value {
                case .string(let v):
                    if out.count < max { out.append(.init(member.key, v)) }
                case .array(let values):
                    for v in values {
                        guard case .string(let s) = v else {
                            throw fail("header '\(member.key)' values must be strings")
                        }
                        if out.count < max { out.append(.init(member.key, s)) }
                    }
                default:
                    throw fail("header '\(member.key)' must be a string or an array of strings")
                }
            }
        default:
            throw fail("field 'headers' must be an array of [name, value] pairs")
        }
        return out
    }
}
