/// Streams the entries of a HAR 1.2 document (`{"log":{"entries":[{…},{…}]}}`) one at a time,
/// without holding the whole document: memory is bounded by the largest entry
/// (`maxEntryBytes`), so multi-GB browser exports are fine.
///
/// The reader tracks JSON structure byte by byte (strings and escapes included) and captures
/// each element of `log.entries`; everything else is skipped unparsed.
public struct HARReader: Sendable {
    public enum Event {
        /// The raw JSON text of one entry, and its 1-based index.
        case entry([UInt8], index: Int)
        case oversized(index: Int)
    }

    public let maxEntryBytes: Int
    private var stack: [Frame] = []
    private var inString = false
    private var escaped = false
    private var stringBuffer: [UInt8] = []
    private var stringIsCapturedKey = false
    private var lastKey: String?
    private var capturing = false
    private var captureDepth = 0
    private var capture: [UInt8] = []
    private var captureOversized = false
    public private(set) var entryCount = 0
    public private(set) var sawEntries = false

    private struct Frame {
        var isObject: Bool
        var key: String?
        var isEntries: Bool
        var expectingKey: Bool
    }

    public init(maxEntryBytes: Int = 64 << 20) {
        self.maxEntryBytes = maxEntryBytes
    }

    public mutating func feed(_ chunk: UnsafeBufferPointer<UInt8>, emit: (Event) -> Void) {
        for byte in chunk { step(byte, emit: emit) }
    }

    public mutating func feed(_ bytes: [UInt8], emit: (Event) -> Void) {
        bytes.withUnsafeBufferPointer { feed($0, emit: emit) }
    }

    private mutating func step(_ byte: UInt8, emit: (Event) -> Void) {
        if capturing {
            if !captureOversized {
                if capture.count < maxEntryBytes {
                    capture.append(byte)
                } else {
                    captureOversized = true
                    capture.removeAll(keepingCapacity: false)
                }
            }
        }
        if inString {
            if escaped {
                escaped = false
            } else if byte == UInt8(ascii: "\\") {
                escaped = true
            } else if byte == UInt8(ascii: "\"") {
                inString = false
                if stringIsCapturedKey {
                    lastKey = String(decoding: stringBuffer, as: UTF8.self)
                }
                return
            }
            if stringIsCapturedKey, stringBuffer.count < 64 { stringBuffer.append(byte) }
            return
        }
        switch byte {
        case UInt8(ascii: "\""):
            inString = true
            escaped = false
            let expectingKey = stack.last.map { $0.isObject && $0.expectingKey } ?? false
            stringIsCapturedKey = expectingKey && !capturing && stack.count <= 3
            stringBuffer.removeAll(keepingCapacity: true)
        case UInt8(ascii: ":"):
            if !stack.isEmpty { stack[stack.count - 1].expectingKey = false }
        case UInt8(ascii: ","):
            if !stack.isEmpty, stack[stack.count - 1].isObject { stack[stack.count - 1].expectingKey = true }
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            let isObject = byte == UInt8(ascii: "{")
            let parentIsEntries = stack.last?.isEntries ?? false
            let key = (stack.last?.isObject ?? false) ? lastKey : nil
            // `entries` directly inside `log` directly inside the root object.
            let isEntries =
                !isObject && !capturing && stack.count == 2 && key == "entries" && stack[1].key == "log"
            if isEntries { sawEntries = true }
            if parentIsEntries, !capturing, isObject {
                capturing = true
                captureDepth = stack.count + 1
                capture = [byte]
                captureOversized = false
            }
            stack.append(Frame(isObject: isObject, key: key, isEntries: isEntries, expectingKey: isObject))
            lastKey = nil
        case UInt8(ascii: "}"), UInt8(ascii: "]"):
            if capturing, stack.count == captureDepth {
                capturing = false
                entryCount += 1
                if captureOversized {
                    emit(.oversized(index: entryCount))
                } else {
                    emit(.entry(capture, index: entryCount))
                }
                capture = []
            }
            if !stack.isEmpty { stack.removeLast() }
        default:
            break
        }
    }
}

