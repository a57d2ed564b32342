// LogBench: the event log at a large population (the event log issue's figures).
//
//   swift run -c release LogBench --events 10000000 [--dir /tmp] [--per-commit 1000] [--json]
//
// 1. populates a fresh log with N events of the benchmark shape (see `Workload`) in appends of
//    `--per-commit` events (one `append` call per commit, each durable) and reports events/s;
// 2. reports bytes per event on disk (`fileSize() / N`) and per named database (`databaseStats()`);
// 3. times full scans through `scan(from:)` (envelopes decoded into Swift values), `scanInPlace`
//    (envelopes decoded in place, as the projectors read them) and, for reference, through
//    `scanRecords` (raw records, nothing decoded) and `read(from:limit:)` pages;
// 4. times `verify()`;
// and prints the machine and the load average next to every figure.
import BenchSupport
import EventLog
import Foundation

struct Arguments {
    var events = 1_000_000
    var perCommit = 1_000
    /// Appends in flight at once (1: each waits for the one before it to be durable).
    var inFlight = 1
    var streams = Workload.defaultStreams
    var base = ProcessInfo.processInfo.environment["CHRONICLE_BENCH_DIR"] ?? "/tmp"
    var seed: UInt64 = 42
    var json = false
    var keep = false
    var scanPasses = 3
    var commandIds = true
    var readPages = true
    var mapGiB = 64
    /// Time only the scans, of a log that already exists (no appends, no verify).
    var scanOnly: String?
    /// With `scanOnly`: scan only the first N events, over and over (they stay in the CPU cache).
    var scanHot: Int?

    static let usage = """
        usage: LogBench [--events N] [--per-commit N] [--in-flight N] [--streams N] [--dir BASE] [--seed N]
                        [--scan-passes N] [--no-command-ids] [--no-read-pages] [--map-gib N] [--keep] [--json]
               LogBench --scan-only LOG_DIR [--scan-passes N] [--scan-hot N]
          --events N        events to append (default 1000000)
          --per-commit N    events per append call = per durable commit (default 1000)
          --in-flight N     appends in flight at once, from N tasks (default 1: one after the other);
                            with N > 1 each commit still holds one append (the writer's batches are
                            capped at one work item), and the figure is wall-clock, building included
          --streams N       lead streams the events are spread over (default 100000)
          --dir BASE        the log goes into a fresh directory under BASE (default /tmp; must not be tmpfs)
          --scan-passes N   full scans to time (default 3)
          --no-command-ids  appends without command ids (by default each append carries one)
          --no-read-pages   skip the read(from:limit:) pass
          --map-gib N       LMDB map size in GiB (default 64; it grows by itself when too small)
          --keep            keep the log directory afterwards (it is deleted by default)
          --json            print the report as JSON on stdout (the table goes to stderr)
          --scan-only DIR   only time the in-place and raw scans of the existing log in DIR
          --scan-hot N      with --scan-only: each pass scans the first N events again and again,
                            as many events in all as the log holds (parsing cost without cache misses)
        """

    init(_ argv: [String]) throws {
        var args = ArgumentReader(argv)
        while let arg = args.next() {
            switch arg {
            case "--events": events = try args.positiveInt()
            case "--per-commit": perCommit = try args.positiveInt()
            case "--in-flight": inFlight = try args.positiveInt()
            case "--streams": streams = try args.positiveInt()
            case "--dir": base = try args.value()
            case "--seed": seed = UInt64(try args.positiveInt())
            case "--scan-passes": scanPasses = try args.positiveInt()
            case "--no-command-ids": commandIds = false
            case "--no-read-pages": readPages = false
            case "--map-gib": mapGiB = try args.positiveInt()
            case "--json": json = true
            case "--keep": keep = true
            case "--scan-only": scanOnly = try args.value()
            case "--scan-hot": scanHot = try args.positiveInt()
            case "-h", "--help":
                print(Self.usage)
                exit(0)
            default: throw UsageError("unknown argument \(arg)")
            }
        }
    }
}

struct Figure: Codable {
    var name: String
    var events: Int
    var seconds: Double
    var eventsPerSecond: Double
    /// Process CPU time (user + system, all threads) during the phase: on a shared machine,
    /// events per CPU-second moves much less with other people's load than events per second.
    var cpuSeconds: Double
    var eventsPerCPUSecond: Double
    var load: [Double]
    var note: String?

