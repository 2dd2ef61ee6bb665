/// Insecure deserialization: recognises serialized object formats by their structure — Java
/// stream magic (binary `AC ED 00 05`, Base64 `rO0AB`, hex `aced0005`), .NET BinaryFormatter
/// headers, Python pickle opcodes (`c<module>\n<name>\n` + `R`, protocol-2+ frames), PHP
/// `O:<len>:"<class>":<n>:{` with a length that matches, YAML language tags, typed JSON
/// (`@type`, `$type`, `@class`, `__type`) and Java/XAML XML object graphs — and weighs them by the
/// gadget classes they name. A gadget class name alone (a stack trace in a log) stays weak.
public struct DeserializationDetector: Detector {
    public let name = "deserialization"

    public init() {}

    public struct Finding: Sendable, Equatable {
        public var confidence: Double
        public var rule: String
        public var range: Range<Int>
    }

    public func detect(_ value: ArraySlice<UInt8>, context: DetectionContext, hits: inout [Hit]) {
        guard let finding = Self.analyze(value, fieldName: context.fieldName, bytes: context.bytes(of: value)) else {
            return
        }
        hits.append(
            Hit(
                attackClass: .deserialization, point: -1, confidence: finding.confidence,
                evidence: Evidence.excerpt(value, around: finding.range, fieldName: context.fieldName),
                rule: finding.rule))
    }

    /// Keys that carry a type name in polymorphic JSON (fastjson, Json.NET, Jackson, JavaScriptSerializer).
    static let typeKeys: Set<String> = [
        "@type", "$type", "@class", "__type", "type", "class", "@c", "javaclass", "py/object", "py/type", "py/function",
    ]

    public static func analyze(_ value: ArraySlice<UInt8>, fieldName: String? = nil) -> Finding? {
        analyze(value, fieldName: fieldName, bytes: ByteSet(presentIn: value))
    }

    /// `bytes`: the bytes present in `value` (`DetectionContext.bytes(of:)`).
    static func analyze(_ value: ArraySlice<UInt8>, fieldName: String?, bytes: ByteSet) -> Finding? {
        guard value.count >= 4 else { return nil }
        var best = ExecBest()
        let first = value[value.startIndex]
        // Binary magic at the start (decoders hand Base64-decoded payloads over as `.binary`).
        if first == 0xAC, value[value.startIndex + 1] == 0xED, value[value.startIndex + 2] == 0x00,
            value[value.startIndex + 3] == 0x05
        {
            best.consider(
                gadget(value) > 0 ? 0.98 : 0.93, "deserialization.java_stream", value.startIndex..<value.startIndex + 4)
        }
        if first == 0x00, value.count >= 17, value[value.startIndex + 1] == 0x01, value[value.startIndex + 5] == 0xFF,
            value[value.startIndex + 6] == 0xFF
        {
            best.consider(0.9, "deserialization.dotnet_binaryformatter", value.startIndex..<value.startIndex + 17)
        }
        if first == 0x80, value[value.startIndex + 1] >= 2, value[value.startIndex + 1] <= 5 {
            scanPickle(value, binary: true, &best)
        }
        if first == 0x04, value[value.startIndex + 1] == 0x08,
            ExecBytes.contains(value, "Gem::")
                || ExecBytes.contains(value, "ActiveSupport") || ExecBytes.contains(value, "ERB")
        {
            best.consider(0.85, "deserialization.ruby_marshal", value.startIndex..<value.startIndex + 2)
        }
        if best.confidence >= 0.9 { return finish(best) }
        scanText(value, fieldName: fieldName, bytes: bytes, &best)
        return finish(best)
    }

    static func finish(_ best: ExecBest) -> Finding? {
        guard best.confidence >= 0.3 else { return nil }
        return Finding(confidence: best.confidence, rule: best.rule, range: best.range)
    }

