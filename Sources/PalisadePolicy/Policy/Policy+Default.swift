extension Policy {
    /// The documented default policy (docs/POLICY.md, "Default policy"): `safe_blocking`, blocks
    /// high-confidence injection and known-bad behaviour, throttles scanning and rate anomalies
    /// only where the mode allows, records everything else.
    public static let defaultYAML = """
        version: 1
        mode: safe_blocking
        safe_blocking:
          min_attack_confidence: 0.9
          min_behaviour_confidence: 0.8
        allowlist:
          cidrs: [127.0.0.0/8, "::1/128"]
        rules:
          - name: injection
            match:
              classes: [sqli, nosqli, rce, code_injection, ssti, xxe, jndi, deserialization, ldapi, xpathi, path_traversal, ssrf]
              min_confidence: 0.9
            decision: {scope: ip, action: block, ttl_secs: 3600}
          - name: suspicious-request
            match: {source: verdict, min_score: 50}
            decision: {scope: ip, action: monitor, ttl_secs: 600}
          - name: attack-burst
            match: {behaviours: [attack_burst], min_confidence: 0.7}
            decision: {scope: identity, action: block, ttl_secs: 3600}
          - name: login-abuse
            match: {behaviours: [brute_force, credential_stuffing]}
            decision: {scope: identity, action: block, ttl_secs: 900}
          - name: enumeration
            match: {behaviours: [enumeration]}
            decision: {scope: identity, action: block, ttl_secs: 1800}
          - name: forced-browsing
            match: {behaviours: [forced_browsing]}
            decision: {scope: identity, action: throttle, ttl_secs: 600}
          - name: rate-anomaly
            match: {behaviours: [rate_anomaly]}
            decision: {scope: identity, action: throttle, ttl_secs: 300}
        """

    /// `defaultYAML`, parsed.
    public static let `default`: Policy = (try? Policy.parse(yaml: defaultYAML)) ?? Policy()
}
