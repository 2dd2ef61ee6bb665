import Synchronization

/// Counts an observation keeps while it has a cache's table, added to the cache's when it gives
/// the table back.
protocol CacheCounts: Sendable {
    init()
    mutating func add(_ other: Self)
}

/// A cache's table that an observation takes for its whole length.
protocol LendableTable: Sendable {
    associatedtype Counts: CacheCounts
    /// Counts since the table was taken.
    var counts: Counts { get set }
}

/// A cache's table lent out of a mutex for the length of one observation (`take`, `put`): one lock
/// a request instead of one or two a value. While it is lent, another observation gets nil and
/// goes without the cache (the worker gives each processor its own caches, so there it does not
/// happen). `LocationCache` and `ValueShapeCache` keep theirs in one.
final class LentTable<Table: LendableTable>: Sendable {
    private struct State {
        /// Nil while an observation has it.
        var table: Table?
        var statistics = Table.Counts()
    }

    private let state: Mutex<State>

    init(_ table: Table) {
        state = Mutex(State(table: table))
    }

    /// The counts given back so far.
    var statistics: Table.Counts { state.withLock { $0.statistics } }

    /// Reads the table where it is (nil while it is lent).
    func withTable<R>(_ body: (Table?) -> R) -> R {
        state.withLock { body($0.table) }
    }

    /// The table for one observation; nil while another one has it.
    func take() -> Table? {
        state.withLock { $0.table.take() }
    }

    /// Gives back what `take` gave, adding its counts.
    func put(_ taken: Table) {
        var table = taken
        let counts = table.counts
        table.counts = Table.Counts()
        state.withLock { state in
            state.statistics.add(counts)
            state.table = table
        }
    }
}
