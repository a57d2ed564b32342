import EventLog
import Foundation
import Testing

/// The `chronicle` executable built beside the test bundle.
func chronicleExecutable() throws -> String {
    var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    for _ in 0..<4 {
        let candidate = dir.appendingPathComponent("chronicle").path
        if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        dir = dir.deletingLastPathComponent()
    }
    let fallback = FileManager.default.currentDirectoryPath + "/.build/debug/chronicle"
    guard FileManager.default.isExecutableFile(atPath: fallback) else {
        throw CLIMissing()
    }
    return fallback
}

struct CLIMissing: Error {}

@Suite struct CrashTests {
    /// Starts `chronicle append-torture`, lets it append from 8 tasks, SIGKILLs it, and checks the store.
    func killRound(_ dir: TemporaryDirectory, round: Int, after ms: Int) throws -> [(id: String, first: UInt64, count: UInt64)] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try chronicleExecutable())
        // Runs of 64 positions: the key index is flushed to `keyRuns` all the time, so kills land in
        // the middle of flushes too.
        process.arguments = ["append-torture", "--data", dir.path, "--prefix", "r\(round)", "--index-run-shift", "6"]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        Thread.sleep(forTimeInterval: Double(ms) / 1000)
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        return output.split(separator: "\n").compactMap { line in
            let parts = line.split(separator: " ")
            // A line cut by the kill is incomplete: only whole lines were acknowledged.
            guard parts.count == 4, parts[0] == "ack", let p = UInt64(parts[2]), let n = UInt64(parts[3]) else { return nil }
            return (String(parts[1]), p, n)
        }
    }

    @Test func killedMidAppendLosesNothingAcknowledgedAndLeavesNoPartialEvent() async throws {
        let dir = TemporaryDirectory()
        var acknowledged: [(id: String, first: UInt64, count: UInt64)] = []
        for round in 0..<4 {
            acknowledged += try killRound(dir, round: round, after: 300 + round * 150)
        }
        #expect(acknowledged.count > 50, "the child appended before it was killed")
        let log = try EventLog.open(directory: dir.path + "/log", options: .init(mapSize: 1 << 26))
        defer { log.close() }
        let report = try log.verify()
        #expect(report.isIntact, "verify: \(String(describing: report.firstBad))")
        // Every acknowledged append is present at its reported positions, with its command id.
        for ack in acknowledged {
            for p in ack.first..<(ack.first + ack.count) {
                let e = try #require(try log.event(at: p))
                #expect(e.envelope.commandId == ack.id)
            }
        }
        // Gap-free and each command's events exactly once.
        var counts: [String: Int] = [:]
        var expected: UInt64 = 1
        try log.scan { envelope, _ in
            #expect(envelope.position == expected)
            expected += 1
            if let id = envelope.commandId { counts[id, default: 0] += 1 }
            return true
        }
        for ack in acknowledged { #expect(counts[ack.id] == Int(ack.count)) }
        // The key index (flushed runs, rebuilt memtables) answers exactly what the events say.
        var byStream: [String: [UInt64]] = [:]
        var byTag: [String: [UInt64]] = [:]
        try log.scan { envelope, _ in
            byStream[envelope.stream, default: []].append(envelope.position)
            for t in envelope.tags { byTag[t, default: []].append(envelope.position) }
            return true
        }
        #expect(expected > 128, "several index runs were sealed and flushed")
        for (stream, positions) in byStream {
            #expect(try log.readStream(stream, limit: 100_000).events.map(\.position) == positions, "\(stream)")
            #expect(try log.streamVersion(stream) == UInt64(positions.count))
        }
        for (tag, positions) in byTag {
            #expect(try log.read(from: 1, limit: 100_000, filter: EventFilter(tags: [tag])).events.map(\.position) == positions)
        }
        #expect(try log.read(from: 1, limit: 100_000, filter: EventFilter(types: ["Tortured"])).events.count == Int(expected - 1))
        // Resending acknowledged ids finds them; the log then keeps appending.
        for ack in acknowledged.prefix(20) {
            let r = try await log.append(AppendRequest(
                events: (0..<ack.count).map { _ in EventToAppend(stream: "x", type: "Retry", data: []) },
                actor: "torture", commandId: ack.id, fingerprint: ack.count))
            #expect(r.duplicate)
            #expect(r.events.first?.position == ack.first)
        }
    }
}
