/// Log4Shell (`jndi`): evaluates Log4j lookup syntax the way `StrSubstitutor` and the
/// `Interpolator` would — nested `${…}` resolved inside out, `:-` defaults, `lower:`/`upper:`,
/// `date:'x'` literals, `base64:` text decoded and substituted again, unknown or environment
/// lookups falling back to their default — and flags
/// a lookup whose *resolved* name is `jndi` (`${${lower:j}${::-n}di:ldap://…}`). Evaluation is
/// bounded (nesting depth, resolved size) and linear: every byte is read once.
public struct JNDIDetector: Detector {
    public let name = "jndi"

    public init() {}

    public struct Finding: Sendable, Equatable {
        public var confidence: Double
        public var rule: String
        public var range: Range<Int>
        /// The resolved resource after `jndi:` (for `--explain`).
        public var resource: String
    }

    public func detect(_ value: ArraySlice<UInt8>, context: DetectionContext, hits: inout [Hit]) {
        guard Self.mayMatch(context.bytes(of: value)), let finding = Self.analyze(value) else { return }
        hits.append(
            Hit(
                attackClass: .jndi, point: -1, confidence: finding.confidence,
                evidence: Evidence.excerpt(value, around: finding.range, fieldName: context.fieldName),
                rule: finding.rule))
    }

    /// Deepest lookup nesting evaluated; deeper `${` are read as text.
    static let maxDepth = 24
    /// Longest resolved text kept per lookup.
    static let maxResolved = 1024

    /// Schemes a JNDI lookup can reach out with.
    static let schemes: [StaticString] = [
        "ldap:", "ldaps:", "rmi:", "dns:", "iiop:", "iiopname:", "corba:", "corbaname:", "nds:", "nis:", "http:",
        "https:",
    ]
    /// Lookups only Log4j understands (their use outside Log4j configuration is an exfiltration probe).
    static let log4jOnly: [StaticString] = [
        "java", "jvmrunargs", "log4j", "ctx", "main", "marker", "k8s", "kubernetes", "docker", "bundle", "sd",
        "web", "spring", "event", "map",
    ]

    /// `jndi:`'s bytes, its letters in lowercase (`ByteSet.caseFolded`).
    static let jndiBytes = ByteSet("jndi:")

    /// A necessary condition of the pre-filter (`${` or a `:`) on the bytes present in the value.
    static func mayMatch(_ bytes: ByteSet) -> Bool {
        if bytes.contains(UInt8(ascii: "$")), bytes.contains(UInt8(ascii: "{")) { return true }
        // Without a lookup, only a bare `jndi:` (any case) is read: a URL's `:` is not enough.
        return bytes.caseFolded.isSuperset(of: jndiBytes)
    }

    public static func analyze(_ value: ArraySlice<UInt8>) -> Finding? {
        // Pre-filter: `${` somewhere, or a bare `jndi:`.
        var dollarBrace = false
        var colon = false
        var previous: UInt8 = 0
        for byte in value {
            if byte == UInt8(ascii: "{"), previous == UInt8(ascii: "$") {
                dollarBrace = true
                break
            }
            if byte == UInt8(ascii: ":") { colon = true }
            previous = byte
        }
        guard dollarBrace || colon else { return nil }
        var evaluator = Evaluator(value: value)
        if dollarBrace {
            var i = value.startIndex
            while i + 1 < value.endIndex {
                if value[i] == UInt8(ascii: "$"), value[i + 1] == UInt8(ascii: "{") {
                    evaluator.topStart = i
                    let result = evaluator.lookup(at: i, depth: 0)
                    evaluator.finishTop(end: result.end, closed: result.closed)
                    i = max(result.end, i + 2)
                } else {
                    i += 1
                }
            }
        }
        var best = evaluator.best
        if best.confidence < 0.65, colon, let j = ExecBytes.find(value, "jndi:") {
            let rest = value[(j + 5)...]
            for scheme in schemes where ExecBytes.matches(rest, at: rest.startIndex, scheme) {
                best.consider(0.65, "jndi.bare_uri", j..<min(value.endIndex, j + 24))
                break
            }
        }
        guard best.confidence >= 0.3 else { return nil }
        return Finding(
            confidence: best.confidence, rule: best.rule, range: best.range, resource: evaluator.resource)
    }

    struct Evaluator {
        let value: ArraySlice<UInt8>
        var best = ExecBest()
        var resource = ""
        var topStart = 0
        // Facts about the current top-level lookup.
        var jndi = false
        var jndiScheme = false
        var obfuscated = 0
        var exfilLog4j = 0
        var exfilEnv = 0

        init(value: ArraySlice<UInt8>) { self.value = value }

