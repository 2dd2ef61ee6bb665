/// A decision version, `epoch:counter`. The epoch names one lifetime of a decision store (a
/// restarted aggregator picks a new one); the counter grows by one per change within it.
public struct DecisionVersion: Sendable, Hashable, CustomStringConvertible {
    public var epoch: String
    public var counter: UInt64

    public init(epoch: String, counter: UInt64) {
        self.epoch = epoch
        self.counter = counter
    }

    /// Parses `epoch:counter`; nil for anything else (the caller then sends a full snapshot).
    public init?(parsing text: String) {
        guard text.utf8.count <= 128, let colon = text.lastIndex(of: ":") else { return nil }
        let epoch = String(text[..<colon])
        let digits = text[text.index(after: colon)...]
        guard DecisionEpoch.isValid(epoch), !digits.isEmpty, digits.count <= 20,
            digits.allSatisfy({ $0.isASCII && $0.isNumber }), let counter = UInt64(digits)
        else { return nil }
        self.init(epoch: epoch, counter: counter)
    }

    public var description: String { "\(epoch):\(counter)" }
}

/// Epoch tokens: 1–64 characters of `[0-9A-Za-z_-]`.
public enum DecisionEpoch {
    /// An epoch from the start time and a random number (both passed in: this library reads no
    /// clock and draws no randomness), e.g. `mi8x2k3f-3k9s0a1b2c3d`.
    public static func make(nowMs: Int64, random: UInt64) -> String {
        String(UInt64(max(0, nowMs)), radix: 36) + "-" + String(random, radix: 36)
    }

    public static func isValid(_ epoch: String) -> Bool {
        !epoch.isEmpty && epoch.utf8.count <= 64
            && epoch.utf8.allSatisfy {
                ($0 >= 0x30 && $0 <= 0x39) || ($0 | 0x20 >= 0x61 && $0 | 0x20 <= 0x7A) || $0 == 0x2D || $0 == 0x5F
            }
    }
}

/// One decision as served to the gateway and stored (DESIGN §2).
public struct Decision: Sendable, Equatable {
    public var scope: DecisionScope
    /// An address (`ip`), a network (`cidr`), an API key hash, a JWT subject, or `name:value`
    /// (`header`, name lowercase).
    public var value: String
    public var action: DecisionAction
    public var reason: String
    /// The policy rule that made it, or `manual`.
    public var sourceRule: String
    /// Milliseconds since the Unix epoch.
    public var createdAt: Int64
    public var expiresAt: Int64
    /// The version of its last change.
    public var version: DecisionVersion

    public init(
        scope: DecisionScope, value: String, action: DecisionAction, reason: String, sourceRule: String,
        createdAt: Int64, expiresAt: Int64, version: DecisionVersion
    ) {
        self.scope = scope
        self.value = value
        self.action = action
        self.reason = reason
        self.sourceRule = sourceRule
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.version = version
    }

    /// `scope:value`.
    public var key: String { "\(scope.rawValue):\(value)" }

    /// The source rule of operator decisions.
    public static let manualSource = "manual"
}

/// A decision's identity without its content (what a removal carries).
public struct DecisionKey: Sendable, Hashable, CustomStringConvertible {
    public var scope: DecisionScope
    public var value: String
    public init(scope: DecisionScope, value: String) {
        self.scope = scope
        self.value = value
    }
    public var description: String { "\(scope.rawValue):\(value)" }
}

/// The answer to `GET /v1/decisions?since=V` (DESIGN §2).
public struct DecisionChanges: Sendable, Equatable {
    /// The store's version now; the client sends it back as `since`.
    public var version: DecisionVersion
    /// True: `upserts` is the whole set, the client replaces what it has.
    public var full: Bool
    public var upserts: [Decision]
    public var removals: [DecisionKey]

    public init(version: DecisionVersion, full: Bool, upserts: [Decision], removals: [DecisionKey]) {
        self.version = version
        self.full = full
        self.upserts = upserts
        self.removals = removals
    }

    /// Nothing new: the long-poll's answer when the wait ends without a change.
    public var isEmpty: Bool { !full && upserts.isEmpty && removals.isEmpty }
}

/// One operator action on the decision set.
public struct AuditEntry: Sendable, Equatable {
    public enum Operation: String, Sendable, Hashable, CaseIterable {
        case add, lift
    }

    public var at: Int64
    /// Who (an operator name or token label; never a secret).
    public var actor: String
    public var operation: Operation
    public var scope: DecisionScope
    public var value: String
    /// The action added (nil for lifts).
    public var action: DecisionAction?
    /// Why, in the operator's words.
    public var reason: String
    public var version: DecisionVersion

    public init(
        at: Int64, actor: String, operation: Operation, scope: DecisionScope, value: String, action: DecisionAction?,
        reason: String, version: DecisionVersion
    ) {
        self.at = at
        self.actor = actor
        self.operation = operation
        self.scope = scope
        self.value = value
        self.action = action
        self.reason = reason
        self.version = version
    }
}

/// A refused store operation (STYLE 12: a stable code, a reason; never retriable as is).
public struct DecisionStoreError: Error, Sendable, Equatable, CustomStringConvertible {
    public struct Code: RawRepresentable, Sendable, Hashable {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public static let invalidValue = Code(rawValue: "invalid_value")
        public static let invalidTTL = Code(rawValue: "invalid_ttl")
        public static let allowlisted = Code(rawValue: "allowlisted")
        public static let notFound = Code(rawValue: "not_found")
        public static let full = Code(rawValue: "full")
        /// An automatic proposal for a key an operator lifted recently.
        public static let recentlyLifted = Code(rawValue: "recently_lifted")
    }

    public var code: Code
    public var reason: String
    public var isRetriable: Bool { code == .full }

    public init(code: Code, reason: String) {
        self.code = code
        self.reason = reason
    }

    public var description: String { "\(code.rawValue): \(reason)" }
}
