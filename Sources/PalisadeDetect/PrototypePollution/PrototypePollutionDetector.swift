#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Prototype pollution: object paths that reach `Object.prototype` through `__proto__` or
/// `constructor.prototype`, whether as keys (JSON members, `a[__proto__][x]=1`,
/// `__proto__.polluted=1`) or as path strings handed to a deep-set/merge helper
/// (`{"path":"constructor.prototype.isAdmin","value":true}`).
///
/// Request-level because the decode layer drops plain identifiers such as `__proto__` as key
/// points (they cannot carry a payload by themselves); the key survives in the *location* of every
/// value below it (`body.json.__proto__.isAdmin`), so the detector reads point segments.
/// Rules (docs/DETECTION.md, "prototype_pollution"):
/// - `prototype_pollution.proto_key` 0.9: `__proto__` as a key component of a point's segment,
///   or a quoted `"__proto__"` key in a JSON container with nothing below it (`{"__proto__":{}}`).
/// - `prototype_pollution.constructor_prototype` 0.9: `constructor` then `prototype` as
///   consecutive key components (`.constructor.prototype`, `[constructor][prototype]`).
/// - `prototype_pollution.path_value` 0.75: a text value that *is* such a path (no whitespace,
///   at most 256 bytes: `__proto__.isAdmin`, `a.constructor.prototype.b`, `["__proto__"]`). Prose
///   and code that mention `__proto__` contain whitespace and are left alone.
/// - `prototype_pollution.filter_bypass` 0.9: a key component that becomes `__proto__` once a
///   sanitizer strips `__proto__` from it (`__pro__proto__to__[x]=1`).
/// - `prototype_pollution.proto_value` 0.7: a value that is exactly `__proto__` (a key or path
///   element handed to a setter: `{"key":"__proto__"}`, `{"path":["__proto__","x"]}`), except in
///   search, prose and code fields.
/// JavaScript is case-sensitive: `__PROTO__` and `Constructor.Prototype` do not reach the
/// prototype and are not flagged.
public struct PrototypePollutionDetector: RequestDetector {
    public let name = "prototype_pollution"
    static let maxHits = 4

    public init() {}

    public func detect(_ request: RequestContext, hits: inout [Hit]) {
        let decoded = request.decoded
        var found = 0
        var flaggedContainers: Set<Int32> = []
        // The gate's sets read once: a `static let` read in the loop paid a lazy-init check per point.
        let protoBytes = Self.protoBytes
        let constructorBytes = Self.constructorBytes
        for index in decoded.points.indices where found < Self.maxHits {
            // Field by field: copying the whole point costs retains of its strings.
            // Key components in this point's own segment (its parent's are checked on the parent).
            // A `__proto__` or `constructor…prototype` component needs the segment's `__p` or `cto`
            // (`SegmentHints.protoTrigram`, read when the point was made).
            if decoded.segmentHints(of: index).contains(.protoTrigram),
                !flaggedContainers.contains(decoded.points[index].parent),
                case let segment = Array(decoded.points[index].segment.utf8)[...],
                let (range, rule) = Self.pathMatch(segment, keyed: true)
            {
                hits.append(
                    Hit(
                        attackClass: .prototypePollution, point: Int32(index), confidence: 0.9,
                        evidence: Evidence.excerpt(segment, around: range, fieldName: nil), rule: rule))
                found += 1
                flaggedContainers.insert(decoded.points[index].parent)
                continue
            }
            let count = decoded.points[index].value.count
            guard count > 0, count <= 1 << 20 else { continue }
            // Containers are read after the loop, only when nothing was found.
            if decoded.points[index].isContainer { continue }
            let kind = decoded.points[index].kind
            guard kind == .text || kind == .key, count <= 256 else { continue }
            // Both readings below need `__proto__` or `constructor` in the value.
            let bytes = request.bytes(ofPoint: index)
            // `mayHoldPath`, over the sets read above.
            guard bytes.holds(protoBytes) || bytes.holds(constructorBytes) else { continue }
            let value = decoded.points[index].value[...]
            // A value that is exactly `__proto__`, handed to a setter as a key or path element
            // (`{"key":"__proto__",…}`, `{"path":["__proto__","isAdmin"]}`); not in search or prose fields.
            if kind == .text, value.count == 9, value.elementsEqual("__proto__".utf8) {
                let field = decoded.fieldName(of: index)
                if FieldProfile.of(field) == .plain, !Self.searchFields.contains(field ?? "") {
                    hits.append(
                        Hit(
                            attackClass: .prototypePollution, point: Int32(index), confidence: 0.7,
                            evidence: "__proto__", rule: "prototype_pollution.proto_value"))
                    found += 1
                    continue
                }
            }
            if let (range, _) = Self.pathMatch(value, keyed: false) {
                hits.append(
                    Hit(
                        attackClass: .prototypePollution, point: Int32(index),
                        confidence: kind == .key ? 0.9 : 0.75,
                        evidence: Evidence.excerpt(value, around: range, fieldName: nil),
                        rule: kind == .key ? "prototype_pollution.proto_key" : "prototype_pollution.path_value"))
                found += 1
            }
        }
        // `{"__proto__":{}}` leaves no child to carry the key: read the raw text of JSON containers,
        // only when nothing below was found. The containers are found by a second walk over the
        // points rather than collected in the loop above: the array grown for them cost two
        // allocations and a free per request (~1,100 instructions), the walk a few per point. (With
        // nothing found, the loop above saw every point: same containers, non-empty, up to 1 MiB.)
        guard found == 0 else { return }
        for index in decoded.points.indices where decoded.points[index].isContainer {
            let count = decoded.points[index].value.count
            guard count > 0, count <= 1 << 20 else { continue }
            let value = decoded.points[index].value[...]
            guard let at = Self.quotedProto(in: value) else { continue }
            var cursor = at + 11
            while cursor < value.endIndex, Bytes.isSpace(value[cursor]) { cursor += 1 }
            guard cursor < value.endIndex, value[cursor] == UInt8(ascii: ":") else { continue }
            hits.append(
                Hit(
                    attackClass: .prototypePollution, point: Int32(index), confidence: 0.9,
                    evidence: Evidence.excerpt(value, around: at..<(cursor + 1), fieldName: nil),
                    rule: "prototype_pollution.proto_key"))
            return
        }
    }

