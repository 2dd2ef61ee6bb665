#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Scanner and attack-tool fingerprints (request-level: headers and the raw path are not all
/// decoded points). Rules (docs/DETECTION.md, "scanner"):
/// - `scanner.tool_user_agent` 0.9: a known tool's name at a word start in `User-Agent`.
/// - `scanner.tool_header` 0.85: a header only scanners send (`Acunetix-Product`, `X-WIPP`…).
///   Tool names are looked for in `User-Agent` only: other headers carry free text (referrers,
///   forwarded chains) where a tool's name proves nothing, and scanning them all costs time.
/// - `scanner.oast_domain` 0.85: an out-of-band interaction domain (Burp Collaborator, interactsh,
///   dnslog…) in a header or any decoded value.
/// - `scanner.shellshock` 0.95: a header or value starting with `() {` (CVE-2014-6271 probes).
/// - `scanner.probe_sensitive` 0.5 and `scanner.probe_application` 0.4: paths scanners try
///   (`/.git/config`, `/.env`, `/actuator/env` — `/wp-admin`, `/phpmyadmin`, `/cgi-bin/`). Lower
///   confidence by design: one request to such a path is recon, not a payload, and some sites do
///   run WordPress; monitor-level at default sensitivity, attacks at `high`.
/// - `scanner.survey_crawler` 0.35: internet-survey crawlers (Censys, Shodan…): reported only.
/// Ordinary clients — browsers, curl, wget, python-requests, Go-http-client, okhttp, axios,
/// Postman — are never flagged by name: legitimate integrations use them every day.
public struct ScannerDetector: RequestDetector {
    public let name = "scanner"

    public init() {}

    public func detect(_ request: RequestContext, hits: inout [Hit]) {
        var toolFound = false
        var oastFound = false
        var shellshockFound = false
        let headers = request.record.headers
        for position in headers.indices {
            // A value the analyzer already read with all three readings, finding nothing (a
            // repeated `User-Agent`, `Accept`…: `ValueFacts.scannerHeaderFree`).
            if request.facts(ofHeader: position).contains(.scannerHeaderFree) { continue }
            // The name is classified on its bytes: no lowercased copy, no set lookup (the
            // lowercased name is built only for a header that is read further). Read in place:
            // iterating the headers copied each one, retaining its name and value.
            let role = Self.role(ofHeader: headers[position].name)
            if role == .skipped { continue }
            let header = headers[position]
            // Shellshock needs a `(` first and an OAST domain a dot: other headers are copied only
            // for the tool checks (`User-Agent`, scanner-only header names).
            let toolCheck = !toolFound && role != .other
            if !toolCheck, Self.plainHeader(header.value) { continue }
            // The three readings over the value's bytes in place; the lowercased name and an
            // array of the value (for the evidence) are made only when one of them finds something.
            var headerValue = header.value
            let found = headerValue.withUTF8 { bytes in
                Self.read(
                    bytes, role: role, shellshock: !shellshockFound, tool: !toolFound, oast: !oastFound)
            }
            guard found.shellshock != nil || found.tool != nil || found.oast != nil else { continue }
            let name = Bytes.lowercased(header.name)
            let value = Array(header.value.utf8)[...]
            if let range = found.shellshock {
                shellshockFound = true
                hits.append(hit("header." + name, 0.95, "scanner.shellshock", value, range))
            }
            if let (kind, range) = found.tool {
                switch kind {
                case .header:
                    toolFound = true
                    hits.append(hit("header." + name, 0.85, "scanner.tool_header", value, range))
                case .userAgent:
                    toolFound = true
                    hits.append(hit("header." + name, 0.9, "scanner.tool_user_agent", value, range))
                case .survey:
                    hits.append(hit("header." + name, 0.35, "scanner.survey_crawler", value, range))
                }
            }
            if let range = found.oast {
                oastFound = true
                hits.append(hit("header." + name, 0.85, "scanner.oast_domain", value, range))
            }
        }
        // Decoded values: OAST callbacks and shellshock in parameters.
        let decoded = request.decoded
        if !oastFound || !shellshockFound {
            for index in decoded.points.indices {
                // Field by field: copying the whole point costs retains of its strings.
                guard !decoded.points[index].isContainer, decoded.points[index].kind == .text else { continue }
                let count = decoded.points[index].value.count
                guard count >= 4, count <= 1 << 20 else { continue }
                // Shellshock needs a `(`, an OAST domain a dot.
                let bytes = request.bytes(ofPoint: index)
                let paren = bytes.contains(UInt8(ascii: "("))
                let dot = bytes.contains(UInt8(ascii: "."))
                guard paren || dot else { continue }
                // Header values were read above, from the record: neither reading counts here.
                guard decoded.source(of: index) != .header else { continue }
                let value = decoded.points[index].value[...]
                if !shellshockFound, paren, let range = Self.shellshock(value) {
                    shellshockFound = true
                    hits.append(
                        Hit(
                            attackClass: .scanner, point: Int32(index), confidence: 0.95,
                            evidence: Evidence.excerpt(value, around: range, fieldName: nil), rule: "scanner.shellshock"
                        ))
                }
                if !oastFound, dot, let range = Self.find(Self.oastDomains, in: value, wordStart: false) {
                    oastFound = true
                    hits.append(
                        Hit(
                            attackClass: .scanner, point: Int32(index), confidence: 0.85,
                            evidence: Evidence.excerpt(value, around: range, fieldName: nil),
                            rule: "scanner.oast_domain"))
                }
                if oastFound, shellshockFound { break }
            }
        }
        // The path part of the raw path (`CaptureRecord.path`), read in place: an array of it is
        // made only for a hit's evidence.
        var rawPath = request.record.rawPath
        let probed: (Range<Int>, Double, String, [UInt8])? = rawPath.withUTF8 { raw in
            var end = 0
            while end < raw.count, raw[end] != UInt8(ascii: "?"), raw[end] != UInt8(ascii: "#") { end += 1 }
            let path = UnsafeBufferPointer(rebasing: raw[..<end])
            guard let (range, confidence, rule) = Self.probe(path) else { return nil }
            return (range, confidence, rule, Array(path))
        }
        if let (range, confidence, rule, path) = probed {
            hits.append(hit("path", confidence, rule, path[...], range))
        }
    }

