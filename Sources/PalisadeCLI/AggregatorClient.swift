import ArgumentParser
import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Where the aggregator's API is and how to authenticate (shared by `decisions` and `openapi`).
struct AggregatorEndpointOptions: ParsableArguments {
    @Option(help: "Aggregator base URL (default $PALISADE_AGGREGATOR_URL or http://127.0.0.1:8082).")
    var url: String?

    @Option(help: "Bearer token (default $PALISADE_AGGREGATOR_TOKEN; prefer the variable: flags show in ps).")
    var token: String?

    func client() throws -> AggregatorClient {
        let env = ProcessInfo.processInfo.environment
        let base = url ?? env["PALISADE_AGGREGATOR_URL"] ?? "http://127.0.0.1:8082"
        guard let parsed = URL(string: base), parsed.scheme == "http" || parsed.scheme == "https" else {
            throw ValidationError("--url must be an http(s) URL, got '\(base)'")
        }
        guard let token = token ?? env["PALISADE_AGGREGATOR_TOKEN"], !token.isEmpty else {
            throw ValidationError("a token is required: --token or PALISADE_AGGREGATOR_TOKEN")
        }
        return AggregatorClient(base: parsed, token: token)
    }
}

/// A minimal client of the aggregator's HTTP API over URLSession (no extra dependency).
struct AggregatorClient: Sendable {
    let base: URL
    let token: String

    struct Failure: Error, CustomStringConvertible {
        var status: Int
        var body: String
        var description: String { "aggregator answered \(status): \(body)" }
    }

    /// Sends a request; returns the body of a 2xx answer, throws otherwise.
    func send(
        _ method: String, _ path: String, query: [URLQueryItem] = [], body: Data? = nil, contentType: String? = nil
    )
        async throws -> Data
    {
        var components = URLComponents(url: base, resolvingAgainstBaseURL: false)!
        components.percentEncodedPath = components.percentEncodedPath.trimmingSuffix("/") + path
        if !query.isEmpty { components.queryItems = query }
        guard let url = components.url else { throw ValidationError("cannot build a URL for \(path)") }
        var request = URLRequest(url: url)
        request.httpMethod = method
        request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        if let contentType { request.setValue(contentType, forHTTPHeaderField: "Content-Type") }
        request.httpBody = body
        request.timeoutInterval = 30
        let (data, response) = try await URLSession.shared.data(for: request)
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        guard (200..<300).contains(status) else {
            throw Failure(status: status, body: String(decoding: data.prefix(2_000), as: UTF8.self))
        }
        return data
    }

    /// A path segment percent-encoded (a CIDR's `/` included).
    static func segment(_ text: String) -> String {
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove(charactersIn: "/?#%")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }
}

extension String {
    fileprivate func trimmingSuffix(_ suffix: String) -> String {
        hasSuffix(suffix) ? String(dropLast(suffix.count)) : self
    }
}

/// Writes `data` to standard output.
func writeStandardOutput(_ data: Data) {
    FileHandle.standardOutput.write(data)
    if data.last != UInt8(ascii: "\n") { FileHandle.standardOutput.write(Data("\n".utf8)) }
}