    /// The first `"__proto__"` (quoted) in `value` (`ByteFind.index(of:in:)`'s answer), visiting
    /// only the `_`s by `memchr`: containers are whole JSON bodies and query strings, most of the
    /// bytes this detector reads, and few of their bytes are underscores.
    static func quotedProto(in value: ArraySlice<UInt8>) -> Int? {
        // `__proto__"` after the opening quote.
        let rest: StaticString = "__proto__\""
        let restCount = rest.utf8CodeUnitCount
        return value.withUnsafeBufferPointer { bytes -> Int? in
            guard let base = bytes.baseAddress else { return nil }
            var from = 1
            while from + restCount <= bytes.count {
                guard let found = memchr(base + from, 0x5F, bytes.count - from) else { return nil }
                let at = UnsafeRawPointer(base).distance(to: UnsafeRawPointer(found))
                guard at + restCount <= bytes.count else { return nil }
                if bytes[at - 1] == UInt8(ascii: "\""), memcmp(base + at, rest.utf8Start, restCount) == 0 {
                    return value.startIndex + at - 1
                }
                from = at + 1
            }
            return nil
        }
    }

    static let searchFields: Set<String> = ["q", "query", "search", "s", "term", "keyword", "keywords", "text"]

    /// The bytes of `__proto__` and of `constructor`.
    static let protoBytes = ByteSet("_proto"), constructorBytes = ByteSet("constructor")

    /// A necessary condition of `pathMatch` and of a value equal to `__proto__`, on the bytes
    /// present in the value: all the bytes of `__proto__` or all those of `constructor`.
    static func mayHoldPath(_ bytes: ByteSet) -> Bool {
        bytes.holds(protoBytes) || bytes.holds(constructorBytes)
    }

    @inline(__always)
    static func isBoundary(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: ".") || byte == UInt8(ascii: "[") || byte == UInt8(ascii: "]")
            || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'") || byte == UInt8(ascii: "/")
    }

    /// The component around the `__proto__` at `match` when it becomes `__proto__` once a
    /// sanitizer removes that occurrence (`__pro__proto__to__`): a filter-stripping bypass.
    static func strippedToProto(_ bytes: ArraySlice<UInt8>, match: Int) -> Range<Int>? {
        var start = match
        while start > bytes.startIndex, !isBoundary(bytes[start - 1]) { start -= 1 }
        var end = match + 9
        while end < bytes.endIndex, !isBoundary(bytes[end]) { end += 1 }
        guard end - start == 18 else { return nil }
        let rest = bytes[start..<match] + bytes[(match + 9)..<end]
        return rest.elementsEqual("__proto__".utf8) ? start..<end : nil
    }

    /// A `__proto__` component or a `constructor` component followed by a `prototype` one.
    /// `keyed`: the bytes are a location segment (components are keys by construction); otherwise
    /// a value, which must look like a path: no whitespace, and the component must touch a path
    /// separator (a bare `__proto__` word is a word).
    static func pathMatch(_ bytes: ArraySlice<UInt8>, keyed: Bool) -> (Range<Int>, String)? {
        guard bytes.count >= 9, bytes.contains(UInt8(ascii: "_")) || bytes.contains(UInt8(ascii: "p")) else {
            return nil
        }
        if !keyed {
            for byte in bytes where Bytes.isSpace(byte) { return nil }
        }
        var from = bytes.startIndex
        while let at = ByteFind.index(of: "__proto__", in: bytes, from: from) {
            from = at + 9
            let end = at + 9
            let startOK = at == bytes.startIndex || isBoundary(bytes[at - 1])
            let endOK = end == bytes.endIndex || isBoundary(bytes[end])
            guard startOK, endOK else {
                if keyed, let component = strippedToProto(bytes, match: at) {
                    return (component, "prototype_pollution.filter_bypass")
                }
                continue
            }
            if !keyed, at == bytes.startIndex, end == bytes.endIndex { continue }
            return (at..<end, "prototype_pollution.proto_key")
        }
        from = bytes.startIndex
        while let at = ByteFind.index(of: "constructor", in: bytes, from: from) {
            from = at + 11
            guard at == bytes.startIndex || isBoundary(bytes[at - 1]) else { continue }
            var cursor = at + 11
            var separators = 0
            while cursor < bytes.endIndex, isBoundary(bytes[cursor]), separators < 4 {
                cursor += 1
                separators += 1
            }
            guard separators > 0, Bytes.hasPrefixIgnoringCase(bytes[cursor...], "prototype"),
                bytes[cursor] == UInt8(ascii: "p")
            else { continue }
            let end = cursor + 9
            guard end == bytes.endIndex || isBoundary(bytes[end]) else { continue }
            return (at..<end, "prototype_pollution.constructor_prototype")
        }
        return nil
    }
}