    init(name: String, events: Int, seconds: Double, cpuSeconds: Double, load: [Double], note: String? = nil) {
        self.name = name
        self.events = events
        self.seconds = seconds
        self.eventsPerSecond = Double(events) / seconds
        self.cpuSeconds = cpuSeconds
        self.eventsPerCPUSecond = Double(events) / cpuSeconds
        self.load = load
        self.note = note
    }
}

struct DatabaseBytes: Codable {
    var name: String
    var entries: Int
    var bytes: Int
    var bytesPerEvent: Double
}

/// Page accounting of the whole environment from `mdb_stat -ef` (lmdb-utils), when it is installed.
///
/// LMDB's per-database statistics (what `databaseStats()` returns) count only each database's main
/// B-tree: the pages of dup-sorted values that outgrow their node live in sub-databases that no
/// per-database figure includes (layout 1's typeIndex and keyIndex had them; layout 2 has no
/// dup-sorted database, so this should be 0). Used pages minus free pages minus every main tree is
/// what such sub-databases take.
struct EnvironmentPages: Codable {
    var pageSize: Int
    var usedPages: Int
    var freePages: Int
    var freelistPages: Int

    static func read(_ directory: String) -> EnvironmentPages? {
        let candidates = ["/usr/bin/mdb_stat", "/usr/local/bin/mdb_stat"]
        guard let tool = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else { return nil }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: tool)
        p.arguments = ["-ef", directory]
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = FileHandle.nullDevice
        do { try p.run() } catch { return nil }
        let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        var values: [String: Int] = [:]
        var section = ""
        for line in text.split(separator: "\n") {
            if !line.hasPrefix(" ") { section = String(line); continue }
            let parts = line.split(separator: ":", maxSplits: 1)
            guard parts.count == 2, let v = Int(parts[1].trimmingCharacters(in: .whitespaces)) else { continue }
            values[section + "/" + parts[0].trimmingCharacters(in: .whitespaces)] = v
        }
        guard let size = values["Environment Info/Page size"], let used = values["Environment Info/Number of pages used"],
              let free = values["Freelist Status/Free pages"] else { return nil }
        let freelist = (values["Freelist Status/Branch pages"] ?? 0) + (values["Freelist Status/Leaf pages"] ?? 0)
            + (values["Freelist Status/Overflow pages"] ?? 0)
        return EnvironmentPages(pageSize: size, usedPages: used, freePages: free, freelistPages: freelist)
    }
}

struct Report: Codable {
    var machine: [String: String]
    var events: Int
    var perCommit: Int
    var inFlight: Int
    var streams: Int
    var commandIds: Bool
    var meanPayloadBytes: Double
    var figures: [Figure]
    var commitLatencyMs: [String: Double]
    var fileBytes: Int
    var fileBytesPerEvent: Double
    var databases: [DatabaseBytes]
    var environment: EnvironmentPages?
    var writerStats: [String: Int]
    var verifyIntact: Bool
    /// 4 KiB pwrite + fdatasync latency (µs) before and after the appends, on the log's disk.
    var fsyncProbes: [String: [String: Double]]
    /// CPU cost of building the requests (not part of the append figure), µs per event.
    var requestBuildMicrosPerEvent: Double
}

func log(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}

func percentile(_ sorted: [Double], _ p: Double) -> Double {
    guard !sorted.isEmpty else { return 0 }
    let i = min(sorted.count - 1, max(0, Int((p / 100 * Double(sorted.count)).rounded(.up)) - 1))
    return sorted[i]
}

/// One full scan in place, reading the fields a projector reads; returns how many events it saw.
func inPlacePass(_ logHandle: EventLog, _ checksum: inout Int, through: UInt64? = nil) throws -> Int {
    var count = 0
    var sum = checksum
    try logHandle.scanInPlace(from: 1, through: through) { view in
        count += 1
        sum &+= view.payload.count &+ view.stream.count &+ view.type.count &+ view.tagCount &+ Int(view.version)
        return true
    }
    checksum = sum
    return count
}

