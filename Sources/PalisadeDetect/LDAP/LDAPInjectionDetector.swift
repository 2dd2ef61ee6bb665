/// LDAP filter injection (RFC 4515 grammar): a value that closes the application's filter
/// component and opens new ones — `*)(uid=*))(|(uid=*`, `admin)(&)`, `*)(objectClass=*` — or that
/// is itself a compound filter. The value is read as filter syntax: `)` at depth zero is a
/// breakout, then each `(`…`)` is parsed as an item (`attr=value`, `attr~=`, `attr>=`, `attr:rule:=`,
/// or `&`/`|`/`!` with nested items, including the absolute `(&)`/`(|)`).
public struct LDAPInjectionDetector: Detector {
    public let name = "ldapi"

    public init() {}

    /// The pre-filter needs a parenthesis.
    static let gateBytes = ByteSet("()")

    public func detect(_ value: ArraySlice<UInt8>, context: DetectionContext, hits: inout [Hit]) {
        guard context.bytes(of: value).intersects(Self.gateBytes),
            let finding = Self.analyze(value, fieldName: context.fieldName)
        else { return }
        hits.append(.net(.ldapi, finding, value: value, context: context))
    }

    static let reportFloor = 0.3

    /// Attributes of the common directory schemas (lowercased).
    static let knownAttributes: Set<String> = [
        "uid", "cn", "sn", "mail", "objectclass", "userpassword", "password", "memberof", "member", "ou", "dc", "o",
        "c", "l", "st", "givenname", "samaccountname", "userprincipalname", "displayname", "description",
        "telephonenumber", "name", "homedirectory", "uidnumber", "gidnumber", "loginshell", "gecos",
        "employeenumber", "manager", "title", "department", "mobile", "objectcategory", "distinguishedname",
        "useraccountcontrol", "admincount", "serviceprincipalname", "pwdlastset", "accountexpires", "unicodepwd",
        "mspki-certificate-name-flag", "ms-mcs-admpwd", "userid", "username", "user", "login", "email",
        "street", "postalcode", "initials", "group", "groupname", "role", "uniquemember", "owner", "seealso",
        "businesscategory", "carlicense", "employeetype", "jpegphoto", "preferredlanguage", "shadowlastchange",
        "sshpublickey", "krbprincipalname", "entryuuid", "createtimestamp", "modifytimestamp", "pwdaccountlockedtime",
        "accountstatus", "nsaccountlock", "primarygroupid", "objectsid", "whencreated", "lastlogon",
    ]

    struct Item {
        var end: Int
        var known = false
        var wildcard = false
        /// `attr=*` alone: matches every entry that has the attribute.
        var presence = false
        var negation = false
        var absolute = false  // (&) / (|)
        var compound = false  // (&(…)(…)) / (|…) / (!…)
        var valid = true
        /// An assertion on a bare number (`(1=0)`, `(|(1=1)`): no attribute or OID (an OID has
        /// dots), only the injection idiom that makes a branch always false or true.
        var numeric = false
    }

