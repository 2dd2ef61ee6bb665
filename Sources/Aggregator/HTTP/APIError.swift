import Hummingbird
import PalisadeCore

/// An API error: a status, a stable code and a reason, answered as
/// `{"error": code, "reason": reason}` (attacker text escaped by the JSON writer).
public struct APIError: HTTPResponseError, CustomStringConvertible {
    public var status: HTTPResponse.Status
    public var code: String
    public var reason: String
    public var headers: HTTPFields = [:]

    public init(_ status: HTTPResponse.Status, _ code: String, _ reason: String) {
        self.status = status
        self.code = code
        self.reason = reason
    }

    public static func badRequest(_ reason: String) -> APIError { APIError(.badRequest, "bad_request", reason) }
    public static func notFound(_ reason: String) -> APIError { APIError(.notFound, "not_found", reason) }

    public var description: String { "\(status.code) \(code): \(reason)" }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var w = JSONWriter()
        w.beginObject()
        w.key("error")
        w.string(code)
        w.key("reason")
        w.string(reason)
        w.endObject()
        var fields = headers
        fields[.contentType] = "application/json"
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(string: w.output)))
    }
}

/// A JSON response from text the JSON writer produced.
func jsonResponse(_ json: String, status: HTTPResponse.Status = .ok) -> Response {
    Response(
        status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: json)))
}

/// Typed access to query parameters, with 400s that say what is wrong.
struct Query {
    let request: Request

    func string(_ name: String, maxBytes: Int = 512) throws -> String? {
        guard let value = request.uri.queryParameters.get(name) else { return nil }
        guard value.utf8.count <= maxBytes else {
            throw APIError.badRequest("\(name) is longer than \(maxBytes) bytes")
        }
        return value.isEmpty ? nil : value
    }

    func int(_ name: String, range: ClosedRange<Int64>) throws -> Int64? {
        guard let text = try string(name, maxBytes: 32) else { return nil }
        guard let value = Int64(text), range.contains(value) else {
            throw APIError.badRequest(
                "\(name) must be an integer in \(range.lowerBound)…\(range.upperBound), got '\(text)'")
        }
        return value
    }

    /// The paging parameters every list shares: `limit` (1…`maxLimit`, default `defaultLimit`) and
    /// `offset` (0…10,000,000, default 0).
    func page(maxLimit: Int, defaultLimit: Int) throws -> (limit: Int, offset: Int) {
        let limit = try int("limit", range: 1...Int64(max(1, maxLimit))) ?? Int64(defaultLimit)
        let offset = try int("offset", range: 0...10_000_000) ?? 0
        return (Int(limit), Int(offset))
    }

    /// The endpoint filters every list shares: `host`, and `method` (upper-cased).
    func hostAndMethod() throws -> (host: String?, method: String?) {
        (try string("host"), try string("method", maxBytes: 32)?.uppercased())
    }

    func double(_ name: String, range: ClosedRange<Double>) throws -> Double? {
        guard let text = try string(name, maxBytes: 32) else { return nil }
        guard let value = Double(text), value.isFinite, range.contains(value) else {
            throw APIError.badRequest(
                "\(name) must be a number in \(range.lowerBound)…\(range.upperBound), got '\(text)'")
        }
        return value
    }
}
