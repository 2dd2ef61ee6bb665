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
        let record = request.record
        var toolFound = false
        var oastFound = false
        var shellshockFound = false
        for header in record.headers {
            let name = Bytes.lowercased(header.name)
            if name == "cookie" || name == "authorization" { continue }
            // Shellshock needs a `(` first and an OAST domain a dot: other headers are copied only
            // for the tool checks (`User-Agent`, scanner-only header names).
            let toolCheck = !toolFound && (name == "user-agent" || ScannerVocabulary.headerNames.contains(name))
            if !toolCheck, Self.plainHeader(header.value) { continue }
            let value = Array(header.value.utf8)[...]
            if !shellshockFound, let range = Self.shellshock(value) {
                shellshockFound = true
                hits.append(hit("header." + name, 0.95, "scanner.shellshock", value, range))
            }
            if !toolFound {
                if ScannerVocabulary.headerNames.contains(name) {
                    toolFound = true
                    hits.append(hit("header." + name, 0.85, "scanner.tool_header", value, value.indices))
                } else if name == "user-agent", let (tool, range) = Self.userAgentName(value) {
                    if tool {
                        toolFound = true
                        hits.append(hit("header." + name, 0.9, "scanner.tool_user_agent", value, range))
                    } else {
                        hits.append(hit("header." + name, 0.35, "scanner.survey_crawler", value, range))
                    }
                }
            }
            if !oastFound, let range = Self.find(Self.oastDomains, in: value, wordStart: false) {
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
                let value = decoded.points[index].value[...]
                if !shellshockFound, paren, let range = Self.shellshock(value), decoded.source(of: index) != .header {
                    shellshockFound = true
                    hits.append(
                        Hit(
                            attackClass: .scanner, point: Int32(index), confidence: 0.95,
                            evidence: Evidence.excerpt(value, around: range, fieldName: nil), rule: "scanner.shellshock"
                        ))
                }
                if !oastFound, dot,
                    let range = Self.find(Self.oastDomains, in: value, wordStart: false),
                    decoded.source(of: index) != .header
                {
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
        if let (range, confidence, rule) = Self.probe(Array(record.path.utf8)[...]) {
            let path = Array(record.path.utf8)[...]
            hits.append(hit("path", confidence, rule, path, range))
        }
    }

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
        var best: (needle: Int, range: Range<Int>)? = nil
        for at in value.indices {
            // A whole word: `nmap` not in `lenmap`, `nuclei` not in `NucleiCell`.
            if at > value.startIndex, isLetterOrDigit(value[at - 1]) { continue }
            guard needles.mayStart(in: value, at: at) else { continue }
            for candidate in needles.candidates(value[at]) {
                if let best, candidate >= best.needle { break }
                guard needles.matches(candidate, in: value, at: at) else { continue }
                let needle = needles.needles[candidate]
                let end = at + needle.count
                if end < value.endIndex, isLetterOrDigit(needle[needle.count - 1]), isLetterOrDigit(value[end]) {
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
        var index = value.startIndex
        while index < value.endIndex {
            defer { index += 1 }
            guard value[index] == UInt8(ascii: "."), index > value.startIndex else { continue }
            let start = index + 1
            guard start < value.endIndex, needles.mayStart(in: value, at: start) else { continue }
            for candidate in needles.candidates(value[start]) where needles.matches(candidate, in: value, at: start) {
                let end = start + needles.needles[candidate].count
                if end < value.endIndex, isLetterOrDigit(value[end]) || value[end] == UInt8(ascii: "-") { continue }
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
        var cursor = value.startIndex
        while cursor < value.endIndex, Bytes.isSpace(value[cursor]) { cursor += 1 }
        let start = cursor
        guard value.endIndex - cursor >= 4, value[cursor] == UInt8(ascii: "("), value[cursor + 1] == UInt8(ascii: ")"),
            value[cursor + 2] == 0x20, value[cursor + 3] == UInt8(ascii: "{")
        else { return nil }
        return start..<min(value.endIndex, cursor + 12)
    }

    /// A probe path: a sensitive or well-known-application component, ending at a boundary.
    static func probe(_ path: ArraySlice<UInt8>) -> (Range<Int>, Double, String)? {
        guard path.count >= 4, path.count <= 8192 else { return nil }
        if let range = findPath(Self.sensitivePaths, in: path) {
            return (range, 0.5, "scanner.probe_sensitive")
        }
        if let range = findPath(Self.applicationPaths, in: path) {
            return (range, 0.4, "scanner.probe_application")
        }
        return nil
    }

    /// The first needle of the list found in `path` (case-insensitively) that ends at a boundary.
    static func findPath(_ needles: NeedleSet, in path: ArraySlice<UInt8>) -> Range<Int>? {
        var best: (needle: Int, range: Range<Int>)? = nil
        for at in path.indices where needles.mayStart(in: path, at: at) {
            for candidate in needles.candidates(path[at]) {
                if let best, candidate >= best.needle { break }
                guard needles.matches(candidate, in: path, at: at) else { continue }
                let needle = needles.needles[candidate]
                let end = at + needle.count
                if needle[needle.count - 1] != UInt8(ascii: "/"), end < path.endIndex {
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