        /// Evaluates the lookup whose `$` is at `start`: its resolved text, the index after its `}`
        /// (or the end of the value), and whether it closed.
        mutating func lookup(at start: Int, depth: Int) -> (text: [UInt8], end: Int, closed: Bool) {
            var content: [UInt8] = []
            var i = start + 2
            let end = value.endIndex
            while i < end {
                let byte = value[i]
                if byte == UInt8(ascii: "$"), i + 1 < end, value[i + 1] == UInt8(ascii: "{"),
                    depth < JNDIDetector.maxDepth
                {
                    let inner = lookup(at: i, depth: depth + 1)
                    if content.count < JNDIDetector.maxResolved {
                        content.append(contentsOf: inner.text.prefix(JNDIDetector.maxResolved - content.count))
                    }
                    i = inner.end
                    if !inner.closed { return (resolve(content), end, false) }
                    continue
                }
                if byte == UInt8(ascii: "}") { return (resolve(content), i + 1, true) }
                if content.count < JNDIDetector.maxResolved { content.append(byte) }
                i += 1
            }
            return (resolve(content), end, false)
        }

        /// What Log4j's interpolator would make of `${content}`.
        mutating func resolve(_ content: [UInt8]) -> [UInt8] {
            let slice = content[...]
            var name = slice
            var fallback: ArraySlice<UInt8>? = nil
            if let k = ExecBytes.find(slice, ":-") {
                name = slice[..<k]
                fallback = slice[(k + 2)...]
            }
            let colon = name.firstIndex(of: UInt8(ascii: ":"))
            let key = Bytes.trimmed(colon.map { name[..<$0] } ?? name)
            let rest = colon.map { name[($0 + 1)...] } ?? name[name.endIndex...]
            if colon != nil, ExecBytes.matches(key, at: key.startIndex, "jndi"), key.count == 4 {
                jndi = true
                for scheme in JNDIDetector.schemes where ExecBytes.matches(rest, at: rest.startIndex, scheme) {
                    jndiScheme = true
                }
                if resource.isEmpty { resource = String(decoding: rest.prefix(120), as: UTF8.self) }
                return []
            }
            if colon != nil, key.count == 5, ExecBytes.matches(key, at: key.startIndex, "lower") {
                obfuscated += 1
                return rest.map { Bytes.lower($0) }
            }
            if colon != nil, key.count == 5, ExecBytes.matches(key, at: key.startIndex, "upper") {
                obfuscated += 1
                return rest.map { $0 >= 0x61 && $0 <= 0x7A ? $0 - 0x20 : $0 }
            }
            if colon != nil,
                key.count == 6 && ExecBytes.matches(key, at: key.startIndex, "base64")
                    || key.count == 13 && ExecBytes.matches(key, at: key.startIndex, "base64decoder")
            {
                // `${base64:JHtqbmRp…}`: the interpolator substitutes the decoded text again, so a
                // lookup hidden in Base64 is evaluated like a nested one.
                obfuscated += 1
                guard let decoded = Base64.decode(Bytes.trimmed(rest)), decoded.count <= JNDIDetector.maxResolved
                else { return [] }
                if let inner = JNDIDetector.analyze(decoded[...]), !inner.resource.isEmpty {
                    jndi = true
                    if inner.confidence >= 0.9 { jndiScheme = true }
                    if resource.isEmpty { resource = inner.resource }
                    return []
                }
                return decoded
            }
            if colon != nil, key.count == 4, ExecBytes.matches(key, at: key.startIndex, "date") {
                obfuscated += 1
                // SimpleDateFormat: text inside single quotes is literal.
                var out: [UInt8] = []
                var quoted = false
                for byte in rest {
                    if byte == UInt8(ascii: "'") {
                        quoted.toggle()
                    } else if quoted {
                        out.append(byte)
                    }
                }
                return out
            }
            if let fallback {
                // Unknown, empty or unset lookups fall back to the default: the obfuscation idiom.
                obfuscated += 1
                return Array(fallback)
            }
            if colon != nil {
                if key.count == 3,
                    ExecBytes.matches(key, at: key.startIndex, "env")
                        || ExecBytes.matches(key, at: key.startIndex, "sys")
                {
                    exfilEnv += 1
                    return Array("x".utf8)
                }
                for known in JNDIDetector.log4jOnly
                where key.count == known.utf8CodeUnitCount && ExecBytes.matches(key, at: key.startIndex, known) {
                    exfilLog4j += 1
                    return Array("x".utf8)
                }
            }
            // An undefined variable stays as written.
            return Array("${".utf8) + content + [UInt8(ascii: "}")]
        }

        mutating func finishTop(end: Int, closed: Bool) {
            let range = topStart..<max(end, topStart + 2)
            if jndi {
                var c = jndiScheme ? 0.97 : 0.85
                if !closed { c -= 0.07 }
                if obfuscated > 0 { c += 0.02 }
                best.consider(c, obfuscated > 0 ? "jndi.obfuscated_lookup" : "jndi.lookup", range)
            } else if exfilLog4j > 0 || exfilEnv > 0 {
                // Environment probes without a JNDI sink: Log4j-only names are telling, `env:`/`sys:`
                // also appear in build and deployment configuration.
                var c = exfilLog4j > 0 ? 0.6 : 0.45
                if obfuscated > 0 { c += 0.2 }
                best.consider(c, "jndi.exfiltration_lookup", range)
            } else if obfuscated >= 2 {
                best.consider(0.6, "jndi.obfuscated_lookup", range)
            }
            jndi = false
            jndiScheme = false
            obfuscated = 0
            exfilLog4j = 0
            exfilEnv = 0
        }
    }
}
