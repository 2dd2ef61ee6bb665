/// Protocol Buffers without a schema (declared `application/x-protobuf`, or sniffed).
///
/// Each field becomes a child at `.<number>`; nested messages at `.<n>.<m>`; repeated fields
/// repeat their path. Varints and fixed-width values are `.number` children (unsigned decimal).
/// A length-delimited value is text when it is valid UTF-8 without control characters (other
/// than tab, CR, LF); else a nested message when it parses completely with at least one field
/// (recursion bounded by `maxStructureDepth`, then `limit.structure_depth`); else text when it
/// is mostly (90%) printable UTF-8; else `.binary`. Groups are read as
/// nested messages. When sniffed, only binary values (not text) that parse completely with at
/// least one field are claimed; when declared, the fields before an invalid one are kept
/// (annotated `malformed`).
public struct ProtobufDecoder: ValueDecoder {
    public let name = "protobuf"
    public let isContainer = true
    /// A first byte that can start a field (valid wire type, non-zero field number), and a byte
    /// somewhere that is not printable ASCII, tab, CR or LF: without one the value is text
    /// (`isMostlyText`), which a sniffed message never is.
    public var sniffGate: SniffGate {
        SniffGate(
            first: ByteSet(where: { ProtobufWire.canStartField([$0][...]) }),
            containsAny: ByteSet(where: { !(0x20...0x7E ~= $0) && $0 != 0x09 && $0 != 0x0A && $0 != 0x0D }),
            minCount: 2)
    }

    public init() {}

    public func decode(_ input: ArraySlice<UInt8>, context: DecodeContext, budget: inout DecodeBudget) -> Decoded? {
        if !context.declared {
            guard input.count >= 2, ProtobufWire.canStartField(input),
                let count = ProtobufWire.fieldCount(input), count >= 1,
                !DecodedContent.isMostlyText(input)
            else { return nil }
        }
        var flattener = ProtobufFlattener(limits: budget.limits)
        let complete = flattener.emitMessage(input, prefix: "", budget: &budget)
        if !complete {
            guard !flattener.children.isEmpty || flattener.stopped else { return nil }
            flattener.annotations.append(flattener.malformed)
        }
        return Decoded(children: flattener.children, annotations: flattener.annotations)
    }
}

/// Turns protobuf messages into children, within the request's limits. Shared with gRPC.
struct ProtobufFlattener {
    let maxDepth: Int
    let maxChildren: Int
    private(set) var children: [Child] = []
    var annotations: [Annotation] = []
    /// A limit (points or bytes) stopped the output.
    private(set) var stopped = false
    /// Where the last invalid message went wrong, relative to its start.
    private(set) var invalidOffset = 0
    private var depthReported = false

    init(limits: DecodeLimits) {
        maxDepth = max(limits.maxStructureDepth, 1)
        maxChildren = limits.maxPoints
    }

    /// The `malformed` annotation for the last message that did not parse to its end.
    var malformed: Annotation {
        Annotation(.malformed, detail: "protobuf: invalid field at byte \(invalidOffset)", value: invalidOffset)
    }

    /// Emits every field of `message` under `prefix`; false if the message turned invalid (the
    /// fields before that point are kept). Groups are streamed: their fields are emitted under
    /// `.<group number>` as they are read, so nested groups cost one pass.
    mutating func emitMessage(
        _ message: ArraySlice<UInt8>, prefix: String, depth: Int = 1, budget: inout DecodeBudget
    ) -> Bool {
        var reader = ProtobufWire.Reader(message, streamsGroups: true)
        // Open groups: number, and the prefix and depth to restore at their end tag.
        var groups: [(number: Int, prefix: String, depth: Int)] = []
        var prefix = prefix
        var depth = depth
        while !stopped, let field = reader.next() {
            let path = prefix + "." + String(field.number)
            switch field.value {
            case .varint(let value):
                add(path, Array(String(value).utf8), .number, field.number, budget: &budget)
            case .fixed64(let value):
                add(path, Array(String(value).utf8), .number, field.number, budget: &budget)
            case .fixed32(let value):
                add(path, Array(String(value).utf8), .number, field.number, budget: &budget)
            case .bytes(let range):
                emitBytes(message[range], path: path, number: field.number, depth: depth, budget: &budget)
            case .group(let range):
                nested(message[range], path: path, depth: depth, budget: &budget)
            case .startGroup:
                if depth < maxDepth {
                    groups.append((field.number, prefix, depth))
                    prefix = path
                    depth += 1
                } else {
                    reportDepth(&budget)
                    _ = reader.skipStartedGroup(field.number)
                }
            case .endGroup:
                guard let open = groups.popLast(), open.number == field.number else {
                    reader.invalidate()
                    break
                }
                prefix = open.prefix
                depth = open.depth
            }
        }
        if !stopped, !reader.failed, !groups.isEmpty { reader.invalidate() }  // a group never closed
        if reader.failed { invalidOffset = reader.offset - message.startIndex }
        return !reader.failed
    }

    private mutating func emitBytes(
        _ bytes: ArraySlice<UInt8>, path: String, number: Int, depth: Int, budget: inout DecodeBudget
    ) {
        // Text first when it is clean (no control characters): `(A` parses as a message but is
        // text. A short nested message is mostly printable (`0a 0c` + a 12-byte string), so the
        // 90% rule only applies once the bytes are known not to be a message.
        if bytes.isEmpty || DecodedContent.isCleanText(bytes) {
            add(path, Array(bytes), .text, number, budget: &budget)
        } else if let count = ProtobufWire.fieldCount(bytes), count >= 1 {
            nested(bytes, path: path, depth: depth, budget: &budget)
        } else if DecodedContent.isMostlyText(bytes) {
            add(path, Array(bytes), .text, number, budget: &budget)
        } else {
            add(path, Array(bytes), .binary, number, budget: &budget)
        }
    }

    private mutating func nested(_ bytes: ArraySlice<UInt8>, path: String, depth: Int, budget: inout DecodeBudget) {
        guard depth < maxDepth else {
            reportDepth(&budget)
            return
        }
        // Validated before (a complete message or a group's checked content): cannot fail.
        _ = emitMessage(bytes, prefix: path, depth: depth + 1, budget: &budget)
    }

    private mutating func reportDepth(_ budget: inout DecodeBudget) {
        budget.hit(.structureDepth)
        if !depthReported {
            depthReported = true
            annotations.append(Annotation(.limitStructureDepth, detail: "protobuf", value: maxDepth))
        }
    }

    /// Adds one child if the point and byte allowances hold it; stops all output otherwise.
    mutating func add(_ path: String, _ value: [UInt8], _ kind: ValueKind, _ number: Int, budget: inout DecodeBudget) {
        add(path, value, kind, fieldName: String(number), budget: &budget)
    }

    mutating func add(
        _ path: String, _ value: [UInt8], _ kind: ValueKind, fieldName: String?, budget: inout DecodeBudget
    ) {
        guard !stopped else { return }
        guard children.count < maxChildren else {
            stopped = true
            budget.hit(.points)
            annotations.append(Annotation(.limitPoints, detail: "protobuf", value: maxChildren))
            return
        }
        guard budget.consume(value.count) else {
            stopped = true
            annotations.append(Annotation(.limitBytes, detail: "protobuf", value: value.count))
            return
        }
        children.append(Child(path: path, value: value, kind: kind, fieldName: fieldName))
    }
}