extension CaptureRecord {
    /// Builds a capture record from one HAR 1.2 entry (`request`, `response`, `startedDateTime`,
    /// `time`). The body comes from `request.postData.text` (Base64 when `encoding` says so).
    public static func fromHAR(entry: JSONValue, index: Int, now: Int64, makeID: () -> String = { ULID.make() })
        throws(CaptureError) -> CaptureRecord
    {
        func fail(_ reason: String) -> CaptureError { CaptureError(line: index, reason: "entry \(index): \(reason)") }
        guard let request = entry["request"], case .object = request else { throw fail("missing 'request'") }
        guard let method = request["method"]?.stringValue, !method.isEmpty else {
            throw fail("missing 'request.method'")
        }
        guard let url = request["url"]?.stringValue, !url.isEmpty else { throw fail("missing 'request.url'") }
        let parts = URLParts(url)
        var headers: [Header] = []
        var host = parts.host
        if case .array(let list) = request["headers"] ?? .null {
            for item in list {
                guard let name = item["name"]?.stringValue, let value = item["value"]?.stringValue else { continue }
                if name == ":authority" {
                    if host == nil { host = value }
                    continue
                }
                if name.hasPrefix(":") { continue }  // other HTTP/2 pseudo-headers
                headers.append(Header(name, value))
            }
        }
        var body: [UInt8] = []
        if let postData = request["postData"] {
            if let text = postData["text"]?.stringValue {
                if postData["encoding"]?.stringValue == "base64" {
                    guard let bytes = Base64.decode(text.utf8.filter { !Bytes.isSpace($0) }) else {
                        throw fail("'postData.text' is not valid Base64")
                    }
                    body = bytes
                } else {
                    body = Array(text.utf8)
                }
            } else if case .array(let params) = postData["params"] ?? .null {
                // Form fields given as params only: rebuild an urlencoded body.
                var pairs: [String] = []
                for param in params {
                    guard let name = param["name"]?.stringValue else { continue }
                    pairs.append(name + "=" + (param["value"]?.stringValue ?? ""))
                }
                body = Array(pairs.joined(separator: "&").utf8)
            }
        }
        var status: Int?
        var responseBytes: Int?
        if let response = entry["response"] {
            if case .number(let text) = response["status"] ?? .null, let code = Int(text), code > 0 {
                status = code
            }
            if case .number(let text) = response["content"]?["size"] ?? .null, let size = Int(text), size >= 0 {
                responseBytes = size
            }
        }
        var latency: Double?
        if case .number(let text) = entry["time"] ?? .null, let ms = Double(text), ms >= 0 { latency = ms }
        let ts = entry["startedDateTime"]?.stringValue.flatMap(ISO8601.milliseconds(from:)) ?? now
        return CaptureRecord(
            id: makeID(), ts: ts, clientIP: nil, method: method, scheme: parts.scheme, host: host,
            rawPath: parts.pathAndQuery, headers: headers, body: body, status: status, latencyMs: latency,
            responseBytes: responseBytes)
    }
}

/// The pieces of an absolute or origin-form URL, without Foundation.
struct URLParts {
    var scheme: String?
    var host: String?
    var pathAndQuery: String

    init(_ url: String) {
        var rest = Substring(url)
        if let colon = rest.firstIndex(of: ":"), rest[colon...].hasPrefix("://"),
            rest[..<colon].allSatisfy({ $0.isLetter || $0.isNumber || $0 == "+" || $0 == "-" || $0 == "." })
        {
            scheme = Bytes.lowercased(String(rest[..<colon]))
            rest = rest[rest.index(colon, offsetBy: 3)...]
            let end = rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) ?? rest.endIndex
            var authority = rest[..<end]
            if let at = authority.lastIndex(of: "@") { authority = authority[authority.index(after: at)...] }
            host = authority.isEmpty ? nil : String(authority)
            rest = rest[end...]
        }
        if let hash = rest.firstIndex(of: "#") { rest = rest[..<hash] }
        if rest.isEmpty || rest.first == "?" { rest = "/" + rest }
        pathAndQuery = String(rest)
    }
}

/// Minimal ISO 8601 / RFC 3339 timestamps: `2025-11-21T09:52:57.123Z`, `…+01:00`.
enum ISO8601 {
    static func milliseconds(from text: String) -> Int64? {
        let b = Array(text.utf8)
        func num(_ from: Int, _ count: Int) -> Int? {
            guard from + count <= b.count else { return nil }
            var v = 0
            for i in from..<(from + count) {
                guard b[i] >= 0x30, b[i] <= 0x39 else { return nil }
                v = v * 10 + Int(b[i] - 0x30)
            }
            return v
        }
        guard b.count >= 19, let year = num(0, 4), let month = num(5, 2), let day = num(8, 2),
            let hour = num(11, 2), let minute = num(14, 2), let second = num(17, 2),
            (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61
        else { return nil }
        var index = 19
        var millis = 0
        if index < b.count, b[index] == UInt8(ascii: ".") {
            index += 1
            var digits = 0
            while index < b.count, b[index] >= 0x30, b[index] <= 0x39 {
                if digits < 3 { millis = millis * 10 + Int(b[index] - 0x30) }
                digits += 1
                index += 1
            }
            for _ in 0..<max(0, 3 - digits) { millis *= 10 }
        }
        var offset = 0
        if index < b.count {
            switch b[index] {
            case UInt8(ascii: "Z"), UInt8(ascii: "z"): break
            case UInt8(ascii: "+"), UInt8(ascii: "-"):
                guard let oh = num(index + 1, 2), let om = num(index + 4, 2) else { return nil }
                offset = (oh * 60 + om) * 60 * (b[index] == UInt8(ascii: "+") ? 1 : -1)
            default: return nil
            }
        }
        // Days from civil (Howard Hinnant's algorithm).
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        let days = era * 146097 + doe - 719468
        let seconds = days * 86400 + hour * 3600 + minute * 60 + second - offset
        return Int64(seconds) * 1000 + Int64(millis)
    }
}
