import ArgumentParser
import Domain
import EventLog
import Foundation
import JSON
import PersonalData
import ProjectionRuntime
import Views

/// `chronicle replay`: rebuilds views from the log, optionally as of a past point, into a fresh
/// directory that `chronicle query --views-dir DIR` reads (CONTRACT §5). Runs beside the server.
struct ReplayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Rebuild views as of a position or time into a fresh directory, for offline queries.")

    @OptionGroup var data: DataOptions

    @Option(help: "A position, or an ISO-8601 time: the views as they were then (default: now).")
    var until: String?

    @Option(help: "Comma-separated view names (default: every view).")
    var views: String?

    @Option(help: "The new views directory (must not hold views yet).")
    var out: String = "./views-replay"

    func validate() throws {
        if let until, UInt64(until) == nil, Timestamp(iso8601: until) == nil {
            throw ValidationError("--until must be a position or an ISO-8601 time")
        }
        if let views {
            let names = views.split(separator: ",").map(String.init)
            if names.isEmpty { throw ValidationError("--views names no view; views: \(ViewService.viewNames.joined(separator: ", "))") }
            for name in names where !ViewService.viewNames.contains(name) {
                throw ValidationError("unknown view \(name); views: \(ViewService.viewNames.joined(separator: ", "))")
            }
        }
    }

    func run() throws {
        // A new or empty directory only: never the store's own directories, nor anyone's files.
        if data.directory.contains(out) {
            throw CLIError("--out \(out) is inside the store's own directories (log, keys, views); name a new directory")
        }
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: out, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw CLIError("--out \(out) is a file; name a new directory") }
            let contents = (try? FileManager.default.contentsOfDirectory(atPath: out)) ?? []
            guard contents.isEmpty else {
                throw CLIError("--out \(out) is not empty\(contents.contains("data.mdb") ? " (it holds an LMDB environment)" : ""); name a new directory")
            }
        }
        let log = try data.directory.openLogForScan()
        defer { log.close() }
        let wanted = views.map { Set($0.split(separator: ",").map(String.init)) }
        let projections = ViewService.projections.filter { p in wanted.map { !$0.isDisjoint(with: p.views) } ?? true }
        let point: ProjectionEngine.ReplayPoint? = until.map { text in
            if let p = UInt64(text) { return .position(p) }
            return .time(Timestamp(iso8601: text)!.milliseconds)
        }
        let started = Date()
        var progress = Progress("replay", unit: "events")
        let through = try ProjectionEngine.replay(
            log: log, projections: projections, until: point, into: out,
            progress: { progress.update($0, of: $1) })
        progress.finish()
        let seconds = Date().timeIntervalSince(started)
        let rate = seconds > 0 ? Int(Double(through) / seconds) : 0
        print("replayed \(projections.flatMap(\.views).joined(separator: ", ")) through position \(through) into \(out) in \(String(format: "%.2f", seconds)) s (\(rate) events/s)")
        print("query it with: chronicle query VIEW key=value --views-dir \(out) --data \(data.data)")
    }
}

/// `chronicle query --views-dir DIR`: a query on replayed views, as admin (whoever can read the files
/// can read everything), with personal fields revealed by the keys.
enum OfflineQuery {
    static func run(view: String, params: JSONObject, viewsDir: String, data: DataDirectory) async throws {
        guard FileManager.default.fileExists(atPath: viewsDir + "/data.mdb") else {
            throw CLIError("\(viewsDir) holds no views (build it with chronicle replay --out \(viewsDir))")
        }
        let log = try data.openLogReadOnly()
        defer { log.close() }
        let store = try ViewStore.open(directory: viewsDir, projections: ViewService.projections, readOnly: true)
        defer { store.close() }
        // Views built from another store would answer with another company's data: every
        // checkpoint must name an event of this log by its chain hash.
        let checkpoints = try store.checkpoints(ViewService.projections.map(\.name))
        for (name, checkpoint) in checkpoints.sorted(by: { $0.key < $1.key })
        where !(try checkpoint.belongs(to: log, version: checkpoint.version)) {
            throw CLIError(
                "\(viewsDir) was not built from the log in \(data.path) (\(name) is at position \(checkpoint.position), "
                    + "which this log does not hold with that hash); replay it from this store")
        }
        let keys = try SubjectKeyStore(path: data.keys, readOnly: true)
        defer { keys.close() }
        let service = ViewService(source: StaticViewSource(log: log, store: store))
        do {
            let (position, result) = try await service.query(
                view: view, params: params, actor: .admin, minPosition: nil, timeout: .seconds(1))
            let reply: JSONValue = ["ok": true, "position": .number(JSONNumber(position)), "result": .object(keys.reveal(result))]
            print(reply.jsonString)
        } catch let e as DomainError {
            let reply: JSONValue = [
                "ok": false, "error": ["code": .string(e.code.rawValue), "message": .string(e.message), "details": .object(e.details)],
            ]
            print(reply.jsonString)
            throw Exit.failure
        }
    }
}
