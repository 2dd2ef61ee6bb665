/// JSON (RFC 8259): objects and arrays flattened into one child per scalar, located by their
/// path (`.items[0].filter`). Duplicate keys are kept (and annotated: parsers disagree on which
/// wins, a classic smuggling trick); numbers are kept as their source text; keys that are not
/// plain identifiers become `.key` children so detectors see them (`$where`, `__proto__`). Every
/// key's bytes, plain or not, are charged to the budget.
/// Newline-delimited JSON is accepted when declared.
public struct JSONFieldDecoder: ValueDecoder {
    public let name = "json"
    public let isContainer = true
    /// Sniffed JSON is an object or an array.
    public var sniffGate: SniffGate { SniffGate(firstNonSpace: ByteSet("{[".utf8), minCount: 2) }

    public init() {}

    public func decode(_ input: ArraySlice<UInt8>, context: DecodeContext, budget: inout DecodeBudget) -> Decoded? {
        decodeCharging(input, context: context, budget: &budget).decoded
    }

    /// `decode`, also telling what it took from the byte allowance when its only effect on the
    /// budget was one successful charge (`charged` = the children's value bytes); nil when it
    /// rejected the input, hit a limit or could not charge. `JWTDecoder` replays that charge for
    /// a token it has seen.
    func decodeCharging(
        _ input: ArraySlice<UInt8>, context: DecodeContext, budget: inout DecodeBudget
    ) -> (decoded: Decoded?, charged: Int?) {
        let trimmed = Bytes.trimmed(input)
        guard let first = trimmed.first else { return (nil, nil) }
        // Cheap rejection: sniffed values must look like an object or array; scalars only when declared.
        if !context.declared, first != UInt8(ascii: "{"), first != UInt8(ascii: "[") { return (nil, nil) }
        if !context.declared, let last = trimmed.last, last != UInt8(ascii: "}"), last != UInt8(ascii: "]") {
            return (nil, nil)
        }
        // The usual case: one valid document, flattened straight from the bytes.
        if let flattener = JSONFlattener.flatten(
            trimmed, maxDepth: budget.limits.maxStructureDepth, fieldName: context.fieldName)
        {
            return charged(
                Decoded(children: flattener.children, annotations: flattener.annotations),
                droppedKeyBytes: flattener.droppedKeyBytes, budget: &budget)
        }
        // Not one valid document: the tree reader says why (nesting, or NDJSON when declared).
        let reader = JSONReader(maxDepth: budget.limits.maxStructureDepth)
        var flattener = Flattener()
        do {
            flattener.flatten(try reader.parse(trimmed), path: "", fieldName: context.fieldName)
        } catch {
            if error.reason.hasPrefix("nesting deeper") {
                budget.hit(.structureDepth)
                let decoded = Decoded(
                    children: [],
                    annotations: [
                        Annotation(.limitStructureDepth, detail: "json", value: budget.limits.maxStructureDepth)
                    ])
                return (decoded, nil)
            }
            // Declared NDJSON: one document per line.
            guard context.declared, let lines = ndjson(trimmed, reader: reader) else { return (nil, nil) }
            for (number, value) in lines.enumerated() {
                flattener.flatten(value, path: LocationPath.index(number), fieldName: context.fieldName)
            }
        }
        return charged(
            Decoded(children: flattener.children, annotations: flattener.annotations),
            droppedKeyBytes: flattener.droppedKeyBytes, budget: &budget)
    }

    /// The result if the byte budget holds its values and all its keys (the plain ones left out
    /// of the children too), with the bytes taken; else no children, the annotations kept, and nil.
    private func charged(
        _ decoded: Decoded, droppedKeyBytes: Int, budget: inout DecodeBudget
    ) -> (decoded: Decoded, charged: Int?) {
        var total = droppedKeyBytes
        for child in decoded.children { total += child.value.count }
        guard budget.consume(total) else { return (Decoded(children: [], annotations: decoded.annotations), nil) }
        return (decoded, total)
    }

    private func ndjson(_ bytes: ArraySlice<UInt8>, reader: JSONReader) -> [JSONValue]? {
        var values: [JSONValue] = []
        for line in bytes.split(separator: 0x0A, omittingEmptySubsequences: true) {
            let trimmed = Bytes.trimmed(line)
            if trimmed.isEmpty { continue }
            guard let value = try? reader.parse(trimmed) else { return nil }
            values.append(value)
        }
        return values.count > 1 ? values : nil
    }
}

private struct Flattener {
    var children: [Child] = []
    var annotations: [Annotation] = []
    /// As `JSONFlattener.droppedKeyBytes`.
    var droppedKeyBytes = 0

    mutating func flatten(_ value: JSONValue, path: String, fieldName: String?) {
        switch value {
        case .null:
            children.append(Child(path: path, value: Array("null".utf8), kind: .null, fieldName: fieldName))
        case .bool(let b):
            children.append(
                Child(path: path, value: Array((b ? "true" : "false").utf8), kind: .boolean, fieldName: fieldName))
        case .number(let text):
            children.append(Child(path: path, value: Array(text.utf8), kind: .number, fieldName: fieldName))
        case .string(let s):
            children.append(Child(path: path, value: Array(s.utf8), kind: .text, fieldName: fieldName))
        case .array(let elements):
            for (i, element) in elements.enumerated() {
                flatten(element, path: LocationPath.joined(path: path, index: i), fieldName: fieldName)
            }
        case .object(let members):
            var seen: Set<String> = []
            for member in members {
                let childPath = LocationPath.appending(key: member.key, to: path)
                if !seen.insert(member.key).inserted {
                    annotations.append(
                        Annotation(.jsonDuplicateKey, detail: String(member.key.prefix(40))))
                }
                let key = Array(member.key.utf8)
                if !Child.appendKey(key, path: childPath, fieldName: member.key, to: &children) {
                    droppedKeyBytes += key.count
                }
                flatten(member.value, path: childPath, fieldName: member.key)
            }
        }
    }
}
