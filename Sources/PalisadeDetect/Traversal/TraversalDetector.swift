/// Path traversal and local file inclusion: the value is folded by `PathNormalizer` (every
/// encoding of `.`, `/` and `\`), then read as a path: dot-segments climbing out of a directory
/// (`..`, filter-bypass forms `....//`, `.../`, Tomcat `..;/`), the file they reach (`etc/passwd`,
/// `win.ini`, `WEB-INF/web.xml`…), absolute paths to system files, Windows drive and UNC paths,
/// `file:` URLs, and NUL truncation (`shell.php%00.jpg`).
public struct TraversalDetector: Detector {
    public let name = "path_traversal"

    public init() {}

    public func detect(_ value: ArraySlice<UInt8>, context: DetectionContext, hits: inout [Hit]) {
        let bytes = context.bytes(of: value)
        guard Self.mayMatch(bytes, count: value.count),
            let finding = Self.analyze(
                value, fieldName: context.fieldName, source: context.source, field: context.field.net, bytes: bytes)
        else { return }
        hits.append(.net(.pathTraversal, finding, value: value, context: context))
    }

    static let reportFloor = 0.3

    /// The pre-filter: at least 3 bytes (2 with a NUL), and `..`, `%`, `\`, NUL, a Unicode look-alike
    /// lead byte, or a `/` / `:` (absolute paths and `file:`). Plain words, numbers and most
    /// identifiers stop here. `bytes`: the bytes
    /// present in `v`; only `..` needs the value read.
    static func worthReading(_ v: ArraySlice<UInt8>, bytes: ByteSet) -> Bool {
        // Two bytes only with a NUL: `\0/` is `%00/` decoded on the way (a query parameter).
        guard v.count >= 3 || (v.count == 2 && bytes.contains(0)) else { return false }
        if bytes.intersects(triggerBytes) { return true }
        guard bytes.contains(UInt8(ascii: ".")) else { return false }
        var previous: UInt8 = 0
        for byte in v {
            if byte == UInt8(ascii: "."), previous == UInt8(ascii: ".") { return true }
            previous = byte
        }
        return false
    }

    /// Bytes that make a value worth reading on their own.
    static let triggerBytes = ByteSet("/%\\\u{0}:", extra: [0xC0, 0xC1, 0xE0, 0xE2, 0xEF])

    /// Bytes `worthReading` needs (`.` only as `..`).
    static let gateBytes = triggerBytes.union(ByteSet("."))

    /// A necessary condition of `worthReading` on the bytes present in the value.
    static func mayMatch(_ bytes: ByteSet, count: Int) -> Bool { bytes.intersects(gateBytes) }

    public static func analyze(_ value: ArraySlice<UInt8>, fieldName: String?, source: Source) -> NetFinding? {
        analyze(value, fieldName: fieldName, source: source, field: nil, bytes: ByteSet(presentIn: value))
    }

