import PalisadeCore

/// The JSON encoding of `EndpointObservation` on `palisade.observations` (docs/LEARNING.md,
/// "Wire format"): one object, `"v": 1`, snake_case keys, enums as their raw strings, charsets as
/// class names, segment hashes as 16 hex digits.
extension EndpointObservation {
    public func json() -> String {
        var w = JSONWriter()
        w.beginObject()
        w.key("v")
        w.int(Self.schemaVersion)
        w.key("endpoint")
        endpoint.write(to: &w)
        w.key("request_id")
        w.string(requestID)
        w.key("ts")
        w.int(Int(ts))
        w.key("status")
        if let status { w.int(status) } else { w.null() }
        w.key("auth")
        w.string(auth.rawValue)
        w.key("content_type")
        w.optionalString(contentType)
        w.key("body_bytes")
        w.int(bodyBytes)
        w.key("segments")
        w.beginArray()
        for s in segments {
            w.beginObject()
            w.key("kind")
            w.string(s.kind.rawValue)
            w.key("literal")
            w.optionalString(s.literal)
            w.key("hash")
            w.string(Self.hex(s.hash))
            s.shape.write(to: &w)
            w.key("sensitive")
            w.strings(s.sensitive.kinds.map(\.rawValue))
            w.endObject()
        }
        w.endArray()
        w.key("params")
        w.beginArray()
        for p in params {
            w.beginObject()
            w.key("location")
            w.string(p.location)
            w.key("source")
            w.string(p.source.rawValue)
            p.shape.write(to: &w)
            w.key("formats")
            w.strings(p.formats.formats.map(\.rawValue))
            w.key("min_length")
            w.int(p.minLength)
            w.key("type")
            w.string(p.type.rawValue)
            w.key("sensitive")
            w.strings(p.sensitive.kinds.map(\.rawValue))
            w.key("encodings")
            w.strings(p.encodings.encodings.map(\.rawValue))
            w.key("occurrences")
            w.int(p.occurrences)
            w.endObject()
        }
        w.endArray()
        w.key("dropped_params")
        w.int(droppedParams)
        w.endObject()
        return w.output
    }

    /// Decodes a published observation. Points are worker-local: `point` comes back as -1.
    public init(json bytes: some Collection<UInt8>) throws(WireError) {
        let v: JSONValue
        do {
            v = try JSONReader(maxDepth: 16).parse(bytes)
        } catch {
            throw WireError("invalid JSON: \(error)")
        }
        let version = try v.int("v")
        guard version == Self.schemaVersion else { throw WireError("unsupported observation version \(version)") }
        var segments: [PathSegmentObservation] = []
        for s in try v.array("segments", max: 256) {
            guard let hash = UInt64(try s.string("hash"), radix: 16) else { throw WireError("bad segment hash") }
            segments.append(
                PathSegmentObservation(
                    kind: try s.enumValue("kind", as: SegmentKind.self), literal: try s.optionalString("literal"),
                    hash: hash,
                    shape: try ValueShape(wire: s),
                    sensitive: SensitiveSet(try s.enumValues("sensitive", as: SensitiveKind.self))))
        }
        var params: [ParamObservation] = []
        for p in try v.array("params", max: 4096) {
            var formats: FormatSet = []
            for f in try p.enumValues("formats", as: ValueFormat.self) { formats.insert(FormatSet(f)) }
            var encodings: EncodingSet = []
            for e in try p.enumValues("encodings", as: ValueEncoding.self) { encodings.insert(EncodingSet(e)) }
            params.append(
                ParamObservation(
                    location: try p.string("location"), source: try p.enumValue("source", as: ParamSource.self),
                    shape: try ValueShape(wire: p), formats: formats,
                    minLength: try p.int("min_length", in: 0...Int(Int32.max)),
                    type: try p.enumValue("type", as: ValueType.self),
                    sensitive: SensitiveSet(try p.enumValues("sensitive", as: SensitiveKind.self)),
                    encodings: encodings,
                    occurrences: try p.int("occurrences", in: 1...1 << 20)))
        }
        self.init(
            endpoint: try EndpointKey(wire: v.field("endpoint")), requestID: try v.string("request_id"),
            ts: Int64(try v.int("ts")), status: try v.optionalInt("status"),
            auth: try v.enumValue("auth", as: AuthScheme.self),
            contentType: try v.optionalString("content_type"),
            bodyBytes: try v.int("body_bytes", in: 0...Int(Int32.max)), segments: segments,
            params: params, droppedParams: try v.int("dropped_params", in: 0...1 << 20))
    }

    static func hex(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}
