import ArgumentParser
import CommandProcessing
import Domain
import EventLog
import Foundation
import JSON
import Locking
import ProjectionRuntime
import Synchronization
import Views

/// `chronicle bench-views --data DIR`: the projection benchmarks of the README — a full rebuild of
/// every view (events/s, end to end), then customer360 query latency in process and view lag while a
/// writer commits continuously at `--rate` events/s. Populates the log first with a year of plausible
/// company history when it holds fewer than `--events` events.
///
/// The live phase's writer (`--writer`) is by default the log itself: the processor decides the
/// phase's commands beforehand on a copy of the log (with the real store's keys), and the writer
/// appends the events it made, command by command, at `--rate`. The processor alone commits ~20,000
/// events/s on this machine, so `--writer processor`, which runs the commands live, cannot load the
/// views at 50,000.
struct BenchViewsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-views", abstract: "Benchmark view rebuilds, queries and lag.", shouldDisplay: false)

    @OptionGroup var data: DataOptions

    @Option(help: "Make sure the log holds at least this many events (appends a generated history).")
    var events = 1_000_000

    @Option(help: "Threads for the rebuild.") var parallelism = 2

    @Option(help: "Events per second the writer commits during the live phase.") var rate = 50_000

    @Option(help: "Seconds of the live phase.") var seconds = 20

    enum Writer: String, ExpressibleByArgument, CaseIterable {
        case log, processor
    }

    @Option(
        help: """
            The live phase's writer: `log` appends events the processor decided beforehand (on a copy of \
            the log) at --rate; `processor` runs the commands live (as fast as it goes, up to --rate).
            """)
    var writer: Writer = .log

    @Option(help: "Most events the live follower applies in one batch (the server's default).")
    var followerBatch = ProjectionEngine.Options().batchSize

    @Option(help: ArgumentHelp(stringLiteral: ViewsPriority.help + " (The server's default.)"))
    var viewsPriority: ViewsPriority = .yield
    @Flag(help: "Also rebuild each projection alone.") var each = false

    @Flag(help: "Skip the live phase.") var noLive = false

    @Option(help: "customer360 queries per second during the live phase (0: as fast as one task can).")
    var queryRate = 1_000

    @Flag(help: "Skip the scan and the rebuild: the live phase starts from the views already in <data>/views.")
    var liveOnly = false

    @Flag(help: "Only time the scan and the rebuild of the log as it is (no populating, no live phase).")
    var rebuildOnly = false

    func validate() throws {
        if liveOnly && (rebuildOnly || noLive) {
            throw ValidationError("--live-only runs only the live phase: it excludes --rebuild-only and --no-live")
        }
        guard queryRate >= 0 else { throw ValidationError("--query-rate must be 0 or more") }
    }

    /// The live follower's options: the server's, but for `--follower-batch`.
    private var followerOptions: ProjectionEngine.Options {
        var options = ProjectionEngine.Options(batchSize: followerBatch)
        options.followerPriority = viewsPriority.priority
        return options
    }

    func run() async throws {
        try data.directory.create()
        let log = try EventLog.open(directory: data.directory.log, options: .init(mapSize: 1 << 37))
        defer { log.close() }
        var started = Date()
        var processor: CommandProcessor?
        var history: BenchHistory?
        if !rebuildOnly {
            let p = try CommandProcessor(log: log)
            say("loaded the company state from \(log.lastPosition) events in \(format(Date().timeIntervalSince(started))) s")
            history = try await populate(log, p)
            processor = p
        }
        defer { processor?.keys.close() }

        if liveOnly {
            guard var history, let processor else { return }
            guard FileManager.default.fileExists(atPath: data.directory.views) else {
                throw CLIError("--live-only needs views in \(data.directory.views): run once without it")
            }
            let engine = ViewService.engine(log: log, dataDirectory: data.directory.path, options: followerOptions)
            try engine.start()
            defer { engine.close() }
            for p in ViewService.projections { _ = await engine.waitUntil(p.name, reaches: log.lastPosition, timeout: .seconds(600)) }
            let feed = writer == .log ? try await decideAhead(log, processor, &history) : nil
            try await live(log, processor, engine, ViewService(source: engine), &history, feed: feed)
            return
        }

        // Raw scan, the ceiling.
        var cpu = cpuSeconds()
        started = Date()
        var scanned = 0
        try log.scanInPlace(from: 1) { _ in
            scanned += 1
            return true
        }
        let scanSeconds = Date().timeIntervalSince(started)
        let scanCPU = cpuSeconds() - cpu
        say(
            "raw scan (records read in place): \(scanned) events in \(format(scanSeconds)) s = \(rate(scanned, scanSeconds)) events/s"
                + " (CPU \(format(scanCPU)) s = \(rate(scanned, scanCPU)) events per CPU second)")

        // Rebuild every view, end to end (writes and fsync included).
        let projections = ViewService.projections
        let scratch = data.directory.path + "/bench-rebuild"
        try? FileManager.default.removeItem(atPath: scratch)
        cpu = cpuSeconds()
        started = Date()
        var phases: RebuildPhases?
        let through = try ProjectionEngine.replay(
            log: log, projections: projections, into: scratch, parallelism: parallelism, phases: { phases = $0 })
        let rebuildSeconds = Date().timeIntervalSince(started)
        let rebuildCPU = cpuSeconds() - cpu
        let size = (try? FileManager.default.attributesOfItem(atPath: scratch + "/data.mdb")[.size] as? Int) ?? 0
        say(
            "rebuild of all views (\(parallelism) threads): \(through) events in \(format(rebuildSeconds)) s = "
                + "\(rate(Int(through), rebuildSeconds)) events/s, views file \(size / 1_000_000) MB "
                + "(CPU \(format(rebuildCPU)) s; load average \(loadAverage()))")
        if let phases { say("  phases: \(phases)") }
        if each {
            for p in projections {
                let dir = scratch + "-" + p.name
                try? FileManager.default.removeItem(atPath: dir)
                let t = Date()
                let c = cpuSeconds()
                try ProjectionEngine.replay(log: log, projections: [p], into: dir, parallelism: 1)
                let s = Date().timeIntervalSince(t)
                say("  \(p.name) alone: \(format(s)) s = \(rate(Int(through), s)) events/s (CPU \(format(cpuSeconds() - c)) s)")
                try? FileManager.default.removeItem(atPath: dir)
            }
        }
        guard !noLive, var history = history, let processor = processor else { return }
        let feed = writer == .log ? try await decideAhead(log, processor, &history) : nil

        // The live phase: the rebuilt views become <data>/views and follow a continuous writer.
        try? FileManager.default.removeItem(atPath: data.directory.views)
        try FileManager.default.moveItem(atPath: scratch, toPath: data.directory.views)
        let engine = ViewService.engine(log: log, dataDirectory: data.directory.path, options: followerOptions)
        try engine.start()
        defer { engine.close() }
        let views = ViewService(source: engine)
        try await live(log, processor, engine, views, &history, feed: feed)
    }

    /// The events of the live phase, decided beforehand: the history's next commands run through a
    /// processor on a copy of the log — sealing personal fields with the real store's keys — and
    /// the events each command made become one append request (its command id, actor and
    /// correlation kept). Enough for `--rate` × `--seconds` events, and a tenth more.
    private func decideAhead(
        _ log: EventLog, _ processor: CommandProcessor, _ history: inout BenchHistory
    ) async throws -> [AppendRequest] {
        let started = Date()
        let scratch = data.directory.path + "/bench-writer"
        try? FileManager.default.removeItem(atPath: scratch)
        try FileManager.default.createDirectory(atPath: scratch + "/log", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        try log.backup(to: scratch + "/log")
        let copy = try EventLog.open(directory: scratch + "/log", options: .init(mapSize: 1 << 37))
        defer { copy.close() }
        let deciding = try CommandProcessor(log: copy, keys: processor.keys)
        let first = copy.lastPosition
        let wanted = UInt64(Double(rate) * Double(seconds) * 1.1)
        // Command ids mark where one command's events end (and are unique to this run).
        let run = UUID().uuidString.prefix(8)
        var n = 0
        while copy.lastPosition - first < wanted {
            let steps = (0..<4096).map { _ -> BenchHistory.Step in
                var s = history.next()
                s.request.at = nil
                s.request.commandId = "bench-\(run)-\(n)"
                n += 1
                return s
            }
            let results = try await deciding.executeBatch(steps.map(\.request))
            for (step, result) in zip(steps, results) {
                if case .success = result { step.accepted(&history) }
            }
        }
        var requests: [AppendRequest] = []
        try copy.scan(from: first + 1) { e, payload in
            let event = EventToAppend(stream: e.stream, type: e.type, schema: e.schema, tags: e.tags, data: Array(payload))
            if let last = requests.last, e.commandId != nil, last.commandId == e.commandId {
                requests[requests.count - 1].events.append(event)
            } else {
                requests.append(
                    AppendRequest(
                        events: [event], actor: e.actor, commandId: e.commandId, correlationId: e.correlationId,
                        causationId: e.causationId))
            }
            return true
        }
        say(
            "decided the live phase ahead: \(copy.lastPosition - first) events of \(requests.count) commands on a copy "
                + "of the log in \(format(Date().timeIntervalSince(started))) s")
        return requests
    }

    // MARK: Populating

    private func populate(_ log: EventLog, _ processor: CommandProcessor) async throws -> BenchHistory {
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let lastAt = try log.withRecord(at: log.lastPosition) { $0?.at } ?? (now - 365 * 86_400_000)
        let missing = max(0, events - Int(log.lastPosition))
        let perCommand = max(1, (now - 60_000 - lastAt) / Int64(max(1, missing)))
        var history = BenchHistory(seed: log.lastPosition &+ 42, start: lastAt, millisecondsPerCommand: perCommand)
        history.counter = Int(log.lastPosition) * 2
        history.latest = now - 1000
        // The history's employees, products, warehouses and pool rules. On a store that another
        // history filled (the demo company) they are added beside its own; on one this command
        // filled before they exist already, and those commands are rejected as duplicates.
        let setup = history.setup().map { request -> CommandRequest in
            var r = request
            r.at = Timestamp(milliseconds: lastAt)
            return r
        }
        _ = try await processor.executeBatch(setup)
        // Customers to query during the live phase: the last ones registered in the log, whoever made them.
        let registered = try log.read(
            from: log.lastPosition, limit: 2_000, backwards: true, filter: EventFilter(types: ["CustomerRegistered"]))
        history.queryOnlyCustomers = registered.events.compactMap { e in
            e.stream.hasPrefix("customer-") ? String(e.stream.dropFirst("customer-".count)) : nil
        }
        guard missing > 0 else { return history }
        let started = Date()
        var lastPrint = started
        let first = log.lastPosition
        while Int(log.lastPosition) < events {
            let steps = (0..<4096).map { _ in history.next() }
            let results = try await processor.executeBatch(steps.map(\.request))
            for (step, result) in zip(steps, results) {
                if case .success = result { step.accepted(&history) }
            }
            if results.allSatisfy({ if case .failure = $0 { true } else { false } }) {
                throw CLIError("every generated command was rejected: \(results.first.map { "\($0)" } ?? "")")
            }
            if Date().timeIntervalSince(lastPrint) > 5 {
                lastPrint = Date()
                let done = Int(log.lastPosition - first)
                say("populating: \(log.lastPosition) events (\(rate(done, Date().timeIntervalSince(started))) events/s)")
            }
        }
        let s = Date().timeIntervalSince(started)
        say("populated \(log.lastPosition - first) events in \(format(s)) s (\(rate(Int(log.lastPosition - first), s)) events/s)")
        return history
    }

    // MARK: Live

    private func live(
        _ log: EventLog, _ processor: CommandProcessor, _ engine: ProjectionEngine, _ views: ViewService,
        _ history: inout BenchHistory, feed: [AppendRequest]?
    ) async throws {
        let clock = ContinuousClock()
        let origin = clock.now
        let applied = Lock<[(position: UInt64, at: Duration)]>([])
        engine.setBatchObserver { checkpoint in
            let t = clock.now - origin
            applied.withLock { $0.append((checkpoint, t)) }
        }
        let customers = history.customers.map(\.id) + history.queryOnlyCustomers
        let stop = Atomic<Bool>(false)
        let queryRate = self.queryRate
        let queryTask = Task.detached { () -> [Duration] in
            var latencies: [Duration] = []
            var i = 0
            guard !customers.isEmpty else { return [] }
            let interval: Duration? = queryRate > 0 ? .nanoseconds(1_000_000_000 / queryRate) : nil
            var due = clock.now
            while !stop.load(ordering: .relaxed) {
                if let interval {
                    due = due + interval
                    if due > clock.now { try? await Task.sleep(until: due, clock: clock) }
                }
                let id = customers[(i &* 7919) % customers.count]
                i += 1
                let t = clock.now
                _ = try? await views.query(
                    view: "customer360", params: ["customerId": .string(id)], actor: .admin, minPosition: nil,
                    timeout: .seconds(1))
                latencies.append(clock.now - t)
            }
            return latencies
        }

        // The writer: a batch every 10 ms, sized for `rate` events per second.
        var commits: [(position: UInt64, at: Duration)] = []
        var written = 0
        let phaseStart = clock.now
        var commandsPerBatch = max(1, rate / 100 * 10 / 16)
        var fed = 0
        while clock.now - phaseStart < .seconds(seconds) {
            let tick = clock.now
            let before = log.lastPosition
            if let feed {
                guard fed < feed.count else {
                    say("the events decided ahead ran out: the live phase ends early")
                    break
                }
                let batch = Array(feed[fed..<min(feed.count, fed + commandsPerBatch)])
                fed += batch.count
                try await log.write { w in
                    for request in batch { _ = try w.append(request) }
                }
            } else {
                let steps = (0..<commandsPerBatch).map { _ -> BenchHistory.Step in
                    var s = history.next()
                    s.request.at = nil
                    return s
                }
                let results = try await processor.executeBatch(steps.map(\.request))
                for (step, result) in zip(steps, results) {
                    if case .success = result { step.accepted(&history) }
                }
            }
            let after = log.lastPosition
            commits.append((after, clock.now - origin))
            written += Int(after - before)
            // Steer the batch size toward the target rate.
            let elapsed = clock.now - phaseStart
            let target = Double(rate) * (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
            if Double(written) < target * 0.98 { commandsPerBatch += max(1, commandsPerBatch / 20) }
            if Double(written) > target * 1.02 { commandsPerBatch = max(1, commandsPerBatch - max(1, commandsPerBatch / 20)) }
            let spent = clock.now - tick
            if spent < .milliseconds(10) { try await Task.sleep(for: .milliseconds(10) - spent) }
        }
        let phase = clock.now - phaseStart
        stop.store(true, ordering: .relaxed)
        let latencies = await queryTask.value.sorted()
        // Let the views finish, then match each commit with the first batch that applied it.
        let last = log.lastPosition
        for p in ViewService.projections { _ = await engine.waitUntil(p.name, reaches: last, timeout: .seconds(30)) }
        let observed = applied.withLock { $0 }
        var lags: [Duration] = []
        var j = 0
        for c in commits where c.position > 0 {
            while j < observed.count && observed[j].position < c.position { j += 1 }
            guard j < observed.count else { break }
            lags.append(max(.zero, observed[j].at - c.at))
        }
        lags.sort()
        // The follower's batches in the phase: how many events each covered, and the time from one
        // batch's publication to the next (a batch's whole cycle: waiting, reading, applying, committing).
        var sizes: [Int] = []
        var cycles: [Duration] = []
        let inPhase = observed.filter { $0.at >= phaseStart - origin }
        for (a, b) in zip(inPhase, inPhase.dropFirst()) where b.position > a.position {
            sizes.append(Int(b.position - a.position))
            cycles.append(b.at - a.at)
        }
        sizes.sort()
        cycles.sort()
        let phaseSeconds = Double(phase.components.seconds) + Double(phase.components.attoseconds) / 1e18
        say(
            "live phase: \(written) events in \(format(phaseSeconds)) s = \(rate(written, phaseSeconds)) events/s written "
                + "(\(commits.count) commits, writer: \(writer.rawValue))")
        say(
            "  view lag after each commit: p50 \(ms(pct(lags, 0.5))) ms, p90 \(ms(pct(lags, 0.9))) ms, p99 \(ms(pct(lags, 0.99))) ms, "
                + "max \(ms(lags.last ?? .zero)) ms")
        if !sizes.isEmpty {
            say(
                "  follower: \(sizes.count) batches, events per batch p50 \(sizes[sizes.count / 2]) p99 \(sizes[min(sizes.count - 1, sizes.count * 99 / 100)]) "
                    + "max \(sizes.last!), batch cycle p50 \(ms(pct(cycles, 0.5))) ms p99 \(ms(pct(cycles, 0.99))) ms max \(ms(cycles.last!)) ms")
        }
        say(
            "  customer360 in process: \(latencies.count) queries (\(rate(latencies.count, phaseSeconds))/s), "
                + "p50 \(ms(pct(latencies, 0.5))) ms, p99 \(ms(pct(latencies, 0.99))) ms, max \(ms(latencies.last ?? .zero)) ms")
    }

    /// User + system CPU time of this process so far.
    private func cpuSeconds() -> Double {
        var usage = rusage()
        getrusage(Int32(RUSAGE_SELF.rawValue), &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
            + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
    }

    /// The 1-minute load average (other processes competing for the cores).
    private func loadAverage() -> String {
        (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.split(separator: " ").first.map(String.init) ?? "?"
    }

    /// One line on standard output, written at once (progress shows even when piped).
    private func say(_ line: String) { FileHandle.standardOutput.write(Data((line + "\n").utf8)) }

    private func pct(_ sorted: [Duration], _ p: Double) -> Duration {
        sorted.isEmpty ? .zero : sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]
    }

    private func ms(_ d: Duration) -> String {
        format((Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18) * 1000, digits: 3)
    }

    private func rate(_ n: Int, _ seconds: Double) -> String { seconds > 0 ? String(Int(Double(n) / seconds)) : "∞" }

    private func format(_ x: Double, digits: Int = 2) -> String { String(format: "%.\(digits)f", x) }
}
