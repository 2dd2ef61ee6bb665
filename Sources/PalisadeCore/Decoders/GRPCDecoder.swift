/// gRPC and gRPC-Web request bodies (declared by `application/grpc…` only).
///
/// The body is a sequence of frames: 1 flag byte, a 4-byte big-endian length, the message.
/// Frame `i` is decoded as schema-less protobuf under `[i]` (`body.grpc[0].1.2`). Compressed
/// frames (flag bit 0) are inflated (gzip, or zlib) within the decompression allowance.
/// gRPC-Web trailer frames (flag bit 7) are skipped. A frame whose length runs past the body
/// ends decoding (`malformed`; complete frames before it are kept); a message that is not
/// protobuf is kept whole at `[i]`. Nil when not even one complete frame is present.
public struct GRPCDecoder: ValueDecoder {
    public let name = "grpc"
    public let isContainer = true

    public init() {}

    public func decode(_ input: ArraySlice<UInt8>, context: DecodeContext, budget: inout DecodeBudget) -> Decoded? {
        guard context.declared, input.count >= 5 else { return nil }
        var flattener = ProtobufFlattener(limits: budget.limits)
        var annotations: [Annotation] = []
        var offset = input.startIndex
        var index = 0
        while offset < input.endIndex, !flattener.stopped {
            guard input.endIndex - offset >= 5 else {
                annotations.append(
                    Annotation(
                        .malformed, detail: "grpc frame \(index): truncated header", value: input.endIndex - offset))
                break
            }
            let flags = input[offset]
            var length = 0
            for byte in input[(offset + 1)..<(offset + 5)] { length = length << 8 | Int(byte) }
            guard length <= input.endIndex - offset - 5 else {
                annotations.append(
                    Annotation(.malformed, detail: "grpc frame \(index): length beyond the body", value: length))
                break
            }
            let message = input[(offset + 5)..<(offset + 5 + length)]
            offset += 5 + length
            defer { index += 1 }
            if flags & 0x80 != 0 { continue }  // gRPC-Web trailers
            if flags & 0x7E != 0 {
                annotations.append(
                    Annotation(.malformed, detail: "grpc frame \(index): unknown flags", value: Int(flags)))
            }
            guard !message.isEmpty else { continue }
            let path = LocationPath.index(index)
            var payload = message
            var inflated: [UInt8] = []
            if flags & 0x01 != 0 {
                let format: Inflate.Format
                if GzipDecoder.hasHeader(message) {
                    format = .gzip
                } else if DeflateDecoder.hasZlibHeader(message) {
                    format = .zlib
                } else {
                    annotations.append(Annotation(.malformed, detail: "grpc frame \(index): unknown compression"))
                    flattener.add(path, Array(message), .binary, fieldName: context.fieldName, budget: &budget)
                    continue
                }
                let inflation = BoundedInflation.run(message, format: format, label: "grpc", budget: &budget)
                annotations += inflation.annotations
                inflated = inflation.bytes
                payload = inflated[...]
                if payload.isEmpty { continue }
            }
            let before = flattener.children.count
            if !flattener.emitMessage(payload, prefix: path, budget: &budget) {
                var malformed = flattener.malformed
                malformed.detail = "grpc frame \(index): " + malformed.detail
                annotations.append(malformed)
                if flattener.children.count == before {
                    let kind: ValueKind = DecodedContent.isMostlyText(payload) ? .text : .binary
                    flattener.add(path, Array(payload), kind, fieldName: context.fieldName, budget: &budget)
                }
            }
        }
        guard index > 0 else { return nil }
        return Decoded(children: flattener.children, annotations: annotations + flattener.annotations)
    }
}
