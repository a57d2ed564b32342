import Foundation
import JSON
import Testing

/// The crash campaign: a real server under load from several pipelining connections, SIGKILLed at
/// a random moment, restarted on the same data directory, again and again. After every restart no
/// acknowledged command is lost or duplicated, positions are gap-free, every unacknowledged command
/// resent is found or appended once, and (offline) `verify` passes and every view equals a rebuild.
///
/// `CHRONICLE_CRASH_KILLS` sets the number of kills (3 here, 50 for `make crash`);
/// `CHRONICLE_CRASH_CHECK_EVERY` runs the offline checks every K kills instead of after each one;
/// `CHRONICLE_CRASH_SEED` replays the kill delays of an earlier run.
@Suite(.serialized) struct CrashCampaignTests {
    static let clients = 4
    static let window = 8

    static func setting(_ name: String, default value: Int) -> Int {
        ProcessInfo.processInfo.environment[name].flatMap { Int($0) } ?? value
    }

    @Test func noAcknowledgedCommandIsLostOrDuplicatedAcrossSigkills() throws {
        let kills = Self.setting("CHRONICLE_CRASH_KILLS", default: 3)
        let checkEvery = max(1, Self.setting("CHRONICLE_CRASH_CHECK_EVERY", default: 1))
        let seed = UInt64(Self.setting("CHRONICLE_CRASH_SEED", default: Int.random(in: 1...Int(Int32.max))))
        var rng = SplitMix64(seed: seed)
        print("crash campaign: \(kills) kills, seed \(seed)")

        let data = NSTemporaryDirectory() + "chronicle-crash-" + UUID().uuidString
        let ledger = CrashLedger()
        var campaign = CrashCampaign(data: data, ledger: ledger)

        var server = try ServerProcess(data: data)
        try campaign.setup(server)
        let started = Date()
        for kill in 1...kills {
            let load = LoadClient.start(Self.clients, port: server.port, ledger: ledger, window: Self.window)
            let delay = Int.random(in: 50...400, using: &rng)
            Thread.sleep(forTimeInterval: Double(delay) / 1000)
            server.kill()
            load.wait()

            server = try ServerProcess(data: data)
            var line = try campaign.afterRestart(server, label: "kill \(kill)")
            if kill % checkEvery == 0 || kill == kills {
                #expect(server.stop() == 0, "the server exits 0 after SIGTERM (kill \(kill))")
                line += ", " + campaign.checkOffline(label: "kill \(kill)")
                server = try ServerProcess(data: data)
            }
            print("kill \(kill) after \(delay) ms: \(line)")
        }
        _ = try campaign.afterRestart(server, label: "the end", resend: false)
        #expect(server.stop() == 0, "the server exits 0 after SIGTERM at the end")

        let totals = campaign.totals(kills: kills)
        print("last views-check: \(campaign.lastViewsCheck)")
        print(totals)
        let clean = campaign.isClean && ledger.rejections.isEmpty
        if clean { try? FileManager.default.removeItem(atPath: data) }
        print(
            "crash campaign: \(String(format: "%.1f", Date().timeIntervalSince(started))) s"
                + (clean ? "" : ", data kept in \(data)"))
        #expect(campaign.lost.isEmpty, "lost: \(campaign.lost.sorted().prefix(20))")
        #expect(campaign.duplicated.isEmpty, "duplicated: \(campaign.duplicated.sorted().prefix(20))")
        #expect(ledger.rejections.isEmpty, "rejected: \(ledger.rejections.prefix(20))")
        #expect(campaign.verifyFailures == 0 && campaign.viewsFailures == 0)
        #expect(ledger.acknowledgedUnderLoad > 0, "the load got commands acknowledged")
    }
}

/// The campaign's checks and running totals.
struct CrashCampaign {
    let data: String
    let ledger: CrashLedger
    private(set) var lost: Set<String> = []
    private(set) var duplicated: Set<String> = []
    private(set) var resent = 0
    private(set) var found = 0
    private(set) var appended = 0
    private(set) var offlineChecks = 0
    private(set) var verifyFailures = 0
    private(set) var viewsFailures = 0
    /// What the last `views-check` printed (its summary line).
    private(set) var lastViewsCheck = ""

    init(data: String, ledger: CrashLedger) {
        self.data = data
        self.ledger = ledger
    }

    /// What the orders and receipts of the workload refer to.
    func setup(_ server: ServerProcess) throws {
        let c = try server.connect()
        try c.hello()
        for command in CrashWorkload.setup {
            ledger.record(command)
            let reply = try c.call("command", command.fields)
            guard reply.ok, let events = LoggedEvent.of(reply: reply) else {
                throw TestFailure("setup \(command.type): \(reply)")
            }
            ledger.acknowledge(command.commandId, events: events, underLoad: false)
        }
    }