/// `--scan-only`: the in-place and raw scans of a log that exists already, each pass reported.
func scanOnly(_ directory: String, passes: Int, hot: Int?) throws {
    let logHandle = try openBenchLog(directory)
    defer { logHandle.close() }
    let events = Int(logHandle.lastPosition)
    log("LogBench --scan-only: \(grouped(Double(events))) events in \(directory); \(Machine.cores) cores, load \(Machine.loadText)")
    // Each pass scans `range` events `rounds` times: the whole log once, or the hot range over and over.
    let range = min(hot ?? events, events)
    let rounds = max(1, events / max(range, 1))
    let clock = ContinuousClock()
    func time(_ name: String, _ scan: () throws -> Int) throws {
        let label = hot == nil ? name : "\(name), first \(grouped(Double(range))) × \(rounds)"
        for pass in 1...passes {
            let cpu0 = processCPUSeconds()
            let start = clock.now
            var count = 0
            for _ in 0..<rounds { count += try scan() }
            let t = start.duration(to: clock.now).seconds
            guard count == range * rounds else { throw UsageError("\(name) saw \(count) events, expected \(range * rounds)") }
            print("\(label) pass \(pass): \(grouped(Double(count) / t)) events/s, "
                + "\(grouped(Double(count) / (processCPUSeconds() - cpu0))) events/CPU-s (load \(Machine.loadText))")
        }
    }
    var checksum = 0
    try time("scanInPlace(from:)") { try inPlacePass(logHandle, &checksum, through: UInt64(range)) }
    try time("scanRecords(from:), raw") {
        var count = 0
        try logHandle.scanRecords(from: 1) { position, value in
            if position > UInt64(range) { return false }
            count += 1
            checksum &+= value.count
            return true
        }
        return count
    }
    log("  (checksum \(checksum % 1000))")
}

