import ArgumentParser
import AsyncHTTPClient
import NIOCore
import NIOHTTP1
import PalisadeCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `palisade replay`: sends capture records (JSON lines or HAR) to a mirror in batches — for
/// demos, load tests and backfills — or, with `--through`, as real HTTP requests to a gateway.
struct ReplayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Send capture records (JSON lines or HAR) to a mirror's POST /v1/capture in batches.",
        discussion: """
            JSON lines are sent as they are (the mirror validates them and reports rejected lines); \
            HAR entries are converted to capture records first. A 503 from the mirror (buffer full) \
            is retried after its Retry-After. Progress goes to standard error; the final report is \
            printed on standard error and, as one JSON object, on standard output.

            --through URL sends every record as the HTTP request it describes (method, path and \
            query, headers, body; X-Forwarded-For = the record's client_ip) to a gateway instead, \
            one request per record, and reports the answers by status and by client.

            --loop replays the file again and again and needs --duration or --count so it stops by \
            itself. The token may also come from PALISADE_REPLAY_TOKEN.

            Exit codes: 0 everything was accepted (--through: every request was answered); 3 the \
            mirror rejected some records (--through: some records were unreadable or unanswered); 1 \
            the mirror refused the token or could not be reached; 64 usage error; 66 the input \
            cannot be opened.
            """
    )

    @Argument(help: "Capture file (JSON lines or HAR); '-' reads standard input.")
    var file: String

    @Option(help: "The mirror: a base URL (POST /v1/capture is appended) or the full capture URL.")
    var to: String = "http://127.0.0.1:8470"

    @Option(
        help: "Send each record as a real HTTP request through this gateway base URL (instead of to a mirror).")
    var through: String?

    @Option(help: "Bearer token of the mirror (default: $PALISADE_REPLAY_TOKEN).")
    var token: String?

    @Option(help: "Records per second, at most (0: as fast as the mirror takes them).")
    var rate: Double = 0

    @Flag(help: "Replay the file again at its end (needs --duration or --count).")
    var loop = false

    @Option(help: "Stop after this many seconds.")
    var duration: Double?

    @Option(help: "Stop after sending this many records.")
    var count: Int?

    @Option(help: "Records per request.")
    var batch: Int = 500

    @Option(help: "Requests in flight at once.")
    var concurrency: Int = 1

    @Flag(help: "No progress line on standard error.")
    var quiet = false

    @Option(help: "Input format: auto, jsonl or har.")
    var format: CaptureFileReader.Format = .auto

    @Option(help: "Longest input line, in bytes; longer lines are skipped (and counted).")
    var maxLineBytes: Int = 1 << 20

    func validate() throws {
        guard batch >= 1, batch <= 100_000 else { throw ValidationError("--batch must be 1-100000") }
        guard concurrency >= 1, concurrency <= 64 else { throw ValidationError("--concurrency must be 1-64") }
        guard rate >= 0 else { throw ValidationError("--rate must not be negative") }
        if loop, duration == nil, count == nil {
            throw ValidationError("--loop needs --duration or --count so that it stops by itself")
        }
        if loop, file == "-" { throw ValidationError("--loop cannot replay standard input") }
        if let duration, duration <= 0 { throw ValidationError("--duration must be positive") }
        if let count, count < 1 { throw ValidationError("--count must be at least 1") }
        guard Replayer.captureURL(to) != nil else { throw ValidationError("--to must be an http:// or https:// URL") }
        if let through, Replayer.gatewayBase(through) == nil {
            throw ValidationError("--through must be an http:// or https:// URL")
        }
    }

    func run() async throws {
        var options = Replayer.Options(url: Replayer.captureURL(to)!)
        options.through = through.flatMap(Replayer.gatewayBase)
        options.token = token ?? ProcessEnvironment.value("PALISADE_REPLAY_TOKEN")
        options.rate = rate
        options.loop = loop
        options.duration = duration.map { .milliseconds(Int64($0 * 1000)) }
        options.count = count
        options.batch = batch
        options.concurrency = concurrency
        options.format = format
        options.maxLineBytes = maxLineBytes
        options.progress = !quiet
        let replayer = Replayer(options: options)
        var err = OutputSink.stderr()
        let report: Replayer.Report
        do {
            report = try await replayer.run(path: file, err: &err)
        } catch let error as ByteSource.OpenError {
            err.line("palisade replay: \(error)")
            err.flush()
            throw ExitCode(66)
        } catch {
            err.line("palisade replay: \(error)")
            err.flush()
            throw ExitCode(1)
        }
        var out = OutputSink.stdout()
        out.line(report.json())
        out.flush()
        if report.rejected > 0 || report.skipped > 0 || report.unanswered > 0 { throw ExitCode(3) }
    }
}

