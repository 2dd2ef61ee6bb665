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
        // A default port: `:80` / `:443` (ASCII, so a byte suffix).
        if Self.hasSuffix(h, ":80") {
            h = String(h.utf8.dropLast(3)) ?? h
        } else if Self.hasSuffix(h, ":443") {
            h = String(h.utf8.dropLast(4)) ?? h
        }
        // Most methods arrive upper-case already: no copy then.
        let m =
            method.utf8.contains(where: { $0 >= 0x61 && $0 <= 0x7A })
            ? String(decoding: method.utf8.map(upper), as: UTF8.self) : method
        return EndpointKey(host: h, method: m, template: template)
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

    private static func hasSuffix(_ string: String, _ suffix: StaticString) -> Bool {
        let utf8 = string.utf8
        let count = suffix.utf8CodeUnitCount
        guard utf8.count >= count else { return false }
        return suffix.withUTF8Buffer { utf8.suffix(count).elementsEqual($0) }
    }

    private static func upper(_ byte: UInt8) -> UInt8 {
        byte >= 0x61 && byte <= 0x7A ? byte - 0x20 : byte
    }
}