func run(_ args: Arguments) async throws {
    if let directory = args.scanOnly { return try scanOnly(directory, passes: args.scanPasses, hot: args.scanHot) }
    let scratch = try ScratchDirectory(base: args.base, prefix: "chronicle-logbench")
    defer { if !args.keep { scratch.remove() } }
    let machine: [String: String] = [
        "nproc": String(Machine.cores),
        "cpu": Machine.cpuModel,
        "memoryGiB": String(format: "%.1f", Machine.memoryGiB),
        "kernel": Machine.kernel,
        "storage": Machine.fileSystem(of: scratch.path),
        "directory": scratch.logPath,
        "loadAtStart": Machine.loadText,
    ]
    log("LogBench: \(grouped(Double(args.events))) events, \(args.perCommit) per commit, \(grouped(Double(args.streams))) streams")
    log("machine: \(Machine.cores) cores, \(Machine.cpuModel), \(machine["memoryGiB"]!) GiB; store on \(machine["storage"]!)")
    log("log: \(scratch.logPath); load \(Machine.loadText)")

    var figures: [Figure] = []
    let clock = ContinuousClock()
    var workload = Workload(streams: args.streams, seed: args.seed, withCommandIds: args.commandIds)

    func probe(_ label: String) -> [String: Double] {
        guard let p = fsyncProbe(directory: scratch.path) else { return [:] }
        log("  fsync probe \(label): 4 KiB pwrite+fdatasync p50 \(Int(p.p50)) µs, p90 \(Int(p.p90)) µs, p99 \(Int(p.p99)) µs, \(grouped(p.opsPerSecond)) ops/s (load \(Machine.loadText))")
        return ["p50": p.p50, "p90": p.p90, "p99": p.p99, "opsPerSecond": p.opsPerSecond]
    }
    var fsyncProbes: [String: [String: Double]] = [:]
    fsyncProbes["beforeAppends"] = probe("before appends")

    // What building the requests costs (excluded from the append figure; included in its CPU column).
    let buildMicros: Double = {
        var w = Workload(streams: args.streams, seed: args.seed &+ 1, withCommandIds: args.commandIds)
        let cpu0 = processCPUSeconds()
        var n = 0
        for _ in 0..<100 { n += w.request(events: 1_000).events.count }
        return (processCPUSeconds() - cpu0) / Double(n) * 1e6
    }()

    // 1. Durable appends.
    var logHandle = try openBenchLog(
        scratch.logPath, mapSize: args.mapGiB << 30, maxBatchItems: args.inFlight > 1 ? 1 : nil)
    var latencies: [Double] = []
    if args.inFlight > 1 {
        log("  \(args.inFlight) appends in flight, one append per commit")
        let appendCPU0 = processCPUSeconds()
        let (wall, perAppend) = try await populate(
            logHandle, workload, events: args.events, perCommit: args.perCommit, inFlight: args.inFlight)
        latencies = perAppend
        let batches = logHandle.writerStats.batches
        figures.append(Figure(
            name: "durable append, \(args.perCommit)/commit, all indexes, \(args.inFlight) in flight", events: args.events,
            seconds: wall.seconds, cpuSeconds: processCPUSeconds() - appendCPU0, load: Machine.loadAverage,
            note: "wall clock, request building included; \(batches) commits, \(grouped(Double(args.events) / Double(max(batches, 1)))) events each"))
        log("  appended \(grouped(Double(args.events))): \(grouped(Double(args.events) / wall.seconds)) events/s in \(batches) commits (load \(Machine.loadText))")
    } else {
        latencies.reserveCapacity(args.events / args.perCommit + 1)
        let step = max(args.perCommit, (args.events / 10) / args.perCommit * args.perCommit)
        var lastMark = (done: 0, spent: Duration.zero)
        let wallStart = clock.now
        let appendCPU0 = processCPUSeconds()
        var previousSpent = Duration.zero
        let appendTime = try await populate(logHandle, &workload, events: args.events, perCommit: args.perCommit) { done, spent in
            latencies.append((spent - previousSpent).seconds * 1000)
            previousSpent = spent
            if done - lastMark.done >= step || done == args.events {
                let rate = Double(done - lastMark.done) / (spent - lastMark.spent).seconds
                log("  appended \(grouped(Double(done))): \(grouped(rate)) events/s over the last \(grouped(Double(done - lastMark.done))) (load \(Machine.loadText))")
                lastMark = (done, spent)
            }
        }
        let wall = wallStart.duration(to: clock.now)
        let appendCPU = processCPUSeconds() - appendCPU0
        figures.append(Figure(
            name: "durable append, \(args.perCommit)/commit, all indexes", events: args.events, seconds: appendTime.seconds,
            cpuSeconds: appendCPU, load: Machine.loadAverage,
            note: "time inside append calls; with request building \(grouped(Double(args.events) / wall.seconds)) events/s; CPU includes building"))
    }
    latencies.sort()
    let latency: [String: Double] = [
        "p50": percentile(latencies, 50), "p90": percentile(latencies, 90), "p99": percentile(latencies, 99),
        "p99.9": percentile(latencies, 99.9), "max": latencies.last ?? 0,
    ]
    fsyncProbes["afterAppends"] = probe("after appends")
    let ws = logHandle.writerStats
    let writerStats = ["batches": ws.batches, "items": ws.items, "events": ws.events]

    // 2. Size.
    let fileBytes = logHandle.fileSize()
    let databases = try logHandle.databaseStats().map {
        DatabaseBytes(name: $0.name, entries: $0.entries, bytes: $0.bytes, bytesPerEvent: Double($0.bytes) / Double(args.events))
    }
    let environment = EnvironmentPages.read(scratch.logPath)

    // Reopen: what a restart costs at this size (loads keys, heads, command ids, the unflushed index tail).
    logHandle.close()
    let openStart = clock.now
    let openCPU0 = processCPUSeconds()
    logHandle = try openBenchLog(scratch.logPath, mapSize: args.mapGiB << 30)
    let openTime = openStart.duration(to: clock.now)
    figures.append(Figure(
        name: "reopen (load writer state)", events: args.events, seconds: openTime.seconds,
        cpuSeconds: processCPUSeconds() - openCPU0, load: Machine.loadAverage))
    let log2 = logHandle
    defer { log2.close() }

    // 3. Scans: each pass must see every event; `scan` returns how many it saw.
    func timeScans(_ name: String, note: String, _ scan: () throws -> Int) throws {
        for pass in 1...args.scanPasses {
            let cpu0 = processCPUSeconds()
            let start = clock.now
            let count = try scan()
            let t = start.duration(to: clock.now)
            guard count == args.events else { throw UsageError("\(name) saw \(count) events, expected \(args.events)") }
            figures.append(Figure(
                name: "\(name) pass \(pass)", events: count, seconds: t.seconds,
                cpuSeconds: processCPUSeconds() - cpu0, load: Machine.loadAverage, note: pass == 1 ? note : nil))
            log("  \(name) pass \(pass): \(grouped(Double(count) / t.seconds)) events/s (load \(Machine.loadText))")
        }
    }
    var checksum = 0
    try timeScans("scan(from:), envelopes decoded", note: "first pass after reopen (page cache warm from the appends)") {
        var count = 0
        try logHandle.scan(from: 1) { envelope, data in
            count += 1
            checksum &+= data.count &+ envelope.tags.count
            return true
        }
        return count
    }
    // The projectors' path: every envelope field decoded and bounds-checked in place (numbers as
    // values, strings and payload as byte ranges into the snapshot, nothing copied).
    try timeScans("scanInPlace(from:), envelopes decoded in place", note: "EventRecordView: fields as values and byte ranges, no copies") {
        try inPlacePass(logHandle, &checksum)
    }
    log("  (checksum \(checksum % 1000))")
    do {
        var count = 0
        var bytes = 0
        let cpu0 = processCPUSeconds()
        let start = clock.now
        try logHandle.scanRecords(from: 1) { _, value in
            count += 1
            bytes &+= value.count
            return true
        }
        let t = start.duration(to: clock.now)
        figures.append(Figure(
            name: "scanRecords(from:), raw records (reference)", events: count, seconds: t.seconds,
            cpuSeconds: processCPUSeconds() - cpu0, load: Machine.loadAverage,
            note: "cursor walk only: the floor under scan(from:); \(grouped(Double(bytes) / Double(max(count, 1)))) B/record"))
        log("  scanRecords: \(grouped(Double(count) / t.seconds)) events/s")
    }
    if args.readPages {
        var count = 0
        var next: UInt64? = 1
        let cpu0 = processCPUSeconds()
        let start = clock.now
        while let from = next {
            let page = try logHandle.read(from: from, limit: 1000)
            count += page.events.count
            next = page.next
        }
        let t = start.duration(to: clock.now)
        figures.append(Figure(
            name: "read(from:limit: 1000) pages, payloads copied", events: count, seconds: t.seconds,
            cpuSeconds: processCPUSeconds() - cpu0, load: Machine.loadAverage))
        log("  read pages: \(grouped(Double(count) / t.seconds)) events/s")
    }

    // 4. Verify.
    let verifyCPU0 = processCPUSeconds()
    let verifyStart = clock.now
    let report = try logHandle.verify()
    let verifyTime = verifyStart.duration(to: clock.now)
    figures.append(Figure(
        name: "verify()", events: Int(report.checked), seconds: verifyTime.seconds,
        cpuSeconds: processCPUSeconds() - verifyCPU0, load: Machine.loadAverage,
        note: report.isIntact ? "intact" : "BROKEN at \(report.firstBad!.position): \(report.firstBad!.reason)"))
    log("  verify: \(grouped(Double(report.checked) / verifyTime.seconds)) events/s, intact: \(report.isIntact)")

    let result = Report(
        machine: machine, events: args.events, perCommit: args.perCommit, inFlight: args.inFlight, streams: args.streams,
        commandIds: args.commandIds, meanPayloadBytes: workload.meanPayloadBytes, figures: figures,
        commitLatencyMs: latency, fileBytes: fileBytes, fileBytesPerEvent: Double(fileBytes) / Double(args.events),
        databases: databases, environment: environment, writerStats: writerStats, verifyIntact: report.isIntact,
        fsyncProbes: fsyncProbes, requestBuildMicrosPerEvent: buildMicros)

    let table = render(result)
    if args.json {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        log(table)
        print(String(decoding: try encoder.encode(result), as: UTF8.self))
    } else {
        print(table)
    }
}

