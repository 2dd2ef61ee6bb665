import Synchronization

/// Decoder names interned process-wide, so that a `Point` stores a two-byte id instead of a
/// `String?`: with the string, `Point` was large enough that Swift built each point in a
/// temporary and copied it into the array (a retain and a release per field and point).
///
/// Id 0 is "no decoder" (roots). The standard decoders' names have fixed ids and are read without
/// a lock; other names (custom decoders) are added on first use behind a lock.
@usableFromInline
enum DecoderName {
    /// The names of the decoders Palisade ships (`DecoderRegistry.standard`), ids 1...count.
    static let standard: [String] = [
        "path", "cookie", "form", "multipart", "grpc", "url", "jwt", "json", "xml", "graphql", "gzip", "deflate",
        "protobuf", "base64", "html", "escape", "fullwidth",
    ]

    /// Names of other decoders, ids `standard.count + 1`..., in order of first use.
    private static let extra = Mutex<[String]>([])

    /// The id of `name`; registers it if it is neither standard nor seen before.
    static func id(for name: String?) -> UInt16 {
        guard let name else { return 0 }
        if let index = standard.firstIndex(of: name) { return UInt16(index + 1) }
        return extra.withLock { names in
            if let index = names.firstIndex(of: name) { return UInt16(standard.count + index + 1) }
            // Ids are 16 bits; a process registering 65k distinct decoder names is a bug.
            precondition(standard.count + names.count + 1 < Int(UInt16.max), "too many decoder names")
            names.append(name)
            return UInt16(standard.count + names.count)
        }
    }

    /// The name for an id from `id(for:)`. Inlinable, with the standard names as literals: detectors
    /// compare `point.decoder` with a name for every point.
    @inlinable
    static func name(of id: UInt16) -> String? {
        switch id {
        case 0: nil
        case 1: "path"
        case 2: "cookie"
        case 3: "form"
        case 4: "multipart"
        case 5: "grpc"
        case 6: "url"
        case 7: "jwt"
        case 8: "json"
        case 9: "xml"
        case 10: "graphql"
        case 11: "gzip"
        case 12: "deflate"
        case 13: "protobuf"
        case 14: "base64"
        case 15: "html"
        case 16: "escape"
        case 17: "fullwidth"
        default: extraName(of: id)
        }
    }

    /// A name beyond the standard ones.
    @usableFromInline
    static func extraName(of id: UInt16) -> String? {
        let index = Int(id) - standard.count - 1
        return extra.withLock { names in index >= 0 && index < names.count ? names[index] : nil }
    }
}
