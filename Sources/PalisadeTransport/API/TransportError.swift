/// An error of either transport: a code, a reason for humans, and whether retrying can help.
///
/// Extensible: codes are values, not enum cases, so an implementation can add its own (the Kafka
/// transport uses librdkafka's error names) without breaking `switch`es elsewhere.
public struct TransportError: Error, Sendable, Hashable, CustomStringConvertible {
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        public var name: String
        public init(_ name: String) { self.name = name }
        public var description: String { name }

        /// A bounded queue is full and the publish could not wait (or waited too long).
        public static let queueFull = Code("queue_full")
        /// An operation did not finish within its timeout.
        public static let timedOut = Code("timed_out")
        /// The producer, consumer or reader was closed.
        public static let closed = Code("closed")
        /// The topic does not exist.
        public static let unknownTopic = Code("unknown_topic")
        /// The topic exists already (topic creation).
        public static let topicExists = Code("topic_exists")
        /// The partition is not assigned to this consumer (an acknowledgement after a rebalance).
        public static let notAssigned = Code("not_assigned")
        /// A caller mistake: bad configuration, bad arguments.
        public static let invalidArgument = Code("invalid_argument")
    }

    public var code: Code
    public var reason: String
    /// True when the same operation may succeed if retried later (broker down, queue full,
    /// timeouts); false for configuration errors and closed handles.
    public var isRetriable: Bool

    public init(_ code: Code, _ reason: String, isRetriable: Bool = false) {
        self.code = code
        self.reason = reason
        self.isRetriable = isRetriable
    }

    public var description: String {
        "\(code): \(reason)\(isRetriable ? " (retriable)" : "")"
    }
}
