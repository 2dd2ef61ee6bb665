/// One finding: an attack class found at a location, with how sure we are and why.
public struct Hit: Sendable, Equatable {
    public var attackClass: AttackClass
    /// Index of the point in the decoded request (-1: the request as a whole).
    public var point: Int32
    /// Full location, e.g. `body.json.items[0].filter>base64>json.q`.
    public var location: String
    /// 0…1.
    public var confidence: Double
    /// A short excerpt of the payload, masked where it could hold a secret.
    public var evidence: String
    /// The rule or fingerprint that matched (`sqli.union_select`, `xss.event_handler`, …),
    /// shown by `--explain`.
    public var rule: String

    public init(
        attackClass: AttackClass, point: Int32, location: String = "", confidence: Double, evidence: String,
        rule: String
    ) {
        self.attackClass = attackClass
        self.point = point
        self.location = location
        self.confidence = confidence
        self.evidence = evidence
        self.rule = rule
    }
}
