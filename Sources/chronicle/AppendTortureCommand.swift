import ArgumentParser
import EventLog
import Foundation

/// A hidden helper for crash tests: appends forever from many tasks and prints one line per
/// acknowledged append (`ack <commandId> <firstPosition> <count>`), flushed at once, so a test can
/// SIGKILL it at any moment and check that every acknowledged append survived.
struct AppendTortureCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "append-torture", abstract: "Crash-test helper: append until killed.", shouldDisplay: false)

    @OptionGroup var data: DataOptions

    @Option(help: "Concurrent appenders.") var tasks = 8
    @Option(help: "Prefix for command ids (unique per run).") var prefix = "t"
    @Option(help: "log2 of the positions per key-index run, when this creates the log (small runs: flushes under kills).")
    var indexRunShift = 20

    func run() async throws {
        try data.directory.create()
        let log = try EventLog.open(directory: data.directory.log, options: .init(indexRunShift: indexRunShift))
        let out = FileHandle.standardOutput
        await withTaskGroup(of: Void.self) { group in
            for t in 0..<tasks {
                group.addTask {
                    var i = 0
                    while true {
                        i += 1
                        let id = "\(prefix)-\(t)-\(i)"
                        let n = 1 + i % 3
                        let events = (0..<n).map { k in
                            EventToAppend(
                                stream: "s-\((t * 31 + i + k) % 50)", type: "Tortured", tags: ["task:\(t)"],
                                data: Array("{\"i\":\(i),\"k\":\(k)}".utf8))
                        }
                        guard let r = try? await log.append(
                            AppendRequest(events: events, actor: "torture", commandId: id, fingerprint: UInt64(n)))
                        else { continue }
                        out.write(Data("ack \(id) \(r.events.first?.position ?? 0) \(r.events.count)\n".utf8))
                    }
                }
            }
        }
    }
}
