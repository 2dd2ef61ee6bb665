import CZlib

/// Bounded zlib inflation shared by the gzip, deflate and gRPC decoders (the only file that
/// talks to zlib).
///
/// Output never exceeds `cap`: it is produced in fixed chunks into an array that grows with
/// what was actually inflated, so a bomb costs at most `cap` bytes and the time to produce them.
/// Every `inflateInit2_` is paired with `inflateEnd`, whatever the input.
enum Inflate {
    /// The container around the deflate data.
    enum Format: Sendable {
        /// RFC 1952, `1f 8b`; several members may follow each other.
        case gzip
        /// RFC 1950, a 2-byte header and an Adler-32 trailer.
        case zlib
        /// RFC 1951 without any header.
        case raw

        var windowBits: Int32 {
            switch self {
            case .gzip: 15 + 16
            case .zlib: 15
            case .raw: -15
            }
        }
    }

    /// How inflation stopped.
    enum Ending: Sendable, Equatable {
        /// The stream (every member) ended properly and its checksum matched.
        case complete
        /// Output reached the cap while the stream had more to give.
        case capped
        /// The input ended before the stream did.
        case truncated
        /// zlib rejected the data (bad header, bad block, bad checksum, dictionary needed).
        case corrupt
    }

    struct Result: Sendable {
        var bytes: [UInt8]
        var ending: Ending
        /// Input bytes left after the last complete member (trailing data), 0 otherwise.
        var trailing: Int = 0
        /// Gzip members inflated completely.
        var members: Int = 0
        /// The member limit stopped a multi-member gzip stream.
        var tooManyMembers = false
    }

    /// Output is produced in chunks of this size.
    static let chunkSize = 16 * 1024
    /// Gzip members inflated from one input before giving up on the rest.
    static let maxMembers = 64

    /// Inflates `input` producing at most `cap` bytes.
    static func inflate(_ input: ArraySlice<UInt8>, format: Format, cap: Int) -> Result {
        let cap = max(cap, 0)
        guard !input.isEmpty else { return Result(bytes: [], ending: .truncated) }
        let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        defer {
            stream.deinitialize(count: 1)
            stream.deallocate()
        }
        guard
            inflateInit2_(stream, format.windowBits, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK
        else { return Result(bytes: [], ending: .corrupt) }
        defer { inflateEnd(stream) }

        let chunk = UnsafeMutablePointer<UInt8>.allocate(capacity: chunkSize)
        defer { chunk.deallocate() }

        // Inputs past 4 GiB cannot reach here (bodies are capped far lower); never trap on them.
        let fed = min(input.count, Int(UInt32.max))
        return input.withUnsafeBufferPointer { buffer -> Result in
            guard let base = buffer.baseAddress else { return Result(bytes: [], ending: .truncated) }
            stream.pointee.next_in = UnsafeMutablePointer(mutating: base)
            stream.pointee.avail_in = UInt32(fed)
            var result = Result(bytes: [], ending: .truncated)
            while true {
                let room = min(chunkSize, cap - result.bytes.count)
                if room == 0 {
                    // At the cap: see whether the stream has more to give (a byte) or ends here.
                    var probe: UInt8 = 0
                    let code = withUnsafeMutablePointer(to: &probe) { pointer -> Int32 in
                        stream.pointee.next_out = pointer
                        stream.pointee.avail_out = 1
                        return CZlib.inflate(stream, Z_NO_FLUSH)
                    }
                    stream.pointee.next_out = nil
                    if stream.pointee.avail_out == 0 {
                        result.ending = .capped
                        return result
                    }
                    if let ending = step(code, stream: stream, format: format, result: &result) {
                        result.ending = ending
                        return result
                    }
                    continue
                }
                stream.pointee.next_out = chunk
                stream.pointee.avail_out = UInt32(room)
                let code = CZlib.inflate(stream, Z_NO_FLUSH)
                let produced = room - Int(stream.pointee.avail_out)
                stream.pointee.next_out = nil
                if produced > 0 {
                    result.bytes.append(contentsOf: UnsafeBufferPointer(start: chunk, count: produced))
                }
                if let ending = step(code, stream: stream, format: format, result: &result) {
                    result.ending = ending
                    return result
                }
            }
        }
    }

    /// Interprets one `inflate` return code; nil to keep going.
    private static func step(
        _ code: Int32, stream: UnsafeMutablePointer<z_stream>, format: Format, result: inout Result
    ) -> Ending? {
        switch code {
        case Z_OK, Z_BUF_ERROR:
            // No input left while the stream is unfinished: truncated. Otherwise there is room
            // to fill or the cap to probe: go on.
            if stream.pointee.avail_in == 0, stream.pointee.avail_out > 0 || code == Z_BUF_ERROR {
                return .truncated
            }
            // No progress with both input and room available cannot happen; never spin on it.
            if code == Z_BUF_ERROR, stream.pointee.avail_out > 0 { return .corrupt }
            return nil
        case Z_STREAM_END:
            result.members += 1
            let left = Int(stream.pointee.avail_in)
            if format == .gzip, left >= 2, let next = stream.pointee.next_in, next[0] == 0x1F, next[1] == 0x8B {
                guard result.members < maxMembers else {
                    result.tooManyMembers = true
                    result.trailing = left
                    return .complete
                }
                guard inflateReset(stream) == Z_OK else { return .corrupt }
                return nil
            }
            result.trailing = left
            return .complete
        default:
            // Z_DATA_ERROR, Z_NEED_DICT, Z_MEM_ERROR, Z_STREAM_ERROR.
            return .corrupt
        }
    }

    /// Compresses `input` in one call (for tests and fixtures); nil if zlib refuses.
    static func compress(_ input: [UInt8], format: Format, level: Int32 = 6) -> [UInt8]? {
        guard input.count < Int(UInt32.max) / 2 else { return nil }
        let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        defer {
            stream.deinitialize(count: 1)
            stream.deallocate()
        }
        guard
            deflateInit2_(
                stream, level, Z_DEFLATED, format.windowBits, 8, Z_DEFAULT_STRATEGY, zlibVersion(),
                Int32(MemoryLayout<z_stream>.size)) == Z_OK
        else { return nil }
        defer { deflateEnd(stream) }
        let bound = Int(deflateBound(stream, UInt(input.count))) + 32
        var output = [UInt8](repeating: 0, count: bound)
        var source = input
        let code = source.withUnsafeMutableBufferPointer { inBuffer in
            output.withUnsafeMutableBufferPointer { outBuffer -> Int32 in
                stream.pointee.next_in = inBuffer.baseAddress
                stream.pointee.avail_in = UInt32(inBuffer.count)
                stream.pointee.next_out = outBuffer.baseAddress
                stream.pointee.avail_out = UInt32(outBuffer.count)
                let code = deflate(stream, Z_FINISH)
                stream.pointee.next_in = nil
                stream.pointee.next_out = nil
                return code
            }
        }
        guard code == Z_STREAM_END else { return nil }
        output.removeSubrange(Int(stream.pointee.total_out)...)
        return output
    }
}