    /// What the readings of one header value found (offsets in the value's bytes).
    struct HeaderFindings {
        enum Tool { case header, userAgent, survey }
        var shellshock: Range<Int>?
        var tool: (kind: Tool, range: Range<Int>)?
        var oast: Range<Int>?
    }

    /// The readings of a header value that are asked for (those whose rule has not fired yet in
    /// this request): shellshock, the tool fingerprint by the header's role, the OAST domain.
    static func read(
        _ bytes: UnsafeBufferPointer<UInt8>, role: HeaderRole, shellshock: Bool, tool: Bool, oast: Bool
    ) -> HeaderFindings {
        var found = HeaderFindings()
        if shellshock { found.shellshock = Self.shellshock(bytes) }
        if tool {
            if role == .scannerOnly {
                found.tool = (.header, 0..<bytes.count)
            } else if role == .userAgent, let (isTool, range) = userAgentName(bytes) {
                found.tool = (isTool ? .userAgent : .survey, range)
            }
        }
        if oast, bytes.count >= 3, bytes.count <= 64 * 1024 { found.oast = findDomain(oastDomains, in: bytes) }
        return found
    }

    /// What a header's name makes of it for this detector.
    enum HeaderRole {
        /// `Cookie`, `Authorization`: never read.
        case skipped
        case userAgent
        /// A header only scanners send (`ScannerVocabulary.headerNames`).
        case scannerOnly
        case other
    }

