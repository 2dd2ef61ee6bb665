// libFuzzer entry point over the decode layer. Built by scripts/fuzz.sh together with the
// PalisadeCore sources into one module (swiftc -sanitize=fuzzer,address); not part of the package.
//
// The first input byte picks how the rest is used, so one target reaches every decoder:
//   0: a capture record JSON line (parser + engine)
//   1: a HAR document fed through the streaming reader in small chunks
//   2…: a request body under one of the content types below, or a header/query/cookie value.

let contentTypes = [
    "application/json", "application/x-www-form-urlencoded", "multipart/form-data; boundary=XyZ",
    "application/xml", "application/graphql", "application/grpc", "application/x-protobuf", "text/plain",
]

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    guard size > 0 else { return 0 }
    let selector = data[0]
    let rest = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))
    var limits = DecodeLimits()
    limits.timeBudgetMicros = 200_000
    let decoder = RequestDecoder(limits: limits)
    switch selector % 12 {
    case 0:
        if let record = try? CaptureRecord.parse(json: rest, now: 0, makeID: { "f" }) {
            _ = decoder.decode(record)
        }
    case 1:
        var reader = HARReader(maxEntryBytes: 1 << 16)
        var start = 0
        while start < rest.count {
            let end = min(rest.count, start + 7)
            reader.feed(Array(rest[start..<end])) { event in
                if case .entry(let bytes, let index) = event, let json = try? JSONReader().parse(bytes),
                    let record = try? CaptureRecord.fromHAR(entry: json, index: index, now: 0, makeID: { "f" })
                {
                    _ = decoder.decode(record)
                }
            }
            start = end
        }
    case 2...9:
        let contentType = contentTypes[Int(selector % 12) - 2]
        var headers = [CaptureRecord.Header("content-type", contentType)]
        if selector & 0x80 != 0 { headers.append(.init("content-encoding", "gzip")) }
        _ = decoder.decode(CaptureRecord(id: "f", ts: 0, method: "POST", rawPath: "/", headers: headers, body: rest))
    case 10:
        let text = String(decoding: rest, as: UTF8.self)
        _ = decoder.decode(
            CaptureRecord(
                id: "f", ts: 0, method: "GET", rawPath: "/p/" + text + "?q=" + text,
                headers: [.init("cookie", "s=" + text), .init("authorization", "Bearer " + text)]))
    default:
        _ = decoder.decode(
            CaptureRecord(id: "f", ts: 0, method: "GET", rawPath: "/", headers: [.init("x-value", String(decoding: rest, as: UTF8.self))]))
    }
    return 0
}
