import ArgumentParser
import EventLog
import Foundation
import Glibc

/// `--data DIR` (default `./data`) and the layout under it (CONTRACT §6).
struct DataOptions: ParsableArguments {
    @Option(name: .long, help: "The data directory.")
    var data: String = "./data"

    var directory: DataDirectory { DataDirectory(path: data) }
}

struct DataDirectory {
    let path: String

    var log: String { path + "/log" }
    var views: String { path + "/views" }
    var keys: String { path + "/keys" }
    var lockFile: String { path + "/LOCK" }
    var socket: String { path + "/chronicle.sock" }

    var logExists: Bool { FileManager.default.fileExists(atPath: log + "/data.mdb") }

    /// Whether `path` (a file that may not exist yet) lies inside the store's own directories — the
    /// log, the keys or the views — where writing a file would destroy the store.
    func contains(_ path: String) -> Bool {
        func resolved(_ p: String) -> String {
            URL(fileURLWithPath: p).standardizedFileURL.resolvingSymlinksInPath().path
        }
        let target = resolved(path)
        return [log, keys, views].map(resolved).contains { target == $0 || target.hasPrefix($0 + "/") }
    }

    func create() throws {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    /// Takes the directory's writer lock (`flock`), released when the process exits however it exits.
    /// Throws a clear error when another process holds it.
    func lockForWriting() throws -> DirectoryLock {
        try create()
        let fd = open(lockFile, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw CLIError("cannot open \(lockFile): \(String(cString: strerror(errno)))") }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            close(fd)
            throw CLIError("another Chronicle process is writing to \(path) (its lock \(lockFile) is held); stop it first")
        }
        return DirectoryLock(fd: fd)
    }

    /// Whether a writer currently holds the lock.
    func isLocked() -> Bool {
        let fd = open(lockFile, O_RDWR | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 { return true }
        flock(fd, LOCK_UN)
        return false
    }

    /// Opens the log for reading beside a running writer.
    func openLogReadOnly() throws -> EventLog {
        guard logExists else { throw CLIError("no event log at \(log)") }
        return try EventLog.open(directory: log, options: .init(readOnly: true))
    }

    /// Opens the log for a scanning command (verify, digest, export, replay) beside a running writer,
    /// without loading the writer's state: opening is instant however long the log.
    func openLogForScan() throws -> EventLog {
        guard logExists else { throw CLIError("no event log at \(log)") }
        return try EventLog.open(directory: log, options: .init(scanOnly: true))
    }
}

/// A held `flock`; released on `release()` or process exit.
final class DirectoryLock {
    private var fd: Int32

    init(fd: Int32) { self.fd = fd }

    func release() {
        if fd >= 0 {
            flock(fd, LOCK_UN)
            close(fd)
            fd = -1
        }
    }

    deinit { release() }
}

/// A failure the CLI reports as one line on standard error, exiting 1.
struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ message: String) { description = message }
}

/// Progress on a terminal (standard error), silent otherwise: done/total with a bar, the rate since
/// the first update and, with a total, the time left at that rate.
struct Progress {
    let label: String
    let unit: String
    let enabled = isatty(STDERR_FILENO) == 1
    private var lastPrint = DispatchTime.now()
    /// The first update seen: the rate counts from there, so a run that starts mid-log (an export
    /// `--from`) is not credited with what it skipped.
    private var first: (done: UInt64, at: DispatchTime)?

    /// `unit` names what `done` counts in the rate ("events" gives "events/s").
    init(_ label: String, unit: String = "") {
        self.label = label
        self.unit = unit
    }

    mutating func update(_ done: UInt64, of total: UInt64? = nil, extra: String = "") {
        guard enabled else { return }
        let now = DispatchTime.now()
        guard let first else {
            first = (done, now)
            return
        }
        guard now.uptimeNanoseconds - lastPrint.uptimeNanoseconds > 200_000_000 else { return }
        lastPrint = now
        var line = "\r\(label): \(done)"
        if let total, total > 0 {
            let pct = Int(Double(done) / Double(total) * 100)
            let width = 30
            let filled = min(width, pct * width / 100)
            line += "/\(total) [" + String(repeating: "#", count: filled) + String(repeating: " ", count: width - filled) + "] \(pct)%"
        }
        let seconds = Double(now.uptimeNanoseconds - first.at.uptimeNanoseconds) / 1e9
        // Half a second of work before a rate: the first updates of a run are too few to go by.
        if done > first.done, seconds >= 0.5 {
            let rate = Double(done - first.done) / seconds
            line += unit.isEmpty ? " \(Int(rate))/s" : " \(Int(rate)) \(unit)/s"
            if let total, total > done { line += " ETA " + Self.duration(Double(total - done) / rate) }
        }
        if !extra.isEmpty { line += " " + extra }
        FileHandle.standardError.write(Data((line + "\u{1B}[K").utf8))
    }

    func finish() {
        guard enabled else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
    }

    /// `m:ss`, or `h:mm:ss` from an hour.
    static func duration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded(.up))
        let (h, m, r) = (s / 3600, s / 60 % 60, s % 60)
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return h > 0 ? "\(h):\(two(m)):\(two(r))" : "\(m):\(two(r))"
    }
}

func printError(_ message: String) {
    FileHandle.standardError.write(Data(("chronicle: " + message + "\n").utf8))
}
