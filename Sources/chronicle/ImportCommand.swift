import ArgumentParser
import CommandProcessing
import Domain
import EventLog
import Foundation

/// `chronicle import FILE`: runs NDJSON commands through the deciders, offline (CONTRACT §5).
struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Append commands from an NDJSON file (one {type,data,actor,at?,commandId?} per line) through the deciders.",
        discussion: "Takes the data directory's lock, so the server must be stopped. Exits 1 when any line was rejected.")

    @OptionGroup var data: DataOptions

    @Argument(help: "The NDJSON file ('-' for standard input).")
    var file: String

    @Option(help: "Commands per write transaction.")
    var batch = 2000

    @Option(help: "How many rejections to list.")
    var show = 20

    func run() async throws {
        let dir = data.directory
        let lock = try dir.lockForWriting()
        defer { lock.release() }
        var isDirectory: ObjCBool = false
        if file != "-", FileManager.default.fileExists(atPath: file, isDirectory: &isDirectory), isDirectory.boolValue {
            throw CLIError("\(file) is a directory; import reads an NDJSON file")
        }
        guard let handle = file == "-" ? FileHandle.standardInput : FileHandle(forReadingAtPath: file) else {
            throw CLIError("cannot open \(file)")
        }
        let total = file == "-" ? nil : (try? FileManager.default.attributesOfItem(atPath: file)[.size] as? UInt64) ?? nil
        let log = try EventLog.open(directory: dir.log)
        defer { log.close() }
        let processor = try CommandProcessor(log: log)
        defer { processor.keys.close() }
        var report = ImportReport(show: show)
        var progress = Progress("import", unit: "bytes")
        let started = Date()
        var pending: [(line: Int, request: CommandRequest)] = []
        var bytesRead: UInt64 = 0
        for try await (lineNumber, bytes, skipped) in NDJSONLines(handle: handle) {
            bytesRead += UInt64(bytes.count + skipped + 1)
            if skipped > 0 {
                report.reject(line: lineNumber, DomainError(
                    .frameTooLarge, "the line is longer than \(NDJSONLines.maxLine) bytes (as a request would be on the socket)"))
                continue
            }
            if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0d }) { continue }
            do {
                pending.append((lineNumber, try bytes.withUnsafeBytes { try ImportLine.parse($0) }))
            } catch let e as DomainError {
                report.reject(line: lineNumber, e)
            }
            if pending.count >= batch {
                try await flush(&pending, processor, &report)
                progress.update(bytesRead, of: total, extra: "accepted \(report.accepted) rejected \(report.rejected)")
            }
        }
        try await flush(&pending, processor, &report)
        progress.finish()
        let seconds = Date().timeIntervalSince(started)
        let again = report.alreadyIn > 0 ? " (\(report.alreadyIn) of them already in the log by commandId)" : ""
        print("accepted \(report.accepted)\(again), rejected \(report.rejected) in \(String(format: "%.1f", seconds)) s; log at position \(log.lastPosition)")
        for r in report.shown.sorted(by: { $0.line < $1.line }) { print("  line \(r.line): \(r.error.code.rawValue): \(r.error.message)") }
        if report.rejected > report.shown.count { print("  … and \(report.rejected - report.shown.count) more") }
        if report.rejected > 0 { throw Exit.failure }
    }

    private func flush(_ pending: inout [(line: Int, request: CommandRequest)], _ processor: CommandProcessor,
                       _ report: inout ImportReport) async throws {
        guard !pending.isEmpty else { return }
        let results: [Result<CommandReply, DomainError>]
        do {
            results = try await processor.executeBatch(pending.map(\.request))
        } catch {
            throw CLIError("import stopped at line \(pending[0].line): \(error) (lines before it are committed)")
        }
        for ((line, _), result) in zip(pending, results) {
            switch result {
            case .success(let reply):
                report.accepted += 1
                if reply.duplicate { report.alreadyIn += 1 }
            case .failure(let e): report.reject(line: line, e)
            }
        }
        pending.removeAll(keepingCapacity: true)
    }
}

struct ImportReport {
    let show: Int
    var accepted = 0
    /// Accepted lines whose commandId the log already held (an import run again): nothing appended.
    var alreadyIn = 0
    var rejected = 0
    var shown: [(line: Int, error: DomainError)] = []

    /// Keeps the first `show` rejections by line number (a batch's parse errors are known before
    /// the decider's answers for its earlier lines).
    mutating func reject(line: Int, _ error: DomainError) {
        rejected += 1
        guard show > 0 else { return }
        if shown.count < show {
            shown.append((line, error))
        } else if let last = shown.indices.max(by: { shown[$0].line < shown[$1].line }), shown[last].line > line {
            shown[last] = (line, error)
        }
    }
}

/// Lines of a file as byte arrays with their 1-based numbers, read in large chunks. A line longer
/// than ``maxLine`` is not kept: it comes out empty, with the number of bytes skipped.
struct NDJSONLines: AsyncSequence {
    typealias Element = (line: Int, bytes: [UInt8], skipped: Int)
    let handle: FileHandle

    /// The longest line kept: the socket API's request limit (1 MiB).
    static let maxLine = 1 << 20

    func makeAsyncIterator() -> Iterator { Iterator(handle: handle) }

    struct Iterator: AsyncIteratorProtocol {
        let handle: FileHandle
        var buffer: [UInt8] = []
        var start = 0
        /// Where the search for the next newline goes on (bytes before it hold none), so that a
        /// long line read in many chunks is searched once, not once per chunk.
        var searched = 0
        var lineNumber = 0
        var eof = false
        /// Bytes of the current line dropped because it is too long.
        var skipped = 0

        mutating func next() async throws -> Element? {
            while true {
                if let nl = buffer[Swift.max(start, searched)...].firstIndex(of: 0x0a) {
                    return take(upTo: nl, next: nl + 1)
                }
                searched = buffer.count
                if eof {
                    guard start < buffer.count || skipped > 0 else { return nil }
                    return take(upTo: buffer.count, next: buffer.count)
                }
                if buffer.count - start > NDJSONLines.maxLine {
                    // Too long to keep: count it and drop it, up to its newline.
                    skipped += buffer.count - start
                    start = buffer.count
                    searched = start
                }
                buffer.removeFirst(start)
                searched -= start
                start = 0
                let chunk: Data
                do {
                    chunk = try handle.read(upToCount: 1 << 20) ?? Data()
                } catch {
                    throw CLIError("cannot read line \(lineNumber + 1): \(error.localizedDescription)")
                }
                if chunk.isEmpty { eof = true } else { buffer.append(contentsOf: chunk) }
            }
        }

        /// The line from `start` to `end` (exclusive), the next one starting at `next`.
        private mutating func take(upTo end: Int, next: Int) -> Element {
            lineNumber += 1
            defer {
                start = next
                searched = next
                skipped = 0
            }
            if skipped > 0 || end - start > NDJSONLines.maxLine {
                return (lineNumber, [], skipped + end - start)
            }
            return (lineNumber, Array(buffer[start..<end]), 0)
        }
    }
}