    /// The role of a header by its name, compared ASCII-case-insensitively on its bytes.
    static func role(ofHeader name: String) -> HeaderRole {
        let role = name.utf8.withContiguousStorageIfAvailable { bytes -> HeaderRole in
            if equalsLowercase(bytes, "cookie") || equalsLowercase(bytes, "authorization") { return .skipped }
            if equalsLowercase(bytes, "user-agent") { return .userAgent }
            // Every scanner-only name starts with `a` or `x`.
            if let first = bytes.first,
                Bytes.lower(first) == UInt8(ascii: "a") || Bytes.lower(first) == UInt8(ascii: "x")
            {
                for known in scannerHeaderNames where known.count == bytes.count {
                    if zip(known, bytes).allSatisfy({ $0 == Bytes.lower($1) }) { return .scannerOnly }
                }
            }
            return .other
        }
        if let role { return role }
        let lowered = Bytes.lowercased(name)
        if lowered == "cookie" || lowered == "authorization" { return .skipped }
        if lowered == "user-agent" { return .userAgent }
        return ScannerVocabulary.headerNames.contains(lowered) ? .scannerOnly : .other
    }

    /// Whether `bytes`, ASCII-lowercased, are `lowercase` (given in lowercase).
    @inline(__always)
    static func equalsLowercase(_ bytes: UnsafeBufferPointer<UInt8>, _ lowercase: StaticString) -> Bool {
        guard bytes.count == lowercase.utf8CodeUnitCount else { return false }
        let expected = lowercase.utf8Start
        for offset in 0..<bytes.count where Bytes.lower(bytes[offset]) != expected[offset] { return false }
        return true
    }

    /// `ScannerVocabulary.headerNames` as bytes (all lowercase).
    static let scannerHeaderNames: [[UInt8]] = ScannerVocabulary.headerNames.sorted().map { Array($0.utf8) }

    static let tools = NeedleSet(ScannerVocabulary.tools)
    static let surveys = NeedleSet(ScannerVocabulary.surveys)
    static let oastDomains = NeedleSet(ScannerVocabulary.oastDomains)
    /// The tools, then the survey crawlers: one pass over a `User-Agent` for both.
    static let userAgentNames = NeedleSet(ScannerVocabulary.tools + ScannerVocabulary.surveys)
    static let sensitivePaths = NeedleSet(ScannerVocabulary.sensitivePaths)
    static let applicationPaths = NeedleSet(ScannerVocabulary.applicationPaths)

    func hit(_ location: String, _ confidence: Double, _ rule: String, _ value: ArraySlice<UInt8>, _ range: Range<Int>)
        -> Hit
    {
        Hit(
            attackClass: .scanner, point: -1, location: location, confidence: confidence,
            evidence: Evidence.excerpt(value, around: range, fieldName: nil), rule: rule)
    }

    /// What a `User-Agent` names: a tool (`find(tools, …)`), else a survey crawler
    /// (`find(surveys, …)`), in one pass — `find` keeps the lowest-numbered needle found and the
    /// tools are numbered before the surveys.
    static func userAgentName(_ value: ArraySlice<UInt8>) -> (tool: Bool, range: Range<Int>)? {
        guard let (needle, range) = first(userAgentNames, in: value) else { return nil }
        return (needle < ScannerVocabulary.tools.count, range)
    }

    /// `userAgentName` over a buffer (offsets from 0).
    static func userAgentName(_ value: UnsafeBufferPointer<UInt8>) -> (tool: Bool, range: Range<Int>)? {
        guard value.count >= 3, value.count <= 64 * 1024, let (needle, range) = first(userAgentNames, in: value)
        else { return nil }
        return (needle < ScannerVocabulary.tools.count, range)
    }

    /// The first needle of the list found, matched case-insensitively as a whole word
    /// (`wordStart`), or as a callback domain (`findDomain`). One pass over the value: each word
    /// start is compared only with the needles beginning with its byte.
    static func find(_ needles: NeedleSet, in value: ArraySlice<UInt8>, wordStart: Bool = true) -> Range<Int>? {
        guard value.count >= 3, value.count <= 64 * 1024 else { return nil }
        if !wordStart { return findDomain(needles, in: value) }
        return first(needles, in: value)?.range
    }