    /// Parses one filter item starting at the `(` at `i`.
    static func item(_ v: ArraySlice<UInt8>, at i: Int, depth: Int = 0) -> Item? {
        guard i < v.endIndex, v[i] == UInt8(ascii: "("), depth < 16 else { return nil }
        var j = i + 1
        while j < v.endIndex, v[j] == 0x20 { j += 1 }
        guard j < v.endIndex else { return Item(end: j, valid: false) }
        let c = v[j]
        if c == UInt8(ascii: "&") || c == UInt8(ascii: "|") || c == UInt8(ascii: "!") {
            var k = j + 1
            while k < v.endIndex, v[k] == 0x20 { k += 1 }
            if k < v.endIndex, v[k] == UInt8(ascii: ")") {
                return Item(end: k + 1, absolute: true)
            }
            var out = Item(end: k, negation: c == UInt8(ascii: "!"), compound: true)
            var count = 0
            while k < v.endIndex, v[k] == UInt8(ascii: "("), count < 64 {
                guard let sub = item(v, at: k, depth: depth + 1) else { break }
                out.known = out.known || sub.known
                out.wildcard = out.wildcard || sub.wildcard
                out.presence = out.presence || sub.presence
                out.absolute = out.absolute || sub.absolute
                out.numeric = out.numeric || sub.numeric
                k = sub.end
                count += 1
                if !sub.valid { break }
            }
            out.end = k < v.endIndex && v[k] == UInt8(ascii: ")") ? k + 1 : k
            out.valid = count > 0
            return out
        }
        // attr [;options] (= | ~= | >= | <= | :dn:rule:=) value
        var k = j
        while k < v.endIndex, k - j < 64 {
            let b = v[k]
            let ok =
                (b | 0x20 >= 0x61 && b | 0x20 <= 0x7A) || (b >= 0x30 && b <= 0x39) || b == UInt8(ascii: "-")
                || b == UInt8(ascii: ";") || b == UInt8(ascii: ".") || b == UInt8(ascii: "_")
            if !ok { break }
            k += 1
        }
        guard k > j, k < v.endIndex else { return nil }
        guard (v[j] | 0x20 >= 0x61 && v[j] | 0x20 <= 0x7A) || (v[j] >= 0x30 && v[j] <= 0x39) else { return nil }
        let attrRange = j..<k
        var op = k
        if v[op] == UInt8(ascii: "~") || v[op] == UInt8(ascii: ">") || v[op] == UInt8(ascii: "<") { op += 1 }
        if op < v.endIndex, v[op] == UInt8(ascii: ":") {
            while op < v.endIndex, op - k < 64, v[op] != UInt8(ascii: "=") { op += 1 }
        }
        guard op < v.endIndex, v[op] == UInt8(ascii: "=") else { return nil }
        var e = op + 1
        var wildcard = false
        while e < v.endIndex, v[e] != UInt8(ascii: ")"), v[e] != UInt8(ascii: "("), e - op < 512 {
            if v[e] == UInt8(ascii: "*") { wildcard = true }
            e += 1
        }
        var name: [UInt8] = []
        for b in v[attrRange] where b != UInt8(ascii: ";") { name.append(Bytes.lower(b)) }
        let known = knownAttributes.contains(String(decoding: name, as: UTF8.self))
        let closed = e < v.endIndex && v[e] == UInt8(ascii: ")")
        var item = Item(end: closed ? e + 1 : e, known: known, wildcard: wildcard, presence: wildcard && e == op + 2)
        item.numeric = k - j <= 3 && v[attrRange].allSatisfy { $0 >= 0x30 && $0 <= 0x39 } && op == k
        return item
    }