    /// For each encoded-stream prefix `scanText` looks for, bytes it cannot match without:
    /// `rO0AB`, `AAEAAAD/////`, `H4sIAAAAAAAAAJ`, the pickle prefixes (`gASV`, `gAJj`, `gANj`:
    /// `g` and `A`), `BAh…`, `_$$ND_FUNC$$_`; `aced0005` (any case) is `aced0005Bytes`.
    static let streamPrefixBytes: [ByteSet] = [
        ByteSet("rO0AB"), ByteSet("AED/"), ByteSet("H4sIAJ"), ByteSet("gA"), ByteSet("BAh"), ByteSet("_$NDFUC"),
    ]
    /// A byte of each prefix but the pickle ones (`0/4$B`).
    static let streamBytes = ByteSet("0/4$B")
    /// `aced0005`'s bytes, its letters in lowercase: they match in either case (`ByteSet.caseFolded`).
    static let aced0005Bytes = ByteSet("aced05")

    /// Whether a value holding `bytes` (its byte set) holds every byte of one of the encoded-stream
    /// prefixes: if none, no prefix can match anywhere in it (a URL's `r`, `a` and `/` are not enough).
    static func mayHoldStream(_ bytes: ByteSet) -> Bool {
        // One byte each prefix has (`g` and `A` for pickle's): most values stop here.
        guard bytes.intersects(streamBytes) || (bytes.contains(UInt8(ascii: "g")) && bytes.contains(UInt8(ascii: "A")))
        else { return false }
        for prefix in streamPrefixBytes where bytes.isSuperset(of: prefix) { return true }
        return bytes.caseFolded.isSuperset(of: aced0005Bytes)
    }
    /// The first bytes of the encoded-stream prefixes.
    static let streamLeads = ByteSet("raAHgB_")
    /// Bytes a qualified type name needs (`a.B`, `A::B`, `A\\B`).
    static let qualifierBytes = ByteSet(".:\\")
    static let uppercase = ByteSet("ABCDEFGHIJKLMNOPQRSTUVWXYZ")

