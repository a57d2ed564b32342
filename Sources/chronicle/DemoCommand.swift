import ArgumentParser
import CommandProcessing
import DemoCompany
import Domain
import EventLog
import Foundation
import JSON

/// `chronicle demo`: loads the generated demo company into an empty store (or writes it as an
/// NDJSON import file), and writes its demo tokens.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Load the demo company (a year of generated history) into an empty store.",
        discussion: """
            The history is generated deterministically from --seed; --scale multiplies the company's size \
            (1 ≈ 1 M events, 10 ≈ 10 M). Takes the data directory's lock and refuses a log that is not empty. \
            Writes <data>/demo-tokens.json ({"<token>": "<employeeId>"}, the format of serve --tokens). \
            The tokens are derived from the seed: demo use only. \
            With --ndjson FILE, writes the history as an import file for `chronicle import` instead.
            """)

    @OptionGroup var data: DataOptions

    @Option(help: "The seed of the generated history.")
    var seed: UInt64 = DemoCompany.defaultSeed

    @Option(help: "The company's size: 1 is about 40 reps and 1 M events.")
    var scale: Double = 1.0

    @Option(help: "Commands per durable commit.")
    var batch = 4000

    @Option(help: "Write the history as an NDJSON import file ('-' for standard output) instead of loading it.")
    var ndjson: String?

    @Option(help: "Where to write the tokens file (default: <data>/demo-tokens.json).")
    var tokens: String?

    func validate() throws {
        guard scale > 0, scale <= 100 else { throw ValidationError("--scale must be in (0, 100]") }
        guard batch > 0 else { throw ValidationError("--batch must be positive") }
    }

    func run() async throws {
        if let ndjson {
            try writeNDJSON(to: ndjson)
            return
        }
        let dir = data.directory
        let lock = try dir.lockForWriting()
        defer { lock.release() }
        let log = try EventLog.open(directory: dir.log)
        defer { log.close() }
        guard log.lastPosition == 0 else {
            throw CLIError(
                "the log in \(dir.path) already holds \(log.lastPosition) events; the demo loads into an empty store")
        }
        let processor = try CommandProcessor(log: log)
        defer { processor.keys.close() }
        var progress = Progress("demo", unit: "‰")
        let started = Date()
        let report = try await DemoCompany.load(into: processor, seed: seed, scale: scale, batchSize: batch) { p in
            progress.update(
                UInt64(p.yearFraction * 1000), of: 1000, extra: "commands \(p.commands) events \(p.position)")
        }
        progress.finish()
        let seconds = Date().timeIntervalSince(started)

        let all = DemoCompany.tokens(seed: seed, scale: scale)
        let tokensPath = tokens ?? dir.path + "/demo-tokens.json"
        try Data(DemoCompany.tokensFile(all).utf8).write(to: URL(fileURLWithPath: tokensPath))

        let rate = seconds > 0 ? Int(Double(report.events) / seconds) : 0
        print("demo company (seed \(seed), scale \(scale)) loaded into \(dir.path)")
        let elapsed = String(format: "%.1f", seconds)
        print("accepted \(report.accepted), rejected \(report.rejected)", terminator: "; ")
        print("\(report.events) events in \(elapsed) s (\(rate) events/s)")
        let generating = Self.seconds(report.generating)
        let waiting = Self.seconds(report.waiting)
        print("  generating \(generating) s (overlapped with the processor), waiting for the processor \(waiting) s")
        for r in report.rejections {
            print("  command \(r.number) \(r.type): \(r.error.code.rawValue): \(r.error.message)")
        }
        if report.rejected > report.rejections.count {
            print("  … and \(report.rejected - report.rejections.count) more")
        }
        print("tokens for all \(all.count) accounts in \(tokensPath) (demo only: derived from the seed). A few:")
        printTable(Self.sample(all))
        if report.rejected > 0 { throw Exit.failure }
    }

    static func seconds(_ d: Duration) -> String {
        String(format: "%.1f", Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18)
    }

    /// One account of each kind, so a newcomer can try every view and role.
    static func sample(_ all: [DemoToken]) -> [DemoToken] {
        var seen: Set<String> = []
        return all.filter { $0.active && seen.insert($0.title).inserted }
    }

    private func printTable(_ rows: [DemoToken]) {
        let width = rows.map(\.token.count).max() ?? 0
        let idWidth = rows.map(\.employeeId.count).max() ?? 0
        for r in rows {
            let token = r.token.padding(toLength: width, withPad: " ", startingAt: 0)
            let id = r.employeeId.padding(toLength: idWidth, withPad: " ", startingAt: 0)
            print("  \(token)  \(id)  \(r.roles.joined(separator: ",")) — \(r.title), \(r.name)")
        }
    }

    /// Writes `{"type","data","actor","at","commandId"}` per line, for `chronicle import`.
    private func writeNDJSON(to path: String) throws {
        let handle: FileHandle
        if path == "-" {
            handle = FileHandle.standardOutput
        } else {
            guard FileManager.default.createFile(atPath: path, contents: nil) else {
                throw CLIError("cannot create \(path)")
            }
            handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        }
        defer { if path != "-" { try? handle.close() } }
        var progress = Progress("demo", unit: "commands")
        var buffer: [UInt8] = []
        buffer.reserveCapacity(1 << 21)
        var count = 0
        var iterator = DemoCompany.generate(seed: seed, scale: scale).makeIterator()
        while let request = iterator.next() {
            var line = JSONObject()
            line.appendUnchecked(key: "type", value: .string(request.type))
            line.appendUnchecked(key: "data", value: request.data)
            line.appendUnchecked(key: "actor", value: .string(request.actorId))
            if let at = request.at { line.appendUnchecked(key: "at", value: .string(at.iso8601)) }
            if let id = request.commandId { line.appendUnchecked(key: "commandId", value: .string(id)) }
            JSONWriter.append(.object(line), into: &buffer)
            buffer.append(0x0a)
            count += 1
            if buffer.count >= 1 << 20 {
                try handle.write(contentsOf: buffer)
                buffer.removeAll(keepingCapacity: true)
                progress.update(UInt64(count))
            }
        }
        try handle.write(contentsOf: buffer)
        progress.finish()
        if let tokens {
            try Data(DemoCompany.tokensFile(DemoCompany.tokens(seed: seed, scale: scale)).utf8)
                .write(to: URL(fileURLWithPath: tokens))
        }
        if path != "-" {
            print("\(count) commands (about \(iterator.predictedEvents) events) written to \(path)")
            print("load them with `chronicle import \(path)`")
        }
    }
}
