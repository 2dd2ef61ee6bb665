/// Flattens a JSON text straight from its bytes into children — one per scalar and one `.key`
/// child per member — without building a `JSONValue` tree first.
///
/// Same grammar as `JSONReader` (strict RFC 8259, `maxDepth` nesting, lone surrogates and invalid
/// UTF-8 repaired to U+FFFD) and the same output as flattening the tree `JSONReader` would build:
/// children in document order, `json.duplicate_key` for a key seen twice in one object. On any
/// syntax error `flatten` returns false and what was produced so far is to be thrown away; callers
/// then take the `JSONReader` path for the exact error (rare: sniffed values are checked first).
struct JSONFlattener {
    private let bytes: UnsafeBufferPointer<UInt8>
    private let maxDepth: Int
    private var index = 0
    private(set) var children: [Child] = []
    private(set) var annotations: [Annotation] = []
    /// Bytes of the plain keys left out of `children` (`Child.appendKey`): still charged to the budget.
    private(set) var droppedKeyBytes = 0
    /// Keys of the objects being read, innermost last (duplicate detection without a set per object).
    private var keys: [String] = []
    /// Reused between escaped strings.
    private var scratch: [UInt8] = []

    /// Objects with more members than this switch from a linear scan to a set for duplicates.
    private static let linearKeys = 16

    /// Flattens `input` (already trimmed); false if it is not one valid JSON document.
    static func flatten(_ input: ArraySlice<UInt8>, maxDepth: Int, fieldName: String?) -> JSONFlattener? {
        input.withUnsafeBufferPointer { buffer in
            var flattener = JSONFlattener(bytes: buffer, maxDepth: maxDepth)
            // Growing from empty reallocates 3–4 times for a typical document.
            flattener.children.reserveCapacity(min(64, max(4, buffer.count / 8)))
            flattener.keys.reserveCapacity(8)
            guard flattener.document(fieldName: fieldName) else { return nil }
            return flattener
        }
    }

    private init(bytes: UnsafeBufferPointer<UInt8>, maxDepth: Int) {
        self.bytes = bytes
        self.maxDepth = maxDepth
    }

    private mutating func document(fieldName: String?) -> Bool {
        skipWhitespace()
        guard value(depth: 0, path: "", fieldName: fieldName) else { return false }
        skipWhitespace()
        return index == bytes.count
    }

    private mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    private mutating func value(depth: Int, path: String, fieldName: String?) -> Bool {
        guard index < bytes.count else { return false }
        switch bytes[index] {
        case UInt8(ascii: "{"): return object(depth: depth + 1, path: path)
        case UInt8(ascii: "["): return array(depth: depth + 1, path: path, fieldName: fieldName)
        case UInt8(ascii: "\""):
            guard let text = string() else { return false }
            children.append(Child(path: path, value: text, kind: .text, fieldName: fieldName))
        case UInt8(ascii: "t"):
            guard literal("true") else { return false }
            children.append(Child(path: path, value: Self.trueBytes, kind: .boolean, fieldName: fieldName))
        case UInt8(ascii: "f"):
            guard literal("false") else { return false }
            children.append(Child(path: path, value: Self.falseBytes, kind: .boolean, fieldName: fieldName))
        case UInt8(ascii: "n"):
            guard literal("null") else { return false }
            children.append(Child(path: path, value: Self.nullBytes, kind: .null, fieldName: fieldName))
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            let start = index
            guard number() else { return false }
            children.append(
                Child(
                    path: path, value: Array(UnsafeBufferPointer(rebasing: bytes[start..<index])), kind: .number,
                    fieldName: fieldName))
        default:
            return false
        }
        return true
    }

    private mutating func literal(_ literal: StaticString) -> Bool {
        let count = literal.utf8CodeUnitCount
        guard bytes.count - index >= count else { return false }
        let start = literal.utf8Start
        for offset in 0..<count where bytes[index + offset] != start[offset] { return false }
        index += count
        return true
    }