    /// `field`: the roles of `fieldName` when the caller has them (`DetectionContext.field`);
    /// `bytes`: the bytes present in `value` (`DetectionContext.bytes(of:)`).
    static func analyze(
        _ value: ArraySlice<UInt8>, fieldName: String?, source: Source, field: NetField?, bytes: ByteSet
    ) -> NetFinding? {
        guard worthReading(value, bytes: bytes) else { return nil }
        let folded: PathNormalizer.Result
        let v: ArraySlice<UInt8>
        if PathNormalizer.needsFolding(value, bytes: bytes) {
            folded = PathNormalizer.fold(value)
            v = folded.bytes[...]
        } else {
            folded = PathNormalizer.Result(bytes: [])
            v = value.prefix(1 << 16)
        }
        // Indices of `v` are not those of `value` once folded; evidence maps back proportionally.
        func mapRange(_ r: Range<Int>) -> Range<Int> {
            guard !folded.bytes.isEmpty else { return r }
            let scale = Double(value.count) / Double(max(v.count, 1))
            let lower = value.startIndex + min(value.count, Int(Double(r.lowerBound - v.startIndex) * scale))
            let upper =
                value.startIndex + min(value.count, Int((Double(r.upperBound - v.startIndex) * scale).rounded(.up)))
            return lower..<max(lower, upper)
        }
        let field = field ?? NetField.of(fieldName)
        var best = NetFinding.none
        var spaces = 0
        for byte in v where byte == 0x20 { spaces += 1 }
        let prose = spaces >= 3

        // Pass 1: dot-segments and the targets after them.
        var units = 0
        var singleDotSlashes = 0  // `./`: the noise reading below needs two
        var bypass = false
        var firstUnit: Int? = nil
        var lastUnitEnd = v.startIndex
        var i = v.startIndex
        var rounds = 0
        while i < v.endIndex, rounds < 4096 {
            rounds += 1
            guard v[i] == UInt8(ascii: ".") else {
                i += 1
                continue
            }
            var j = i
            while j < v.endIndex, v[j] == UInt8(ascii: ".") { j += 1 }
            let dots = j - i
            defer { i = j }
            guard dots >= 2 else {
                if j < v.endIndex, v[j] == 0x2F { singleDotSlashes += 1 }
                continue
            }
            // Preceded by a start, a separator or an assignment; followed by a separator (`;` for Tomcat).
            let before: UInt8 = i > v.startIndex ? v[i - 1] : 0x2F
            guard
                before == 0x2F || before == UInt8(ascii: "=") || before == 0x20 || before == UInt8(ascii: ":")
                    || before == 0x22 || before == 0x27 || before == 0 || before == UInt8(ascii: "(")
            else { continue }
            var k = j
            while k < v.endIndex, v[k] == 0, k - j < 4 {
                k += 1  // `..%00/`: a NUL some filters stop at
                bypass = true
            }
            if k < v.endIndex, v[k] == UInt8(ascii: ";") {
                // `..;/` or `..;jsessionid=x/`
                while k < v.endIndex, v[k] != 0x2F, k - j < 64 { k += 1 }
                bypass = true
            }
            let followed = k < v.endIndex && v[k] == 0x2F
            let endsPath = k == v.endIndex && i > v.startIndex && before == 0x2F
            guard followed || endsPath else { continue }
            if dots > 2 {
                if dots > 4 {
                    // An ellipsis run, not a climb — unless a strong target follows at once
                    // (`…………//etc/passwd`: Windows drops trailing dots, filters strip `../` pairs).
                    guard followed else { continue }
                    var t = k
                    while t < v.endIndex, v[t] == 0x2F { t += 1 }
                    guard SensitiveTargets.match(v, at: t)?.strong == true else { continue }
                }
                bypass = true
            }
            // `....//` leaves `../` once a filter strips `../`.
            if followed, k + 1 < v.endIndex, v[k + 1] == 0x2F, dots >= 3 { bypass = true }
            if firstUnit == nil {
                firstUnit = i
            }
            units += 1
            lastUnitEnd = min(v.endIndex, k + 1)
            j = max(j, k)
        }
        if units > 0, let first = firstUnit {
            // The target after the climb.
            var target: (strong: Bool, end: Int)? = nil
            var t = lastUnitEnd
            while t < v.endIndex, v[t] == 0x2F || v[t] == UInt8(ascii: ".") && t + 1 < v.endIndex && v[t + 1] == 0x2F {
                t += 1
            }
            target = SensitiveTargets.match(v, at: t)
            if target == nil {
                // `../../../../windows/win.ini`, `..\..\boot.ini` are covered; also a drive after the climb.
                if t + 2 < v.endIndex, v[t + 1] == UInt8(ascii: ":"), v[t + 2] == 0x2F {
                    target = SensitiveTargets.match(v, at: t + 3)
                }
            }
            let range = first..<min(v.endIndex, max(lastUnitEnd, target?.end ?? lastUnitEnd) + 8)
            var confidence: Double
            var rule: String
            if let target {
                confidence = target.strong ? 0.95 : 0.9
                rule = "path_traversal.sensitive_target"
            } else if folded.encodedSeparator || bypass {
                confidence = units >= 2 ? 0.9 : 0.8
                rule = bypass ? "path_traversal.filter_bypass" : "path_traversal.encoded"
            } else if units >= 3 {
                confidence = 0.9
                rule = "path_traversal.dot_segments"
            } else if units == 2 {
                confidence = 0.8
                rule = "path_traversal.dot_segments"
            } else {
                confidence = 0.5  // `../assets/logo.svg` is an ordinary relative link
                rule = "path_traversal.dot_segment"
            }
            if source == .path {
                // Clients normalize dot-segments before sending; one that arrives was written by hand.
                confidence = max(confidence, units >= 2 ? 0.9 : 0.75)
            }
            if target == nil || !target!.strong {
                // `https://host/a/../b` is a link a person pasted; one climb inside it means little.
                if units == 1, !folded.encodedSeparator, !bypass, Bytes.containsIgnoringCase(v.prefix(12), "://") {
                    confidence *= 0.5
                }
                if prose { confidence *= 0.6 }
                if field.freeText { confidence *= 0.7 }
            }
            if folded.nul != nil { confidence = min(1, confidence + 0.05) }
            best.consider(NetFinding(confidence, rule, mapRange(range)))
        }

        // Pass 1b: no climb, but a run of `.` and `/` noise right before a system file
        // (`./\/././\/./etc/hosts`, `.\\./.\\./etc/passwd`): fuzzers pad the path with segments that
        // become `../` once a filter strips backslashes or `/\/`, or that a check for `../` lets through.
        if units == 0, singleDotSlashes >= 2, best.confidence < 0.9, let run = noiseRun(v) {
            let confidence = folded.backslash || folded.encodedSeparator ? 0.9 : 0.85
            best.consider(NetFinding(confidence, "path_traversal.dot_slash_noise", mapRange(run)))
        }

        // Pass 2: absolute targets, drives, UNC, file URLs, NUL truncation — judged on the whole value.
        // Leading NULs (`%00/etc/passwd`) are what some filters stop at, not part of the path.
        var trimmed = Bytes.trimmed(v)
        while trimmed.first == 0 { trimmed = Bytes.trimmed(trimmed.dropFirst()) }
        if best.confidence < 0.9, let finding = absolute(trimmed, folded: folded, prose: prose, field: field) {
            var f = finding
            f.range = mapRange(f.range)
            best.consider(f)
        }
        if best.confidence < 0.85, let nul = folded.nul {
            // `page.php\0.jpg`, `../x\0`: a NUL after a file name, then an extension or the end.
            let at = v.startIndex + nul
            let after = v[(at + 1)...]
            let beforeIsName = at > v.startIndex && v[at - 1] != 0x20
            if beforeIsName, after.isEmpty || after.first == UInt8(ascii: ".") || after.allSatisfy({ $0 == 0 }) {
                best.consider(
                    NetFinding(
                        0.85, "path_traversal.nul_truncation",
                        mapRange(max(v.startIndex, at - 24)..<min(v.endIndex, at + 8))))
            } else if nulInToken(v, at: at) {
                // `something\0html`, `id\0|`, `/\0/`: a NUL inside one short token, with a short
                // suffix after it — the part a suffix check sees and the file API never reads.
                best.consider(
                    NetFinding(
                        0.7, "path_traversal.nul_truncation",
                        mapRange(max(v.startIndex, at - 24)..<min(v.endIndex, at + 8))))
            } else if beforeIsName {
                best.consider(
                    NetFinding(
                        0.45, "path_traversal.nul_byte", mapRange(max(v.startIndex, at - 24)..<min(v.endIndex, at + 8)))
                )
            }
        }
        let result = best.rounded
        return result.confidence >= reportFloor ? result : nil
    }

