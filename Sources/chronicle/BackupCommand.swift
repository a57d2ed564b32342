import ArgumentParser
import EventLog
import Foundation
import PersonalData
import ProjectionRuntime
import Views

/// `chronicle backup DEST`: a consistent, compacted hot copy while the server writes.
struct BackupCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Copy the log (and keys, and optionally views) to DEST as a consistent snapshot, while the server runs.")

    @OptionGroup var data: DataOptions

    @Argument(help: "The destination directory (must not exist or be empty).")
    var destination: String

    @Flag(name: .long, help: "Also copy the views (they can always be rebuilt from the log).")
    var views = false

    func run() throws {
        let fm = FileManager.default
        if let contents = try? fm.contentsOfDirectory(atPath: destination), !contents.isEmpty {
            throw CLIError("\(destination) is not empty; choose a new directory")
        }
        try fm.createDirectory(atPath: destination, withIntermediateDirectories: true)
        let log = try data.directory.openLogReadOnly()
        defer { log.close() }
        try log.backup(to: destination + "/log")
        let copied = try EventLog.open(directory: destination + "/log", options: .init(readOnly: true))
        let digest = try copied.digest()
        copied.close()
        // After the log: every key an event of the copied log needs was durable before that event.
        if fm.fileExists(atPath: data.directory.keys + "/data.mdb") {
            let keys = try SubjectKeyStore(path: data.directory.keys, readOnly: true)
            defer { keys.close() }
            try keys.copy(to: destination + "/keys")
        }
        if views, fm.fileExists(atPath: data.directory.views + "/data.mdb") {
            // A consistent snapshot through LMDB, as for the log: the server may be committing a
            // batch, and a file copy could catch half of it.
            do {
                let store = try ViewStore.open(
                    directory: data.directory.views, projections: ViewService.projections, readOnly: true)
                defer { store.close() }
                try store.env.copy(to: destination + "/views", compact: true)
            } catch let error as ProjectionError {
                print("views not copied (\(error)); the restored server builds them from the log")
            }
        }
        print("backed up \(digest.position) events to \(destination) (last hash \(digest.hash.hex))")
    }
}

/// `chronicle restore SRC`: puts a backup in place of an empty or stopped store, then verifies it.
struct RestoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore", abstract: "Restore a backup into the data directory (refuses a live or non-empty store).")

    @OptionGroup var data: DataOptions

    @Argument(help: "A directory written by `chronicle backup`.")
    var source: String

    func run() throws {
        let fm = FileManager.default
        guard fm.fileExists(atPath: source + "/log/data.mdb") else { throw CLIError("\(source) holds no backup (no log/data.mdb)") }
        let dir = data.directory
        let lock = try dir.lockForWriting()
        defer { lock.release() }
        if dir.logExists {
            throw CLIError("\(dir.path) already holds a log; restore only into an empty data directory")
        }
        // What this restore puts in place is taken away again if the copy does not verify: a
        // failed restore leaves the directory as empty as it found it.
        var placed: [String] = []
        func undo() { for path in placed { try? fm.removeItem(atPath: path) } }
        do {
            for (from, to) in [(source + "/log", dir.log), (source + "/keys", dir.keys), (source + "/views", dir.views)]
            where fm.fileExists(atPath: from) {
                placed.append(to)
                try copyTree(from, to: to)
            }
        } catch {
            undo()
            throw error
        }
        let report: VerifyReport
        do {
            let log = try EventLog.open(directory: dir.log, options: .init(readOnly: true))
            defer { log.close() }
            report = try log.verify()
        } catch {
            undo()
            throw CLIError("the restored log cannot be read (\(error)); nothing was restored")
        }
        guard report.isIntact else {
            undo()
            throw CLIError(
                "the backup's log is broken at position \(report.firstBad!.position): \(report.firstBad!.reason); nothing was restored")
        }
        print("restored \(report.checked) events into \(dir.path); chain intact (hash \(report.lastHash.hex))")
    }
}

/// Copies a directory's regular files (LMDB's data.mdb; lock.mdb is recreated by LMDB).
func copyTree(_ from: String, to: String) throws {
    let fm = FileManager.default
    try fm.createDirectory(atPath: to, withIntermediateDirectories: true)
    for name in try fm.contentsOfDirectory(atPath: from) where name != "lock.mdb" {
        let source = from + "/" + name
        var isDir: ObjCBool = false
        _ = fm.fileExists(atPath: source, isDirectory: &isDir)
        if isDir.boolValue {
            try copyTree(source, to: to + "/" + name)
        } else {
            if fm.fileExists(atPath: to + "/" + name) { try fm.removeItem(atPath: to + "/" + name) }
            try fm.copyItem(atPath: source, toPath: to + "/" + name)
        }
    }
}
