import EventLog
import Synchronization
import Foundation

/// A fresh directory for benchmark stores, removed by ``remove()``.
///
/// The default base is `/tmp`, which on the reference machine is the same disk (`/dev/vda`) as
/// `/work`, not a tmpfs: durable-append figures would be meaningless on a RAM-backed file system.
public struct ScratchDirectory: Sendable {
    public let path: String

    public init(base: String = ProcessInfo.processInfo.environment["CHRONICLE_BENCH_DIR"] ?? "/tmp", prefix: String = "chronicle-bench") throws {
        path = "\(base)/\(prefix)-\(getpid())-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    public var logPath: String { path + "/log" }

    public func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }
}

/// What the benchmark opens: a large map up front so that growth does not show in the figures.
public func openBenchLog(_ directory: String, mapSize: Int = 1 << 36, maxBatchItems: Int? = nil) throws -> EventLog {
    var options = EventLog.Options(mapSize: mapSize)
    if let maxBatchItems { options.maxBatchItems = maxBatchItems }
    return try EventLog.open(directory: directory, options: options)
}

/// Appends `events` events in appends of `perCommit` events each from `inFlight` concurrent tasks,
/// each waiting for its append to be durable before it builds and sends its next one. Requests are
/// taken in turn from one `workload`, so the events are those of a sequential run. Open the log with
/// `maxBatchItems: 1` to keep each commit to one request.
///
/// - Returns: the wall-clock time (request building included) and each append's latency in ms.
public func populate(
    _ log: EventLog, _ workload: Workload, events: Int, perCommit: Int, inFlight: Int
) async throws -> (wall: Duration, latenciesMs: [Double]) {
    let clock = ContinuousClock()
    final class Source: Sendable {
        let next: Mutex<(workload: Workload, left: Int)>
        init(_ w: Workload, _ n: Int) { next = Mutex((w, n)) }
    }
    let source = Source(workload, events)
    let start = clock.now
    let latencies = try await withThrowingTaskGroup(of: [Double].self) { group in
        for _ in 0..<inFlight {
            group.addTask {
                var mine: [Double] = []
                while let request = source.next.withLock({ s -> AppendRequest? in
                    guard s.left > 0 else { return nil }
                    let n = min(perCommit, s.left)
                    s.left -= n
                    return s.workload.request(events: n)
                }) {
                    let t0 = clock.now
                    _ = try await log.append(request)
                    mine.append(t0.duration(to: clock.now).seconds * 1000)
                }
                return mine
            }
        }
        var all: [Double] = []
        for try await part in group { all += part }
        return all
    }
    return (start.duration(to: clock.now), latencies)
}

/// Appends `events` events in appends of `perCommit` events each (the single-append-with-N-events
/// form: one `append` call per commit). Building the requests is not timed.
///
/// - Returns: the time spent inside `append` calls.
public func populate(
    _ log: EventLog, _ workload: inout Workload, events: Int, perCommit: Int,
    progress: ((_ done: Int, _ appendTime: Duration) -> Void)? = nil
) async throws -> Duration {
    let clock = ContinuousClock()
    var spent = Duration.zero
    var done = 0
    while done < events {
        let n = min(perCommit, events - done)
        let request = workload.request(events: n)
        let start = clock.now
        _ = try await log.append(request)
        spent += start.duration(to: clock.now)
        done += n
        progress?(done, spent)
    }
    return spent
}

extension Duration {
    public var seconds: Double {
        let c = components
        return Double(c.seconds) + Double(c.attoseconds) / 1e18
    }
}

/// The disk's durable-write latency right now: `count` overwrites of 4 KiB followed by `fdatasync`,
/// in a scratch file under `directory` (the DESIGN's reference figure on a quiet machine: p50 84 µs,
/// ~11,000 ops/s). LMDB's commit waits for two of these, so it bounds small commits.
public func fsyncProbe(directory: String, count: Int = 200) -> (p50: Double, p90: Double, p99: Double, opsPerSecond: Double)? {
    let path = directory + "/fsync-probe-\(getpid())"
    let fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0o644)
    guard fd >= 0 else { return nil }
    defer {
        close(fd)
        unlink(path)
    }
    guard ftruncate(fd, 1 << 20) == 0 else { return nil }
    var page = [UInt8](repeating: 0, count: 4096)
    for i in page.indices { page[i] = UInt8(truncatingIfNeeded: i &* 31 &+ 7) }
    let clock = ContinuousClock()
    var micros: [Double] = []
    micros.reserveCapacity(count)
    let start = clock.now
    for i in 0..<count {
        let t = clock.now
        let written = page.withUnsafeBytes { pwrite(fd, $0.baseAddress, 4096, off_t((i % 256) * 4096)) }
        guard written == 4096, fdatasync(fd) == 0 else { return nil }
        micros.append(t.duration(to: clock.now).seconds * 1e6)
    }
    let total = start.duration(to: clock.now).seconds
    micros.sort()
    func p(_ q: Double) -> Double { micros[min(micros.count - 1, Int(q * Double(micros.count)))] }
    return (p(0.5), p(0.9), p(0.99), Double(count) / total)
}

/// CPU time (user + system, all threads) this process has used so far, in seconds.
public func processCPUSeconds() -> Double {
    var ru = rusage()
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &ru)
    return Double(ru.ru_utime.tv_sec) + Double(ru.ru_utime.tv_usec) / 1e6
        + Double(ru.ru_stime.tv_sec) + Double(ru.ru_stime.tv_usec) / 1e6
}

/// Facts about the machine that go with every figure.
public enum Machine {
    public static var cores: Int { ProcessInfo.processInfo.activeProcessorCount }

    public static var cpuModel: String {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return "unknown" }
        for line in text.split(separator: "\n") where line.hasPrefix("model name") {
            if let colon = line.firstIndex(of: ":") {
                return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
        }
        return "unknown"
    }

    /// The 1, 5 and 15 minute load averages.
    public static var loadAverage: [Double] {
        guard let text = try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8) else { return [] }
        return text.split(separator: " ").prefix(3).compactMap { Double($0) }
    }

    public static var loadText: String {
        loadAverage.map { String(format: "%.2f", $0) }.joined(separator: " ")
    }

    public static var memoryGiB: Double {
        Double(ProcessInfo.processInfo.physicalMemory) / Double(1 << 30)
    }

    /// The mounted device and file-system type holding `path` (longest mount-point prefix).
    public static func fileSystem(of path: String) -> String {
        guard let text = try? String(contentsOfFile: "/proc/mounts", encoding: .utf8) else { return "unknown" }
        let resolved = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
        var best: (mount: String, desc: String) = ("", "unknown")
        for line in text.split(separator: "\n") {
            let f = line.split(separator: " ")
            guard f.count >= 3 else { continue }
            let mount = String(f[1])
            let prefix = mount == "/" ? "/" : mount + "/"
            if (resolved == mount || resolved.hasPrefix(prefix)) && mount.count > best.mount.count {
                best = (mount, "\(f[0]) (\(f[2])) on \(mount)")
            }
        }
        return best.desc
    }

    public static var kernel: String {
        (try? String(contentsOfFile: "/proc/sys/kernel/osrelease", encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines) ?? "unknown"
    }
}

/// Formats 1234567.8 as "1,234,568".
public func grouped(_ value: Double) -> String {
    let n = Int(value.rounded())
    let digits = Array(String(abs(n)))
    var out = ""
    for (i, d) in digits.enumerated() {
        if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
        out.append(d)
    }
    return n < 0 ? "-" + out : out
}
