import CRdKafka
import Logging
import PalisadeTransport
import Synchronization

/// A librdkafka handle (`rd_kafka_t`). librdkafka handles are thread-safe; this type keeps the
/// pointer and the context its callbacks see, and destroys both, in order, exactly once.
final class RDKafkaClient: @unchecked Sendable {
    enum Kind {
        case producer, consumer
    }

    let handle: OpaquePointer
    let context: RDKafkaContext
    private let destroyed = Atomic<Bool>(false)
    private let topics = Mutex<[String: RDKafkaTopicHandle]>([:])

    /// Makes a handle from `properties` (librdkafka names). Callbacks go to `context`.
    init(kind: Kind, properties: [String: String], context: RDKafkaContext) throws(TransportError) {
        guard let conf = rd_kafka_conf_new() else {
            throw TransportError(.invalidArgument, "rd_kafka_conf_new failed")
        }
        var errstr = [CChar](repeating: 0, count: 512)
        for (name, value) in properties.sorted(by: { $0.key < $1.key }) {
            let result = rd_kafka_conf_set(conf, name, value, &errstr, errstr.count)
            if result != RD_KAFKA_CONF_OK {
                rd_kafka_conf_destroy(conf)
                let reason = errstr.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
                throw TransportError(.invalidArgument, "librdkafka property \(name): \(reason)")
            }
        }
        let opaque = Unmanaged.passRetained(context).toOpaque()
        rd_kafka_conf_set_opaque(conf, opaque)
        rd_kafka_conf_set_log_cb(conf, rdKafkaLogCallback)
        rd_kafka_conf_set_error_cb(conf, rdKafkaErrorCallback)
        if kind == .producer { rd_kafka_conf_set_dr_msg_cb(conf, rdKafkaDeliveryCallback) }
        if kind == .consumer { rd_kafka_conf_set_rebalance_cb(conf, rdKafkaRebalanceCallback) }
        let type = kind == .producer ? RD_KAFKA_PRODUCER : RD_KAFKA_CONSUMER
        guard let handle = rd_kafka_new(type, conf, &errstr, errstr.count) else {
            // On failure the configuration is still ours.
            rd_kafka_conf_destroy(conf)
            Unmanaged<RDKafkaContext>.fromOpaque(opaque).release()
            let reason = errstr.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
            throw TransportError(.invalidArgument, "rd_kafka_new: \(reason)")
        }
        self.handle = handle
        self.context = context
    }

    /// The topic handle of `name` (cached; destroyed with the client).
    func topic(_ name: String) throws(TransportError) -> OpaquePointer {
        try topics.withLock { (topics: inout [String: RDKafkaTopicHandle]) throws(TransportError) -> OpaquePointer in
            if let topic = topics[name] { return topic.pointer }
            guard let pointer = rd_kafka_topic_new(handle, name, nil) else {
                throw TransportError.rdKafka(rd_kafka_last_error(), "topic \(name)")
            }
            topics[name] = RDKafkaTopicHandle(pointer: pointer)
            return pointer
        }
    }

    /// Destroys the handle (blocking: call it on a ``BlockingExecutor``). Idempotent.
    func destroy() {
        guard !destroyed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        let topicHandles = topics.withLock { topics in
            defer { topics.removeAll() }
            return Array(topics.values)
        }
        for topic in topicHandles { rd_kafka_topic_destroy(topic.pointer) }
        rd_kafka_destroy(handle)
        Unmanaged.passUnretained(context).release()
    }

    var isDestroyed: Bool { destroyed.load(ordering: .acquiring) }

    deinit {
        destroy()
    }
}

/// Topic handles a caller looked up by name during one producer batch: a batch has few topics
/// (a worker's alternate verdicts and observations), so its records take their handle here,
/// without the client's lock and dictionary lookup.
struct TopicHandleCache {
    private var entries: [(name: String, handle: OpaquePointer)] = []

