import ArgumentParser
import EventLog
import Foundation
import Glibc
import ProjectionRuntime
import Views

/// A hidden helper for crash tests: with the server stopped, catches the served views up with the
/// log the way `serve` does at start, rebuilds every view from the log the way `replay` does, and
/// compares the two byte for byte. Exit 0 when they are equal, 1 naming the first difference.
struct ViewsCheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "views-check", abstract: "Crash-test helper: check the served views equal a rebuild from the log.",
        shouldDisplay: false)

    @OptionGroup var data: DataOptions

    func run() throws {
        let dir = data.directory
        // Catching up writes the views: only while no server holds them.
        let lock = try dir.lockForWriting()
        defer { lock.release() }
        let log = try dir.openLogForScan()
        defer { log.close() }
        let projections = ViewService.projections
        // The engine would rebuild views that do not belong to the log instead of catching them up,
        // hiding the very damage this check looks for: check them as the last server left them.
        let served = try servedCheckpoint(log)
        let caughtUp = try catchUp(log)
        guard caughtUp == log.lastPosition - served else {
            throw CLIError("the engine rebuilt the served views (at position \(served)) instead of catching them up")
        }

        let scratch = try Self.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let through = try ProjectionEngine.replay(log: log, projections: projections, into: scratch + "/views")

        let views = try ViewStore.open(directory: dir.views, projections: projections, readOnly: true)
        defer { views.close() }
        let rebuilt = try ViewStore.open(directory: scratch + "/views", projections: projections, readOnly: true)
        defer { rebuilt.close() }
        switch try views.compare(with: rebuilt, projections: projections) {
        case .equal(let databases, let entries):
            print(
                "views equal a rebuild through position \(through): \(projections.count) projections, "
                    + "\(databases) databases, \(entries) entries (served at position \(served), caught up \(caughtUp) events)"
            )
        case .different(let difference):
            print(
                "views differ from a rebuild through position \(through): \(difference.description(this: "served", other: "rebuilt"))"
            )
            throw Exit.failure
        }
    }

    /// The lowest checkpoint of the served views, after checking that every checkpoint belongs to
    /// the log (its event exists and has the hash it recorded).
    private func servedCheckpoint(_ log: EventLog) throws -> UInt64 {
        let path = data.directory.views
        guard FileManager.default.fileExists(atPath: path + "/data.mdb") else {
            throw CLIError("no served views in \(path) (start the server once)")
        }
        let store = try ViewStore.open(directory: path, projections: ViewService.projections, readOnly: true)
        defer { store.close() }
        let checkpoints = try store.checkpoints(ViewService.projections.map(\.name))
        var lowest = UInt64.max
        for projection in ViewService.projections {
            guard let checkpoint = checkpoints[projection.name] else {
                throw CLIError("the served views have no checkpoint for \(projection.name)")
            }
            guard try checkpoint.belongs(to: log, version: projection.version) else {
                throw CLIError(
                    "the served \(projection.name) checkpoint (position \(checkpoint.position)) does not belong to the log "
                        + "(at position \(log.lastPosition))")
            }
            lowest = min(lowest, checkpoint.position)
        }
        return lowest == .max ? 0 : lowest
    }

    /// Applies what the served views lack, batch by batch, with the engine `serve` runs (which also
    /// rebuilds them when they are missing or do not belong to this log). Returns positions applied.
    private func catchUp(_ log: EventLog) throws -> UInt64 {
        let engine = ViewService.engine(log: log, dataDirectory: data.directory.path)
        defer { engine.close() }
        var applied: UInt64 = 0
        while true {
            let covered = try engine.applyPending(maxEvents: engine.options.batchSize)
            applied += UInt64(covered)
            let checkpoint = ViewService.projections.compactMap { engine.checkpoint(of: $0.name) }.min() ?? 0
            if checkpoint >= log.lastPosition { return applied }
            if covered == 0 {
                throw CLIError("the views stopped at position \(checkpoint) of \(log.lastPosition)")
            }
        }
    }

    /// A new private directory under the system's temporary directory (`mkdtemp`).
    static func makeTemporaryDirectory() throws -> String {
        var template = Array((NSTemporaryDirectory() + "chronicle-views-check-XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else {
            throw CLIError("cannot create a temporary directory: \(String(cString: strerror(errno)))")
        }
        return String(cString: made)
    }
}
