/// Percent-decoding primitives shared by the `url`, `form`, `cookie` and `path` decoders, and the
/// UTF-8 writer the web decoders (`html`, `escape`) share.
///
/// Everything works on bytes, never traps, and is linear in the input. Nothing allocates unless
/// it returns or appends to an array.
public enum Percent {
    /// What a decoding round noticed.
    public struct Findings: OptionSet, Sendable, Hashable {
        public let rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }

        /// At least one escape (or `+`, when it means a space) was decoded.
        public static let changed = Findings(rawValue: 1 << 0)
        /// An IIS-style `%uXXXX` escape was decoded.
        public static let percentUnicode = Findings(rawValue: 1 << 1)
        /// Decoding produced a NUL byte (`%00`, `%u0000`, an overlong NUL).
        public static let nul = Findings(rawValue: 1 << 2)
        /// An overlong UTF-8 sequence was folded into the character it smuggles.
        public static let overlong = Findings(rawValue: 1 << 3)
    }

    /// How to decode.
    public struct Options: OptionSet, Sendable, Hashable {
        public let rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }

        /// `+` means a space (application/x-www-form-urlencoded).
        public static let plusAsSpace = Options(rawValue: 1 << 0)
        /// Decode IIS `%uXXXX` escapes too.
        public static let percentUnicode = Options(rawValue: 1 << 1)
    }

    // MARK: - Recognising escapes

    /// The value of an ASCII hex digit, or nil.
    @inline(__always)
    public static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte &- UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte &- UInt8(ascii: "a") &+ 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte &- UInt8(ascii: "A") &+ 10
        default: return nil
        }
    }

    /// The byte of a valid `%XX` escape starting at `index` (which holds `%`), or nil.
    @inline(__always)
    static func escapedByte(_ input: ArraySlice<UInt8>, at index: Int) -> UInt8? {
        guard input.endIndex - index >= 3, let high = hexValue(input[index + 1]), let low = hexValue(input[index + 2])
        else { return nil }
        return high << 4 | low
    }

    /// The code unit of a valid `%uXXXX` escape starting at `index` (which holds `%`), or nil.
    @inline(__always)
    static func escapedUnit(_ input: ArraySlice<UInt8>, at index: Int) -> UInt16? {
        guard input.endIndex - index >= 6, (input[index + 1] | 0x20) == UInt8(ascii: "u") else { return nil }
        var unit: UInt16 = 0
        for offset in 2..<6 {
            guard let digit = hexValue(input[index + offset]) else { return nil }
            unit = unit << 4 | UInt16(digit)
        }
        return unit
    }

    /// Whether `input` holds at least one valid `%XX` escape (or `%uXXXX` when `percentUnicode`).
    /// The cheap test decoders run before allocating anything.
    public static func containsEscape(_ input: ArraySlice<UInt8>, percentUnicode: Bool) -> Bool {
        var index = input.startIndex
        while index < input.endIndex {
            if input[index] == UInt8(ascii: "%") {
                if escapedByte(input, at: index) != nil { return true }
                if percentUnicode, escapedUnit(input, at: index) != nil { return true }
            }
            index += 1
        }
        return false
    }

    // MARK: - Decoding

    /// Decodes one round of `input`: valid escapes become bytes, invalid `%` sequences stay as
    /// they are, and overlong UTF-8 in the result is folded (see `foldOverlong`). Returns the
    /// decoded bytes; `findings` gains what was noticed.
    public static func decodeRound(_ input: ArraySlice<UInt8>, options: Options, findings: inout Findings) -> [UInt8] {
        let plusAsSpace = options.contains(.plusAsSpace)
        let percentUnicode = options.contains(.percentUnicode)
        var out: [UInt8] = []
        out.reserveCapacity(input.count)
        var sawLeadByte = false
        var index = input.startIndex
        let end = input.endIndex
        while index < end {
            let byte = input[index]
            if byte == UInt8(ascii: "+"), plusAsSpace {
                out.append(0x20)
                findings.insert(.changed)
                index += 1
                continue
            }
            guard byte == UInt8(ascii: "%") else {
                out.append(byte)
                index += 1
                continue
            }
            if let decoded = escapedByte(input, at: index) {
                out.append(decoded)
                findings.insert(.changed)
                if decoded == 0 { findings.insert(.nul) }
                if decoded >= 0xC0 { sawLeadByte = true }
                index += 3
                continue
            }
            if percentUnicode, let unit = escapedUnit(input, at: index) {
                findings.insert([.changed, .percentUnicode])
                index += 6
                var scalar = UInt32(unit)
                if unit >= 0xD800, unit <= 0xDBFF {
                    // A high surrogate: pair it with a following `%uDC00`–`%uDFFF`.
                    if let low = escapedUnit(input, at: index), low >= 0xDC00, low <= 0xDFFF {
                        scalar = 0x10000 + (UInt32(unit - 0xD800) << 10 | UInt32(low - 0xDC00))
                        index += 6
                    } else {
                        scalar = 0xFFFD
                    }
                } else if unit >= 0xDC00, unit <= 0xDFFF {
                    scalar = 0xFFFD
                }
                if scalar == 0 { findings.insert(.nul) }
                appendUTF8(scalar, to: &out)
                continue
            }
            out.append(byte)  // an invalid escape stays as it is
            index += 1
        }
        if sawLeadByte {
            let folded = foldOverlong(&out)
            if folded.folded { findings.insert(.overlong) }
            if folded.nul { findings.insert(.nul) }
        }
        return out
    }

    /// Decodes a form, cookie or path component once (no `%u`): a plain copy when there is
    /// nothing to decode.
    public static func decodeComponent(_ input: ArraySlice<UInt8>, plusAsSpace: Bool, findings: inout Findings)
        -> [UInt8]
    {
        var needsWork = false
        for byte in input where byte == UInt8(ascii: "%") || (plusAsSpace && byte == UInt8(ascii: "+")) {
            needsWork = true
            break
        }
        guard needsWork else { return Array(input) }
        return decodeRound(input, options: plusAsSpace ? [.plusAsSpace] : [], findings: &findings)
    }

    /// `decodeComponent` over a buffer (the pair reader's): a plain copy when there is nothing to decode.
    static func decodeComponent(_ input: UnsafeBufferPointer<UInt8>, plusAsSpace: Bool, findings: inout Findings)
        -> [UInt8]
    {
        for byte in input where byte == UInt8(ascii: "%") || (plusAsSpace && byte == UInt8(ascii: "+")) {
            return decodeRound(ArraySlice(input), options: plusAsSpace ? [.plusAsSpace] : [], findings: &findings)
        }
        return Array(input)
    }

    // MARK: - Pairs

    /// Calls `body` with the raw (undecoded) name and value of each `name=value` pair of `input`,
    /// pairs split at `separator` (`&` for queries and forms, `;` for cookies), in order, until
    /// `body` returns false. The name runs to the pair's first `=`; `value` is what follows it,
    /// nil for a pair without `=`. Empty pairs (`&&`, a leading or trailing separator) are
    /// skipped. Bytes are read in place: nothing is decoded, trimmed or allocated.
    @inlinable
    public static func forEachPair(
        in input: UnsafeBufferPointer<UInt8>, separator: UInt8,
        _ body: (_ name: UnsafeBufferPointer<UInt8>, _ value: UnsafeBufferPointer<UInt8>?) -> Bool
    ) {
        var start = 0
        while start < input.count {
            var end = start
            while end < input.count, input[end] != separator { end += 1 }
            defer { start = end + 1 }
            guard end > start else { continue }
            var equals = start
            while equals < end, input[equals] != UInt8(ascii: "=") { equals += 1 }
            let name = UnsafeBufferPointer(rebasing: input[start..<equals])
            let value = equals < end ? UnsafeBufferPointer(rebasing: input[(equals + 1)..<end]) : nil
            guard body(name, value) else { return }
        }
    }

    /// Turns what decoding the components of a container (form pairs, cookies, path segments)
    /// noticed into annotations: one per code, `detail` = the first field it was seen in,
    /// `value` = how many components showed it.
    struct FindingLog {
        private(set) var annotations: [Annotation] = []

        /// `field` is only built when there is something to note.
        mutating func note(_ findings: Findings, field: @autoclosure () -> String) {
            guard findings.contains(.nul) || findings.contains(.overlong) || findings.contains(.percentUnicode) else {
                return
            }
            let field = field()
            if findings.contains(.nul) { add(.nulByte, field: field) }
            if findings.contains(.overlong) { add(.overlongUTF8, field: field) }
            if findings.contains(.percentUnicode) { add(.percentUnicode, field: field) }
        }

        private mutating func add(_ code: AnnotationCode, field: String) {
            if let index = annotations.firstIndex(where: { $0.code == code }) {
                annotations[index].value &+= 1
            } else {
                annotations.append(Annotation(code, detail: String(field.prefix(40)), value: 1))
            }
        }
    }

    /// Reads `name=value` pairs — form fields, cookies, a path segment's matrix parameters — into
    /// children: for each pair the name as a `.key` child (unless plain, `Child.appendKey`), then the value, both at `path(name)`,
    /// `fieldName` = name. Empty pairs are skipped; a pair without `=` is a name with an empty
    /// value. Names and values are decoded once with `decodeComponent`.
    struct PairReader {
        /// Between pairs: `&` for forms, `;` for cookies and matrix parameters.
        var separator: UInt8
        var plusAsSpace = false
        /// Cookies: trim spaces and tabs around pairs, names and values; strip a value's DQUOTEs.
        var cookieSyntax = false

        /// Where a pair's children go, from its decoded name.
        enum Location {
            /// `LocationPath.key(name)`: `.name`, or `["name"]` for a name that is not plain.
            case key
            /// Any other location.
            case custom((String) -> String)
        }

        /// Appends the pairs of `input` to `children`. `values` counts the values read so far
        /// against `maxPoints`; reading stops there (`limit.points`) or when the byte budget runs
        /// out (`limit.bytes`, recorded by `consume`). Returns false when a limit stopped it.
        func read(
            _ input: ArraySlice<UInt8>, path: Location, into children: inout [Child],
            log: inout FindingLog, values: inout Int, budget: inout DecodeBudget
        ) -> Bool {
            // Over the input's storage by offsets: iterating slices costs bounds checks per byte.
            input.withUnsafeBufferPointer { bytes in
                read(bytes, path: path, into: &children, log: &log, values: &values, budget: &budget)
            }
        }

        private func read(
            _ bytes: UnsafeBufferPointer<UInt8>, path: Location, into children: inout [Child],
            log: inout FindingLog, values: inout Int, budget: inout DecodeBudget
        ) -> Bool {
            var separators = 0
            for byte in bytes where byte == separator { separators += 1 }
            children.reserveCapacity(children.count + 2 * min(separators + 1, 64))
            var start = 0
            while start < bytes.count {
                var end = start
                while end < bytes.count, bytes[end] != separator { end += 1 }
                defer { start = end + 1 }
                var pair = start..<end
                if cookieSyntax { pair = Self.trimmed(bytes, pair) }
                if pair.isEmpty { continue }
                if values >= budget.limits.maxPoints {
                    budget.hit(.points)
                    return false
                }
                var equals = pair.lowerBound
                while equals < pair.upperBound, bytes[equals] != UInt8(ascii: "=") { equals += 1 }
                var rawName = pair.lowerBound..<equals
                // A pair without `=` is a name with an empty value.
                var rawValue =
                    equals < pair.upperBound ? (equals + 1)..<pair.upperBound : pair.upperBound..<pair.upperBound
                if cookieSyntax {
                    rawName = Self.trimmed(bytes, rawName)
                    rawValue = Self.trimmed(bytes, rawValue)
                    if rawValue.count >= 2, bytes[rawValue.lowerBound] == UInt8(ascii: "\""),
                        bytes[rawValue.upperBound - 1] == UInt8(ascii: "\"")
                    {
                        rawValue = (rawValue.lowerBound + 1)..<(rawValue.upperBound - 1)
                    }
                }
                var findings: Findings = []
                let name = decodeComponent(
                    UnsafeBufferPointer(rebasing: bytes[rawName]), plusAsSpace: plusAsSpace, findings: &findings)
                let value = decodeComponent(
                    UnsafeBufferPointer(rebasing: bytes[rawValue]), plusAsSpace: plusAsSpace, findings: &findings)
                guard budget.consume(name.count + value.count) else { return false }
                let fieldName = String(decoding: name, as: UTF8.self)
                let location: String
                switch path {
                case .key: location = Self.keyLocation(name, fieldName: fieldName)
                case .custom(let path): location = path(fieldName)
                }
                log.note(findings, field: fieldName)
                Child.appendKey(name, path: location, fieldName: fieldName, to: &children)
                children.append(Child(path: location, value: value, kind: .text, fieldName: fieldName))
                values += 1
            }
            return true
        }

        /// `LocationPath.key(fieldName)`, `fieldName` being `name` decoded: a plain name's bytes
        /// are its text, so `.name` is built from them without reading the string again.
        static func keyLocation(_ name: [UInt8], fieldName: String) -> String {
            let plain = name.withUnsafeBufferPointer { LocationPath.isPlain(bytes: $0) }
            guard plain else { return LocationPath.key(fieldName) }
            return String(unsafeUninitializedCapacity: name.count + 1) { out in
                out[0] = UInt8(ascii: ".")
                _ = UnsafeMutableBufferPointer(rebasing: out[1...]).initialize(fromContentsOf: name)
                return name.count + 1
            }
        }

        /// `range` without surrounding spaces and tabs (the OWS of RFC 6265).
        private static func trimmed(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Range<Int> {
            var start = range.lowerBound
            var end = range.upperBound
            while start < end, bytes[start] == 0x20 || bytes[start] == 0x09 { start += 1 }
            while end > start, bytes[end - 1] == 0x20 || bytes[end - 1] == 0x09 { end -= 1 }
            return start..<end
        }

    }

    // MARK: - Overlong UTF-8

    /// Folds overlong UTF-8 sequences (`C0 AE` for `.`, `E0 80 AF` for `/`, and the 5- and 6-byte
    /// forms some old decoders accepted) into the shortest encoding of the character they smuggle,
    /// in place. Valid UTF-8 is never changed: every folded sequence starts with a byte valid
    /// UTF-8 cannot produce there. Sequences that would decode to a surrogate or beyond U+10FFFF
    /// are left alone.
    @discardableResult
    public static func foldOverlong(_ bytes: inout [UInt8]) -> (folded: Bool, nul: Bool) {
        var folded = false
        var nul = false
        var read = 0
        var write = 0
        let count = bytes.count
        while read < count {
            let lead = bytes[read]
            let length: Int
            let initial: UInt32
            let minimum: UInt32
            switch lead {
            case 0xC0, 0xC1: (length, initial, minimum) = (2, UInt32(lead & 0x1F), 0x80)
            case 0xE0: (length, initial, minimum) = (3, 0, 0x800)
            case 0xF0: (length, initial, minimum) = (4, 0, 0x10000)
            case 0xF8...0xFB: (length, initial, minimum) = (5, UInt32(lead & 0x03), 0x20_0000)
            case 0xFC, 0xFD: (length, initial, minimum) = (6, UInt32(lead & 0x01), 0x400_0000)
            default: (length, initial, minimum) = (0, 0, 0)
            }
            if length > 0, count - read >= length {
                var value = initial
                var valid = true
                for offset in 1..<length {
                    let continuation = bytes[read + offset]
                    guard continuation & 0xC0 == 0x80 else {
                        valid = false
                        break
                    }
                    value = value << 6 | UInt32(continuation & 0x3F)
                }
                if valid, value < minimum, value <= 0x10FFFF, !(0xD800...0xDFFF).contains(value) {
                    // The shortest form is never longer than the overlong one: write in place.
                    writeShortest(value, into: &bytes, at: &write)
                    if value == 0 { nul = true }
                    folded = true
                    read += length
                    continue
                }
            }
            bytes[write] = lead
            write += 1
            read += 1
        }
        if write < count { bytes.removeSubrange(write...) }
        return (folded, nul)
    }

    /// Writes the shortest UTF-8 encoding of a scalar (at most U+10FFFF, not a surrogate) at
    /// `write`, which is at least as many bytes behind the read position as the encoding is long.
    @inline(__always)
    private static func writeShortest(_ value: UInt32, into bytes: inout [UInt8], at write: inout Int) {
        var scratch: (UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0)
        let length: Int
        switch value {
        case 0..<0x80:
            scratch.0 = UInt8(truncatingIfNeeded: value)
            length = 1
        case 0x80..<0x800:
            scratch.0 = 0xC0 | UInt8(truncatingIfNeeded: value >> 6)
            scratch.1 = 0x80 | UInt8(truncatingIfNeeded: value & 0x3F)
            length = 2
        case 0x800..<0x10000:
            scratch.0 = 0xE0 | UInt8(truncatingIfNeeded: value >> 12)
            scratch.1 = 0x80 | UInt8(truncatingIfNeeded: (value >> 6) & 0x3F)
            scratch.2 = 0x80 | UInt8(truncatingIfNeeded: value & 0x3F)
            length = 3
        default:
            scratch.0 = 0xF0 | UInt8(truncatingIfNeeded: value >> 18)
            scratch.1 = 0x80 | UInt8(truncatingIfNeeded: (value >> 12) & 0x3F)
            scratch.2 = 0x80 | UInt8(truncatingIfNeeded: (value >> 6) & 0x3F)
            scratch.3 = 0x80 | UInt8(truncatingIfNeeded: value & 0x3F)
            length = 4
        }
        bytes[write] = scratch.0
        if length > 1 { bytes[write + 1] = scratch.1 }
        if length > 2 { bytes[write + 2] = scratch.2 }
        if length > 3 { bytes[write + 3] = scratch.3 }
        write += length
    }

    // MARK: - UTF-8 output

    /// Appends the UTF-8 encoding of `scalar`; surrogates and values past U+10FFFF become U+FFFD.
    @inline(__always)
    public static func appendUTF8(_ scalar: UInt32, to out: inout [UInt8]) {
        var value = scalar
        if value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF) { value = 0xFFFD }
        switch value {
        case 0..<0x80:
            out.append(UInt8(truncatingIfNeeded: value))
        case 0x80..<0x800:
            out.append(0xC0 | UInt8(truncatingIfNeeded: value >> 6))
            out.append(0x80 | UInt8(truncatingIfNeeded: value & 0x3F))
        case 0x800..<0x10000:
            out.append(0xE0 | UInt8(truncatingIfNeeded: value >> 12))
            out.append(0x80 | UInt8(truncatingIfNeeded: (value >> 6) & 0x3F))
            out.append(0x80 | UInt8(truncatingIfNeeded: value & 0x3F))
        default:
            out.append(0xF0 | UInt8(truncatingIfNeeded: value >> 18))
            out.append(0x80 | UInt8(truncatingIfNeeded: (value >> 12) & 0x3F))
            out.append(0x80 | UInt8(truncatingIfNeeded: (value >> 6) & 0x3F))
            out.append(0x80 | UInt8(truncatingIfNeeded: value & 0x3F))
        }
    }
}