    /// Textual encodings and formats. `bytes`: the bytes present in `value`.
    static func scanText(_ value: ArraySlice<UInt8>, fieldName: String?, bytes: ByteSet, _ best: inout ExecBest) {
        var i = value.startIndex
        let end = value.endIndex
        let sawColon = bytes.contains(UInt8(ascii: ":"))
        let sawBang = bytes.contains(UInt8(ascii: "!"))
        let sawLT = bytes.contains(UInt8(ascii: "<"))
        let sawQuote = bytes.contains(UInt8(ascii: "\""))
        if !mayHoldStream(bytes) {
            i = end  // no encoded stream can start anywhere
        }
        // Encoded Java / .NET streams at a token start.
        while i < end {
            i = nextStreamLead(value, from: i)
            guard i < end else { break }
            let byte = value[i]
            let atToken =
                i == value.startIndex || !isBase64Byte(value[i - 1])
                || (i >= value.startIndex + 2 && value[i - 1] | 0x20 == UInt8(ascii: "x")
                    && value[i - 2] == UInt8(ascii: "0"))
            if atToken {
                if byte == UInt8(ascii: "r"), ExecBytes.matchesExactly(value, at: i, "rO0AB") {
                    best.consider(0.93, "deserialization.java_stream_base64", i..<i + 5)
                } else if byte | 0x20 == UInt8(ascii: "a"), ExecBytes.matches(value, at: i, "aced0005") {
                    best.consider(0.9, "deserialization.java_stream_hex", i..<i + 8)
                } else if byte == UInt8(ascii: "A"), ExecBytes.matchesExactly(value, at: i, "AAEAAAD/////") {
                    best.consider(0.9, "deserialization.dotnet_binaryformatter", i..<i + 12)
                } else if byte == UInt8(ascii: "H"), ExecBytes.matchesExactly(value, at: i, "H4sIAAAAAAAA"),
                    i + 12 < end, ExecBytes.matchesExactly(value, at: i + 12, "AJ")
                {
                    // gzip of a serialized stream is common in ViewState-like payloads: weak.
                    best.consider(0.3, "deserialization.gzip_blob", i..<i + 14)
                } else if byte == UInt8(ascii: "g"),
                    ExecBytes.matchesExactly(value, at: i, "gASV")
                        || ExecBytes.matchesExactly(value, at: i, "gAJj")
                        || ExecBytes.matchesExactly(value, at: i, "gANj")
                {
                    best.consider(0.75, "deserialization.pickle_base64", i..<i + 4)
                } else if byte == UInt8(ascii: "B"), ExecBytes.matchesExactly(value, at: i, "BAhvO") {
                    best.consider(0.8, "deserialization.ruby_marshal", i..<i + 5)
                } else if byte == UInt8(ascii: "B"), ExecBytes.matchesExactly(value, at: i, "BAh"),
                    rubyMarshalGadget(value[i...])
                {
                    // Any other Marshal 4.8 stream (`BAhb…` an array, `BAh7…` a hash) naming a gadget.
                    best.consider(0.85, "deserialization.ruby_marshal", i..<i + 3)
                } else if byte == UInt8(ascii: "_"), ExecBytes.matchesExactly(value, at: i, "_$$ND_FUNC$$_") {
                    best.consider(0.95, "deserialization.node_serialize", i..<i + 13)
                }
            }
            i += 1
        }
        if sawColon || sawQuote { scanPHP(value, bytes: bytes, &best) }
        if sawBang { scanYAML(value, &best) }
        if sawLT { scanXML(value, &best) }
        if sawQuote { scanTypedJSON(value, &best) }  // it reads quoted keys only
        if bytes.contains(0x0A) { scanPickle(value, binary: false, &best) }
        // A typed key decoded into its own point: the value is the class name.
        if let fieldName, isTypeKey(fieldName) {
            let g = gadget(value)
            if g >= 2 { best.consider(0.95, "deserialization.typed_json", value.startIndex..<value.endIndex) }
        }
        // A gadget name in a short free value (a log line, a stack trace) — long values are not
        // searched for names alone.
        // `a.B` and `A\\B` need an uppercase letter, `A::B` two colons.
        if best.confidence < 0.5, value.count <= 8192, bytes.intersects(qualifierBytes),
            bytes.intersects(uppercase) || bytes.contains(UInt8(ascii: ":")), qualifiedName(value)
        {
            let g = gadget(value)
            if g >= 2 {
                best.consider(0.5, "deserialization.gadget_name", value.startIndex..<min(end, value.startIndex + 60))
            }
        }
    }

    /// The index of the first byte of `streamLeads` at or after `from` (`value.endIndex` if none),
    /// read over the bytes in place.
    static func nextStreamLead(_ value: ArraySlice<UInt8>, from: Int) -> Int {
        let leads = streamLeads
        return value.withUnsafeBufferPointer { buffer in
            var offset = from - value.startIndex
            while offset < buffer.count, !leads.contains(buffer[offset]) { offset += 1 }
            return value.startIndex + offset
        }
    }

    /// Whether a Base64 run (at most 2 KiB of it) decodes to a Ruby Marshal stream naming one of
    /// the classes the binary check above looks for. Rails' `BAh7…` session cookies do not.
    static func rubyMarshalGadget(_ value: ArraySlice<UInt8>) -> Bool {
        var end = value.startIndex
        while end < value.endIndex, end - value.startIndex < 2048,
            isBase64Byte(value[end]) || value[end] == UInt8(ascii: "=") || value[end] == UInt8(ascii: "-")
                || value[end] == UInt8(ascii: "_")
        {
            end += 1
        }
        let run = value[value.startIndex..<(end - (end - value.startIndex) % 4)]
        guard run.count >= 8, let bytes = Base64.decode(run), bytes.count > 2, bytes[0] == 0x04, bytes[1] == 0x08
        else { return false }
        return ExecBytes.contains(bytes[...], "Gem::") || ExecBytes.contains(bytes[...], "ActiveSupport")
            || ExecBytes.contains(bytes[...], "ERB") || ExecBytes.contains(bytes[...], "Net::")
    }