    /// Reads the whole log from the restarted server and checks it against the ledger, then resends
    /// every unacknowledged command. Returns a summary for the progress line.
    mutating func afterRestart(_ server: ServerProcess, label: String, resend: Bool = true) throws -> String {
        let c = try server.connect()
        try c.hello()
        let log = try Self.readLog(c)
        let byCommand = audit(log, label: label)
        guard resend else { return "log at \(log.count)" }
        var found = 0
        var appended = 0
        let pending = ledger.unacknowledged
        for command in pending {
            let reply = try c.call("command", command.fields)
            guard reply.ok, let events = LoggedEvent.of(reply: reply) else {
                Issue.record("\(label): resending \(command.commandId) (\(command.type)) failed: \(reply)")
                ledger.reject(command.commandId, code: reply.code ?? "unreadable reply")
                continue
            }
            let before = byCommand[command.commandId] ?? []
            if reply["duplicate"] == true {
                found += 1
                if events != before {
                    Issue.record("\(label): \(command.commandId) was found with \(events), the log has \(before)")
                }
            } else {
                appended += 1
                if !before.isEmpty { duplicated.insert(command.commandId) }
            }
            ledger.acknowledge(command.commandId, events: events, underLoad: false)
        }
        resent += pending.count
        self.found += found
        self.appended += appended
        return "log at \(log.count), acknowledged \(ledger.acknowledgedUnderLoad) so far, "
            + "resent \(pending.count) (found \(found), appended \(appended))"
    }

    /// Gap-free positions; every acknowledged command exactly at its reported events; every other
    /// command of the log with exactly its own events once; no event without a known commandId.
    /// Returns the log's events by commandId.
    mutating func audit(_ log: [(event: LoggedEvent, commandId: String?)], label: String) -> [String: [LoggedEvent]] {
        var byCommand: [String: [LoggedEvent]] = [:]
        for (i, entry) in log.enumerated() {
            if entry.event.position != UInt64(i + 1) {
                Issue.record("\(label): position \(entry.event.position) where \(i + 1) was expected")
                break
            }
            guard let id = entry.commandId, ledger.command(id) != nil else {
                Issue.record("\(label): event \(entry.event) has an unknown commandId \(entry.commandId ?? "null")")
                continue
            }
            byCommand[id, default: []].append(entry.event)
        }
        let acknowledged = ledger.acknowledged
        for (id, events) in acknowledged {
            let logged = byCommand[id] ?? []
            if logged == events { continue }
            if Set(events).isSubset(of: logged) {
                duplicated.insert(id)
            } else {
                lost.insert(id)
                Issue.record("\(label): \(id) was acknowledged with \(events), the log has \(logged)")
            }
        }
        for (id, logged) in byCommand where acknowledged[id] == nil {
            let expected = ledger.command(id)?.eventCount ?? 0
            let consecutive = zip(logged, logged.dropFirst()).allSatisfy { $1.position == $0.position + 1 }
            if logged.count != expected || !consecutive { duplicated.insert(id) }
        }
        return byCommand
    }

    /// With the server stopped: `chronicle verify` and `chronicle views-check` both exit 0.
    mutating func checkOffline(label: String) -> String {
        offlineChecks += 1
        var results: [String] = []
        for (name, arguments) in [("verify", ["verify"]), ("views", ["views-check"])] {
            let run = (try? runCLI(arguments + ["--data", data])) ?? (status: -1, output: "could not run")
            if name == "views" { lastViewsCheck = run.output }
            if run.status == 0 {
                results.append("\(name) ok")
            } else {
                if name == "verify" { verifyFailures += 1 } else { viewsFailures += 1 }
                results.append("\(name) FAILED")
                Issue.record("\(label): chronicle \(arguments[0]) exited \(run.status): \(run.output)")
            }
        }
        return results.joined(separator: ", ")
    }

    var isClean: Bool { lost.isEmpty && duplicated.isEmpty && verifyFailures == 0 && viewsFailures == 0 }

    func totals(kills: Int) -> String {
        func outcome(_ failures: Int) -> String { failures == 0 ? "ok" : "FAILED \(failures) of \(offlineChecks)" }
        return "crash campaign: kills \(kills), acknowledged \(ledger.acknowledgedUnderLoad), lost \(lost.count), "
            + "duplicated \(duplicated.count), resent \(resent) (found \(found), appended \(appended)), "
            + "verify \(outcome(verifyFailures)), views \(outcome(viewsFailures))"
    }

    /// Every event of the log, through `read` pages.
    static func readLog(_ c: TestClient) throws -> [(event: LoggedEvent, commandId: String?)] {
        var log: [(event: LoggedEvent, commandId: String?)] = []
        var from: UInt64 = 1
        while true {
            let page = try c.call("read", ["fromPosition": .number(JSONNumber(from)), "limit": 5000])
            guard page.ok, let events = page["events"]?.arrayValue else { throw TestFailure("read: \(page)") }
            for e in events {
                guard let event = LoggedEvent(e) else { throw TestFailure("read: an event without its place: \(e)") }
                // Every durable lead was sealed with a key that was durable before it (the key pool
                // makes keys ahead, fsync'd): after any kill, its contact reads back in plaintext.
                if event.type == "LeadCaptured", e["data"]?["contactName"] != "Ann" {
                    throw TestFailure("read: \(event) has contactName \(e["data"]?["contactName"] ?? .null) after a restart")
                }
                log.append((event, e["commandId"]?.stringValue))
            }
            guard let next = page["next"]?.numberText.flatMap({ UInt64($0) }) else { return log }
            from = next
        }
    }
}

/// A small seeded generator, so a campaign's kill delays can be replayed (`CHRONICLE_CRASH_SEED`).
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE5_E4B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
