import ArgumentParser
import PalisadeCore

/// Reads a capture file chunk by chunk — JSON lines or a HAR 1.2 export, detected from the first
/// chunk — and hands out one item per record, with bounded memory. Shared by `scan` and `replay`.
struct CaptureFileReader {
    enum Format: String, Sendable, CaseIterable {
        case auto, jsonl, har
    }

    enum Item {
        /// A non-blank JSON line (not yet parsed).
        case line(ArraySlice<UInt8>, number: Int)
        /// The raw JSON of a HAR entry (not yet parsed).
        case harEntry([UInt8], index: Int)
        case oversizedLine(number: Int, bytes: Int)
        case oversizedEntry(index: Int)
    }

    private(set) var format: Format
    private var lines: LineSplitter
    private var har = HARReader()

    init(format: Format, maxLineBytes: Int) {
        self.format = format
        self.lines = LineSplitter(maxLineBytes: maxLineBytes)
    }

    mutating func feed(_ chunk: UnsafeBufferPointer<UInt8>, emit: (Item) -> Void) {
        if format == .auto { format = Self.detectFormat(chunk) }
        switch format {
        case .har:
            har.feed(chunk) { event in
                switch event {
                case .entry(let bytes, let index): emit(.harEntry(bytes, index: index))
                case .oversized(let index): emit(.oversizedEntry(index: index))
                }
            }
        case .jsonl, .auto:
            lines.feed(chunk) { Self.forward($0, emit) }
        }
    }

    /// Ends the input. Returns an error when a HAR document had no `log.entries` array.
    mutating func finish(emit: (Item) -> Void) -> CaptureError? {
        if format != .har {
            lines.finish { Self.forward($0, emit) }
            return nil
        }
        return har.sawEntries ? nil : CaptureError(line: 0, reason: "no log.entries array found in the HAR document")
    }

    private static func forward(_ event: LineSplitter.Event, _ emit: (Item) -> Void) {
        switch event {
        case .blank: return
        case .line(let bytes, let number): emit(.line(bytes, number: number))
        case .oversized(let number, let bytes): emit(.oversizedLine(number: number, bytes: bytes))
        }
    }

    /// HAR when the document's first key is `log`; JSON lines otherwise.
    static func detectFormat(_ chunk: UnsafeBufferPointer<UInt8>) -> Format {
        var i = 0
        func skipSpace() { while i < chunk.count, Bytes.isSpace(chunk[i]) { i += 1 } }
        skipSpace()
        guard i < chunk.count, chunk[i] == UInt8(ascii: "{") else { return .jsonl }
        i += 1
        skipSpace()
        let key = Array("\"log\"".utf8)
        guard chunk.count - i >= key.count else { return .jsonl }
        return Array(chunk[i..<(i + key.count)]) == key ? .har : .jsonl
    }

    /// The capture record of a HAR entry's JSON.
    static func record(harEntry bytes: [UInt8], index: Int, now: Int64) throws(CaptureError) -> CaptureRecord {
        let json: JSONValue
        do {
            json = try JSONReader(maxDepth: 32).parse(bytes)
        } catch {
            throw CaptureError(line: index, reason: "entry \(index): invalid JSON: \(error)")
        }
        return try CaptureRecord.fromHAR(entry: json, index: index, now: now)
    }
}

extension CaptureFileReader.Format: ExpressibleByArgument {}
