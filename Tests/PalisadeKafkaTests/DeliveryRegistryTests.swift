import PalisadeTransport
import Testing

@testable import PalisadeKafka

/// The producer's bookkeeping of batches in flight, without a cluster: delivery reports are
/// played to the registry as librdkafka's callback would, in any order.
@Suite(.timeLimit(.minutes(1)))
struct DeliveryRegistryTests {
    static func records(_ topics: [String]) -> [OutgoingRecord] {
        topics.enumerated().map { OutgoingRecord(topic: $1, key: nil, value: [UInt8($0)]) }
    }

    @Test("reports in any order settle each slot; results come back in the batch's order with their topics")
    func outOfOrderReports() async throws {
        let registry = DeliveryRegistry()
        let waiter = BatchWaiter(records: Self.records(["a", "b", "a", "c"]))
        let serial = registry.register(waiter)
        #expect(registry.inFlight == 4)
        let id = { DeliveryRegistry.id(serial: serial, index: $0) }
        registry.complete(id(2), partition: 7, offset: 70)
        registry.fail(id(1), TransportError(.timedOut, "broker down", isRetriable: true))
        registry.complete(id(0), partition: 3, offset: 30)
        #expect(registry.inFlight == 1)
        registry.complete(id(3), partition: 0, offset: 0)
        #expect(registry.inFlight == 0)
        let results = await waiter.wait()
        #expect(results.count == 4)
        #expect(try results[0].get() == DeliveryReceipt(topic: "a", partition: 3, offset: 30))
        #expect(try results[2].get() == DeliveryReceipt(topic: "a", partition: 7, offset: 70))
        #expect(try results[3].get() == DeliveryReceipt(topic: "c", partition: 0, offset: 0))
        guard case .failure(let error) = results[1] else {
            Issue.record("slot 1 should have failed")
            return
        }
        #expect(error.code == .timedOut && error.isRetriable)
    }

    @Test("a second report for a slot, an unknown batch or an index out of range changes nothing")
    func duplicatesAndStrangersAreIgnored() async throws {
        let registry = DeliveryRegistry()
        let waiter = BatchWaiter(records: Self.records(["t", "t"]))
        let serial = registry.register(waiter)
        registry.complete(DeliveryRegistry.id(serial: serial, index: 0), partition: 1, offset: 10)
        registry.complete(DeliveryRegistry.id(serial: serial, index: 0), partition: 2, offset: 20)
        registry.fail(DeliveryRegistry.id(serial: serial, index: 0), TransportError(.closed, "late"))
        registry.complete(DeliveryRegistry.id(serial: serial, index: 5), partition: 1, offset: 1)
        registry.complete(DeliveryRegistry.id(serial: serial + 1, index: 1), partition: 1, offset: 1)
        #expect(registry.inFlight == 1)
        registry.complete(DeliveryRegistry.id(serial: serial, index: 1), partition: 1, offset: 11)
        let results = await waiter.wait()
        #expect(try results.map { try $0.get().offset } == [10, 11])
        #expect(try results[0].get().partition == 1)
    }

    @Test("batches are independent, and failAll fails only the slots still pending")
    func failAllFailsPendingSlots() async throws {
        let registry = DeliveryRegistry()
        let first = BatchWaiter(records: Self.records(["x", "x", "x"]))
        let second = BatchWaiter(records: Self.records(["y"]))
        let a = registry.register(first)
        let b = registry.register(second)
        #expect(a != b)
        registry.complete(DeliveryRegistry.id(serial: b, index: 0), partition: 0, offset: 5)
        #expect(try await second.wait().map { try $0.get().topic } == ["y"])
        registry.complete(DeliveryRegistry.id(serial: a, index: 1), partition: 4, offset: 40)
        #expect(registry.inFlight == 2)
        registry.failAll(TransportError(.closed, "producer shut down"))
        #expect(registry.inFlight == 0)
        let results = await first.wait()
        #expect(try results[1].get() == DeliveryReceipt(topic: "x", partition: 4, offset: 40))
        for index in [0, 2] {
            guard case .failure(let error) = results[index] else {
                Issue.record("slot \(index) should have failed")
                continue
            }
            #expect(error.code == .closed)
        }
        // Reports after the batch has gone are ignored.
        registry.complete(DeliveryRegistry.id(serial: a, index: 0), partition: 0, offset: 1)
        #expect(registry.inFlight == 0)
    }

    @Test("ids carry the serial above the index and are never zero")
    func idLayout() {
        let id = DeliveryRegistry.id(serial: 1, index: 0)
        #expect(id != 0)
        #expect(id >> DeliveryRegistry.indexBits == 1)
        let last = DeliveryRegistry.id(serial: 9, index: DeliveryRegistry.maxBatchCount)
        #expect(last >> DeliveryRegistry.indexBits == 9)
        #expect(Int(last & UInt(DeliveryRegistry.maxBatchCount)) == DeliveryRegistry.maxBatchCount)
    }
}

extension DeliveryRegistryTests {
    @Test("a duplicate's offset (-1001) is kept as librdkafka reported it")
    func duplicateOffsetKept() async throws {
        let registry = DeliveryRegistry()
        let waiter = BatchWaiter(records: Self.records(["d"]))
        let serial = registry.register(waiter)
        registry.complete(DeliveryRegistry.id(serial: serial, index: 0), partition: 2, offset: -1001)
        #expect(try await waiter.wait()[0].get() == DeliveryReceipt(topic: "d", partition: 2, offset: -1001))
    }
}
