/// Attack classes with stable identifiers (DESIGN §2). Never rename a raw value: it is in
/// stored verdicts, policies and dashboards.
public enum AttackClass: String, Sendable, Hashable, CaseIterable, Codable {
    case sqli, xss, rce
    case codeInjection = "code_injection"
    case pathTraversal = "path_traversal"
    case ssrf, xxe, ssti, nosqli, ldapi, xpathi, jndi, crlf
    case openRedirect = "open_redirect"
    case mailInjection = "mail_injection"
    case deserialization
    case prototypePollution = "prototype_pollution"
    case graphqlAbuse = "graphql_abuse"
    case scanner
    case protocolAnomaly = "protocol_anomaly"
    case bruteForce = "brute_force"
    case credentialStuffing = "credential_stuffing"
    case bola
    case forcedBrowsing = "forced_browsing"
    case rateAnomaly = "rate_anomaly"
    case schemaAnomaly = "schema_anomaly"
}

/// How eagerly to call something an attack, like CRS paranoia levels (docs/SCORING.md):
/// `low` flags only unambiguous payloads, `default` balances, `high` also flags suspicious
/// fragments and accepts more false positives.
public enum Sensitivity: String, Sendable, Hashable, CaseIterable, Codable {
    case low, `default`, high
}