    /// Whether `typeKeys` holds the lowercased name. ASCII names (nearly all) are compared over
    /// their storage without building a lowercased copy; others keep `lowercased()`.
    static func isTypeKey(_ name: String) -> Bool {
        let utf8 = name.utf8
        guard utf8.count <= 36 else { return false }  // more than 9 characters: longer than any key
        let ascii = utf8.withContiguousStorageIfAvailable { buffer -> Bool? in
            guard buffer.allSatisfy({ $0 < 0x80 }) else { return nil }
            return typeKeyBytes.contains { key in
                key.count == buffer.count && zip(key, buffer).allSatisfy { $0 == Bytes.lower($1) }
            }
        }
        if let ascii, let found = ascii { return found }
        return typeKeys.contains(name.lowercased())
    }

    static let typeKeyBytes: [[UInt8]] = typeKeys.map { Array($0.utf8) }

    /// Whether the value holds something shaped like a qualified type name (`a.B`, `A::B`, `A\\B`).
    static func qualifiedName(_ value: ArraySlice<UInt8>) -> Bool {
        // Over the bytes in place (iterating the slice checked bounds on every byte: a URL's `:`
        // and dots bring most values here).
        value.withUnsafeBufferPointer { bytes in
            var previous: UInt8 = 0
            for byte in bytes {
                if previous == UInt8(ascii: "."), byte >= 0x41, byte <= 0x5A { return true }
                if previous == UInt8(ascii: ":"), byte == UInt8(ascii: ":") { return true }
                if previous == UInt8(ascii: "\\"), byte >= 0x41, byte <= 0x5A { return true }
                previous = byte
            }
            return false
        }
    }

    @inline(__always)
    static func isBase64Byte(_ byte: UInt8) -> Bool {
        ExecBytes.isIdent(byte) && byte != UInt8(ascii: "_") || byte == UInt8(ascii: "+") || byte == UInt8(ascii: "/")
    }

    /// Gadget strength: 2 for classes used only as gadgets, 1 for dangerous but common ones, 0 none.
    static func gadget(_ value: ArraySlice<UInt8>) -> Int {
        for name in strongGadgets where ExecBytes.findExactly(value, name) != nil { return 2 }
        for name in weakGadgets where ExecBytes.findExactly(value, name) != nil { return 1 }
        return 0
    }

    static let strongGadgets: [StaticString] = [
        "commons.collections.functors", "InvokerTransformer", "ChainedTransformer", "InstantiateTransformer",
        "ConstantTransformer", "LazyMap", "TemplatesImpl", "JdbcRowSetImpl", "ysoserial",
        "BadAttributeValueExpException",
        "AnnotationInvocationHandler", "ObjectDataProvider", "ExpandedWrapper", "TextFormattingRunProperties",
        "WindowsIdentity", "AssemblyInstaller", "TypeConfuseDelegate", "beans.factory.ObjectFactory",
        "JndiDataSourceFactory",
        "JndiRefForwardingDataSource", "com.mchange.v2.c3p0", "WrapperConnectionPoolDataSource", "org.apache.xbean",
        "bsh.Interpreter", "groovy.runtime.ConvertedClosure", "MethodClosure", "javax.management.openmbean",
        "UnicastRef", "RemoteObjectInvocationHandler", "java.rmi.server", "sun.rmi", "java.beans.EventHandler",
        "javax.script.ScriptEngineManager", "java.net.URLClassLoader", "java.lang.ProcessBuilder", "java.lang.Runtime",
        "JtaTransactionManager", "BeanComparator", "org.apache.commons.beanutils", "com.sun.jndi",
        "SimpleJndiBeanFactory",
        "DefaultBeanFactoryPointcutAdvisor", "com.zaxxer.hikari", "org.apache.tomcat.dbcp",
        "commons.dbcp", "com.sun.org.apache", "org.springframework.context.support.ClassPathXmlApplicationContext",
        "FileSystemXmlApplicationContext", "System.Diagnostics.Process", "System.Windows.Data", "System.IO.FileInfo",
        "System.Management.Automation", "System.Configuration.Install", "System.Activities", "System.Web.Security",
        "SessionSecurityToken", "System.Security.Claims", "System.Data.DataSet", "Gem::Installer", "Gem::Requirement",
        "Gem::StubSpecification", "Net::WriteAdapter", "ActiveSupport::Deprecation", "DeprecatedInstanceVariableProxy",
        "GuzzleHttp", "Monolog\\Handler", "Illuminate\\Broadcasting", "PendingBroadcast", "Swift_ByteStream",
        "subprocess.Popen", "os.system", "posix.system", "__reduce__", "jdk.nashorn.internal", "com.sun.xml.internal",
        "java.net.Inet4Address", "java.net.Inet6Address",
    ]
    static let weakGadgets: [StaticString] = [
        "org.apache.commons.collections", "java.util.PriorityQueue", "java.util.HashMap", "java.lang.reflect",
        "javax.naming",
        "org.springframework.beans", "org.hibernate", "com.alibaba", "System.Windows.Forms", "System.Data",
    ]

