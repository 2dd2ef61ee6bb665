import PalisadeCore

/// The JSON encoding of `EndpointBaseline` on `palisade.baselines` (docs/LEARNING.md,
/// "Wire format"): `"v": 1`, snake_case keys; template segments as strings (literals) or
/// `{"param": name, "kind": kind}`.
extension EndpointBaseline {
    public func json() -> String {
        var w = JSONWriter()
        w.beginObject()
        w.key("v")
        w.int(Self.schemaVersion)
        w.key("endpoint")
        endpoint.write(to: &w)
        w.key("segments")
        w.beginArray()
        for s in segments {
            switch s {
            case .literal(let text): w.string(text)
            case .param(let name, let kind):
                w.beginObject()
                w.key("param")
                w.string(name)
                w.key("kind")
                w.string(kind.rawValue)
                w.endObject()
            }
        }
        w.endArray()
        w.key("state")
        w.string(state.rawValue)
        w.key("version")
        w.int(version)
        w.key("samples")
        w.int(samples)
        w.key("updated_at")
        w.int(Int(updatedAt))
        w.key("open_parameters")
        w.bool(openParameters)
        w.key("parameters")
        w.beginArray()
        for p in parameters {
            w.beginObject()
            w.key("location")
            w.string(p.location)
            w.key("source")
            w.string(p.source.rawValue)
            w.key("samples")
            w.int(p.samples)
            w.key("presence")
            w.double(p.presence, decimals: 6)
            w.key("required")
            w.bool(p.required)
            w.key("enforced")
            w.bool(p.enforced)
            w.key("formats")
            w.beginArray()
            for f in p.formats {
                w.beginObject()
                w.key("format")
                w.string(f.format.rawValue)
                w.key("frequency")
                w.double(f.frequency, decimals: 6)
                w.endObject()
            }
            w.endArray()
            w.key("min_length")
            w.int(p.minLength)
            w.key("max_length")
            w.int(p.maxLength)
            w.key("p1_length")
            w.int(p.p1Length)
            w.key("p99_length")
            w.int(p.p99Length)
            w.key("charset")
            w.strings(p.charset.names)
            w.key("type")
            w.string(p.type.rawValue)
            w.key("sensitive")
            w.strings(p.sensitive.map(\.rawValue))
            w.key("encoded")
            w.bool(p.encoded)
            w.endObject()
        }
        w.endArray()
        w.key("status_counts")
        w.beginObject()
        for (code, count) in statusCounts.sorted(by: { $0.key < $1.key }) {
            w.key(String(code))
            w.int(count)
        }
        w.endObject()
        w.key("auth_schemes")
        w.strings(authSchemes.map(\.rawValue))
        w.key("content_types")
        w.strings(contentTypes)
        w.endObject()
        return w.output
    }

    public init(json bytes: some Collection<UInt8>) throws(WireError) {
        let v: JSONValue
        do {
            v = try JSONReader(maxDepth: 16).parse(bytes)
        } catch {
            throw WireError("invalid JSON: \(error)")
        }
        let version = try v.int("v")
        guard version == Self.schemaVersion else { throw WireError("unsupported baseline version \(version)") }
        var segments: [TemplateSegment] = []
        for s in try v.array("segments", max: 256) {
            if let text = s.stringValue {
                segments.append(.literal(text))
            } else {
                segments.append(
                    .param(name: try s.string("param"), kind: try s.enumValue("kind", as: SegmentKind.self)))
            }
        }
        var parameters: [ParameterBaseline] = []
        for p in try v.array("parameters", max: 4096) {
            var formats: [FormatFrequency] = []
            for f in try p.array("formats", max: 64) {
                formats.append(
                    FormatFrequency(
                        format: try f.enumValue("format", as: ValueFormat.self), frequency: try f.double("frequency")))
            }
            parameters.append(
                ParameterBaseline(
                    location: try p.string("location"), source: try p.enumValue("source", as: ParamSource.self),
                    samples: try p.int("samples"), presence: try p.double("presence"), required: try p.bool("required"),
                    enforced: try p.bool("enforced"), formats: formats, minLength: try p.int("min_length"),
                    maxLength: try p.int("max_length"), p1Length: try p.int("p1_length"),
                    p99Length: try p.int("p99_length"),
                    charset: try CharsetClass(names: p.strings("charset")),
                    type: try p.enumValue("type", as: ValueType.self),
                    sensitive: try p.enumValues("sensitive", as: SensitiveKind.self), encoded: try p.bool("encoded")))
        }
        var statusCounts: [Int: Int] = [:]
        guard let members = try v.field("status_counts").objectMembers else {
            throw WireError("`status_counts` is not an object")
        }
        for m in members.prefix(1_000) {
            guard let code = Int(m.key), case .number(let text) = m.value, let count = Int(text) else {
                throw WireError("bad status count")
            }
            statusCounts[code] = count
        }
        self.init(
            endpoint: try EndpointKey(wire: v.field("endpoint")), segments: segments,
            state: try v.enumValue("state", as: State.self), version: try v.int("version"),
            samples: try v.int("samples"),
            updatedAt: Int64(try v.int("updated_at")), openParameters: try v.bool("open_parameters"),
            parameters: parameters,
            statusCounts: statusCounts, authSchemes: try v.enumValues("auth_schemes", as: AuthScheme.self),
            contentTypes: try v.strings("content_types"))
    }
}
