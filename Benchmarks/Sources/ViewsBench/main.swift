// ViewsBench: rebuilding every view from an existing log, and replaying them as of a past point
// (the projection issue's rebuild figure and the analyst issue's as-of replay figure).
//
//   swift run -c release ViewsBench --log DATA/log [--until POSITION|half] [--runs 3] [--threads 2] [--each]
//
// Each run builds every view of `ViewService.projections` from position 1 through the end of the
// log (or `--until`) into a fresh views environment — reading the log, applying, sorting, encoding,
// writing in one transaction and syncing it: exactly what `chronicle replay` and a rebuild do — and
// prints events per second, CPU seconds and when each phase ended, with the machine and the load.
// Make the log with `chronicle demo --data DATA --scale 10` (10 M events). The query latency under a
// continuous writer and the views' lag behind it need the command processor and a live writer: they
// are measured by `chronicle bench-views` (see README.md).
import BenchSupport
import EventLog
import Foundation
import ProjectionRuntime
import Views

struct Arguments {
    var log = ""
    var until: String?
    var runs = 3
    var threads = 2
    var each = false
    var loaded = false
    var scratch = ProcessInfo.processInfo.environment["CHRONICLE_BENCH_DIR"] ?? "/tmp"

    static let usage = """
        usage: ViewsBench --log DIR [--until POSITION|half] [--runs N] [--threads N] [--each] [--loaded] [--scratch BASE]
          --log DIR        an existing event log (a data directory's log/, e.g. after `chronicle demo --scale 10`)
          --until P        replay as of position P (`half`: the middle of the log); default: the whole log
          --runs N         builds to time, one after the other (default 3)
          --threads N      threads of each build (default 2)
          --each           also build each projection alone, on one thread
          --loaded         open the log as the server holds it, its key table loaded first (not timed);
                           by default it is opened as `chronicle replay` opens it, key names loaded
                           as the scan meets them
          --scratch BASE   where the views are built, then deleted (default /tmp; must not be tmpfs)
        """

    init(_ argv: [String]) throws {
        var args = ArgumentReader(argv)
        while let arg = args.next() {
            switch arg {
            case "--log": log = try args.value()
            case "--until": until = try args.value()
            case "--runs": runs = try args.positiveInt()
            case "--threads": threads = try args.positiveInt()
            case "--each": each = true
            case "--loaded": loaded = true
            case "--scratch": scratch = try args.value()
            case "--help", "-h":
                print(Self.usage)
                exit(0)
            default: throw UsageError("unknown argument \(arg)")
            }
        }
        guard !log.isEmpty else { throw UsageError("--log is required") }
    }
}

func main() throws {
    let args: Arguments
    do {
        args = try Arguments(CommandLine.arguments)
    } catch let e as UsageError {
        FileHandle.standardError.write(Data("ViewsBench: \(e.description)\n\(Arguments.usage)\n".utf8))
        exit(2)
    }
    guard FileManager.default.fileExists(atPath: args.log + "/data.mdb") else {
        FileHandle.standardError.write(Data("ViewsBench: no event log at \(args.log)\n".utf8))
        exit(2)
    }
    let opened = ContinuousClock.now
    let log = try EventLog.open(directory: args.log, options: args.loaded ? .init(readOnly: true) : .init(scanOnly: true))
    let openSeconds = (ContinuousClock.now - opened).seconds
    defer { log.close() }
    let last = log.lastPosition
    var point: ProjectionEngine.ReplayPoint?
    switch args.until {
    case nil: point = nil
    case "half": point = .position(last / 2)
    case let text?:
        guard let p = UInt64(text), p > 0 else {
            FileHandle.standardError.write(Data("ViewsBench: --until needs a position or `half`, got \(text)\n".utf8))
            exit(2)
        }
        point = .position(p)
    }
    print("machine: \(Machine.cores) cores, \(Machine.cpuModel), \(String(format: "%.0f", Machine.memoryGiB)) GiB, kernel \(Machine.kernel)")
    print("views built on \(Machine.fileSystem(of: args.scratch)); log \(args.log): \(grouped(Double(last))) events")
    print("log opened \(args.loaded ? "with its key table loaded, as the server holds it" : "for scanning, as `chronicle replay` opens it") in \(String(format: "%.2f", openSeconds)) s (not timed below)")
    let projections = ViewService.projections
    let what = point.map { if case .position(let p) = $0 { "as of position \(grouped(Double(p)))" } else { "" } } ?? "all of it"

    func build(_ projections: [Projection], threads: Int) throws -> (through: UInt64, seconds: Double, cpu: Double, phases: RebuildPhases?) {
        let scratch = try ScratchDirectory(base: args.scratch, prefix: "chronicle-views")
        defer { scratch.remove() }
        let dir = scratch.path + "/views"
        let cpu = processCPUSeconds()
        let clock = ContinuousClock()
        let start = clock.now
        var phases: RebuildPhases?
        let through = try ProjectionEngine.replay(
            log: log, projections: projections, until: point, into: dir, parallelism: threads, phases: { phases = $0 })
        return (through, (clock.now - start).seconds, processCPUSeconds() - cpu, phases)
    }

    var rates: [Double] = []
    for run in 1...args.runs {
        let load = Machine.loadText
        let r = try build(projections, threads: args.threads)
        let rate = Double(r.through) / r.seconds
        rates.append(rate)
        print(
            "run \(run): every view, \(what), \(args.threads) threads: \(grouped(Double(r.through))) events in "
                + "\(String(format: "%.2f", r.seconds)) s = \(grouped(rate)) events/s (CPU \(String(format: "%.2f", r.cpu)) s; load before \(load))")
        if let phases = r.phases { print("  phases: \(phases)") }
    }
    rates.sort()
    print("events/s over \(rates.count) runs: min \(grouped(rates.first!)), median \(grouped(rates[rates.count / 2])), max \(grouped(rates.last!))")
    if args.each {
        for p in projections {
            let r = try build([p], threads: 1)
            print("  \(p.name) alone: \(String(format: "%.2f", r.seconds)) s = \(grouped(Double(r.through) / r.seconds)) events/s (CPU \(String(format: "%.2f", r.cpu)) s)")
        }
    }
}

try main()
