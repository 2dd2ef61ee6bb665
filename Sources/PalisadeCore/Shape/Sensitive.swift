#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Kinds of sensitive data recognised in values, for API discovery (which endpoints carry PII
/// or secrets). Stable raw values. Values themselves are never stored, only the kind.
public enum SensitiveKind: String, Sendable, Hashable, CaseIterable {
    case email, phone, card, iban, ssn, jwt, secret
    /// A national identity number other than the US SSN (see `Sensitive.isNationalID`).
    case nationalID = "national_id"
}

/// Recognisers for sensitive values. Each is cheap and allocation-free.
public enum Sensitive {
    /// The kinds found in one value (a value is usually one kind; free text may hold several).
    public static func kinds(in b: ArraySlice<UInt8>, fieldName: String? = nil) -> [SensitiveKind] {
        guard b.count >= 5, b.count <= 4096 else { return [] }
        var out: [SensitiveKind] = []
        let trimmed = Bytes.trimmed(b)
        if isEmail(trimmed) { out.append(.email) }
        if isCard(trimmed) { out.append(.card) }
        if isIBAN(trimmed) { out.append(.iban) }
        if isSSN(trimmed) { out.append(.ssn) }
        if isNationalID(trimmed) { out.append(.nationalID) }
        if isPhone(trimmed) { out.append(.phone) }
        if isJWT(trimmed) { out.append(.jwt) }
        if isSecret(trimmed, fieldName: fieldName) { out.append(.secret) }
        return out
    }