    // MARK: - PHP

    /// `O:<len>:"<name>":<n>:{` (and `C:` custom objects) with a declared length that matches.
    /// `bytes`: the bytes present in `value`; an object needs `O:` or `C:`, the wrapper `p` and `:`.
    static func scanPHP(_ value: ArraySlice<UInt8>, bytes: ByteSet, _ best: inout ExecBest) {
        let colon = bytes.contains(UInt8(ascii: ":"))
        guard colon else { return }
        let end = value.endIndex
        var i = bytes.contains(UInt8(ascii: "O")) || bytes.contains(UInt8(ascii: "C")) ? value.startIndex : end
        var objects = 0
        var examined = 0
        while i + 6 < end, examined < 256 {
            let byte = value[i]
            guard byte == UInt8(ascii: "O") || byte == UInt8(ascii: "C"), value[i + 1] == UInt8(ascii: ":"),
                i == value.startIndex || !ExecBytes.isIdent(value[i - 1])
            else {
                i += 1
                continue
            }
            examined += 1
            var j = i + 2
            if j < end, value[j] == UInt8(ascii: "+") { j += 1 }
            let digits = j
            var length = 0
            while j < end, ExecBytes.isDigit(value[j]), length < 10_000 {
                length = length * 10 + Int(value[j] - 0x30)
                j += 1
            }
            // The class name's quotes, possibly escaped inside a JSON string (`\"`).
            let quote = j + 1 < end && value[j + 1] == UInt8(ascii: "\\") ? 2 : 1
            guard j > digits, j + quote < end, value[j] == UInt8(ascii: ":"), value[j + quote] == UInt8(ascii: "\""),
                length > 0, j + 1 + quote + length + quote + 1 < end,
                value[j + length + 2 * quote] == UInt8(ascii: "\""),
                value[j + length + 2 * quote + 1] == UInt8(ascii: ":")
            else {
                i += 1
                continue
            }
            let nameRange = (j + 1 + quote)..<(j + 1 + quote + length)
            var k = j + length + 2 * quote + 2
            while k < end, ExecBytes.isDigit(value[k]) { k += 1 }
            guard k + 1 < end, value[k] == UInt8(ascii: ":"), value[k + 1] == UInt8(ascii: "{") else {
                i += 1
                continue
            }
            objects += 1
            let name = value[nameRange]
            let strong =
                gadget(name) == 2 || ExecBytes.contains(value, "__destruct") || ExecBytes.contains(value, "phar")
            let c = strong ? 0.95 : (objects > 1 ? 0.9 : 0.85)
            best.consider(c, "deserialization.php_object", i..<min(end, k + 2))
            i = k + 2
        }
        if best.confidence < 0.7, bytes.contains(UInt8(ascii: "p")) || bytes.contains(UInt8(ascii: "P")),
            let p = ExecBytes.find(value, "phar://")
        {
            best.consider(0.7, "deserialization.phar_wrapper", p..<p + 7)
        }
    }

