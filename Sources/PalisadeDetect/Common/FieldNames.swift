/// One pass over a field name for everything `NetField` and `FieldProfile` read from it.
///
/// Both compare the name lowercased without `-`/`_` against exact names and look for marker
/// substrings. They run for most values of a request (several detectors and the scoring ask), so
/// ASCII names — nearly all of them — take this path: the normalized name is built without
/// allocating up to 15 bytes, looked up once in one table, and the markers are tried only where
/// their first byte occurs. Other names keep the original comparisons (character semantics).
enum FieldNames {
    struct Roles: OptionSet, Sendable {
        let rawValue: UInt16
        static let redirect = Roles(rawValue: 1 << 0)
        static let url = Roles(rawValue: 1 << 1)
        static let host = Roles(rawValue: 1 << 2)
        static let ip = Roles(rawValue: 1 << 3)
        static let mail = Roles(rawValue: 1 << 4)
        static let file = Roles(rawValue: 1 << 5)
        static let code = Roles(rawValue: 1 << 6)
        static let freeText = Roles(rawValue: 1 << 7)
        static let command = Roles(rawValue: 1 << 8)
    }

    /// What the exact name and the markers found in it say.
    struct Reading: Sendable {
        var exact: Roles
        var marked: Roles
        /// Ends with `ip`, `ipaddress` or `addr`.
        var ipSuffix: Bool

        /// The name says the value is a command line (`cmd`, `command`, `exec`, `shell`…).
        var command: Bool { exact.contains(.command) || marked.contains(.command) }

        var profile: FieldProfile {
            if exact.contains(.code) { return .code }
            if exact.contains(.freeText) { return .freeText }
            if marked.contains(.code) { return .code }
            if marked.contains(.freeText) { return .freeText }
            return .plain
        }
    }

    /// The reading of an ASCII name of 1–64 bytes; nil for other names (callers fall back).
    static func read(_ fieldName: String) -> Reading? {
        let utf8 = fieldName.utf8
        guard !utf8.isEmpty, utf8.count <= 64 else { return nil }
        var length = 0
        for byte in utf8 {
            guard byte < 0x80 else { return nil }
            if byte != UInt8(ascii: "-") && byte != UInt8(ascii: "_") { length += 1 }
        }
        let name = String(unsafeUninitializedCapacity: length) { buffer in
            var count = 0
            for byte in utf8 where byte != UInt8(ascii: "-") && byte != UInt8(ascii: "_") {
                buffer[count] = Bytes.lower(byte)
                count += 1
            }
            return count
        }
        var reading = Reading(exact: exact[name] ?? [], marked: [], ipSuffix: false)
        var copy = name
        copy.withUTF8 { bytes in
            reading.marked = marks(in: bytes)
            reading.ipSuffix =
                hasSuffix(bytes, "ip") || hasSuffix(bytes, "ipaddress") || hasSuffix(bytes, "addr")
        }
        return reading
    }

    private static func marks(in bytes: UnsafeBufferPointer<UInt8>) -> Roles {
        var roles: Roles = []
        for start in bytes.indices {
            for (marker, role) in markersByFirstByte[Int(bytes[start])] where bytes.count - start >= marker.count {
                var matched = true
                for offset in 1..<marker.count where bytes[start + offset] != marker[offset] {
                    matched = false
                    break
                }
                if matched { roles.insert(role) }
            }
        }
        return roles
    }

    private static func hasSuffix(_ bytes: UnsafeBufferPointer<UInt8>, _ suffix: StaticString) -> Bool {
        let count = suffix.utf8CodeUnitCount
        guard bytes.count >= count else { return false }
        for offset in 0..<count where bytes[bytes.count - count + offset] != suffix.utf8Start[offset] { return false }
        return true
    }

    /// Every exact name with the roles it carries.
    static let exact: [String: Roles] = {
        var table: [String: Roles] = [:]
        func add(_ names: Set<String>, _ role: Roles) {
            for name in names { table[name, default: []].insert(role) }
        }
        add(NetField.redirectNames, .redirect)
        add(NetField.urlNames, .url)
        add(NetField.hostNames, .host)
        add(NetField.ipNames, .ip)
        add(NetField.mailNames, .mail)
        add(NetField.fileNames, .file)
        add(FieldProfile.codeNames, .code)
        add(FieldProfile.freeTextNames, .freeText)
        add(FieldProfile.commandNames, .command)
        return table
    }()

    /// Every marker (all lowercase ASCII) with its role, by first byte.
    static let markersByFirstByte: [[([UInt8], Roles)]] = {
        var table = [[([UInt8], Roles)]](repeating: [], count: 256)
        func add(_ markers: [StaticString], _ role: Roles) {
            for marker in markers {
                let bytes = Array(UnsafeBufferPointer(start: marker.utf8Start, count: marker.utf8CodeUnitCount))
                table[Int(bytes[0])].append((bytes, role))
            }
        }
        add(NetField.redirectMarkers, .redirect)
        add(NetField.urlMarkers, .url)
        add(NetField.hostMarkers, .host)
        add(NetField.mailMarkers, .mail)
        add(NetField.fileMarkers, .file)
        add(FieldProfile.codeMarkers, .code)
        add(FieldProfile.freeTextMarkers, .freeText)
        add(FieldProfile.commandMarkers, .command)
        return table
    }()
}
