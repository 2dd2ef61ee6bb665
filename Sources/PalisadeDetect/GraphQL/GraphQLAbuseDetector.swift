/// GraphQL abuse, read from the annotations the GraphQL decoder leaves on every parsed document
/// (depth with fragments expanded, field/alias/directive/operation counts, introspection,
/// fragment cycles). Request-level: the counts describe a document, and batching spreads
/// operations over several documents (a JSON array body `[{"query":…},{"query":…}]` decodes to
/// one GraphQL document per element, so the request's operation count is the sum).
///
/// Thresholds per sensitivity (`Limits`, docs/DETECTION.md, "graphql_abuse") sit well above what
/// hand-written client queries use (depth ≤ 8, a handful of aliases, tens of fields, a batch of a
/// few operations) and well below what resource-exhaustion and alias-batching brute force need
/// (hundreds of aliases of one login mutation, depth 20+). Passing a limit gives 0.65; passing
/// it four times over gives 0.85.
///
/// `repeats` bounds how often one field is selected in a single selection set, aliased or not:
/// clients alias a field a few times (`small: image(…) large: image(…)`), a dozen at most
/// (translations by key); id enumeration and field duplication (`id id id …`) repeat one field
/// dozens of times, under the total alias/field limits. `mutationRepeats` bounds one root field of a
/// mutation: alias batching of a login, OTP or coupon check (`a1: login(…) a2: login(…) …`) —
/// clients change many things in one request through list inputs, not by repeating a mutation.
///
/// Introspection (`__schema`, `__type`) is reconnaissance rather than an attack: it is reported at
/// `introspectionConfidence`, 0.5 by default — a monitor-level hit, shown in verdicts but below
/// the default threshold (0.6), so only `high` sensitivity calls it an attack. Deployments that
/// disable introspection in production can raise it (e.g. 0.9).
public struct GraphQLAbuseDetector: RequestDetector {
    public let name = "graphql_abuse"

    /// Limits a document may reach without a hit (a count strictly above the limit fires).
    public struct Limits: Sendable, Equatable {
        public var depth: Int
        public var aliases: Int
        public var fields: Int
        public var operations: Int
        public var directives: Int
        /// Selections of one field name in one selection set.
        public var repeats: Int
        /// Selections of one root field of a mutation.
        public var mutationRepeats: Int

        public static let low = Limits(
            depth: 15, aliases: 60, fields: 1000, operations: 25, directives: 50, repeats: 40, mutationRepeats: 10)
        public static let `default` = Limits(
            depth: 10, aliases: 30, fields: 500, operations: 10, directives: 20, repeats: 20, mutationRepeats: 5)
        public static let high = Limits(
            depth: 7, aliases: 12, fields: 250, operations: 5, directives: 10, repeats: 10, mutationRepeats: 3)

        public static func of(_ sensitivity: Sensitivity) -> Limits {
            switch sensitivity {
            case .low: .low
            case .default: .default
            case .high: .high
            }
        }
    }

    public var introspectionConfidence: Double

    public init(introspectionConfidence: Double = 0.5) {
        self.introspectionConfidence = introspectionConfidence
    }

    static func confidence(_ count: Int, over limit: Int) -> Double {
        count > limit * 4 ? 0.85 : 0.65
    }

