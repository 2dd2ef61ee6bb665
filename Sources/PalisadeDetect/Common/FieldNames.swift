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
            let tables = FieldNames.tables
            var reading = Reading(exact: [], marked: [], ipSuffix: false)
            if let entry = tables.exact[hash], tables.isExact(entry, name) { reading.exact = entry.roles }
            reading.marked = tables.marks(in: name)
            reading.ipSuffix = hasSuffix(name, "ip") || hasSuffix(name, "ipaddress") || hasSuffix(name, "addr")
            return reading
        }
    }

    private static func hasSuffix(_ bytes: UnsafeBufferPointer<UInt8>, _ suffix: StaticString) -> Bool {
        let count = suffix.utf8CodeUnitCount
        guard bytes.count >= count else { return false }
        for offset in 0..<count where bytes[bytes.count - count + offset] != suffix.utf8Start[offset] { return false }
        return true
    }

    /// A name or marker (all lowercase ASCII) in `Tables.bytes`, with its roles.
    struct Entry: Sendable {
        var offset: Int32
        var count: Int32
        var roles: Roles
    }

    /// The exact names and the markers over one flat byte array, built once: a lookup copies no
    /// array and retains nothing per name (one reference to this object).
    final class Tables: Sendable {
        /// Every exact name and marker, one after the other (`Entry.offset`, `Entry.count`).
        let bytes: [UInt8]
        /// Every exact name by its `WordHash` (the bytes are compared on a hit).
        let exact: WordTable<Entry>
        /// The markers ordered by first byte: those starting with byte `b` are
        /// `markers[byFirst[b]..<byFirst[b + 1]]`.
        let markers: [Entry]
        let byFirst: [Int32]
        /// Bit `b0 << 8 | b1` set when a marker starts with bytes `b0 b1` (every marker has two
        /// bytes or more: the first two settle most positions).
        let pairs: [UInt64]

        init(exact names: [String: Roles], markers list: [(StaticString, Roles)]) {
            var bytes: [UInt8] = []
            var exact: [UInt64: Entry] = [:]
            for (name, roles) in names {
                let hash = WordHash.of(name)
                precondition(exact[hash] == nil, "field-name hash collision: \(name)")
                exact[hash] = Entry(offset: Int32(bytes.count), count: Int32(name.utf8.count), roles: roles)
                bytes.append(contentsOf: name.utf8)
            }
            var byByte = [[Entry]](repeating: [], count: 256)
            var pairs = [UInt64](repeating: 0, count: 1024)
            for (marker, roles) in list {
                let count = marker.utf8CodeUnitCount
                precondition(count >= 2, "field-name markers have two bytes or more")
                let first = marker.utf8Start[0]
                let pair = Int(first) << 8 | Int(marker.utf8Start[1])
                pairs[pair >> 6] |= 1 << UInt64(pair & 63)
                byByte[Int(first)].append(Entry(offset: Int32(bytes.count), count: Int32(count), roles: roles))
                bytes.append(contentsOf: UnsafeBufferPointer(start: marker.utf8Start, count: count))
            }
            var byFirst: [Int32] = [0]
            for entries in byByte { byFirst.append(byFirst[byFirst.count - 1] + Int32(entries.count)) }
            self.bytes = bytes
            self.exact = WordTable(exact)
            self.markers = byByte.flatMap { $0 }
            self.byFirst = byFirst
            self.pairs = pairs
        }

        /// Whether `name` is the exact name `entry` stands for.
        @inline(__always)
        func isExact(_ entry: Entry, _ name: UnsafeBufferPointer<UInt8>) -> Bool {
            guard Int(entry.count) == name.count else { return false }
            return bytes.withUnsafeBufferPointer { all in
                for offset in 0..<name.count where all[Int(entry.offset) + offset] != name[offset] { return false }
                return true
            }
        }

        /// The roles of every marker found in `name`.
        func marks(in name: UnsafeBufferPointer<UInt8>) -> Roles {
            guard name.count >= 2 else { return [] }
            var roles: Roles = []
            bytes.withUnsafeBufferPointer { all in
                pairs.withUnsafeBufferPointer { pairs in
                    markers.withUnsafeBufferPointer { markers in
                        byFirst.withUnsafeBufferPointer { byFirst in
                            for start in 0..<(name.count - 1) {
                                let pair = Int(name[start]) << 8 | Int(name[start + 1])
                                guard pairs[pair >> 6] & (1 << UInt64(pair & 63)) != 0 else { continue }
                                let first = Int(name[start])
                                for marker in markers[Int(byFirst[first])..<Int(byFirst[first + 1])]
                                where name.count - start >= Int(marker.count) {
                                    var matched = true
                                    for offset in 1..<Int(marker.count)
                                    where name[start + offset] != all[Int(marker.offset) + offset] {
                                        matched = false
                                        break
                                    }
                                    if matched { roles.insert(marker.roles) }
                                }
                            }
                        }
                    }
                }
            }
            return roles
        }
    }

    static let tables = Tables(
        exact: exact,
        markers: [
            (NetField.redirectMarkers, Roles.redirect), (NetField.urlMarkers, .url), (NetField.hostMarkers, .host),
            (NetField.mailMarkers, .mail), (NetField.fileMarkers, .file), (FieldProfile.codeMarkers, .code),
            (FieldProfile.freeTextMarkers, .freeText), (FieldProfile.commandMarkers, .command),
        ].flatMap { pair in pair.0.map { ($0, pair.1) } })

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

}