    // MARK: - YAML

    /// Language-specific YAML tags that construct arbitrary objects (standard `!!str`, `!!int`,
    /// `!!map`, `!!binary`… are not flagged).
    static func scanYAML(_ value: ArraySlice<UInt8>, _ best: inout ExecBest) {
        var i = value.startIndex
        let end = value.endIndex
        var tags = 0
        while i + 2 < end, tags < 64 {
            guard value[i] == UInt8(ascii: "!") else {
                i += 1
                continue
            }
            let start = i
            tags += 1
            var j = i + 1
            if value[j] == UInt8(ascii: "!") { j += 1 }
            if ExecBytes.matches(value, at: j, "python/") {
                let strong =
                    ExecBytes.matches(value, at: j + 7, "object/apply")
                    || ExecBytes.matches(value, at: j + 7, "object/new")
                    || ExecBytes.matches(value, at: j + 7, "name") || ExecBytes.matches(value, at: j + 7, "module")
                best.consider(strong ? 0.95 : 0.85, "deserialization.yaml_python", start..<min(end, j + 24))
            } else if ExecBytes.matches(value, at: j, "ruby/") {
                let strong =
                    ExecBytes.matches(value, at: j + 5, "object:") || ExecBytes.matches(value, at: j + 5, "hash:")
                    || ExecBytes.matches(value, at: j + 5, "struct:")
                best.consider(strong ? 0.92 : 0.75, "deserialization.yaml_ruby", start..<min(end, j + 24))
            } else if j == i + 2 {
                // `!!a.b.C`: a Java class tag (SnakeYAML).
                var k = j
                var dots = 0
                while k < end,
                    ExecBytes.isIdent(value[k]) || value[k] == UInt8(ascii: ".") || value[k] == UInt8(ascii: "$")
                {
                    if value[k] == UInt8(ascii: ".") { dots += 1 }
                    k += 1
                }
                // A Java class: starts with a letter, last segment capitalised.
                var lastSegment = k
                while lastSegment > j, value[lastSegment - 1] != UInt8(ascii: ".") { lastSegment -= 1 }
                let javaLike =
                    j < k && ExecBytes.isAlpha(value[j]) && lastSegment < k && value[lastSegment] >= 0x41
                    && value[lastSegment] <= 0x5A
                if dots >= 2, javaLike {
                    let g = gadget(value[j..<k])
                    best.consider(g >= 1 ? 0.95 : 0.75, "deserialization.yaml_java", start..<k)
                }
            }
            i = j
        }
        if let t = ExecBytes.find(value, "tag:yaml.org,2002:python/") {
            best.consider(0.9, "deserialization.yaml_python", t..<t + 25)
        }
    }

    // MARK: - XML object graphs

    static func scanXML(_ value: ArraySlice<UInt8>, _ best: inout ExecBest) {
        if let j = ExecBytes.find(value, "<java"),
            ExecBytes.contains(value, "<object")
                || ExecBytes.contains(value, "java.beans.XMLDecoder")
        {
            best.consider(gadget(value) > 0 ? 0.95 : 0.85, "deserialization.java_xmldecoder", j..<j + 5)
        }
        if let j = ExecBytes.find(value, "<dynamic-proxy") {
            best.consider(0.92, "deserialization.xstream", j..<j + 14)
        }
        if let j = ExecBytes.find(value, "<sorted-set"), gadget(value) > 0 {
            best.consider(0.9, "deserialization.xstream", j..<j + 11)
        }
        if let j = ExecBytes.find(value, "ObjectDataProvider"),
            ExecBytes.contains(value, "MethodName")
                || ExecBytes.contains(value, "ObjectInstance") || ExecBytes.contains(value, "ObjectType")
        {
            best.consider(0.95, "deserialization.xaml_objectdataprovider", j..<j + 18)
        }
        if let j = ExecBytes.find(value, "class=\""),
            ExecBytes.contains(value, "<object") || ExecBytes.contains(value, "<void"),
            gadget(value) == 2
        {
            best.consider(0.9, "deserialization.java_xmldecoder", j..<j + 7)
        }
        // XStream writes class names as element names (`<jdk.nashorn.internal.objects.NativeString>`).
        if best.confidence < 0.85, let j = ExecBytes.find(value, "</"), gadget(value) == 2 {
            best.consider(0.85, "deserialization.xstream", j..<min(value.endIndex, j + 24))
        }
    }