    /// Whether the NUL run at `at` sits inside one short token: the value, spaces trimmed, is at
    /// most 64 bytes of printable ASCII apart from that one run of NULs, and 1 to 8 bytes follow the
    /// run (`something\0html`, `id\0|`, `/\0/`, `\0/`). Text never carries a NUL; a NUL that ends
    /// a value after a name is `nul_truncation` already, and binary data has other control bytes.
    static func nulInToken(_ v: ArraySlice<UInt8>, at: Int) -> Bool {
        let token = Bytes.trimmed(v)
        guard token.count <= 64, at >= token.startIndex, at < token.endIndex else { return false }
        var end = at
        while end < token.endIndex, token[end] == 0 { end += 1 }
        let tail = token[end...]
        guard !tail.isEmpty, tail.count <= 8 else { return false }
        func printable(_ byte: UInt8) -> Bool { byte > 0x20 && byte < 0x7F }
        return token[token.startIndex..<at].allSatisfy(printable) && tail.allSatisfy(printable)
    }

    /// A run of at least four `.` and `/` (after folding) with two or more `./`, starting the value
    /// or after `=`, a space or a quote, directly followed by a strong target: the run and the target.
    static func noiseRun(_ v: ArraySlice<UInt8>) -> Range<Int>? {
        var i = v.startIndex
        var runs = 0
        while i < v.endIndex, runs < 64 {
            let byte = v[i]
            guard byte == UInt8(ascii: ".") || byte == 0x2F else {
                i += 1
                continue
            }
            let before: UInt8 = i > v.startIndex ? v[i - 1] : 0x20
            var j = i
            var dotSlash = 0
            while j < v.endIndex, v[j] == UInt8(ascii: ".") || v[j] == 0x2F {
                if v[j] == UInt8(ascii: "."), j + 1 < v.endIndex, v[j + 1] == 0x2F { dotSlash += 1 }
                j += 1
            }
            runs += 1
            defer { i = j }
            guard before == 0x20 || before == UInt8(ascii: "=") || before == 0x22 || before == 0x27 || before == 0,
                dotSlash >= 2, j - i >= 4, let target = SensitiveTargets.match(v, at: j), target.strong
            else { continue }
            return i..<target.end
        }
        return nil
    }