    /// The lowest-numbered needle found as a whole word, at its first occurrence.
    static func first(_ needles: NeedleSet, in value: ArraySlice<UInt8>) -> (needle: Int, range: Range<Int>)? {
        guard value.count >= 3, value.count <= 64 * 1024 else { return nil }
        let start = value.startIndex
        guard let (needle, range) = value.withUnsafeBufferPointer({ first(needles, in: $0) }) else { return nil }
        return (needle, (start + range.lowerBound)..<(start + range.upperBound))
    }

    /// `first` over a buffer (offsets from 0).
    static func first(_ needles: NeedleSet, in value: UnsafeBufferPointer<UInt8>) -> (needle: Int, range: Range<Int>)? {
        var best: (needle: Int, range: Range<Int>)? = nil
        var previousIsWord = false
        for at in 0..<value.count {
            // A whole word: `nmap` not in `lenmap`, `nuclei` not in `NucleiCell`.
            let wordBefore = previousIsWord
            previousIsWord = isLetterOrDigit(value[at])
            if wordBefore { continue }
            guard needles.mayStart(in: value, at: at) else { continue }
            for candidate in needles.candidates(value[at]) {
                if let best, candidate >= best.needle { break }
                guard needles.matches(candidate, in: value, at: at) else { continue }
                let needle = needles.needles[candidate]
                let end = at + needle.count
                if end < value.count, isLetterOrDigit(needle[needle.count - 1]), isLetterOrDigit(value[end]) {
                    continue
                }
                best = (candidate, at..<end)
                break
            }
            if best?.needle == 0 { break }
        }
        return best
    }

    /// A callback domain right after a dot (always a unique subdomain: `x1.oast.fun`, not
    /// `oast.fun` in prose nor `boast.fun`), ending at a non-label byte. Checks needles only at dots.
    static func findDomain(_ needles: NeedleSet, in value: ArraySlice<UInt8>) -> Range<Int>? {
        let base = value.startIndex
        let found = value.withUnsafeBufferPointer { findDomain(needles, in: $0) }
        return found.map { (base + $0.lowerBound)..<(base + $0.upperBound) }
    }

    /// `findDomain` over a buffer (offsets from 0).
    static func findDomain(_ needles: NeedleSet, in bytes: UnsafeBufferPointer<UInt8>) -> Range<Int>? {
        guard let pointer = bytes.baseAddress else { return nil }
        // The dots by `memchr`: most values hold none or a few.
        var index = 1
        while index < bytes.count {
            guard let dot = memchr(pointer + index, 0x2E, bytes.count - index) else { return nil }
            let start = UnsafeRawPointer(pointer).distance(to: UnsafeRawPointer(dot)) + 1
            index = start
            guard start < bytes.count, needles.mayStart(in: bytes, at: start) else { continue }
            for candidate in needles.candidates(bytes[start]) where needles.matches(candidate, in: bytes, at: start) {
                let end = start + needles.needles[candidate].count
                if end < bytes.count, isLetterOrDigit(bytes[end]) || bytes[end] == UInt8(ascii: "-") { continue }
                return start..<end
            }
        }
        return nil
    }

    @inline(__always)
    static func isLetterOrDigit(_ byte: UInt8) -> Bool {
        (byte | 0x20 >= 0x61 && byte | 0x20 <= 0x7A) || (byte >= 0x30 && byte <= 0x39)
    }

    /// A header value that can hold neither a shellshock probe (`(` first after spaces) nor an OAST
    /// domain (a dot); false when the value's bytes are not contiguous.
    static func plainHeader(_ value: String) -> Bool {
        value.utf8.withContiguousStorageIfAvailable { bytes in
            guard let first = bytes.first(where: { !Bytes.isSpace($0) }) else { return true }
            return first != UInt8(ascii: "(") && !bytes.contains(UInt8(ascii: "."))
        } ?? false
    }