enum ProcessEnvironment {
    static func value(_ name: String) -> String? {
        guard let raw = getenv(name) else { return nil }
        return String(cString: raw)
    }
}

/// The sending core of `replay`, separate from argument parsing so tests can drive it.
struct Replayer: Sendable {
    struct Options: Sendable {
        var url: String
        /// Gateway base URL (no trailing slash): send each record as a real request there.
        var through: String?
        var token: String?
        var rate: Double = 0
        var loop = false
        var duration: Duration?
        var count: Int?
        var batch = 500
        var concurrency = 1
        var format = CaptureFileReader.Format.auto
        var maxLineBytes = 1 << 20
        var progress = true
        /// Attempts per batch on connection errors before giving up.
        var maxConnectionAttempts = 5

        init(url: String) { self.url = url }
    }

    struct Report: Sendable, Equatable {
        /// Records sent (and answered 202).
        var sent = 0
        var accepted = 0
        var rejected = 0
        /// Records not sent: oversized lines or HAR entries that do not convert.
        var skipped = 0
        /// Requests retried (503 or connection errors).
        var retried = 0
        var requests = 0
        var seconds = 0.0
        /// `--through`: answers by HTTP status, and by client (the record's client_ip) and status.
        var statuses: [Int: Int] = [:]
        var clients: [String: [Int: Int]] = [:]
        /// `--through`: requests that got no answer (connection failures after retries).
        var unanswered = 0
        /// Distinct clients tallied at most; the rest are tallied under "other".
        static let maxClients = 10_000

        mutating func tally(status: Int, client: String) {
            statuses[status, default: 0] += 1
            let key = clients[client] != nil || clients.count < Self.maxClients ? client : "other"
            clients[key, default: [:]][status, default: 0] += 1
        }

        var rate: Double { seconds > 0 ? Double(accepted) / seconds : 0 }

        func json() -> String {
            var w = JSONWriter()
            w.beginObject()
            for (key, value) in [
                ("sent", sent), ("accepted", accepted), ("rejected", rejected), ("skipped", skipped),
                ("retried", retried), ("requests", requests),
            ] {
                w.key(key)
                w.int(value)
            }
            if !statuses.isEmpty || unanswered > 0 {
                w.key("unanswered")
                w.int(unanswered)
                w.key("statuses")
                Self.write(statuses, to: &w)
                w.key("clients")
                w.beginObject()
                for client in clients.keys.sorted() {
                    w.key(client)
                    Self.write(clients[client] ?? [:], to: &w)
                }
                w.endObject()
            }
            w.key("seconds")
            w.double(seconds)
            w.key("records_per_second")
            w.double(rate, decimals: 0)
            w.endObject()
            return w.output
        }

        static func write(_ counts: [Int: Int], to w: inout JSONWriter) {
            w.beginObject()
            for status in counts.keys.sorted() {
                w.key(String(status))
                w.int(counts[status] ?? 0)
            }
            w.endObject()
        }

