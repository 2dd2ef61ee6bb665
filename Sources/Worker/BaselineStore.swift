import PalisadeLearn
import PalisadeRecords
import Synchronization

/// The worker's view of `palisade.baselines`: a `BaselineSet` updated by the follower task and
/// read (as a copy-on-write snapshot, one per batch) by the scoring tasks.
final class BaselineStore: Sendable {
    private struct State {
        var set = BaselineSet()
        /// Kafka key → endpoint, so a tombstone (key, no value) removes the endpoint whatever the
        /// key's text form.
        var endpointsByKey: [[UInt8]: EndpointKey] = [:]
    }

    private let state = Mutex(State())

    init() {}

    var snapshot: BaselineSet { state.withLock { $0.set } }
    var count: Int { state.withLock { $0.set.baselines.count } }

    enum Update: Equatable {
        case applied, ignored, removed
    }

    /// Applies one record of the compacted topic. Throws when the value does not decode.
    @discardableResult
    func apply(key: [UInt8]?, value: [UInt8]?) throws(RecordError) -> Update {
        guard let value else {
            guard let key else { return .ignored }
            return state.withLock { state in
                guard let endpoint = state.endpointsByKey.removeValue(forKey: key) else { return .ignored }
                state.set.remove(endpoint)
                return .removed
            }
        }
        let baseline = EndpointBaseline(try EndpointBaselineMessage.decodeRecord(value))
        return state.withLock { state in
            if let key { state.endpointsByKey[key] = baseline.endpoint }
            return state.set.apply(baseline) ? .applied : .ignored
        }
    }
}
