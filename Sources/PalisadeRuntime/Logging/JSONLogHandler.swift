import Foundation
import Logging
import PalisadeCore

/// One JSON object per line on standard error: `{"ts":…,"level":…,"logger":…,"msg":…,…metadata}`.
/// Only executables bootstrap it (`LoggingSystem.bootstrap`); libraries just take a `Logger`.
public struct JSONLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level
    public var metadataProvider: Logger.MetadataProvider?
    private let label: String
    private let sink: @Sendable (String) -> Void

    public init(label: String, level: Logger.Level = .info, sink: @escaping @Sendable (String) -> Void = JSONLogHandler.stderr) {
        self.label = label
        self.logLevel = level
        self.sink = sink
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var writer = JSONWriter()
        writer.beginObject()
        writer.key("ts")
        writer.int(Int(WallClock.nowMilliseconds()))
        writer.key("level")
        writer.string(event.level.rawValue)
        writer.key("logger")
        writer.string(label)
        writer.key("msg")
        writer.string(event.message.description)
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        for key in merged.keys.sorted() {
            writer.key(key)
            Self.write(merged[key]!, to: &writer)
        }
        writer.endObject()
        sink(writer.output)
    }

    static func write(_ value: Logger.Metadata.Value, to writer: inout JSONWriter) {
        switch value {
        case .string(let s): writer.string(s)
        case .stringConvertible(let c): writer.string(c.description)
        case .array(let items):
            writer.beginArray()
            for item in items { write(item, to: &writer) }
            writer.endArray()
        case .dictionary(let dict):
            writer.beginObject()
            for key in dict.keys.sorted() {
                writer.key(key)
                write(dict[key]!, to: &writer)
            }
            writer.endObject()
        }
    }

    public static let stderr: @Sendable (String) -> Void = { line in
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}