        var text: String {
            if !statuses.isEmpty || unanswered > 0 {
                let byStatus = statuses.keys.sorted().map { "\($0): \(statuses[$0] ?? 0)" }.joined(separator: ", ")
                return "palisade replay: \(sent) requests sent through the gateway in "
                    + "\(JSONWriter.format(seconds, decimals: 2)) s; answers by status: \(byStatus)"
                    + " (\(statuses[403] ?? 0) refused with 403); \(unanswered) unanswered, \(rejected) unreadable, "
                    + "\(skipped) skipped"
            }
            return "palisade replay: \(sent) sent, \(accepted) accepted, \(rejected) rejected, \(skipped) skipped, "
                + "\(retried) retried, \(requests) requests in \(JSONWriter.format(seconds, decimals: 2)) s "
                + "(\(Int(rate)) records/s)"
        }
    }

    struct ReplayError: Error, CustomStringConvertible {
        var description: String
    }

    /// Outcome of one batch.
    struct BatchResult: Sendable {
        var records = 0
        var accepted = 0
        var rejected = 0
        var retried = 0
        /// `--through`: the answer's status (nil: no answer) and the record's client.
        var status: Int?
        var client: String?
        var unanswered = 0
    }

    let options: Options

    /// A gateway base URL without its trailing slash; nil unless http(s).
    static func gatewayBase(_ text: String) -> String? {
        guard text.hasPrefix("http://") || text.hasPrefix("https://"), text.count > 8 else { return nil }
        return text.hasSuffix("/") ? String(text.dropLast()) : text
    }

    /// `http://host:port` → `http://host:port/v1/capture`; a URL with a path is used as it is.
    static func captureURL(_ text: String) -> String? {
        guard text.hasPrefix("http://") || text.hasPrefix("https://") else { return nil }
        let afterScheme = text.drop { $0 != "/" }.dropFirst(2)
        guard !afterScheme.isEmpty else { return nil }
        if let slash = afterScheme.firstIndex(of: "/"), afterScheme[slash...].count > 1 { return text }
        return (text.hasSuffix("/") ? String(text.dropLast()) : text) + "/v1/capture"
    }