    public static func analyze(_ value: ArraySlice<UInt8>, fieldName: String?) -> NetFinding? {
        guard value.count >= 3 else { return nil }
        var open = false
        var close = false
        var spaces = 0
        for byte in value {
            if byte == UInt8(ascii: "(") {
                open = true
            } else if byte == UInt8(ascii: ")") {
                close = true
            } else if byte == 0x20 {
                spaces += 1
            }
        }
        guard open || close else { return nil }
        var best = NetFinding.none
        // Breakouts: a `)` that closes nothing opened in the value, followed by new items.
        var depth = 0
        var i = value.startIndex
        var breakouts = 0
        var steps = 0
        while i < value.endIndex, steps < 8192 {
            steps += 1
            let b = value[i]
            if b == UInt8(ascii: "(") {
                depth += 1
            } else if b == UInt8(ascii: ")") {
                if depth > 0 {
                    depth -= 1
                } else {
                    breakouts += 1
                    // Skip further closers (`))`) and a NUL, then read the injected items.
                    var k = i + 1
                    var nul = false
                    while k < value.endIndex {
                        if value[k] == 0 {
                            nul = true
                        } else if value[k] == UInt8(ascii: "%"), k + 2 < value.endIndex, value[k + 1] == 0x30,
                            value[k + 2] == 0x30
                        {
                            nul = true  // `%00` left after decoding
                            k += 2
                        } else if value[k] != UInt8(ascii: ")") && value[k] != 0x20 {
                            break
                        }
                        k += 1
                    }
                    // `admin*)((|userpassword=*)`: extra openers balance the application's closers.
                    while k + 1 < value.endIndex, value[k] == UInt8(ascii: "("), value[k + 1] == UInt8(ascii: "("),
                        k - i < 8
                    {
                        k += 1
                    }
                    if k < value.endIndex, value[k] == UInt8(ascii: "("), let first = item(value, at: k) {
                        var confidence: Double
                        if first.absolute {
                            confidence = 0.92
                        } else if first.compound && (first.known || first.wildcard) {
                            confidence = 0.93
                        } else if first.compound {
                            confidence = 0.88
                        } else if first.known && first.wildcard {
                            confidence = 0.95
                        } else if first.known {
                            confidence = 0.88
                        } else if first.wildcard {
                            confidence = 0.8
                        } else {
                            confidence = 0.5
                        }
                        // The classic prefix: `*)(` or a value opening with `)`.
                        let prefix = value[value.startIndex..<i]
                        if prefix.allSatisfy({ $0 == UInt8(ascii: "*") || $0 == 0x20 }) {
                            confidence = min(1, confidence + 0.05)
                        }
                        if first.numeric { confidence = max(confidence, 0.88) }
                        if !first.valid { confidence -= 0.1 }
                        best.consider(
                            NetFinding(confidence, "ldapi.filter_breakout", i..<min(value.endIndex, first.end + 16)))
                    } else if k == value.endIndex, nul {
                        // `admin)\0`: close the filter and truncate the rest of the application's.
                        best.consider(NetFinding(0.75, "ldapi.filter_truncation", value.startIndex..<k))
                    } else if k == value.endIndex, i > value.startIndex,
                        value[value.startIndex..<i].allSatisfy({ $0 == UInt8(ascii: "*") })
                    {
                        best.consider(NetFinding(0.5, "ldapi.filter_breakout", value.startIndex..<k))
                    }
                    if breakouts > 64 { break }
                }
            }
            i += 1
        }
        // A whole compound filter as the value: `(|(uid=*)(cn=*))`.
        // `*(|(mail=*))`: a wildcard completing the application's assertion, then a compound filter.
        var trimmed = Bytes.trimmed(value)
        var starPrefix = false
        while trimmed.first == UInt8(ascii: "*") {
            trimmed = trimmed.dropFirst()
            starPrefix = true
        }
        if best.confidence < 0.7, trimmed.first == UInt8(ascii: "("), let whole = item(trimmed, at: trimmed.startIndex),
            whole.valid && whole.compound || whole.absolute
        {
            // A search form's `(&(objectClass=user)(cn=John*))` is ordinary; match-everything
            // presence tests, absolute filters and negations are what an injected filter looks like.
            let filterField = fieldName.map { Bytes.containsIgnoringCase(Array($0.utf8)[...], "filter") } ?? false
            var c = whole.presence || whole.absolute ? 0.75 : (whole.negation ? 0.65 : (whole.known ? 0.5 : 0.4))
            if starPrefix { c = whole.presence || whole.absolute || whole.known ? 0.85 : max(c, 0.6) }
            if filterField { c *= 0.6 }
            // `(&(uid=admin)(!(&(1=0)(userPassword=x))))`: a bare-number branch is no filter a
            // client writes, in a filter field as anywhere.
            if whole.numeric { c = max(c, 0.8) }
            best.consider(NetFinding(c, "ldapi.compound_filter", trimmed.startIndex..<min(value.endIndex, whole.end)))
        }
        if spaces >= 3 { best.confidence *= 0.6 }
        let result = best.rounded
        return result.confidence >= reportFloor ? result : nil
    }
}
