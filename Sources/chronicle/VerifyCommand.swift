import ArgumentParser
import EventLog
import Foundation
import JSON

/// `chronicle verify [--digest FILE]`: recomputes the hash chain (CONTRACT §7).
struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check the event log's hash chain (and a kept digest); exit 0 only when intact.")

    @OptionGroup var data: DataOptions

    @Option(name: .long, help: "A digest kept earlier (`chronicle digest` output): proves the log up to it is unchanged.")
    var digest: String?

    @Flag(name: .long, help: "Print the report as JSON.")
    var json = false

    @Option(name: .long, help: "Threads checking ranges of the chain at once (1-64).")
    var threads = 2

    func validate() throws {
        guard (1...64).contains(threads) else { throw ValidationError("--threads must be between 1 and 64") }
    }

    func run() throws {
        let kept = try digest.map(Self.readDigest)
        let log = try data.directory.openLogForScan()
        defer { log.close() }
        var progress = Progress("verify", unit: "events")
        let started = Date()
        let report = try log.verify(digest: kept, threads: threads) { progress.update($0, of: log.lastPosition) }
        progress.finish()
        let seconds = Date().timeIntervalSince(started)
        // Only on an intact chain: a damaged record is the chain's report to make, not a read error.
        let sealing = report.isIntact ? try SealedFieldsCheck.scan(log) : nil
        if json {
            var fields = [
                "\"intact\":\(report.isIntact)", "\"checked\":\(report.checked)",
                "\"lastPosition\":\(report.lastPosition)", "\"hash\":\"\(report.lastHash.hex)\"",
            ]
            if let bad = report.firstBad {
                fields.append("\"firstBadPosition\":\(bad.position)")
                fields.append("\"reason\":\"\(bad.reason)\"")
            }
            if let sealing {
                fields.append("\"personalEvents\":\(sealing.checked)")
                fields.append("\"personalPlaintextEvents\":\(sealing.plaintext)")
                if let first = sealing.firstPlaintext { fields.append("\"firstPersonalPlaintextPosition\":\(first)") }
            }
            print("{" + fields.joined(separator: ",") + "}")
        } else if let bad = report.firstBad {
            print("BROKEN at position \(bad.position): \(bad.reason)")
            print("checked \(report.checked) events before it")
        } else {
            let rate = seconds > 0 ? Int(Double(report.checked) / seconds) : 0
            print("intact: \(report.checked) events, last position \(report.lastPosition), hash \(report.lastHash.hex)")
            if let kept { print("matches the kept digest at position \(kept.position)") }
            print("verified in \(String(format: "%.2f", seconds)) s (\(rate) events/s)")
            if let sealing { print(sealing.summary) }
        }
        if !report.isIntact { throw Exit.failure }
    }

    /// Reads exactly one digest: `POSITION HASH` on one line (the output of `chronicle digest`), or
    /// its JSON form `{"position":N,"hash":"…"}`. Anything else — another line, a word too many, a
    /// position written as a string — is refused: a proof must not be half-read.
    static func readDigest(_ path: String) throws -> Digest {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw CLIError("cannot read digest file \(path)")
        }
        let usage = "digest file \(path) must hold one digest: POSITION HASH (64 hex digits), or {\"position\":N,\"hash\":\"…\"}"
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.hasPrefix("{") {
            guard case .object(let o)? = try? JSONValue.parse(Array(trimmed.utf8)), o.count == 2,
                case .number(let n)? = o["position"], let position = n.uint64Value,
                case .string(let h)? = o["hash"], let hash = ChainHash(hex: h)
            else { throw CLIError(usage) }
            return Digest(position: position, hash: hash)
        }
        let words = trimmed.split(whereSeparator: { $0 == " " || $0 == "\t" })
        guard words.count == 2, !trimmed.contains("\n"), let position = UInt64(words[0]),
            let hash = ChainHash(hex: String(words[1]))
        else { throw CLIError(usage) }
        return Digest(position: position, hash: hash)
    }
}

/// `chronicle digest`: the current position and hash, for an auditor to keep.
struct DigestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "digest", abstract: "Print the log's last position and chain hash, to keep outside.")

    @OptionGroup var data: DataOptions

    @Flag(name: .long, help: "Print as JSON.")
    var json = false

    func run() throws {
        let log = try data.directory.openLogForScan()
        defer { log.close() }
        let d = try log.digest()
        if json {
            print("{\"position\":\(d.position),\"hash\":\"\(d.hash.hex)\"}")
        } else {
            print("\(d.position) \(d.hash.hex)")
        }
    }
}