    // MARK: - Typed JSON

    /// `"@type":"com.sun.rowset.JdbcRowSetImpl"`, `"$type":"System.Windows.Data.ObjectDataProvider, …"`,
    /// Jackson's array form `["com.sun.rowset.JdbcRowSetImpl",{…}]`.
    static func scanTypedJSON(_ value: ArraySlice<UInt8>, _ best: inout ExecBest) {
        var i = value.startIndex
        let end = value.endIndex
        var examined = 0
        while i < end, examined < 128 {
            guard value[i] == UInt8(ascii: "\"") else {
                i += 1
                continue
            }
            // Read a short quoted key.
            var j = i + 1
            while j < end, j - i < 160, value[j] != UInt8(ascii: "\"") { j += 1 }
            guard j < end, value[j] == UInt8(ascii: "\"") else {
                i += 1
                continue
            }
            examined += 1
            let key = value[(i + 1)..<j]
            var k = ExecBytes.skipSpaces(value, j + 1)
            let isTypeKey =
                key.count <= 12
                && (key.first == UInt8(ascii: "@") || key.first == UInt8(ascii: "$")
                    || (key.count == 6 && ExecBytes.matches(key, at: key.startIndex, "__type"))
                    || (key.count > 3 && ExecBytes.matches(key, at: key.startIndex, "py/")))  // jsonpickle
            if isTypeKey, k < end, value[k] == UInt8(ascii: ":") {
                k = ExecBytes.skipSpaces(value, k + 1)
                if k < end, value[k] == UInt8(ascii: "\"") {
                    var e = k + 1
                    while e < end, e - k < 256, value[e] != UInt8(ascii: "\"") { e += 1 }
                    let typeName = value[(k + 1)..<min(e, end)]
                    let g = gadget(typeName)
                    if g == 2 {
                        best.consider(0.95, "deserialization.typed_json", i..<min(end, e + 1))
                    } else if g == 1 || (isDottedClass(typeName) && hasSinkProperty(value)) {
                        best.consider(0.8, "deserialization.typed_json", i..<min(end, e + 1))
                    }
                }
            } else if i > value.startIndex, let p = ExecBytes.previousNonSpace(value, i), value[p] == UInt8(ascii: "["),
                gadget(key) == 2, isDottedClass(key)
            {
                best.consider(0.9, "deserialization.typed_json", i..<j + 1)
            }
            i = j + 1
        }
    }

    static func isDottedClass(_ name: ArraySlice<UInt8>) -> Bool {
        var dots = 0
        for byte in name {
            if byte == UInt8(ascii: ".") {
                dots += 1
            } else if !ExecBytes.isIdent(byte) && byte != UInt8(ascii: "$") && byte != UInt8(ascii: ",")
                && byte != UInt8(ascii: " ")
            {
                return false
            }
        }
        return dots >= 2
    }

    /// Properties that make a typed object reach out or run something.
    static func hasSinkProperty(_ value: ArraySlice<UInt8>) -> Bool {
        ExecBytes.contains(value, "dataSourceName") || ExecBytes.contains(value, "autoCommit")
            || ExecBytes.contains(value, "ldap://") || ExecBytes.contains(value, "rmi://")
            || ExecBytes.contains(value, "MethodName") || ExecBytes.contains(value, "_bytecodes")
            || ExecBytes.contains(value, "jndiName") || ExecBytes.contains(value, "\"exec\"")
    }

