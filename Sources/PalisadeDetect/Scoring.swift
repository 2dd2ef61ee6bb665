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
        var hit = hit
        var factor = 1.0
        switch hit.attackClass {
        case .protocolAnomaly, .bruteForce, .credentialStuffing, .bola, .forcedBrowsing, .rateAnomaly, .schemaAnomaly,
            .scanner:
            return hit
        default: break
        }
        switch context.field.profile {
        case .code: factor *= context.field.namesResource(for: hit.attackClass) ? 1.0 : 0.55
        case .freeText: factor *= hit.attackClass == .sqli ? 0.95 : 1.0
        case .plain: break
        }
        if context.kind == .binary { factor *= 0.7 }
        var confidence = hit.confidence * factor
        if context.evasiveChain {
            // Reached through overlong UTF-8 or `%u`: the sender hid the value from filters.
            // Capped at 0.95, or the detector's own figure when it was higher already.
            confidence = min(confidence * DecodeChain.evasionFactor, max(hit.confidence, 0.95))
        }
        hit.confidence = (confidence * 100).rounded() / 100
        return hit
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
