/// Kinds of sensitive data recognised in values, for API discovery (which endpoints carry PII
/// or secrets). Stable raw values. Values themselves are never stored, only the kind.
public enum SensitiveKind: String, Sendable, Hashable, CaseIterable {
    case email, phone, card, iban, ssn, jwt, secret
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
        if isPhone(trimmed) { out.append(.phone) }
        if isJWT(trimmed) { out.append(.jwt) }
        if isSecret(trimmed, fieldName: fieldName) { out.append(.secret) }
        return out
    }

    /// local@domain.tld with a plausible local part and a dotted domain.
    public static func isEmail(_ b: ArraySlice<UInt8>) -> Bool {
        guard b.count >= 6, b.count <= 254, let at = b.firstIndex(of: UInt8(ascii: "@")),
            at > b.startIndex, b.lastIndex(of: UInt8(ascii: "@")) == at
        else { return false }
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
        var chars: [UInt8] = []
        for byte in b where byte != UInt8(ascii: " ") {
            chars.append(Bytes.lower(byte))
            if chars.count > 34 { return false }
        }
        guard chars.count >= 15, chars[0] >= 0x61, chars[0] <= 0x7A, chars[1] >= 0x61, chars[1] <= 0x7A,
            chars[2] >= 0x30, chars[2] <= 0x39, chars[3] >= 0x30, chars[3] <= 0x39
        else { return false }
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
        guard b.count >= 20, Bytes.hasPrefixIgnoringCase(b, "eyJ") else { return false }
        var dots = 0
        for byte in b {
            switch byte {
            case UInt8(ascii: "."): dots += 1
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "="):
                continue
            default: return false
            }
        }
        return dots == 2 || dots == 4
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
            for prefix: StaticString in ["sk_live_", "rk_live_", "ghp_", "gho_", "github_pat_", "xoxb-", "xoxp-", "glpat-"]
            where Bytes.hasPrefixIgnoringCase(b, prefix) {
                return true
            }
            if Bytes.containsIgnoringCase(b, "-----BEGIN") && Bytes.containsIgnoringCase(b, "PRIVATE KEY") {
                return true
            }
        }
        guard let fieldName, b.count >= 12, isSecretFieldName(fieldName) else { return false }
        return true
    }

    /// Field names that hold secrets: password, passwd, secret, token, api_key, apikey, private_key …
    public static func isSecretFieldName(_ name: String) -> Bool {
        let lower = Array(Bytes.lowercased(name).utf8)[...]
        for needle: StaticString in [
            "pass", "secret", "token", "apikey", "api_key", "api-key", "private", "credential", "authorization",
            "session", "cookie",
        ] where Bytes.containsIgnoringCase(lower, needle) {
            return true
        }
        return false
    }
}