    // MARK: - Pickle

    /// Protocol 0 `c<module>\n<name>\n` (or `\x8c` short strings + `\x93` STACK_GLOBAL in protocol
    /// 2+) naming a dangerous callable, followed by a REDUCE (`R`).
    static func scanPickle(_ value: ArraySlice<UInt8>, binary: Bool, _ best: inout ExecBest) {
        let dangerousModules: [StaticString] = [
            "os", "posix", "nt", "subprocess", "builtins", "__builtin__", "commands", "pty", "socket", "sys",
            "platform", "webbrowser", "runpy", "importlib",
        ]
        let dangerousNames: [StaticString] = [
            "system", "popen", "Popen", "call", "check_output", "run", "eval", "exec", "getoutput", "spawn",
            "execv", "execve", "__import__", "getattr", "open", "compile", "run_path", "import_module",
        ]
        var i = value.startIndex
        let end = value.endIndex
        var examined = 0
        while i + 3 < end, examined < 64 {
            let byte = value[i]
            // Protocol 0/1 GLOBAL: `c` module `\n` name `\n`, at start or after an opcode boundary.
            if byte == UInt8(ascii: "c"),
                i == value.startIndex || value[i - 1] == 0x0A || value[i - 1] == UInt8(ascii: "(")
                    || value[i - 1] == UInt8(ascii: ".") || value[i - 1] < 0x20 || value[i - 1] >= 0x80
            {
                examined += 1
                var j = i + 1
                while j < end, j - i < 40, value[j] != 0x0A,
                    ExecBytes.isIdent(value[j]) || value[j] == UInt8(ascii: ".")
                {
                    j += 1
                }
                if j < end, value[j] == 0x0A, j > i + 1 {
                    let module = value[(i + 1)..<j]
                    var k = j + 1
                    while k < end, k - j < 40, ExecBytes.isIdent(value[k]) { k += 1 }
                    if k < end, value[k] == 0x0A, k > j + 1 {
                        let name = value[(j + 1)..<k]
                        let rest = value[k..<min(end, k + 512)]
                        let reduce = rest.contains(UInt8(ascii: "R"))
                        let modOK = dangerousModules.contains {
                            $0.utf8CodeUnitCount == module.count
                                && ExecBytes.matchesExactly(module, at: module.startIndex, $0)
                        }
                        let nameOK = dangerousNames.contains {
                            $0.utf8CodeUnitCount == name.count
                                && ExecBytes.matchesExactly(name, at: name.startIndex, $0)
                        }
                        if reduce {
                            let c = modOK && nameOK ? 0.95 : (modOK || nameOK ? 0.85 : 0.6)
                            best.consider(binary ? max(c, 0.7) : c, "deserialization.pickle", i..<min(end, k + 1))
                        } else if modOK && nameOK {
                            // `cos\nsystem\n` built with OBJ/INST instead of REDUCE.
                            best.consider(0.88, "deserialization.pickle", i..<min(end, k + 1))
                        }
                        i = k
                        continue
                    }
                }
            }
            // Protocol 2+: SHORT_BINUNICODE (0x8c) module, 0x8c name, then STACK_GLOBAL (0x93).
            if binary, byte == 0x8C {
                examined += 1
                let length = Int(value[i + 1])
                if i + 2 + length <= end {
                    let module = value[(i + 2)..<(i + 2 + length)]
                    if dangerousModules.contains(where: {
                        $0.utf8CodeUnitCount == module.count
                            && ExecBytes.matchesExactly(module, at: module.startIndex, $0)
                    }), value[(i + 2 + length)...].contains(0x93) {
                        best.consider(0.95, "deserialization.pickle", i..<min(end, i + 2 + length + 12))
                    }
                }
            }
            i += 1
        }
        if binary, best.confidence < 0.5, value.contains(UInt8(ascii: "R")) || value.contains(0x93) {
            best.consider(0.5, "deserialization.pickle", value.startIndex..<value.startIndex + 2)
        }
    }
}
