import CommandProcessing
import DemoCompany
import Domain
import EventLog
import Foundation
import Glibc
import JSON
import ProjectionRuntime
import Testing
import Views

/// A child `chronicle project-torture` process, SIGKILLed at random moments while it projects.
@Suite(.serialized) struct CrashTests {
    static var chronicle: String {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("chronicle").path
    }

    /// A log of a few thousand events from the random generator, written in batches of commands.
    static func populate(_ path: String, seed: UInt64, commands: Int) async throws -> CompanyState {
        let clock = ManualClock()
        let log = try EventLog.open(directory: path + "/log", options: .init(mapSize: 1 << 28, clock: clock))
        defer { log.close() }
        let processor = try CommandProcessor(log: log)
        _ = try await processor.executeBatch(RandomHistory.setup().map { CommandRequest(type: $0.1, data: .object($0.2), actorId: $0.0) })
        var generator = RandomHistory(seed: seed)
        var done = 0
        while done < commands {
            clock.advance(minutes: Int.random(in: 1...300, using: &generator.rng))
            let state = try await processor.snapshot()
            var batch: [CommandRequest] = []
            for _ in 0..<20 {
                let (actor, type, data) = generator.next(state)
                batch.append(CommandRequest(type: type, data: .object(data), actorId: actor))
            }
            _ = try await processor.executeBatch(batch)
            done += batch.count
        }
        return try await processor.snapshot()
    }

    /// Starts the helper; returns it and a reader of its output lines.
    static func spawn(_ arguments: [String]) throws -> (Process, Pipe) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: chronicle)
        p.arguments = ["project-torture"] + arguments
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        return (p, out)
    }

    /// Reads until `lines` checkpoint lines arrived (or the output ended).
    static func waitForLines(_ pipe: Pipe, _ lines: Int) -> Int {
        var seen = 0
        while seen < lines {
            let chunk = pipe.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            seen += chunk.reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
        }
        return seen
    }

    static func kill(_ p: Process) {
        Glibc.kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
    }

    /// The views in `views` answer exactly like a fresh replay of the log up to their checkpoint.
    static func expectConsistent(_ log: EventLog, views: String, queries: QuerySet, label: String) async throws {
        guard FileManager.default.fileExists(atPath: views + "/data.mdb") else { return }
        let projections = ViewService.projections
        let store = try ViewStore.open(directory: views, projections: projections, readOnly: true)
        defer { store.close() }
        let checkpoints = try store.checkpoints(projections.map(\.name)).values.map(\.position)
        guard let checkpoint = checkpoints.min(), checkpoint == checkpoints.max() else {
            Issue.record("\(label): projections at different checkpoints \(checkpoints)")
            return
        }
        let scratch = TemporaryDirectory()
        try ProjectionEngine.replay(log: log, projections: projections, until: .position(checkpoint), into: scratch.path + "/v")
        let replayed = try ViewStore.open(directory: scratch.path + "/v", projections: projections, readOnly: true)
        defer { replayed.close() }
        let a = try await queries.answers(ViewService(source: StaticViewSource(log: log, store: store)))
        let b = try await queries.answers(ViewService(source: StaticViewSource(log: log, store: replayed)))
        expectSame(a, b, "\(label) at checkpoint \(checkpoint)")
    }

    @Test func aProjectorKilledMidBatchRestartsAndConverges() async throws {
        guard FileManager.default.isExecutableFile(atPath: Self.chronicle) else {
            Issue.record("build the chronicle executable first (\(Self.chronicle))")
            return
        }
        let dir = TemporaryDirectory()
        let state = try await Self.populate(dir.path, seed: 5, commands: 1200)
        let log = try EventLog.open(directory: dir.path + "/log", options: .init(readOnly: true))
        defer { log.close() }
        let queries = QuerySet(state, start: 0, end: log.lastPosition > 0 ? Int64(Date().timeIntervalSince1970 * 1000) : 0)
        var rng = SplitMix64(seed: 99)
        for round in 0..<5 {
            let (p, out) = try Self.spawn(["--data", dir.path, "--batch", "3"])
            let seen = Self.waitForLines(out, Int.random(in: 3...120, using: &rng))
            Self.kill(p)
            #expect(seen > 0, "round \(round): the helper printed nothing")
            try await Self.expectConsistent(log, views: dir.path + "/views", queries: queries, label: "after kill \(round)")
        }
        let (p, out) = try Self.spawn(["--data", dir.path, "--batch", "50", "--exit-when-caught-up"])
        _ = Self.waitForLines(out, .max)
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
        try await Self.expectConsistent(log, views: dir.path + "/views", queries: queries, label: "caught up")
        let store = try ViewStore.open(directory: dir.path + "/views", projections: ViewService.projections, readOnly: true)
        #expect(try store.checkpoints(ViewService.projections.map(\.name)).values.allSatisfy { $0.position == log.lastPosition })
        store.close()
    }

    @Test func aProjectorKilledDuringARebuildRestartsAndConverges() async throws {
        guard FileManager.default.isExecutableFile(atPath: Self.chronicle) else {
            Issue.record("build the chronicle executable first (\(Self.chronicle))")
            return
        }
        let dir = TemporaryDirectory()
        let state = try await Self.populate(dir.path, seed: 8, commands: 800)
        let log = try EventLog.open(directory: dir.path + "/log", options: .init(readOnly: true))
        defer { log.close() }
        let queries = QuerySet(state, start: 0, end: Int64(Date().timeIntervalSince1970 * 1000))
        for delay in [0.0, 0.02, 0.05, 0.1] {
            let (p, _) = try Self.spawn(["--data", dir.path, "--rebuild"])
            try await Task.sleep(for: .milliseconds(Int(delay * 1000)))
            Self.kill(p)
            try await Self.expectConsistent(log, views: dir.path + "/views", queries: queries, label: "rebuild killed after \(delay) s")
        }
        let (p, out) = try Self.spawn(["--data", dir.path, "--rebuild", "--exit-when-caught-up"])
        _ = Self.waitForLines(out, .max)
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
        try await Self.expectConsistent(log, views: dir.path + "/views", queries: queries, label: "rebuilt")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasPrefix("views.") }
        #expect(leftovers.isEmpty, "left behind: \(leftovers)")
    }
}
