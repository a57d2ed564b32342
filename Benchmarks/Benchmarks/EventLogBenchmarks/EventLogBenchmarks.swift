// The event log issue's benchmarks, for ordo-one/benchmark:
//
//   cd Benchmarks && swift package --disable-sandbox benchmark --target EventLogBenchmarks
//
// Every benchmark reports events per second twice:
// - `Throughput (# / s)`, scaled: one iteration is a fixed number of events (1 for the 1-per-commit
//   append, 1,000 for the other appends, the whole 1,000,000-event log for scan and verify) and the
//   scaling factor says so, so the throughput row reads events/s (rows marked `*` are per event);
// - the custom metric `events/s`, measured inside each iteration around the measured work only.
//
// Appends use the single-append-with-N-events form: one `append` call with N events is one
// durable commit (one write transaction, one fsync). N concurrent 1-event `append`s that the writer
// groups into one batch are not measured here.
//
// Stores live in a fresh directory under /tmp (the same virtio disk as /work on the reference
// machine, not tmpfs; override with CHRONICLE_BENCH_DIR) and are deleted in teardown. Each
// benchmark runs in its own process, so each sets up its own log.
import Benchmark
import BenchSupport
import EventLog
import Foundation
import Synchronization

/// What a benchmark's setup hands to its iterations.
final class Fixture: @unchecked Sendable {  // used by one benchmark process, one iteration at a time
    let scratch: ScratchDirectory
    let log: EventLog
    var workload: Workload
    let events: Int

    init(prefill: Int, seed: UInt64) async throws {
        scratch = try ScratchDirectory(prefix: "chronicle-benchmark")
        log = try openBenchLog(scratch.logPath)
        workload = Workload(seed: seed)
        events = prefill
        if prefill > 0 {
            _ = try await populate(log, &workload, events: prefill, perCommit: 1_000)
        }
        Fixture.current.withLock { $0 = self }
    }

    /// The fixture of this process's benchmark (each benchmark runs in its own process).
    static let current = Mutex<Fixture?>(nil)

    static func tearDown() {
        let f = current.withLock { f in
            defer { f = nil }
            return f
        }
        f?.close()
    }

    func close() {
        log.close()
        scratch.remove()
    }
}

let eventsPerSecond = BenchmarkMetric.custom("events/s", polarity: .prefersLarger, useScalingFactor: false)

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.throughput, .wallClock, .cpuTotal, .mallocCountTotal, .writeSyscalls, eventsPerSecond],
        warmupIterations: 1,
        maxDuration: .seconds(10),
        maxIterations: 100_000
    )

    // Durable appends on a log that already holds 200,000 events (so most of the 100,000 streams
    // exist, as in steady state). One iteration is 1 append of 1 event (scaling factor 1), or 1,000
    // events = 1000/N appends of N events each (scaling factor 1,000), so scaled throughput is events/s.
    for perCommit in [1, 10, 100, 1_000] {
        let eventsPerIteration = perCommit == 1 ? 1 : 1_000
        Benchmark(
            "append \(perCommit) events per commit (durable, all indexes, 100k streams)",
            configuration: .init(scalingFactor: perCommit == 1 ? .one : .kilo, maxDuration: .seconds(10))
        ) { benchmark, fixture in
            let commits = eventsPerIteration / perCommit
            // Build the requests outside the measured region.
            var requests: [AppendRequest] = []
            requests.reserveCapacity(commits)
            for _ in 0..<commits { requests.append(fixture.workload.request(events: perCommit)) }
            let clock = ContinuousClock()
            benchmark.startMeasurement()
            let start = clock.now
            for request in requests {
                do {
                    blackHole(try await fixture.log.append(request))
                } catch {
                    benchmark.error("append failed: \(error)")
                    return
                }
            }
            let elapsed = start.duration(to: clock.now)
            benchmark.stopMeasurement()
            benchmark.measurement(eventsPerSecond, Int(Double(eventsPerIteration) / elapsed.seconds))
        } setup: {
            try await Fixture(prefill: 200_000, seed: UInt64(perCommit))
        } teardown: {
            Fixture.tearDown()
        }
    }

    // Full-log scan through the public read API (`scan(from:)`, envelopes decoded, payload bytes
    // handed out) over a 1,000,000-event log. One iteration = the whole log.
    Benchmark(
        "scan whole log via scan(from:), 1M events, envelopes decoded",
        configuration: .init(scalingFactor: .mega, maxDuration: .seconds(10))
    ) { benchmark, fixture in
        let clock = ContinuousClock()
        var count = 0
        var bytes = 0
        let start = clock.now
        do {
            try fixture.log.scan(from: 1) { envelope, data in
                count += 1
                bytes &+= data.count &+ envelope.tags.count
                return true
            }
        } catch {
            benchmark.error("scan failed: \(error)")
            return
        }
        let elapsed = start.duration(to: clock.now)
        blackHole(bytes)
        if count != fixture.events { benchmark.error("scan saw \(count) events, expected \(fixture.events)") }
        benchmark.measurement(eventsPerSecond, Int(Double(count) / elapsed.seconds))
    } setup: {
        try await Fixture(prefill: 1_000_000, seed: 7)
    } teardown: {
        Fixture.tearDown()
    }

    // `verify()`: recompute the hash chain over the same shape of log.
    Benchmark(
        "verify whole log, 1M events",
        configuration: .init(scalingFactor: .mega, maxDuration: .seconds(10))
    ) { benchmark, fixture in
        let clock = ContinuousClock()
        let start = clock.now
        let report: VerifyReport
        do {
            report = try fixture.log.verify()
        } catch {
            benchmark.error("verify failed: \(error)")
            return
        }
        let elapsed = start.duration(to: clock.now)
        if !report.isIntact || report.checked != UInt64(fixture.events) {
            benchmark.error("verify: intact \(report.isIntact), checked \(report.checked)")
        }
        benchmark.measurement(eventsPerSecond, Int(Double(report.checked) / elapsed.seconds))
    } setup: {
        try await Fixture(prefill: 1_000_000, seed: 7)
    } teardown: {
        Fixture.tearDown()
    }
}