    /// `() {` exactly at the start of a value (after spaces): the prefix bash recognised as a
    /// function definition (CVE-2014-6271).
    static func shellshock(_ value: ArraySlice<UInt8>) -> Range<Int>? {
        let base = value.startIndex
        let found = value.withUnsafeBufferPointer { shellshock($0) }
        return found.map { (base + $0.lowerBound)..<(base + $0.upperBound) }
    }

    /// `shellshock` over a buffer (offsets from 0).
    static func shellshock(_ value: UnsafeBufferPointer<UInt8>) -> Range<Int>? {
        var cursor = 0
        while cursor < value.count, Bytes.isSpace(value[cursor]) { cursor += 1 }
        let start = cursor
        guard value.count - cursor >= 4, value[cursor] == UInt8(ascii: "("), value[cursor + 1] == UInt8(ascii: ")"),
            value[cursor + 2] == 0x20, value[cursor + 3] == UInt8(ascii: "{")
        else { return nil }
        return start..<min(value.count, cursor + 12)
    }

    /// A probe path: a sensitive or well-known-application component, ending at a boundary.
    static func probe(_ path: ArraySlice<UInt8>) -> (Range<Int>, Double, String)? {
        let base = path.startIndex
        guard let (range, confidence, rule) = path.withUnsafeBufferPointer({ probe($0) }) else { return nil }
        return ((base + range.lowerBound)..<(base + range.upperBound), confidence, rule)
    }

    /// `probe` over a buffer (offsets from 0).
    static func probe(_ path: UnsafeBufferPointer<UInt8>) -> (Range<Int>, Double, String)? {
        guard path.count >= 4, path.count <= 8192 else { return nil }
        if let range = findPath(Self.sensitivePaths, in: path) {
            return (range, 0.5, "scanner.probe_sensitive")
        }
        if let range = findPath(Self.applicationPaths, in: path) {
            return (range, 0.4, "scanner.probe_application")
        }
        return nil
    }

    /// Whether every probe path starts with `/` (`findPath` then visits only the slashes).
    static let probesStartWithSlash =
        sensitivePaths.allStart(with: UInt8(ascii: "/"))
        && applicationPaths.allStart(with: UInt8(ascii: "/"))

    /// The first needle of the list found in `path` (case-insensitively) that ends at a boundary.
    static func findPath(_ needles: NeedleSet, in path: UnsafeBufferPointer<UInt8>) -> Range<Int>? {
        guard let pointer = path.baseAddress else { return nil }
        let slashesOnly = probesStartWithSlash
        var best: (needle: Int, range: Range<Int>)? = nil
        var at = 0
        while at < path.count {
            if slashesOnly {
                // A needle can start only at a `/`: skip to the next one.
                guard let slash = memchr(pointer + at, 0x2F, path.count - at) else { break }
                at = UnsafeRawPointer(pointer).distance(to: UnsafeRawPointer(slash))
            }
            defer { at += 1 }
            guard needles.mayStart(in: path, at: at) else { continue }
            // By the first two bytes: at each `/`, the few needles sharing their bucket rather
            // than every needle starting with `/`; ascending, so the first found is the lowest.
            for item in needles.candidates(in: path, at: at) {
                let candidate = needles.candidate(item)
                if let best, candidate >= best.needle { break }
                guard needles.startsWith(candidate, path[at]), needles.matches(candidate, in: path, at: at) else {
                    continue
                }
                let needle = needles.needles[candidate]
                let end = at + needle.count
                if needle[needle.count - 1] != UInt8(ascii: "/"), end < path.count {
                    let next = path[end]
                    // `/.env` matches `/.env`, `/.env.local`, `/.env/`, not `/.environment`.
                    let boundary =
                        next == UInt8(ascii: "/") || next == UInt8(ascii: ".") || next == UInt8(ascii: "?")
                        || next == UInt8(ascii: ";") || next == UInt8(ascii: "#") || next == UInt8(ascii: "%")
                    if !boundary { continue }
                }
                best = (candidate, at..<end)
                break
            }
            if best?.needle == 0 { break }
        }
        return best?.range
    }
}
