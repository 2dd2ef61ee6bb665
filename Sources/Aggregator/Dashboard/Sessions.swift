import Synchronization

/// What a dashboard session may do.
enum DashboardRole: String, Sendable, Equatable {
    /// Logged in with an API token (`aggregator.tokens`): views, adds and lifts decisions.
    case full
    /// Logged in with a read-only token (`aggregator.read_tokens`): views only.
    case readOnly

    var canChange: Bool { self == .full }
}

/// One logged-in browser: a random id (the cookie), a random CSRF token (in every form), a role
/// and its timestamps (ms).
struct DashboardSession: Sendable, Equatable {
    var id: String
    var csrf: String
    var role: DashboardRole
    var createdAt: Int64
    var lastSeen: Int64
}

/// Dashboard sessions in memory (a restart logs everyone out): created at login, found by cookie
/// id while neither idle longer than `idleMs` nor older than `maxAgeMs`, removed at logout.
/// Bounded: the least recently seen session is dropped beyond `capacity`. Failed logins are
/// limited per window so the token cannot be guessed at speed.
final class DashboardSessions: Sendable {
    struct Limits: Sendable {
        var idleMs: Int64
        var maxAgeMs: Int64
        var capacity: Int = 1_000
        /// Failed logins accepted per `failureWindowMs` (all clients together).
        var maxFailures: Int = 20
        var failureWindowMs: Int64 = 60_000
    }

    private struct State {
        var sessions: [String: DashboardSession] = [:]
        var failures: [Int64] = []
    }

    let limits: Limits
    private let state = Mutex(State())
    private let random: @Sendable () -> UInt64

    init(limits: Limits, random: @escaping @Sendable () -> UInt64 = { UInt64.random(in: .min ... .max) }) {
        self.limits = limits
        self.random = random
    }

    /// 256 random bits as 64 hex digits (`SystemRandomNumberGenerator`: the OS's CSPRNG).
    func token() -> String {
        (0..<4).map { _ in
            let hex = String(random(), radix: 16)
            return String(repeating: "0", count: 16 - hex.count) + hex
        }.joined()
    }

    func create(role: DashboardRole, now: Int64) -> DashboardSession {
        let session = DashboardSession(id: token(), csrf: token(), role: role, createdAt: now, lastSeen: now)
        state.withLock { state in
            state.sessions = state.sessions.filter { live($0.value, now: now) }
            if state.sessions.count >= limits.capacity,
                let oldest = state.sessions.values.min(by: { $0.lastSeen < $1.lastSeen })
            {
                state.sessions[oldest.id] = nil
            }
            state.sessions[session.id] = session
        }
        return session
    }

    /// The live session with this id (its idle clock restarted), or nil.
    func find(_ id: String, now: Int64) -> DashboardSession? {
        state.withLock { state in
            guard var session = state.sessions[id] else { return nil }
            guard live(session, now: now) else {
                state.sessions[id] = nil
                return nil
            }
            session.lastSeen = now
            state.sessions[id] = session
            return session
        }
    }

    func remove(_ id: String) {
        state.withLock { _ = $0.sessions.removeValue(forKey: id) }
    }

    var count: Int { state.withLock { $0.sessions.count } }

    private func live(_ session: DashboardSession, now: Int64) -> Bool {
        now - session.lastSeen < limits.idleMs && now - session.createdAt < limits.maxAgeMs
    }

    /// Records a failed login; false when too many failed recently (the login is refused unchecked).
    func loginAllowed(now: Int64) -> Bool {
        state.withLock { state in
            state.failures.removeAll { now - $0 >= limits.failureWindowMs }
            return state.failures.count < limits.maxFailures
        }
    }

    func recordFailure(now: Int64) {
        state.withLock { $0.failures.append(now) }
    }

    /// The role a presented token grants: full for an API token, read-only for a read token.
    /// Every token is compared in full, in constant time for its length.
    static func role(of presented: String, tokens: [String], readTokens: [String]) -> DashboardRole? {
        let bytes = Array(presented.utf8)
        guard !bytes.isEmpty else { return nil }
        var role: DashboardRole?
        for token in readTokens where !token.isEmpty && constantTimeEquals(bytes, Array(token.utf8)) {
            role = .readOnly
        }
        for token in tokens where !token.isEmpty && constantTimeEquals(bytes, Array(token.utf8)) {
            role = .full
        }
        return role
    }

    static func constantTimeEquals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var difference = UInt8(truncatingIfNeeded: a.count ^ b.count)
        for i in 0..<max(a.count, b.count) {
            difference |= (i < a.count ? a[i] : 0) ^ (i < b.count ? b[i] : 0)
        }
        return difference == 0
    }
}