    private mutating func object(depth: Int, path: String) -> Bool {
        guard depth <= maxDepth else { return false }
        index += 1  // {
        let base = keys.count
        defer { keys.removeSubrange(base...) }
        var seen: Set<String>? = nil
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
            index += 1
            return true
        }
        while true {
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { return false }
            guard let (key, keyBytes, keyCount) = self.key() else { return false }
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { return false }
            index += 1
            skipWhitespace()
            if isDuplicate(key, base: base, seen: &seen) {
                annotations.append(Annotation(.jsonDuplicateKey, detail: String(key.prefix(40))))
            }
            let childPath = LocationPath.appending(key: key, to: path)
            if let keyBytes {
                children.append(Child(path: childPath, value: keyBytes, kind: .key, fieldName: key))
            } else {
                droppedKeyBytes += keyCount
            }
            guard value(depth: depth, path: childPath, fieldName: key) else { return false }
            skipWhitespace()
            guard index < bytes.count else { return false }
            switch bytes[index] {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "}"):
                index += 1
                return true
            default: return false
            }
        }
    }

    /// Records `key` for the current object; true if it was already there.
    private mutating func isDuplicate(_ key: String, base: Int, seen: inout Set<String>?) -> Bool {
        if seen != nil { return !seen!.insert(key).inserted }
        for i in base..<keys.count where keys[i] == key { return true }
        keys.append(key)
        if keys.count - base > Self.linearKeys { seen = Set(keys[base...]) }
        return false
    }

    private mutating func array(depth: Int, path: String, fieldName: String?) -> Bool {
        guard depth <= maxDepth else { return false }
        index += 1  // [
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
            index += 1
            return true
        }
        var position = 0
        while true {
            skipWhitespace()
            guard value(depth: depth, path: LocationPath.joined(path: path, index: position), fieldName: fieldName)
            else {
                return false
            }
            position += 1
            skipWhitespace()
            guard index < bytes.count else { return false }
            switch bytes[index] {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "]"):
                index += 1
                return true
            default: return false
            }
        }
    }

    private mutating func number() -> Bool {
        if bytes[index] == UInt8(ascii: "-") { index += 1 }
        guard index < bytes.count, isDigit(bytes[index]) else { return false }
        if bytes[index] == UInt8(ascii: "0") {
            index += 1
        } else {
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            guard index < bytes.count, isDigit(bytes[index]) else { return false }
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
                index += 1
            }
            guard index < bytes.count, isDigit(bytes[index]) else { return false }
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        }
        return true
    }

    private func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

    /// A string's bytes as `JSONReader` would give them (escapes resolved, invalid UTF-8 and lone
    /// surrogates as U+FFFD); nil on a syntax error.
    private mutating func string() -> [UInt8]? {
        index += 1  // opening quote
        let start = index
        var ascii = true
        // Fast path: no escapes.
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                let raw = UnsafeBufferPointer(rebasing: bytes[start..<index])
                index += 1
                return ascii ? Array(raw) : Self.repaired(raw)
            }
            if byte == UInt8(ascii: "\\") { break }
            if byte < 0x20 { return nil }
            if byte >= 0x80 { ascii = false }
            index += 1
        }
        guard index < bytes.count else { return nil }
        scratch.removeAll(keepingCapacity: true)
        scratch.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<index]))
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\""):
                index += 1
                return ascii ? scratch : scratch.withUnsafeBufferPointer { Self.repaired($0) }
            case UInt8(ascii: "\\"):
                index += 1
                guard index < bytes.count else { return nil }
                let escaped = bytes[index]
                index += 1
                if let byte = JSONEscape.simple(escaped) {
                    scratch.append(byte)
                    continue
                }
                switch escaped {
                case UInt8(ascii: "u"):
                    guard var scalar = hex4() else { return nil }
                    if (0xD800...0xDBFF).contains(scalar) {
                        // A high surrogate must be followed by an escaped low surrogate.
                        if bytes.count - index >= 6, bytes[index] == UInt8(ascii: "\\"),
                            bytes[index + 1] == UInt8(ascii: "u")
                        {
                            let save = index
                            index += 2
                            guard let low = hex4() else { return nil }
                            if (0xDC00...0xDFFF).contains(low) {
                                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                            } else {
                                index = save
                                scalar = 0xFFFD
                            }
                        } else {
                            scalar = 0xFFFD
                        }
                    } else if (0xDC00...0xDFFF).contains(scalar) {
                        scalar = 0xFFFD
                    }
                    if scalar >= 0x80 { ascii = false }
                    appendUTF8(scalar, to: &scratch)
                default:
                    return nil
                }
            default:
                if byte < 0x20 { return nil }
                if byte >= 0x80 { ascii = false }
                scratch.append(byte)
                index += 1
            }
        }
        return nil
    }

    /// An object's key at the opening quote: the key, its bytes when they make a `.key` child
    /// (`Child.appendKey`: not a benign identifier), and their count; nil on a syntax error. A key
    /// without escapes is read in place: most are benign identifiers and need no bytes of their own.
    private mutating func key() -> (key: String, bytes: [UInt8]?, count: Int)? {
        let start = index + 1
        var end = start
        var ascii = true
        while end < bytes.count {
            let byte = bytes[end]
            if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") || byte < 0x20 { break }
            if byte >= 0x80 { ascii = false }
            end += 1
        }
        guard end < bytes.count, bytes[end] == UInt8(ascii: "\""), ascii else {
            // Escapes, control bytes, non-ASCII or no closing quote: the general reading.
            guard let keyBytes = string() else { return nil }
            let key = String(decoding: keyBytes, as: UTF8.self)
            return (key, LocationPath.isBenignIdentifier(keyBytes) ? nil : keyBytes, keyBytes.count)
        }
        let raw = UnsafeBufferPointer(rebasing: bytes[start..<end])
        index = end + 1
        let key = String(decoding: raw, as: UTF8.self)
        return (key, LocationPath.isBenignIdentifier(raw) ? nil : Array(raw), raw.count)
    }

    /// The scalars' bytes shared by every child that holds one.
    private static let trueBytes: [UInt8] = Array("true".utf8)
    private static let falseBytes: [UInt8] = Array("false".utf8)
    private static let nullBytes: [UInt8] = Array("null".utf8)

    /// Non-ASCII bytes through `String(decoding:)`, exactly as `JSONReader` repairs them.
    private static func repaired(_ raw: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        Array(String(decoding: raw, as: UTF8.self).utf8)
    }

    private mutating func hex4() -> UInt32? {
        guard bytes.count - index >= 4 else { return nil }
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard let digit = hexValue(bytes[index]) else { return nil }
            value = value << 4 | UInt32(digit)
            index += 1
        }
        return value
    }
}