func pad(_ s: String, _ n: Int, right: Bool = false) -> String {
    let c = s.count
    if c >= n { return s }
    let fill = String(repeating: " ", count: n - c)
    return right ? fill + s : s + fill
}

func render(_ r: Report) -> String {
    var out: [String] = []
    out.append("")
    out.append("Chronicle EventLog — \(grouped(Double(r.events))) events, \(r.perCommit) per commit, \(grouped(Double(r.streams))) streams, "
        + "2 tags, payload mean \(String(format: "%.0f", r.meanPayloadBytes)) B, command ids \(r.commandIds ? "on" : "off")")
    out.append("machine: nproc \(r.machine["nproc"]!), \(r.machine["cpu"]!), \(r.machine["memoryGiB"]!) GiB, kernel \(r.machine["kernel"]!)")
    out.append("store: \(r.machine["storage"]!); load at start \(r.machine["loadAtStart"]!)")
    out.append("")
    out.append(pad("what", 46) + pad("events", 12, right: true) + pad("seconds", 10, right: true) + pad("events/s", 14, right: true)
        + pad("CPU s", 9, right: true) + pad("events/CPU-s", 14, right: true) + "  load (1/5/15 min)")
    for f in r.figures {
        out.append(pad(f.name, 46) + pad(grouped(Double(f.events)), 12, right: true)
            + pad(String(format: "%.3f", f.seconds), 10, right: true) + pad(grouped(f.eventsPerSecond), 14, right: true)
            + pad(String(format: "%.3f", f.cpuSeconds), 9, right: true) + pad(grouped(f.eventsPerCPUSecond), 14, right: true)
            + "  " + f.load.map { String(format: "%.2f", $0) }.joined(separator: " ")
            + (f.note.map { "  (\($0))" } ?? ""))
    }
    out.append("")
    out.append("commit latency (ms, one append of \(r.perCommit) events): "
        + ["p50", "p90", "p99", "p99.9", "max"].map { "\($0) \(String(format: "%.2f", r.commitLatencyMs[$0]!))" }.joined(separator: ", "))
    for (label, key) in [("before", "beforeAppends"), ("after", "afterAppends")] {
        if let p = r.fsyncProbes[key], let p50 = p["p50"], let p99 = p["p99"], let ops = p["opsPerSecond"] {
            out.append("disk \(label) appends: 4 KiB pwrite+fdatasync p50 \(Int(p50)) µs, p99 \(Int(p99)) µs, \(grouped(ops)) ops/s"
                + " (quiet-machine reference: p50 84 µs, ~11,000 ops/s)")
        }
    }
    out.append(String(format: "request building (not timed, in the append CPU column): %.2f µs CPU per event", r.requestBuildMicrosPerEvent))
    out.append("writer: \(r.writerStats["batches"]!) batches, \(r.writerStats["items"]!) items, \(r.writerStats["events"]!) events")
    out.append("")
    out.append(pad("database", 14) + pad("entries", 14, right: true) + pad("bytes", 16, right: true) + pad("bytes/event", 13, right: true))
    var sum = 0
    for d in r.databases {
        sum += d.bytes
        out.append(pad(d.name, 14) + pad(grouped(Double(d.entries)), 14, right: true) + pad(grouped(Double(d.bytes)), 16, right: true)
            + pad(String(format: "%.1f", d.bytesPerEvent), 13, right: true))
    }
    out.append(pad("(sum of dbs)", 14) + pad("", 14) + pad(grouped(Double(sum)), 16, right: true)
        + pad(String(format: "%.1f", Double(sum) / Double(r.events)), 13, right: true) + "  (main B-trees only, as databaseStats() reports them)")
    if let e = r.environment {
        // Used = 2 meta pages + main DB (names) + the free list's own tree + free pages + every database.
        let free = (e.freePages + e.freelistPages) * e.pageSize
        let used = e.usedPages * e.pageSize
        let sub = used - free - sum - 3 * e.pageSize
        out.append(pad("dup subtrees", 14) + pad("", 14) + pad(grouped(Double(sub)), 16, right: true)
            + pad(String(format: "%.1f", Double(sub) / Double(r.events)), 13, right: true)
            + "  (pages outside every main tree, e.g. dup sub-databases: used − free − main trees, from mdb_stat -ef)")
        out.append(pad("in use", 14) + pad("", 14) + pad(grouped(Double(used - free)), 16, right: true)
            + pad(String(format: "%.1f", Double(used - free) / Double(r.events)), 13, right: true) + "  (live pages, indexes included)")
        out.append(pad("free pages", 14) + pad("", 14) + pad(grouped(Double(free)), 16, right: true)
            + pad(String(format: "%.1f", Double(free) / Double(r.events)), 13, right: true) + "  (LMDB free list, reused by later writes)")
    }
    out.append(pad("data.mdb", 14) + pad("", 14) + pad(grouped(Double(r.fileBytes)), 16, right: true)
        + pad(String(format: "%.1f", r.fileBytesPerEvent), 13, right: true) + "  (file size, free pages included)")
    out.append("verify: \(r.verifyIntact ? "intact" : "BROKEN")")
    return out.joined(separator: "\n")
}

do {
    let args = try Arguments(CommandLine.arguments)
    try await run(args)
} catch let e as UsageError {
    log("LogBench: \(e.description)\n\(Arguments.usage)")
    exit(2)
} catch {
    log("LogBench failed: \(error)")
    exit(1)
}