    func run(path: String, err: inout OutputSink) async throws -> Report {
        let client = HTTPClient(
            eventLoopGroupProvider: .singleton, configuration: .init(timeout: .init(connect: .seconds(5))))
        do {
            let report = try await send(path: path, client: client, err: &err)
            try await client.shutdown()
            return report
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    private func send(path: String, client: HTTPClient, err: inout OutputSink) async throws -> Report {
        let clock = ContinuousClock()
        let start = clock.now
        let deadline = options.duration.map { start + $0 }
        var report = Report()
        var lastProgress = start
        let isTTY = isatty(2) != 0

        try await withThrowingTaskGroup(of: BatchResult.self) { group in
            var inFlight = 0
            var queued = 0  // records handed to requests so far (for --count and --rate)

            func settle(_ result: BatchResult, report: inout Report) {
                report.sent += result.records
                report.accepted += result.accepted
                report.rejected += result.rejected
                report.retried += result.retried
                report.requests += 1 + result.retried
                report.unanswered += result.unanswered
                if let status = result.status { report.tally(status: status, client: result.client ?? "-") }
            }

            var pending: [UInt8] = []
            var pendingCount = 0
            var done = false

            func flush(_ err: inout OutputSink) async throws {
                guard pendingCount > 0 else { return }
                let body = pending
                let records = pendingCount
                pending = []
                pendingCount = 0
                if options.rate > 0 {
                    // Schedule so that the first `queued` records took queued/rate seconds.
                    let due = start + .milliseconds(Int64(Double(queued) / options.rate * 1000))
                    if due > clock.now { try await Task.sleep(until: due, clock: clock) }
                }
                queued += records
                if inFlight >= options.concurrency, let result = try await group.next() {
                    inFlight -= 1
                    settle(result, report: &report)
                }
                inFlight += 1
                if let gateway = options.through {
                    let line = queued
                    group.addTask { await self.sendThrough(body, line: line, gateway: gateway, client: client) }
                } else {
                    group.addTask { try await self.post(body, records: records, client: client) }
                }
                if options.progress, clock.now - lastProgress >= .seconds(1) {
                    lastProgress = clock.now
                    var snapshot = report
                    snapshot.seconds = Self.seconds(clock.now - start)
                    err.write(isTTY ? "\r\(snapshot.text)\u{1B}[K" : "\(snapshot.text)\n")
                    err.flush()
                }
            }

            // One record per request when sending through a gateway.
            let batch = options.through == nil ? options.batch : 1

            func take(_ line: some Collection<UInt8>, _ err: inout OutputSink) async throws {
                if let count = options.count, queued + pendingCount >= count {
                    done = true
                    return
                }
                pending.append(contentsOf: line)
                pending.append(UInt8(ascii: "\n"))
                pendingCount += 1
                if pendingCount >= batch { try await flush(&err) }
            }

            repeat {
                var source = try ByteSource(path: path)
                var reader = CaptureFileReader(format: options.format, maxLineBytes: options.maxLineBytes)
                while !done, let chunk = try source.nextChunk() {
                    if let deadline, clock.now >= deadline {
                        done = true
                        break
                    }
                    var items: [CaptureFileReader.Item] = []
                    chunk.withUnsafeBufferPointer { buffer in reader.feed(buffer) { items.append(Self.own($0)) } }
                    for item in items where !done {
                        let skipped = try await handle(item, take: take, err: &err)
                        report.skipped += skipped
                    }
                }
                var items: [CaptureFileReader.Item] = []
                let missing = reader.finish { items.append(Self.own($0)) }
                for item in items where !done {
                    let skipped = try await handle(item, take: take, err: &err)
                    report.skipped += skipped
                }
                if let missing {
                    throw ReplayError(description: missing.reason)
                }
                if let deadline, clock.now >= deadline { done = true }
            } while options.loop && !done
            try await flush(&err)
            for try await result in group { settle(result, report: &report) }
        }
        report.seconds = Self.seconds(clock.now - start)
        if options.progress && isTTY { err.write("\r\u{1B}[K") }
        err.line(report.text)
        err.flush()
        return report
    }

    /// Lines are slices of the reader's buffer: copy them before the reader moves on.
    private static func own(_ item: CaptureFileReader.Item) -> CaptureFileReader.Item {
        if case .line(let bytes, let number) = item { return .line(ArraySlice(Array(bytes)), number: number) }
        return item
    }

    /// Sends one item through `take`; returns 1 when it was skipped instead.
    private func handle(
        _ item: CaptureFileReader.Item, take: (ArraySlice<UInt8>, inout OutputSink) async throws -> Void,
        err: inout OutputSink
    ) async throws -> Int {
        switch item {
        case .line(let bytes, _):
            try await take(bytes, &err)
        case .harEntry(let bytes, let index):
            let record: CaptureRecord
            do {
                record = try CaptureFileReader.record(harEntry: bytes, index: index, now: WallClock.nowMilliseconds())
            } catch {
                err.line("palisade replay: skipped \(error)")
                return 1
            }
            try await take(Array(record.jsonLine().utf8)[...], &err)
        case .oversizedLine(let number, let bytes):
            err.line("palisade replay: skipped line \(number): \(bytes) bytes exceed --max-line-bytes")
            return 1
        case .oversizedEntry(let index):
            err.line("palisade replay: skipped HAR entry \(index): too large")
            return 1
        }
        return 0
    }

    /// POSTs one batch; retries after 503 (Retry-After) and connection errors.
    func post(_ body: [UInt8], records: Int, client: HTTPClient) async throws -> BatchResult {
        var result = BatchResult(records: records)
        var connectionFailures = 0
        while true {
            var request = HTTPClientRequest(url: options.url)
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/x-ndjson")
            if let token = options.token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
            request.body = .bytes(ByteBuffer(bytes: body))
            let response: HTTPClientResponse
            let responseBody: ByteBuffer
            do {
                response = try await client.execute(request, timeout: .seconds(60))
                responseBody = try await response.body.collect(upTo: 16 << 20)
            } catch {
                connectionFailures += 1
                guard connectionFailures < options.maxConnectionAttempts else {
                    throw ReplayError(description: "cannot reach \(options.url): \(error)")
                }
                result.retried += 1
                try await Task.sleep(for: .milliseconds(100 << connectionFailures))
                continue
            }
            switch response.status.code {
            case 202, 200:
                let json = try? JSONReader(maxDepth: 8).parse(Array(responseBody.readableBytesView))
                result.accepted = Self.int(json?["accepted"]) ?? 0
                result.rejected = Self.int(json?["rejected"]) ?? 0
                return result
            case 503, 429:
                result.retried += 1
                let seconds = response.headers.first(name: "Retry-After").flatMap { Double($0) } ?? 1
                try await Task.sleep(for: .milliseconds(Int64(min(max(seconds, 0.05), 60) * 1000)))
            case 401, 403:
                throw ReplayError(description: "the mirror refused the token (HTTP \(response.status.code))")
            default:
                let text = String(buffer: responseBody).prefix(300)
                throw ReplayError(description: "the mirror answered HTTP \(response.status.code): \(text)")
            }
        }
    }

    /// Request headers never copied from a record: the connection's own, and what the sender
    /// sets itself (the client address, the body length).
    static let droppedHeaders: Set<String> = [
        "connection", "keep-alive", "transfer-encoding", "content-length", "x-forwarded-for", "te", "upgrade",
        "proxy-connection", "expect",
    ]

    /// Sends one capture record (`line`, JSON) as the HTTP request it describes to `gateway`;
    /// a connection failure is retried (`maxConnectionAttempts`), then counted as unanswered.
    func sendThrough(_ line: [UInt8], line number: Int, gateway: String, client: HTTPClient) async -> BatchResult {
        var result = BatchResult(records: 1)
        let record: CaptureRecord
        do {
            record = try CaptureRecord.parse(
                json: line.last == UInt8(ascii: "\n") ? line.dropLast() : line[...], lineNumber: number,
                now: WallClock.nowMilliseconds())
        } catch {
            result.rejected = 1
            return result
        }
        result.client = record.clientIP ?? "-"
        let path = record.rawPath.hasPrefix("/") ? record.rawPath : "/" + record.rawPath
        var request = HTTPClientRequest(url: gateway + path)
        request.method = HTTPMethod(rawValue: record.method)
        for header in record.headers where !Self.droppedHeaders.contains(header.name.lowercased()) {
            request.headers.add(name: header.name, value: header.value)
        }
        if let host = record.host, !request.headers.contains(name: "host") {
            request.headers.add(name: "Host", value: host)
        }
        if let ip = record.clientIP { request.headers.replaceOrAdd(name: "X-Forwarded-For", value: ip) }
        if !record.body.isEmpty { request.body = .bytes(ByteBuffer(bytes: record.body)) }
        var failures = 0
        while true {
            do {
                let response = try await client.execute(request, timeout: .seconds(30))
                _ = try await response.body.collect(upTo: 16 << 20)
                result.accepted = 1
                result.status = Int(response.status.code)
                return result
            } catch {
                failures += 1
                guard failures < options.maxConnectionAttempts, !Task.isCancelled else {
                    result.unanswered = 1
                    return result
                }
                result.retried += 1
                try? await Task.sleep(for: .milliseconds(50 << failures))
            }
        }
    }

    static func int(_ value: JSONValue?) -> Int? {
        if case .number(let text) = value { return Int(text) }
        return nil
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