    public func detect(_ request: RequestContext, hits: inout [Hit]) {
        let annotations = request.decoded.annotations
        guard annotations.contains(where: { $0.code == .graphqlBatch }) else { return }
        let limits = Limits.of(request.sensitivity)
        var documents = 0
        var operations = 0
        var firstDocument: Int32 = -1
        var introspected = false
        // The document's alias or field total already passed its limit: a repeated field adds nothing.
        var totalsPassed = false
        for annotation in annotations {
            let value = annotation.value
            var rule: String?
            var confidence = 0.0
            var evidence = ""
            if annotation.code == .graphqlDepth { totalsPassed = false }  // each document starts with its depth
            switch annotation.code {
            case .graphqlBatch:
                documents += 1
                operations += max(value, 0)
                if firstDocument < 0 { firstDocument = annotation.point }
                if value > limits.operations {
                    rule = "graphql_abuse.batch"
                    confidence = Self.confidence(value, over: limits.operations)
                    evidence = "\(value) operations in one document (limit \(limits.operations))"
                }
            case .graphqlDepth where value > limits.depth:
                rule = "graphql_abuse.depth"
                confidence = Self.confidence(value, over: limits.depth)
                evidence = "depth \(value) (limit \(limits.depth))"
            case .graphqlAliases where value > limits.aliases:
                totalsPassed = true
                rule = "graphql_abuse.aliases"
                confidence = Self.confidence(value, over: limits.aliases)
                evidence = "\(value) aliases (limit \(limits.aliases))"
            case .graphqlFields where value > limits.fields:
                totalsPassed = true
                rule = "graphql_abuse.fields"
                confidence = Self.confidence(value, over: limits.fields)
                evidence = "\(value) fields (limit \(limits.fields))"
            case .graphqlDirectives where value > limits.directives:
                rule = "graphql_abuse.directives"
                confidence = Self.confidence(value, over: limits.directives)
                evidence = "\(value) directives (limit \(limits.directives))"
            case .graphqlRepeatedField where value > limits.repeats && !totalsPassed:
                rule = "graphql_abuse.repeated_field"
                confidence = Self.confidence(value, over: limits.repeats)
                evidence =
                    "field \(annotation.detail) selected \(value) times in one selection set (limit \(limits.repeats))"
                totalsPassed = true
            case .graphqlRepeatedMutation where value > limits.mutationRepeats && !totalsPassed:
                rule = "graphql_abuse.repeated_field"
                confidence = Self.confidence(value, over: limits.mutationRepeats)
                evidence = "one mutation field selected \(value) times (limit \(limits.mutationRepeats))"
            case .graphqlFragmentCycle:
                rule = "graphql_abuse.fragment_cycle"
                confidence = 0.7
                evidence = "fragment cycle through " + annotation.detail
            case .graphqlIntrospection where !introspected:
                introspected = true
                rule = "graphql_abuse.introspection"
                confidence = introspectionConfidence
                evidence = "introspection: " + annotation.detail
            default:
                break
            }
            if let rule {
                hits.append(
                    Hit(
                        attackClass: .graphqlAbuse, point: annotation.point, confidence: confidence,
                        evidence: evidence, rule: rule))
            }
        }
        // Credential guessing: one password/PIN/OTP argument given many values in one request.
        if let guesses = Self.credentialGuesses(request), guesses.count > limits.mutationRepeats {
            hits.append(
                Hit(
                    attackClass: .graphqlAbuse, point: guesses.point,
                    confidence: Self.confidence(guesses.count, over: limits.mutationRepeats),
                    evidence:
                        "\(guesses.count) values of credential argument \(guesses.argument) (limit \(limits.mutationRepeats))",
                    rule: "graphql_abuse.credential_guessing"))
        }
        // Batching across documents: a JSON array of operations.
        if documents > 1, operations > limits.operations {
            hits.append(
                Hit(
                    attackClass: .graphqlAbuse, point: -1, location: "body",
                    confidence: Self.confidence(operations, over: limits.operations),
                    evidence: "\(operations) operations in \(documents) documents (limit \(limits.operations))",
                    rule: "graphql_abuse.batch"))
        }
    }

    // MARK: credential guessing

