extension CaptureRecord {
    /// The record as one capture JSON line (DESIGN §2), without the trailing newline: what
    /// `palisade replay` sends for HAR entries. `parse(json:)` reads it back to an equal record.
    public func jsonLine() -> String {
        var w = JSONWriter()
        w.beginObject()
        w.key("id")
        w.string(id)
        w.key("ts")
        w.int(Int(ts))
        func optional(_ key: String, _ value: String?) {
            guard let value else { return }
            w.key(key)
            w.string(value)
        }
        optional("node", node)
        optional("client_ip", clientIP)
        w.key("method")
        w.string(method)
        optional("scheme", scheme)
        optional("host", host)
        w.key("path")
        w.string(rawPath)
        w.key("headers")
        w.beginArray()
        for header in headers {
            w.beginArray()
            w.string(header.name)
            w.string(header.value)
            w.endArray()
        }
        w.endArray()
        if !body.isEmpty {
            w.key("body_b64")
            w.string(Base64.encode(body))
        }
        if bodyTruncated {
            w.key("body_truncated")
            w.bool(true)
        }
        if let status {
            w.key("status")
            w.int(status)
        }
        if let latencyMs {
            w.key("latency_ms")
            w.double(latencyMs)
        }
        if let responseBytes {
            w.key("response_bytes")
            w.int(responseBytes)
        }
        optional("service", service)
        optional("route", route)
        optional("consumer", consumer)
        w.endObject()
        return w.output
    }
}
