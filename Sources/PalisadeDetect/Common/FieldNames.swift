/// One pass over a field name for everything `NetField` and `FieldProfile` read from it.
///
/// Both compare the name lowercased without `-`/`_` against exact names and look for marker
/// substrings. `DetectionContext` reads every value's field name once (`FieldRoles`), so ASCII
/// names — nearly all of them — take this path: the normalized name is written to a stack buffer
/// (no `String`), looked up once by its hash in one table, and the markers are tried only where
/// their first two bytes occur. Other names keep the original comparisons (character semantics).
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
        guard fieldName.utf8.count <= 64 else { return nil }
        var copy = fieldName
        return copy.withUTF8 { read(utf8: $0) }
    }

    /// The name is normalized into a stack buffer and looked up by its hash (no `String` built).
    private static func read(utf8: UnsafeBufferPointer<UInt8>) -> Reading? {
        guard !utf8.isEmpty, utf8.count <= 64 else { return nil }
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 64) { buffer -> Reading? in
            var length = 0
            var hash = WordHash.seed
            for byte in utf8 {
                guard byte < 0x80 else { return nil }
                guard byte != UInt8(ascii: "-") && byte != UInt8(ascii: "_") else { continue }
                buffer[length] = Bytes.lower(byte)
                hash = WordHash.add(hash, byte)
                length += 1
            }
            let name = UnsafeBufferPointer(rebasing: buffer[0..<length])
            var reading = Reading(exact: [], marked: [], ipSuffix: false)
            if let entry = exactByHash[hash], entry.name.elementsEqual(name) { reading.exact = entry.roles }
            reading.marked = marks(in: name)
            reading.ipSuffix = hasSuffix(name, "ip") || hasSuffix(name, "ipaddress") || hasSuffix(name, "addr")
            return reading
        }
    }

    private static func marks(in bytes: UnsafeBufferPointer<UInt8>) -> Roles {
        var roles: Roles = []
        let table = markerTable  // one access to the static, not one per byte
        table.bytes.withUnsafeBufferPointer { all in
            // Every marker has two bytes or more: the first two settle most positions.
            for start in bytes.indices where table.first.contains(bytes[start]) {
                guard start + 1 < bytes.count, table.second[Int(bytes[start])].contains(bytes[start + 1]) else {
                    continue
                }
                for marker in table.byFirstByte[Int(bytes[start])] where bytes.count - start >= marker.count {
                    var matched = true
                    for offset in 1..<marker.count where bytes[start + offset] != all[marker.offset + offset] {
                        matched = false
                        break
                    }
                    if matched { roles.insert(marker.role) }
                }
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

    /// Every exact name with its roles, keyed by `WordHash` (the name is compared on a hit).
    static let exactByHash = WordTable<(name: [UInt8], roles: Roles)>(
        {
            var table: [UInt64: (name: [UInt8], roles: Roles)] = [:]
            for (name, roles) in exact {
                let hash = WordHash.of(name)
                precondition(table[hash] == nil, "field-name hash collision: \(name)")
                table[hash] = (Array(name.utf8), roles)
            }
            return table
        }())

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

    /// A marker (all lowercase ASCII) in `markerTable.bytes`.
    struct Marker: Sendable {
        var offset: Int
        var count: Int
        var role: Roles
    }

    /// The markers: their bytes one after the other (`Marker.offset`), the markers by first
    /// byte, the first bytes, and per first byte the second bytes.
    static let markerTable: (bytes: [UInt8], byFirstByte: [[Marker]], first: ByteSet, second: [ByteSet]) = {
        var bytes: [UInt8] = []
        var table = [[Marker]](repeating: [], count: 256)
        var first = ByteSet("")
        var second = [ByteSet](repeating: ByteSet(""), count: 256)
        func add(_ markers: [StaticString], _ role: Roles) {
            for marker in markers {
                let count = marker.utf8CodeUnitCount
                table[Int(marker.utf8Start[0])].append(Marker(offset: bytes.count, count: count, role: role))
                first.insert(marker.utf8Start[0])
                precondition(count >= 2, "field-name markers have two bytes or more")
                second[Int(marker.utf8Start[0])].insert(marker.utf8Start[1])
                bytes.append(contentsOf: UnsafeBufferPointer(start: marker.utf8Start, count: count))
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
        return (bytes, table, first, second)
    }()
}
