import PalisadeCore
import PalisadeDetect
import Testing

@testable import PalisadePolicy

/// Mutation runs: whatever arrives, the library answers with values or errors, never a trap.
@Suite struct HostileInputTests {
    @Test func mutatedPolicyFilesNeverTrap() throws {
        let original = Array(try repoFile("examples/policy.yaml").utf8)
        let alphabet = Array("{}[]:-,&*!|>'\"#%@`\n\t 0123456789.abz/\\\u{0}".utf8) + [0xC3, 0xFF]
        var rng = SplitMix(state: 2026)
        var accepted = 0
        for _ in 0..<1_500 {
            var bytes = original
            for _ in 0..<Int.random(in: 1...8, using: &rng) {
                let at = Int.random(in: 0..<bytes.count, using: &rng)
                switch Int.random(in: 0..<3, using: &rng) {
                case 0: bytes[at] = alphabet.randomElement(using: &rng) ?? 0
                case 1: bytes.remove(at: at)
                default: bytes.insert(alphabet.randomElement(using: &rng) ?? 0, at: at)
                }
            }
            if (try? Policy.parse(yaml: String(decoding: bytes, as: UTF8.self))) != nil { accepted += 1 }
        }
        #expect(accepted < 1_500)
    }

    @Test func randomEventsThroughTheWholeJudgementNeverTrap() {
        var rng = SplitMix(state: 7)
        func junk() -> String {
            let n = Int.random(in: 0..<40, using: &rng)
            return String(decoding: (0..<n).map { _ in UInt8.random(in: 0...255, using: &rng) }, as: UTF8.self)
        }
        var judgement = Judgement(policy: Policy.default, store: DecisionStore(epoch: "e1"))
        var hub = LongPollHub<Int>()
        for i in 0..<5_000 {
            let ip =
                Int.random(in: 0..<4, using: &rng) == 0 ? junk() : "198.51.100.\(Int.random(in: 0..<8, using: &rng))"
            let e = BehaviourEvent(
                ts: Int64.random(in: -10...Int64.max, using: &rng) % 3 == 0
                    ? Int64.random(in: Int64.min...Int64.max, using: &rng) : t0 + Int64(i) * 10,
                requestID: junk(),
                identities: ClientIdentities(
                    ip: ip, apiKeyHash: Bool.random(using: &rng) ? junk() : nil,
                    jwtSub: Bool.random(using: &rng) ? junk() : nil,
                    headers: [.init(name: junk(), value: junk())]),
                endpoint: .init(
                    host: junk(), method: Bool.random(using: &rng) ? "POST" : junk(), template: "/" + junk()),
                isAuthEndpoint: Bool.random(using: &rng),
                status: [nil, 200, 401, 403, 404, -1, Int.max].randomElement(using: &rng) ?? nil,
                score: [Double.nan, .infinity, -5, 50, 99].randomElement(using: &rng) ?? 0,
                attack: Bool.random(using: &rng),
                classes: [
                    ClassConfidence(
                        AttackClass.allCases.randomElement(using: &rng) ?? .sqli, Double.random(in: -1...2, using: &rng)
                    )
                ],
                objectIDHash: UInt64.random(in: 0...UInt64.max, using: &rng),
                usernameHash: UInt64.random(in: 0...9, using: &rng),
                pathHash: nil)
            _ = judgement.observe(e)
            _ = hub.register(
                i, since: junk(), waitMs: Int64.random(in: Int64.min...Int64.max, using: &rng), now: e.ts,
                current: judgement.store.version)
        }
        _ = judgement.tick(now: Int64.max)
        _ = judgement.tick(now: Int64.min)
        let answer = judgement.store.changes(since: junk())
        #expect(answer.full)
        #expect((try? JSONReader().parse(Array(answer.json.utf8))) != nil)
        for d in judgement.store.decisions { #expect(Decision(json: d.json) == d) }
    }
}
