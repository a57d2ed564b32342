import ArgumentParser
import EventLog
import Foundation
import ProjectionRuntime
import Views

/// A hidden helper for crash tests: projects the log into `<data>/views` in small batches and prints
/// `checkpoint <position>` after each committed batch, flushed at once, so a test can SIGKILL it at any
/// moment and check that a restart converges to exactly the views a clean rebuild gives.
struct ProjectTortureCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "project-torture", abstract: "Crash-test helper: project the log until killed.",
        shouldDisplay: false)

    @OptionGroup var data: DataOptions

    @Option(help: "Events per views transaction.") var batch = 5

    @Flag(help: "Build missing views fresh (a rebuild and swap) instead of catching up batch by batch.")
    var rebuild = false

    @Flag(help: "Exit once every view has applied the whole log.") var exitWhenCaughtUp = false

    func run() throws {
        let log = try data.directory.openLogReadOnly()
        defer { log.close() }
        let views = data.directory.views
        if !rebuild && !FileManager.default.fileExists(atPath: views + "/data.mdb") {
            try ProjectionEngine.createEmpty(directory: views, projections: ViewService.projections)
        }
        let engine = ViewService.engine(
            log: log, dataDirectory: data.directory.path,
            options: .init(batchSize: batch, rebuildWhenBehind: rebuild ? 0 : .max))
        defer { engine.close() }
        let out = FileHandle.standardOutput
        while true {
            let covered = try engine.applyPending(maxEvents: batch)
            let checkpoint = ViewService.projections.compactMap { engine.checkpoint(of: $0.name) }.min() ?? 0
            out.write(Data("checkpoint \(checkpoint)\n".utf8))
            if covered == 0 && checkpoint >= log.lastPosition {
                if exitWhenCaughtUp { return }
                Thread.sleep(forTimeInterval: 0.01)
            }
        }
    }
}
