import PalisadeTransport
import Testing

@testable import MirrorService

@Suite struct BufferStateTests {
    func records(_ count: Int, bytes: Int = 10, from start: Int = 0) -> [OutgoingRecord] {
        (start..<(start + count)).map {
            OutgoingRecord(topic: "t", key: nil, value: Array(repeating: UInt8($0 % 256), count: bytes))
        }
    }

    @Test func admitsUpToTheBoundThenRefusesWholeBatches() {
        var state = BufferState(limits: .init(maxRecords: 10, maxBytes: 1_000))
        #expect(state.offer(records(6)) == .accepted)
        #expect(state.offer(records(5)) == .full)  // 11 > 10: all or nothing
        #expect(state.totalRecords == 6)
        #expect(state.offer(records(4)) == .accepted)
        #expect(state.totalRecords == 10)
        #expect(state.totalBytes == 100)
        #expect(state.offer(records(1)) == .full)
    }

    @Test func boundsBytesToo() {
        var state = BufferState(limits: .init(maxRecords: 1_000, maxBytes: 100))
        #expect(state.offer(records(5, bytes: 15)) == .accepted)
        #expect(state.offer(records(2, bytes: 15)) == .full)
        #expect(state.offer(records(1, bytes: 25)) == .accepted)
    }

    @Test func anEmptyBufferAdmitsABatchLargerThanTheBound() {
        var state = BufferState(limits: .init(maxRecords: 3, maxBytes: 1_000))
        #expect(state.offer(records(5)) == .accepted)
        #expect(state.offer(records(1)) == .full)
    }

    @Test func inFlightRecordsCountUntilFinished() {
        var state = BufferState(limits: .init(maxRecords: 4, maxBytes: 1_000))
        #expect(state.offer(records(4)) == .accepted)
        let taken = state.take(max: 3)
        #expect(taken.count == 3)
        #expect(state.queuedRecords == 1 && state.inFlightRecords == 3)
        #expect(state.offer(records(1)) == .full)
        state.finish(taken)
        #expect(state.totalRecords == 1)
        #expect(state.offer(records(3)) == .accepted)
    }

    @Test func requeuedRecordsGoFirstInTheirOrder() {
        var state = BufferState(limits: .init(maxRecords: 100, maxBytes: 10_000))
        _ = state.offer(records(5))
        let first = state.take(max: 2)
        _ = state.offer(records(2, from: 5))
        state.requeue(first)
        let all = state.take(max: 100)
        #expect(all.map { $0.value![0] } == [0, 1, 2, 3, 4, 5, 6])
        #expect(state.inFlightRecords == 7 && state.queuedRecords == 0)
    }

    @Test func closedRefusesButKeepsWhatItHolds() {
        var state = BufferState(limits: .init(maxRecords: 100, maxBytes: 10_000))
        _ = state.offer(records(3))
        state.close()
        #expect(state.offer(records(1)) == .closed)
        #expect(state.take(max: 10).count == 3)
        #expect(state.removeQueued().isEmpty)
    }

    @Test func logThrottleLetsOneLineThroughPerInterval() {
        final class Clock: @unchecked Sendable { var now = ContinuousClock.now }
        let clock = Clock()
        let throttle = LogThrottle(interval: .seconds(10), now: { clock.now })
        var lines: [Int] = []
        for _ in 0..<5 { throttle.event { lines.append($0) } }
        clock.now += .seconds(11)
        throttle.event { lines.append($0) }
        #expect(lines == [0, 4])
    }
}
