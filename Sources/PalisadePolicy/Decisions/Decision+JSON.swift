import PalisadeCore

extension Decision {
    /// `{scope, value, action, reason, source_rule, created_at, expires_at, version}`; times in
    /// milliseconds since the Unix epoch, version `epoch:counter`.
    public func write(to w: inout JSONWriter) {
        w.beginObject()
        w.key("scope")
        w.string(scope.rawValue)
        w.key("value")
        w.string(value)
        w.key("action")
        w.string(action.rawValue)
        w.key("reason")
        w.string(reason)
        w.key("source_rule")
        w.string(sourceRule)
        w.key("created_at")
        w.int(Int(createdAt))
        w.key("expires_at")
        w.int(Int(expiresAt))
        w.key("version")
        w.string(version.description)
        w.endObject()
    }

    public var json: String {
        var w = JSONWriter()
        write(to: &w)
        return w.output
    }
}

extension DecisionChanges {
    /// The `/v1/decisions` response body: `{version, full, upserts:[decision…],
    /// removals:[{scope, value}…]}`.
    public var json: String {
        var w = JSONWriter()
        w.beginObject()
        w.key("version")
        w.string(version.description)
        w.key("full")
        w.bool(full)
        w.key("upserts")
        w.beginArray()
        for decision in upserts { decision.write(to: &w) }
        w.endArray()
        w.key("removals")
        w.beginArray()
        for removal in removals {
            w.beginObject()
            w.key("scope")
            w.string(removal.scope.rawValue)
            w.key("value")
            w.string(removal.value)
            w.endObject()
        }
        w.endArray()
        w.endObject()
        return w.output
    }
}

extension AuditEntry {
    /// `{at, actor, operation, scope, value, action?, reason, version}`.
    public var json: String {
        var w = JSONWriter()
        w.beginObject()
        w.key("at")
        w.int(Int(at))
        w.key("actor")
        w.string(actor)
        w.key("operation")
        w.string(operation.rawValue)
        w.key("scope")
        w.string(scope.rawValue)
        w.key("value")
        w.string(value)
        if let action {
            w.key("action")
            w.string(action.rawValue)
        }
        w.key("reason")
        w.string(reason)
        w.key("version")
        w.string(version.description)
        w.endObject()
        return w.output
    }
}

extension Decision {
    /// Reads a decision back from its JSON (`json`), e.g. from the compacted topic; nil when a
    /// field is missing or malformed.
    public init?(json text: String) {
        guard let value = try? JSONReader(maxDepth: 4).parse(Array(text.utf8)) else { return nil }
        func int(_ v: JSONValue?) -> Int64? {
            guard case .number(let digits)? = v else { return nil }
            return Int64(digits)
        }
        guard let scope = value["scope"]?.stringValue.flatMap(DecisionScope.init(rawValue:)),
            let v = value["value"]?.stringValue,
            let action = value["action"]?.stringValue.flatMap(DecisionAction.init(rawValue:)),
            let reason = value["reason"]?.stringValue, let rule = value["source_rule"]?.stringValue,
            let created = int(value["created_at"]), let expires = int(value["expires_at"]),
            let version = value["version"]?.stringValue.flatMap(DecisionVersion.init(parsing:))
        else { return nil }
        self.init(
            scope: scope, value: v, action: action, reason: reason, sourceRule: rule, createdAt: created,
            expiresAt: expires, version: version)
    }
}