    /// local@domain.tld with a plausible local part and a dotted domain.
    public static func isEmail(_ b: ArraySlice<UInt8>) -> Bool {
        guard b.count >= 6, b.count <= 254, let at = onlyAt(b), at > b.startIndex else { return false }
        let local = b[b.startIndex..<at]
        let domain = b[(at + 1)...]
        guard local.count <= 64, domain.count >= 4, let dot = domain.lastIndex(of: UInt8(ascii: ".")),
            dot > domain.startIndex, domain.endIndex - dot >= 3
        else { return false }
        for byte in local {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "%"),
                UInt8(ascii: "+"), UInt8(ascii: "-"):
                continue
            default: return false
            }
        }
        for byte in domain {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "-"):
                continue
            default: return false
            }
        }
        return true
    }

    /// The index of `b`'s only `@`; nil when it has none or several. By `memchr`: most values
    /// have none, and searching the slice from both ends cost ~600 instructions a value.
    static func onlyAt(_ b: ArraySlice<UInt8>) -> Int? {
        b.withUnsafeBufferPointer { bytes -> Int? in
            guard let base = bytes.baseAddress, let found = memchr(base, 0x40, bytes.count) else { return nil }
            let offset = base.distance(to: found.assumingMemoryBound(to: UInt8.self))
            let rest = bytes.count - offset - 1
            if rest > 0, memchr(base + offset + 1, 0x40, rest) != nil { return nil }
            return b.startIndex + offset
        }
    }

    /// 13–19 digits (spaces or dashes allowed between groups) passing the Luhn check, with a
    /// known issuer prefix (Visa 4, Mastercard 51–55/22–27, Amex 34/37, Discover 6, JCB 35, Diners 30/36/38).
    public static func isCard(_ b: ArraySlice<UInt8>) -> Bool {
        guard b.count >= 13, b.count <= 23 else { return false }
        var digits: [UInt8] = []
        digits.reserveCapacity(19)
        for byte in b {
            if byte >= 0x30, byte <= 0x39 {
                digits.append(byte - 0x30)
            } else if byte != UInt8(ascii: " "), byte != UInt8(ascii: "-") {
                return false
            }
        }
        guard (13...19).contains(digits.count) else { return false }
        let first = digits[0]
        let two = Int(digits[0]) * 10 + Int(digits[1])
        let knownIssuer =
            first == 4 || (51...55).contains(two) || (22...27).contains(two) || two == 34 || two == 37
            || first == 6 || two == 35 || two == 30 || two == 36 || two == 38
        guard knownIssuer else { return false }
        return luhn(digits)
    }

    /// The Luhn (mod 10) check over decimal digits (values 0–9), the last one being the check digit.
    static func luhn(_ digits: [UInt8]) -> Bool {
        var sum = 0
        for (i, digit) in digits.reversed().enumerated() {
            var d = Int(digit)
            if i % 2 == 1 {
                d *= 2
                if d > 9 { d -= 9 }
            }
            sum += d
        }
        return sum % 10 == 0
    }

    /// ISO 13616: country code, 2 check digits, up to 30 alphanumerics; mod-97 == 1. Spaces allowed.
    public static func isIBAN(_ b: ArraySlice<UInt8>) -> Bool {
        // Most values fail on their first four non-space bytes (two letters, two digits): judged
        // before anything is copied.
        var seen = 0
        for byte in b where byte != UInt8(ascii: " ") {
            let lower = Bytes.lower(byte)
            let fits = seen < 2 ? lower >= 0x61 && lower <= 0x7A : lower >= 0x30 && lower <= 0x39
            guard fits else { return false }
            seen += 1
            if seen == 4 { break }
        }
        guard seen == 4 else { return false }
        var chars: [UInt8] = []
        for byte in b where byte != UInt8(ascii: " ") {
            chars.append(Bytes.lower(byte))
            if chars.count > 34 { return false }
        }
        // The first four were judged above.
        guard chars.count >= 15 else { return false }
        let rearranged = chars[4...] + chars[0..<4]
        var remainder = 0
        for c in rearranged {
            switch c {
            case 0x30...0x39: remainder = (remainder * 10 + Int(c - 0x30)) % 97
            case 0x61...0x7A: remainder = (remainder * 100 + Int(c - 0x61 + 10)) % 97
            default: return false
            }
        }
        return remainder == 1
    }

    /// US SSN `AAA-GG-SSSS` (dashed form only; bare 9 digits are too ambiguous), excluding
    /// impossible areas (000, 666, 9xx) and zero groups.
    public static func isSSN(_ b: ArraySlice<UInt8>) -> Bool {
        guard b.count == 11 else { return false }
        let a = Array(b)
        guard a[3] == UInt8(ascii: "-"), a[6] == UInt8(ascii: "-") else { return false }
        for i in [0, 1, 2, 4, 5, 7, 8, 9, 10] where !(a[i] >= 0x30 && a[i] <= 0x39) { return false }
        let area = Int(a[0] - 0x30) * 100 + Int(a[1] - 0x30) * 10 + Int(a[2] - 0x30)
        if area == 0 || area == 666 || area >= 900 { return false }
        if a[4] == 0x30 && a[5] == 0x30 { return false }
        if a[7] == 0x30 && a[8] == 0x30 && a[9] == 0x30 && a[10] == 0x30 { return false }
        return true
    }

    /// National identity numbers other than the US SSN, each only in a form with a check digit or
    /// a strict layout, so that ordinary ids and numbers do not match: UK National Insurance
    /// number (`AB123456C`, spaces allowed), Spanish DNI/NIE (`12345678Z`, `X1234567L`; check
    /// letter mod 23), French NIR (15 digits, spaces allowed, Corsican `2A`/`2B`; key mod 97),
    /// Brazilian CPF (`123.456.789-09`; two mod-11 check digits), Canadian SIN (`046-454-286` or
    /// with spaces; Luhn) and Indian Aadhaar (`2345 6789 0124` or with dashes; Verhoeff).
    public static func isNationalID(_ b: ArraySlice<UInt8>) -> Bool {
        guard (9...21).contains(b.count), let first = b.first, let last = b.last else { return false }
        // Cheap layout tests first: most values of this length are words or plain numbers.
        if isLetter(last) {
            let third = b[b.startIndex + 2]
            return (isLetter(first) && (isDigit(third) || third == UInt8(ascii: " ")) && isNINO(b))
                || ((isDigit(first) || "XYZxyz".utf8.contains(first)) && isSpanishID(b))
        }
        guard isDigit(first), isDigit(last) else { return false }
        return isNIR(b) || isCPF(b) || isGroupedDigits(b)
    }

    private static func isLetter(_ byte: UInt8) -> Bool { (byte | 0x20) >= 0x61 && (byte | 0x20) <= 0x7A }

    /// The digit values of `b` where `layout` has `d` and the byte itself everywhere else, or nil.
    private static func digits(_ b: ArraySlice<UInt8>, layout: StaticString) -> [UInt8]? {
        guard b.count == layout.utf8CodeUnitCount else { return nil }
        var out: [UInt8] = []
        for (offset, byte) in b.enumerated() {
            let expected = layout.utf8Start[offset]
            if expected == UInt8(ascii: "d") {
                guard byte >= 0x30, byte <= 0x39 else { return nil }
                out.append(byte - 0x30)
            } else if byte != expected {
                return nil
            }
        }
        return out
    }

    /// `b` without spaces, upper-cased (ASCII).
    private static func compact(_ b: ArraySlice<UInt8>) -> [UInt8] {
        b.compactMap { $0 == UInt8(ascii: " ") ? nil : ($0 >= 0x61 && $0 <= 0x7A ? $0 - 0x20 : $0) }
    }

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

    /// UK NINO: two prefix letters (not D F I Q U V; second not O; not BG GB KN NK NT TN ZZ), six
    /// digits, suffix A–D.
    static func isNINO(_ b: ArraySlice<UInt8>) -> Bool {
        let c = compact(b)
        guard c.count == 9, let suffix = c.last, (UInt8(ascii: "A")...UInt8(ascii: "D")).contains(suffix),
            c[2..<8].allSatisfy(isDigit)
        else { return false }
        let banned: Set<UInt8> = Set("DFIQUV".utf8)
        let (first, second) = (c[0], c[1])
        guard (0x41...0x5A).contains(first), (0x41...0x5A).contains(second), !banned.contains(first),
            !banned.contains(second), second != UInt8(ascii: "O")
        else { return false }
        let prefix = String(decoding: c[0..<2], as: UTF8.self)
        return !["BG", "GB", "KN", "NK", "NT", "TN", "ZZ"].contains(prefix)
    }

    /// Spanish DNI (8 digits) or NIE (X/Y/Z + 7 digits), then the check letter of the number mod 23.
    static func isSpanishID(_ b: ArraySlice<UInt8>) -> Bool {
        var c = compact(b)
        if c.count == 10, c[8] == UInt8(ascii: "-") { c.remove(at: 8) }
        guard c.count == 9, let letter = c.last else { return false }
        var number = 0
        for (i, byte) in c.dropLast().enumerated() {
            if i == 0, let lead = [UInt8(ascii: "X"), UInt8(ascii: "Y"), UInt8(ascii: "Z")].firstIndex(of: byte) {
                number = lead
            } else if isDigit(byte) {
                number = number * 10 + Int(byte - 0x30)
            } else {
                return false
            }
        }
        let table = Array("TRWAGMYFPDXBNJZSQVHLCKE".utf8)
        return table[number % 23] == letter
    }

    /// French NIR: sex digit 1–4/7/8, 12 more digits (department `2A`/`2B` for Corsica), a
    /// two-digit key = 97 − (number mod 97).
    static func isNIR(_ b: ArraySlice<UInt8>) -> Bool {
        let c = compact(b)
        guard c.count == 15, [1, 2, 3, 4, 7, 8].contains(Int(c[0]) - 0x30) else { return false }
        var number = 0
        var corsica = 0
        for (i, byte) in c[0..<13].enumerated() {
            if i == 6, c[5] == UInt8(ascii: "2"), byte == UInt8(ascii: "A") || byte == UInt8(ascii: "B") {
                corsica = byte == UInt8(ascii: "A") ? 1_000_000 : 2_000_000
                number = number * 10
                continue
            }
            guard isDigit(byte) else { return false }
            number = number * 10 + Int(byte - 0x30)
        }
        guard isDigit(c[13]), isDigit(c[14]) else { return false }
        let key = Int(c[13] - 0x30) * 10 + Int(c[14] - 0x30)
        return key == 97 - (number - corsica) % 97
    }

    /// Brazilian CPF `ddd.ddd.ddd-dd` with its two mod-11 check digits (not all digits equal).
    static func isCPF(_ b: ArraySlice<UInt8>) -> Bool {
        guard let d = digits(b, layout: "ddd.ddd.ddd-dd"), Set(d).count > 1 else { return false }
        func check(_ count: Int) -> UInt8 {
            var sum = 0
            for i in 0..<count { sum += Int(d[i]) * (count + 1 - i) }
            return UInt8(sum * 10 % 11 % 10)
        }
        return check(9) == d[9] && check(10) == d[10]
    }

    /// Canadian SIN (`ddd-ddd-ddd` or with spaces; Luhn; not starting 0 or 8) or Indian Aadhaar
    /// (`dddd dddd dddd` or with dashes; first digit 2–9; Verhoeff).
    static func isGroupedDigits(_ b: ArraySlice<UInt8>) -> Bool {
        if let d = digits(b, layout: "ddd-ddd-ddd") ?? digits(b, layout: "ddd ddd ddd") {
            return d[0] != 0 && d[0] != 8 && luhn(d)
        }
        if let d = digits(b, layout: "dddd dddd dddd") ?? digits(b, layout: "dddd-dddd-dddd") {
            return d[0] >= 2 && verhoeff(d)
        }
        return false
    }

    /// The Verhoeff check (dihedral group D5) over decimal digits, the last one being the check digit.
    static func verhoeff(_ digits: [UInt8]) -> Bool {
        let d: [[Int]] = [
            [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 2, 3, 4, 0, 6, 7, 8, 9, 5], [2, 3, 4, 0, 1, 7, 8, 9, 5, 6],
            [3, 4, 0, 1, 2, 8, 9, 5, 6, 7], [4, 0, 1, 2, 3, 9, 5, 6, 7, 8], [5, 9, 8, 7, 6, 0, 4, 3, 2, 1],
            [6, 5, 9, 8, 7, 1, 0, 4, 3, 2], [7, 6, 5, 9, 8, 2, 1, 0, 4, 3], [8, 7, 6, 5, 9, 3, 2, 1, 0, 4],
            [9, 8, 7, 6, 5, 4, 3, 2, 1, 0],
        ]
        let p: [[Int]] = [
            [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 5, 7, 6, 2, 8, 3, 0, 9, 4], [5, 8, 0, 3, 7, 9, 6, 1, 4, 2],
            [8, 9, 1, 6, 0, 4, 3, 5, 2, 7], [9, 4, 5, 3, 1, 2, 6, 8, 7, 0], [4, 2, 8, 6, 5, 7, 3, 9, 0, 1],
            [2, 7, 9, 3, 8, 0, 6, 4, 1, 5], [7, 0, 4, 6, 9, 1, 3, 2, 5, 8],
        ]
        var c = 0
        for (i, digit) in digits.reversed().enumerated() { c = d[c][p[i % 8][Int(digit)]] }
        return c == 0
    }

    /// E.164 (`+` and 8–15 digits) or a formatted number with separators and 9–15 digits that
    /// starts with `+` or `(`; bare digit strings are ids, not phones.
    public static func isPhone(_ b: ArraySlice<UInt8>) -> Bool {
        guard let first = b.first, first == UInt8(ascii: "+") || first == UInt8(ascii: "("), b.count <= 24 else {
            return false
        }
        var digits = 0
        for byte in b {
            switch byte {
            case 0x30...0x39: digits += 1
            case UInt8(ascii: "+"), UInt8(ascii: " "), UInt8(ascii: "-"), UInt8(ascii: "("), UInt8(ascii: ")"),
                UInt8(ascii: "."):
                continue
            default: return false
            }
        }
        return (8...15).contains(digits)
    }

    /// Three Base64url parts, the first a JSON object header (`eyJ`).
    public static func isJWT(_ b: ArraySlice<UInt8>) -> Bool {
        b.withUnsafeBufferPointer { isJWT($0) }
    }

    /// ``isJWT(_:)-(ArraySlice<UInt8>)`` over bytes in place.
    public static func isJWT(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
        guard b.count >= 20, Bytes.hasPrefixIgnoringCase(b, "eyJ"), let base = b.baseAddress else { return false }
        // One table load and one add a byte, four bytes a round, no branch per byte: the sum of the
        // entries counts the dots in its low half and the bytes outside the alphabet in its high
        // half (a load, a test and a branch a byte cost ~7.5 instructions a byte).
        let sum = jwtTable.withUnsafeBufferPointer { table -> UInt64 in
            let t = table.baseAddress!
            var sum: UInt64 = 0
            var i = 0
            let n = b.count
            while i &+ 4 <= n {
                sum &+= t[Int(base[i])] &+ t[Int(base[i &+ 1])] &+ t[Int(base[i &+ 2])] &+ t[Int(base[i &+ 3])]
                i &+= 4
            }
            while i < n {
                sum &+= t[Int(base[i])]
                i &+= 1
            }
            return sum
        }
        guard sum >> 32 == 0 else { return false }
        return sum == 2 || sum == 4
    }

    /// The bytes of a JWT's compact form: base64url, its padding, and the dots between parts.
    private static let jwtBytes = ByteSet(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=.")
    /// `jwtBytes` as a table over all 256 bytes: 0 inside, 1 for the dot, 2^32 outside.
    private static let jwtTable: [UInt64] = (0..<256).map { byte in
        byte == 0x2E ? 1 : jwtBytes.contains(UInt8(byte)) ? 0 : 1 << 32
    }

    /// Well-known credential prefixes, PEM private keys, or a long random token in a field whose
    /// name says it is secret.
    public static func isSecret(_ b: ArraySlice<UInt8>, fieldName: String?) -> Bool {
        if b.count >= 20 {
            if Bytes.hasPrefixIgnoringCase(b, "AKIA") || Bytes.hasPrefixIgnoringCase(b, "ASIA") {
                if b.count == 20, b.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5A) }) {
                    return true
                }
            }
            for prefix in secretPrefixes where Bytes.hasPrefixIgnoringCase(b, prefix) {
                return true
            }
            if Bytes.containsIgnoringCase(b, "-----BEGIN") && Bytes.containsIgnoringCase(b, "PRIVATE KEY") {
                return true
            }
        }
        guard let fieldName, b.count >= 12, isSecretFieldName(fieldName) else { return false }
        return true
    }

    /// Prefixes of well-known secret formats (Stripe, GitHub, Slack, GitLab keys).
    private static let secretPrefixes: [StaticString] = [
        "sk_live_", "rk_live_", "ghp_", "gho_", "github_pat_", "xoxb-", "xoxp-", "glpat-",
    ]

    /// Parts of field names that hold secrets (``isSecretFieldName(_:)`` matches them in one pass,
    /// by first byte; keep the two in step).
    static let secretFieldNameParts: [StaticString] = [
        "pass", "secret", "token", "apikey", "api_key", "api-key", "private", "credential", "authorization",
        "session", "cookie",
    ]

    /// Field names that hold secrets: password, passwd, secret, token, api_key, apikey, private_key …
    /// (any of ``secretFieldNameParts``, ASCII case ignored).
    public static func isSecretFieldName(_ name: String) -> Bool {
        var name = name
        return name.withUTF8 { isSecretFieldName(bytes: $0) }
    }

    /// ``isSecretFieldName(_:)`` over the name's bytes, in one pass without copying: each position
    /// is tried against the parts starting with its (lowercased) byte. Lowercasing the name first
    /// and searching for each part (as before) cost ~1.4k instructions a field.
    static func isSecretFieldName(bytes name: UnsafeBufferPointer<UInt8>) -> Bool {
        guard name.count >= 4 else { return false }  // the shortest part, `pass`
        func at(_ i: Int, _ part: StaticString) -> Bool {
            let count = part.utf8CodeUnitCount
            guard i + count <= name.count else { return false }
            let bytes = part.utf8Start
            for offset in 1..<count where Bytes.lower(name[i + offset]) != bytes[offset] { return false }
            return true
        }
        for i in 0...(name.count - 4) {
            let found: Bool
            switch Bytes.lower(name[i]) {
            case UInt8(ascii: "p"): found = at(i, "pass") || at(i, "private")
            case UInt8(ascii: "s"): found = at(i, "secret") || at(i, "session")
            case UInt8(ascii: "t"): found = at(i, "token")
            case UInt8(ascii: "a"):
                found = at(i, "apikey") || at(i, "api_key") || at(i, "api-key") || at(i, "authorization")
            case UInt8(ascii: "c"): found = at(i, "credential") || at(i, "cookie")
            default: found = false
            }
            if found { return true }
        }
        return false
    }
}