    /// Credential arguments of one field path (`.login(password)`, `.verify(input).otpCode`) and the
    /// number of distinct values the request gives the most guessed of them: a client sends one
    /// password or code per request, a brute force aliases the login (or OTP, PIN) check many times
    /// in one document (`a1: login(pass:"…") a2: login(pass:"…") …`, as a query as well as a
    /// mutation) or repeats it over a batch of documents. Nil when no credential argument is given
    /// twice.
    static func credentialGuesses(_ request: RequestContext) -> (count: Int, point: Int32, argument: String)? {
        let decoded = request.decoded
        var documents: [Int32] = []
        for annotation in decoded.annotations where annotation.code == .graphqlBatch && documents.count < 64 {
            documents.append(annotation.point)
        }
        guard !documents.isEmpty else { return nil }
        // (path hash, value hash, point) of every credential argument value, at most `maxValues`.
        var seen: [(path: UInt64, value: UInt64, point: Int32)] = []
        for index in decoded.points.indices where seen.count < Self.maxValues {
            guard documents.contains(decoded.points[index].parent), !decoded.points[index].isContainer else {
                continue
            }
            switch decoded.points[index].kind {
            case .text, .number: break
            default: continue
            }
            var path: UInt64 = 0
            let credential = decoded.withSegmentUTF8(of: index) { segment in
                path = WordHash.of(segment)
                return isCredentialArgument(segment)
            }
            guard credential else { continue }
            seen.append((path, WordHash.of(decoded.points[index].value), Int32(index)))
        }
        guard seen.count > 1 else { return nil }
        seen.sort { $0.path != $1.path ? $0.path < $1.path : $0.value < $1.value }
        var best: (count: Int, point: Int32) = (0, -1)
        var start = 0
        while start < seen.count {
            var end = start
            var distinct = 0
            while end < seen.count, seen[end].path == seen[start].path {
                if end == start || seen[end].value != seen[end - 1].value { distinct += 1 }
                end += 1
            }
            if distinct > best.count { best = (distinct, seen[start].point) }
            start = end
        }
        guard best.count > 1 else { return nil }
        var name = ""
        _ = decoded.withSegmentUTF8(of: Int(best.point)) { segment in
            name = String(decoding: lastName(segment), as: UTF8.self)
            return true
        }
        return (best.count, best.point, name)
    }

    /// Credential values read per request, at most.
    static let maxValues = 4096

    /// The last name of an argument path: `.login(pass)` → `pass`, `.verify(input).otpCode` → `otpCode`.
    static func lastName(_ segment: UnsafeBufferPointer<UInt8>) -> ArraySlice<UInt8> {
        var end = segment.endIndex
        if end > segment.startIndex, segment[end - 1] == UInt8(ascii: ")") { end -= 1 }
        var start = end
        while start > segment.startIndex, ByteFind.isIdentifier(segment[start - 1]) { start -= 1 }
        return Array(segment[start..<end])[...]
    }

    /// Whether the last name of an argument path names a secret a brute force guesses: a camelCase
    /// or snake_case word `password`, `passwd`, `pass`, `pwd`, `passcode`, `passphrase`, `pin`, `otp`,
    /// `totp`, `mfa` (`newPassword`, `otp_code`, `pin`). Not `code` or `key` (country codes and
    /// translation keys are aliased by the dozen) nor `token` (pagination cursors).
    static func isCredentialArgument(_ segment: UnsafeBufferPointer<UInt8>) -> Bool {
        let name = lastName(segment)
        guard !name.isEmpty, name.count <= 64 else { return false }
        var wordStart = name.startIndex
        var index = name.startIndex
        while index <= name.endIndex {
            let boundary =
                index == name.endIndex || name[index] == UInt8(ascii: "_")
                || (index > wordStart && name[index] >= 0x41 && name[index] <= 0x5A
                    && !(name[index - 1] >= 0x41 && name[index - 1] <= 0x5A))
            if boundary {
                if index > wordStart, credentialWords.contains(WordHash.of(name[wordStart..<index])) {
                    return true
                }
                wordStart = index == name.endIndex || name[index] != UInt8(ascii: "_") ? index : index + 1
            }
            index += 1
        }
        return false
    }

    static let credentialWords: Set<UInt64> = Set(
        ["password", "passwd", "pass", "pwd", "passcode", "passphrase", "pin", "otp", "totp", "mfa"].map {
            WordHash.of($0)
        })
}
