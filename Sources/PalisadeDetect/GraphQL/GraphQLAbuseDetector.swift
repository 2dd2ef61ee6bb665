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
}