    mutating func handle(_ name: String, in client: RDKafkaClient) throws(TransportError) -> OpaquePointer {
        for entry in entries where entry.name == name { return entry.handle }
        let handle = try client.topic(name)
        if entries.count < 4 { entries.append((name, handle)) }
        return handle
    }
}

struct RDKafkaTopicHandle: @unchecked Sendable {
    let pointer: OpaquePointer
}

/// What librdkafka's callbacks reach through the handle's opaque pointer: the logger, the
/// delivery registry of a producer, the rebalance handler of a consumer.
final class RDKafkaContext: Sendable {
    let logger: Logger
    let deliveries: DeliveryRegistry?
    let rebalance: RebalanceHandler?

    init(logger: Logger, deliveries: DeliveryRegistry? = nil, rebalance: RebalanceHandler? = nil) {
        self.logger = logger
        self.deliveries = deliveries
        self.rebalance = rebalance
    }

    static func from(_ handle: OpaquePointer?) -> RDKafkaContext? {
        guard let handle, let opaque = rd_kafka_opaque(handle) else { return nil }
        return Unmanaged<RDKafkaContext>.fromOpaque(opaque).takeUnretainedValue()
    }
}

// MARK: C callbacks (no captures; context via the opaque pointer)

private let rdKafkaLogCallback:
    @convention(c) (OpaquePointer?, Int32, UnsafePointer<CChar>?, UnsafePointer<CChar>?) -> Void = {
        handle, level, facility, message in
        guard let context = RDKafkaContext.from(handle) else { return }
        let text = message.map { String(cString: $0) } ?? ""
        let fac = facility.map { String(cString: $0) } ?? ""
        // syslog levels: 0-3 error, 4 warning, 5-6 notice/info, 7 debug. Libraries log at info
        // or lower (STYLE 13). librdkafka reports each error twice — a log line and the error
        // callback — so error-level log lines go to debug and the callback's line is the one at info.
        let logLevel: Logger.Level = level == 4 ? .info : level <= 6 ? .debug : .trace
        context.logger.log(level: logLevel, "librdkafka: \(text)", metadata: ["rdkafka_facility": "\(fac)"])
    }

private let rdKafkaErrorCallback:
    @convention(c) (OpaquePointer?, Int32, UnsafePointer<CChar>?, UnsafeMutableRawPointer?)
        -> Void = { handle, err, reason, _ in
            guard let context = RDKafkaContext.from(handle) else { return }
            let text = reason.map { String(cString: $0) } ?? ""
            let name = String(cString: rd_kafka_err2name(rd_kafka_resp_err_t(err)))
            let level: Logger.Level = err == RD_KAFKA_RESP_ERR__FATAL.rawValue ? .error : .info
            context.logger.log(level: level, "librdkafka error: \(text)", metadata: ["rdkafka_error": "\(name)"])
        }

private let rdKafkaDeliveryCallback:
    @convention(c) (OpaquePointer?, UnsafePointer<rd_kafka_message_t>?, UnsafeMutableRawPointer?) -> Void = {
        handle, message, _ in
        guard let message, let context = RDKafkaContext.from(handle), let registry = context.deliveries else { return }
        let id = UInt(bitPattern: message.pointee._private)
        let err = message.pointee.err
        if err == RD_KAFKA_RESP_ERR_NO_ERROR {
            registry.complete(id, partition: message.pointee.partition, offset: message.pointee.offset)
        } else {
            registry.fail(id, .rdKafka(err, "delivery failed"))
        }
    }

private let rdKafkaRebalanceCallback:
    @convention(c) (
        OpaquePointer?, rd_kafka_resp_err_t, UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?,
        UnsafeMutableRawPointer?
    ) -> Void = { handle, err, partitions, _ in
        guard let handle, let context = RDKafkaContext.from(handle), let rebalance = context.rebalance else { return }
        rebalance.handle(handle, err, partitions)
    }