    /// `/etc/passwd`, `C:\Windows\win.ini`, `\\host\share`, `file:///etc/shadow` as the value.
    static func absolute(
        _ v: ArraySlice<UInt8>, folded: PathNormalizer.Result, prose: Bool, field: NetField
    ) -> NetFinding? {
        guard let first = v.first else { return nil }
        var best = NetFinding.none
        var start = v.startIndex
        var scheme = false
        if Bytes.hasPrefixIgnoringCase(v, "file:"), v.count > 5,
            v[v.startIndex + 5] == 0x2F || (v.count > 7 && v[v.startIndex + 6] == UInt8(ascii: ":"))
        {
            scheme = true
            start += 5
            // file://localhost/etc/passwd, file:///c:/…
            var slashes = 0
            while start < v.endIndex, v[start] == 0x2F {
                start += 1
                slashes += 1
            }
            if slashes == 2 {
                // An authority: skip a host name.
                let hostEnd = v[start...].firstIndex(of: 0x2F) ?? v.endIndex
                let host = v[start..<hostEnd]
                if !host.isEmpty, !host.contains(UInt8(ascii: ":")) || host.count == 2 {
                    start = hostEnd
                }
            }
            while start < v.endIndex, v[start] == 0x2F { start += 1 }
        } else if first == 0x2F {
            if folded.uncPrefix {
                // \\host\share\path
                let rest = v.dropFirst(2)
                let hostEnd = rest.firstIndex(of: 0x2F) ?? rest.endIndex
                let host = rest[rest.startIndex..<hostEnd]
                if !host.isEmpty, hostEnd < rest.endIndex, hostEnd + 1 < rest.endIndex, !prose {
                    var c = 0.75
                    if let reading = HostClassifier.classify(host), reading.category >= .privateNetwork { c = 0.85 }
                    if Bytes.containsIgnoringCase(rest, "$") || host.contains(UInt8(ascii: "@")) { c = max(c, 0.85) }
                    best.consider(
                        NetFinding(c, "path_traversal.unc_path", v.startIndex..<min(v.endIndex, hostEnd + 20)))
                }
            }
            while start < v.endIndex, v[start] == 0x2F { start += 1 }
        } else if v.count >= 3, (first | 0x20) >= 0x61, (first | 0x20) <= 0x7A, v[start + 1] == UInt8(ascii: ":"),
            v[start + 2] == 0x2F
        {
            start += 3  // a drive letter
        } else {
            return nil
        }
        // The path must be the whole value (a sentence mentioning /etc/hosts is documentation); the
        // target may sit at any segment (`/home/admin/.ssh/id_rsa`).
        var target: (strong: Bool, end: Int, at: Int)? = nil
        var s = start
        var segments = 0
        while s < v.endIndex, segments < 64 {
            if let (strong, end) = SensitiveTargets.match(v, at: s), target == nil || (strong && !target!.strong) {
                target = (strong, end, s)
                if strong { break }
            }
            guard let slash = v[s...].firstIndex(of: 0x2F), slash + 1 < v.endIndex else { break }
            if v[s..<slash].contains(0x20) { break }
            s = slash + 1
            segments += 1
        }
        if let (strong, end, _) = target {
            var c = strong ? 0.85 : 0.5
            if scheme { c = strong ? 0.95 : 0.8 }
            let tail = v[end...]
            let whole = !tail.contains(0x20) && !prose
            if !whole { c *= scheme ? 0.8 : 0.5 }
            if field.file || field.url { c = min(1, c + 0.05) }
            if folded.nul != nil { c = min(1, c + 0.05) }
            best.consider(
                NetFinding(
                    c, scheme ? "path_traversal.file_url" : "path_traversal.absolute_target",
                    v.startIndex..<min(v.endIndex, end + 8)))
        } else if scheme, start < v.endIndex, !prose {
            best.consider(
                NetFinding(
                    field.url || field.file ? 0.7 : 0.6, "path_traversal.file_url",
                    v.startIndex..<min(v.endIndex, start + 40)))
        }
        return best.confidence > 0 ? best : nil
    }
}
