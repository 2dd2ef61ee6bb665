/// Combines hits into a request score (0…100) and an attack verdict (docs/SCORING.md).
///
/// Two steps: `adjust` weighs each hit by where it was found (the detector judged the value
/// alone), then `score` combines the request's hits and compares the strongest with the
/// sensitivity's threshold.
public enum Scoring {
    /// Confidence at or above which a hit makes the request an attack, per sensitivity.
    public static func threshold(_ sensitivity: Sensitivity) -> Double {
        switch sensitivity {
        case .low: 0.8
        case .default: 0.6
        case .high: 0.4
        }
    }

    /// Hits below this confidence are dropped from verdicts: too weak to be worth showing.
    public static let reportFloor = 0.3

    /// Weighs a detector's hit by its context (docs/SCORING.md, "Context").
    ///
    /// - A field whose name says it holds code (`code`, `snippet`, `sql`, `template`…) carries
    ///   attack syntax legitimately: injection hits are multiplied by 0.55, so they never reach the
    ///   default threshold alone and only the strongest reach `high`.
    /// - Free-text fields (`comment`, `description`, `body`…) hold prose: SQL hits × 0.95 (prose
    ///   with apostrophes is where SQL false positives come from); XSS is kept as is, since stored
    ///   XSS lives exactly there.
    /// - Binary values (decompressed or Base64-decoded bytes that are not text) × 0.7: tokens found
    ///   in noise are weaker evidence.
    /// - The decode chain: a value reached through an evasive encoding (`DecodeChain`) × 1.25,
    ///   capped at 0.95.
    public static func adjust(_ hit: Hit, context: DetectionContext) -> Hit {
        // Anomalies and behaviour are kept exactly as found; every other hit leaves rounded to
        // two decimals, weighed or not (some detectors multiply unrounded figures: 0.396 is 0.40).
        guard isWeighed(hit.attackClass) else { return hit }
        let factors = factors(for: hit.attackClass, context: context)
        var hit = hit
        var factor = 1.0
        for member in ContextFactors.all where factors.contains(member) && member != .evasiveChain {
            factor *= member.factor
        }
        var confidence = hit.confidence * factor
        if factors.contains(.evasiveChain) {
            // Reached through overlong UTF-8 or `%u`: the sender hid the value from filters.
            // Capped at 0.95, or the detector's own figure when it was higher already.
            confidence = min(confidence * ContextFactors.evasiveChain.factor, max(hit.confidence, 0.95))
        }
        hit.confidence = (confidence * 100).rounded() / 100
        return hit
    }

    /// Whether `adjust` weighs (and rounds) hits of this class: not anomalies, behaviour or scanner
    /// fingerprints, which do not depend on where a value sits.
    static func isWeighed(_ attackClass: AttackClass) -> Bool {
        switch attackClass {
        case .protocolAnomaly, .bruteForce, .credentialStuffing, .bola, .forcedBrowsing, .rateAnomaly, .schemaAnomaly,
            .scanner:
            false
        default: true
        }
    }

    /// The context factors `adjust` applies to a hit of `attackClass` in `context` (empty: the
    /// hit is kept as the detector scored it). `palisade scan --explain` lists them.
    public static func factors(for attackClass: AttackClass, context: DetectionContext) -> ContextFactors {
        guard isWeighed(attackClass) else { return [] }
        var factors: ContextFactors = []
        switch context.field.profile {
        case .code: if !context.field.namesResource(for: attackClass) { factors.insert(.codeField) }
        case .freeText: if attackClass == .sqli { factors.insert(.freeTextField) }
        case .plain: break
        }
        if context.kind == .binary { factors.insert(.binaryValue) }
        if context.evasiveChain { factors.insert(.evasiveChain) }
        return factors
    }

    public static func score(_ hits: [Hit], sensitivity: Sensitivity) -> (score: Double, attack: Bool, hits: [Hit]) {
        let sorted = hits.filter { $0.confidence >= reportFloor || $0.attackClass == .protocolAnomaly }
            .sorted { $0.confidence > $1.confidence }
        // Independent evidence adds up: 1 - Π(1 - c), capped.
        var miss = 1.0
        for hit in sorted { miss *= (1 - min(max(hit.confidence, 0), 1)) }
        let score = ((1 - miss) * 100).rounded()
        let attack = sorted.contains { $0.attackClass != .protocolAnomaly && $0.confidence >= threshold(sensitivity) }
        return (score, attack, sorted)
    }
}

/// The reasons `Scoring.adjust` weighs a hit, each with its factor (docs/SCORING.md, "Context").
public struct ContextFactors: OptionSet, Sendable, Hashable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// The field's name says it holds code: × 0.55.
    public static let codeField = ContextFactors(rawValue: 1 << 0)
    /// The field's name says it holds free text (SQL hits only): × 0.95.
    public static let freeTextField = ContextFactors(rawValue: 1 << 1)
    /// The value is binary (decompressed or decoded bytes that are not text): × 0.7.
    public static let binaryValue = ContextFactors(rawValue: 1 << 2)
    /// The value came out of a decoding of overlong UTF-8 or `%u` (`DecodeChain`): × 1.25, capped.
    public static let evasiveChain = ContextFactors(rawValue: 1 << 3)

    /// Every factor, in the order `adjust` applies them.
    public static let all: [ContextFactors] = [.codeField, .freeTextField, .binaryValue, .evasiveChain]

    /// The multiplier of a single factor.
    public var factor: Double {
        switch self {
        case .codeField: 0.55
        case .freeTextField: 0.95
        case .binaryValue: 0.7
        case .evasiveChain: DecodeChain.evasionFactor
        default: 1.0
        }
    }

    /// Why, in words, for a single factor.
    public var reason: String {
        switch self {
        case .codeField: "the field's name says it holds code"
        case .freeTextField: "the field's name says it holds free text"
        case .binaryValue: "a binary value"
        case .evasiveChain: "decoded out of overlong UTF-8 or %u escapes; capped at 0.95"
        default: ""
        }
    }
}
