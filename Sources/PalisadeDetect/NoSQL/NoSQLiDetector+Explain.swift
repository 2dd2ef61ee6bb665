extension NoSQLiDetector {
    /// Why a key or value reads as NoSQL injection — for `palisade scan --explain`. A key: the
    /// operator found in it, its family, and where it sits (the field it applies to and whether that
    /// is a credential, whether it replaces a parameter's scalar value, whether it is under a filter
    /// parameter). A text value: the server-side JavaScript or Mongo-shell construct found in it.
    /// `location` is the point's full location (`body.json.password.$ne`).
    public static func explain(_ value: ArraySlice<UInt8>, kind: ValueKind, location: String, fieldName: String?)
        -> [String]
    {
        if kind == .key {
            guard let op = operatorIn(value) else { return ["nosqli key: no operator"] }
            var line = "operator `$\(op.name)` (\(op.family)) in key " + ExplainText.show(value)
            switch op.family {
            case .javascript: return [line + "; server-side JavaScript, wherever it sits"]
            case .logical: return [line + "; only combines conditions (judged on their own)"]
            case .aggregation, .query: break
            }
            let bytes = Array(location.utf8)[...]
            let (owner, replacesScalar) = ownerField(bytes, before: "$" + op.name)
            if op.family == .query, let owner {
                let name = String(decoding: owner, as: UTF8.self)
                let credential = Evidence.isSecretField(name) || isCredential(owner)
                line += "; applies to field `\(name)`" + (credential ? " (a credential)" : "")
            }
            if replacesScalar { line += "; replaces the parameter's scalar value" }
            if underFilter(bytes) { line += "; under a filter parameter (the API's own query language)" }
            return [line]
        }
        var lines: [String] = []
        if fieldName == "$where" || fieldName == "$function" || fieldName == "$accumulator" {
            lines.append("javascript body of `\(fieldName ?? "")`: " + ExplainText.show(value, limit: 96))
        }
        let readings: [(String, Range<Int>?)] = [
            ("this.<field> comparison", thisComparison(value)), ("sleep after a statement break", jsSleep(value)),
            ("mongo shell call", shellCall(value)), ("{$op: …} object literal", objectLiteralOperator(value)),
            ("quote breakout", quoteBreakout(value)),
        ]
        for (name, range) in readings {
            if let range { lines.append("\(name): " + ExplainText.show(ExplainText.slice(value, range), limit: 64)) }
        }
        return lines.isEmpty ? ["nosqli value: no javascript construct"] : lines
    }
}
