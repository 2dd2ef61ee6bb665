import PalisadeCore

/// Names an endpoint: host, method and path template (`GET api.example.com /users/{id}`).
///
/// Workers key `palisade.observations` by the stateless template (`PathTemplate`); the aggregator
/// learns refined templates (`EndpointCatalog`) and keys `palisade.baselines` by those.
public struct EndpointKey: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Lowercased host without a default port; empty when the capture had none.
    public var host: String
    /// Uppercased method.
    public var method: String
    /// Path template, e.g. `/users/{id}/orders/{uuid}`.
    public var template: String

    public init(host: String, method: String, template: String) {
        self.host = host
        self.method = method
        self.template = template
    }

    /// Normalizes host (lowercase, `:80`/`:443` dropped) and method (uppercase).
    public static func normalized(host: String?, method: String, template: String) -> EndpointKey {
        var h = Bytes.lowercased(host ?? "")
        if h.hasSuffix(":80") || h.hasSuffix(":443") {
            h = String(h[..<h.lastIndex(of: ":")!])
        }
        return EndpointKey(host: h, method: String(decoding: method.utf8.map(upper), as: UTF8.self), template: template)
    }

    /// A display form, `GET api.example.com/users/{id}` (logs, messages). Not a record key: see
    /// `baselineRecordKey` and `partitionKey` (docs/RECORDS.md).
    public var id: String { method + " " + host + template }

    /// Hosts and methods group discovery; aggregators should partition observations by this so one
    /// aggregator sees every path of a host+method (docs/LEARNING.md, "Partitioning").
    public var partitionKey: String { method + " " + host }

    public var description: String { id }

    public static func < (lhs: EndpointKey, rhs: EndpointKey) -> Bool {
        (lhs.host, lhs.template, lhs.method) < (rhs.host, rhs.template, rhs.method)
    }

    private static func upper(_ byte: UInt8) -> UInt8 {
        byte >= 0x61 && byte <= 0x7A ? byte - 0x20 : byte
    }
}
