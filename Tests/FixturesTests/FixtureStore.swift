import CommandProcessing
import Domain
import EventLog
import Foundation

final class TemporaryDirectory: Sendable {
    let path: String

    init() {
        path = NSTemporaryDirectory() + "chronicle-fixtures-" + UUID().uuidString
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}

/// A clock stopped at 2026-06-01: every scenario and the demo year lie before it, so explicit `at`
/// times are never "in the future", whatever day the tests run.
struct StoppedClock: LogClock {
    func nowMilliseconds() -> Int64 { Timestamp(iso8601: "2026-06-01T00:00:00Z")!.milliseconds }
}

/// A real processor on a real log (LMDB) in a temporary directory.
struct FixtureStore {
    let dir = TemporaryDirectory()
    let log: EventLog
    let processor: CommandProcessor

    init() throws {
        log = try EventLog.open(directory: dir.path + "/log", options: .init(mapSize: 1 << 28, clock: StoppedClock()))
        processor = try CommandProcessor(log: log)
    }

    func close() { log.close() }
}

/// The repository's `Fixtures/` directory, found from this file's path.
enum FixturePaths {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures")
    static let scenarios = root.appendingPathComponent("Scenarios")

    /// The scenario files' names, sorted.
    static func scenarioFiles() -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: scenarios.path)) ?? []
        return names.filter { $0.hasSuffix(".json") }.sorted()
    }
}
