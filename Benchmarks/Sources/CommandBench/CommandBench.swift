import BenchSupport
import CommandProcessing
import Domain
import EventLog
import Foundation
import JSON

/// Durable throughput through the command processor: N concurrent submitters, each acting as one
/// sales rep with a mix shaped like the demo company (capture, claim, follow up, convert, place an
/// order, submit an expense), every command awaited until its commit is on disk.
///
///   swift run -c release CommandBench --submitters 64 --depth 32 --seconds 20 --dir /path/on/disk
///
/// `--depth D`: each submitter hands its next D commands to the processor together
/// (`executeBatch`), as the socket server does with the commands one connection pipelined; 1 (the
/// default) awaits each command before the next.
/// `--dir BASE`: the log is written to a fresh directory under BASE (default: the temporary
/// directory), which is deleted afterwards; BASE itself is never removed.
/// `--runs N`: N runs one after the other, each on a fresh log, then their rates' range, median and
/// mean — the figure the README quotes, since this machine's speed moves from one run to the next.
///
/// Besides the rate and the latencies it prints the CPU each command cost, by thread (``ThreadCPU``):
/// the writer's stager, encoder and committer, and the task pool that runs the submitters.
@main
struct CommandBench {
    static func main() async throws {
        var submitters = 64
        var depth = 1
        var seconds = 20.0
        var base = NSTemporaryDirectory()
        var runs = 1
        var args = CommandLine.arguments.dropFirst().makeIterator()
        while let a = args.next() {
            switch a {
            case "--submitters": submitters = Int(args.next() ?? "") ?? submitters
            case "--depth": depth = max(1, Int(args.next() ?? "") ?? depth)
            case "--seconds": seconds = Double(args.next() ?? "") ?? seconds
            case "--dir": base = args.next() ?? base
            case "--runs": runs = max(1, Int(args.next() ?? "") ?? runs)
            default:
                print("usage: CommandBench [--submitters N] [--depth D] [--seconds S] [--dir BASE] [--runs N]")
                return
            }
        }
        var rates: [Double] = []
        for run in 1...runs {
            if runs > 1 { print("run \(run) of \(runs)") }
            rates.append(try await measure(submitters: submitters, depth: depth, seconds: seconds, base: base))
        }
        if runs > 1 {
            let sorted = rates.sorted()
            let median = sorted.count % 2 == 1
                ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
            let mean = rates.reduce(0, +) / Double(rates.count)
            print("\(runs) runs: \(Int(sorted.first!))–\(Int(sorted.last!)) commands/s, median \(Int(median)), mean \(Int(mean))")
        }
    }

    /// One run on a fresh log: prints its figures and returns its commands per second.
    static func measure(submitters: Int, depth: Int, seconds: Double, base: String) async throws -> Double {
        // The log goes into a fresh directory *under* --dir, and only that directory is removed
        // afterwards: removing --dir itself once deleted a whole working tree.
        let dir = base + "/chronicle-commandbench-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let log = try EventLog.open(directory: dir + "/log", options: .init(mapSize: 1 << 32))
        let processor = try CommandProcessor(log: log)
        defer { processor.keys.close() }
        try await setUp(processor, reps: submitters)

        let deadline = Date().addingTimeInterval(seconds)
        let pipelineDepth = depth
        let cpuBefore = ThreadCPU.byName()
        let started = Date()
        let batchesBefore = log.writerStats
        let results = try await withThrowingTaskGroup(of: (Int, Int, [Double]).self) { group in
            for rep in 0..<submitters {
                group.addTask { try await submitter(rep, depth: pipelineDepth, processor, until: deadline) }
            }
            var commands = 0
            var rejected = 0
            var latencies: [Double] = []
            for try await (c, r, l) in group {
                commands += c
                rejected += r
                latencies += l
            }
            return (commands, rejected, latencies)
        }
        let elapsed = Date().timeIntervalSince(started)
        let cpu = ThreadCPU.used(from: cpuBefore, to: ThreadCPU.byName())
        let stats = log.writerStats
        let events = stats.events - batchesBefore.events
        let batches = stats.batches - batchesBefore.batches
        let sorted = results.2.sorted()
        func pct(_ p: Double) -> Double { sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))] }
        print("submitters \(submitters), depth \(depth), \(String(format: "%.1f", elapsed)) s, load \(loadAverage())")
        print("commands: \(results.0) (\(results.1) rejected) → \(Int(Double(results.0) / elapsed)) commands/s")
        print("events:   \(events) → \(Int(Double(events) / elapsed)) events/s; \(batches) commits, \(batches > 0 ? results.0 / batches : 0) commands per commit")
        print(String(format: "latency ms: p50 %.2f  p99 %.2f  p999 %.2f", pct(0.5) * 1000, pct(0.99) * 1000, pct(0.999) * 1000))
        if !cpu.isEmpty && results.0 > 0 {
            // µs of CPU per command, by thread name (the Swift task pool's threads run the submitters).
            let perCommand = cpu.map { String(format: "%@ %.2f", $0.name, $0.seconds * 1e6 / Double(results.0)) }
            let total = cpu.reduce(0) { $0 + $1.seconds } * 1e6 / Double(results.0)
            print("CPU µs per command: " + perCommand.joined(separator: ", ") + String(format: "; all threads %.2f", total))
        }
        log.close()
        return Double(results.0) / elapsed
    }

    static func setUp(_ p: CommandProcessor, reps: Int) async throws {
        var setup: [CommandRequest] = []
        func admin(_ type: String, _ data: JSONObject) {
            setup.append(CommandRequest(type: type, data: .object(data), actorId: "admin"))
        }
        admin("SetLeadPoolRules", ["capacity": 100_000, "dailyClaimLimit": 100_000])
        for m in 0..<4 { admin("RegisterEmployee", ["employeeId": .string("M-\(m)"), "name": "Manager", "roles": ["manager", "sales"]]) }
        for f in 0..<3 { admin("RegisterEmployee", ["employeeId": .string("F-\(f)"), "name": "Finance", "roles": ["finance"]]) }
        admin("RegisterEmployee", ["employeeId": "CEO", "name": "Chief", "roles": ["ceo"]])
        for r in 0..<reps {
            admin("RegisterEmployee", ["employeeId": .string("R-\(r)"), "name": "Rep", "roles": ["sales"], "managerId": .string("M-\(r % 4)")])
        }
        for w in 0..<3 { admin("RegisterWarehouse", ["warehouseId": .string("WH-\(w)"), "name": "Warehouse"]) }
        for s in 0..<300 {
            admin("RegisterProduct", ["sku": .string("SKU-\(s)"), "name": "Product", "unit": "pcs", "reorderPoint": 10])
            for w in 0..<3 {
                admin("ReceiveStock", ["receiptId": .string("R-\(s)-\(w)"), "sku": .string("SKU-\(s)"), "warehouseId": .string("WH-\(w)"),
                                       "quantity": 1_000_000_000, "unitCost": "4.2500"])
            }
        }
        for r in 0..<reps {
            admin("RegisterCustomer", ["customerId": .string("C-\(r)"), "name": "Customer", "ownerId": .string("R-\(r)")])
        }
        let results = try await p.executeBatch(setup)
        let failed = results.filter { if case .failure = $0 { return true } else { return false } }
        precondition(failed.isEmpty, "setup rejected: \(failed.prefix(3))")
    }

    /// One rep's loop; returns commands done, rejections and latencies (s).
    static func submitter(_ rep: Int, depth: Int, _ p: CommandProcessor, until deadline: Date) async throws -> (Int, Int, [Double]) {
        let me = "R-\(rep)"
        var n = 0
        var rejected = 0
        var latencies: [Double] = []
        latencies.reserveCapacity(200_000)
        var pending: [CommandRequest] = []
        func flush() async throws {
            guard !pending.isEmpty else { return }
            let t0 = DispatchTime.now().uptimeNanoseconds
            let count = pending.count
            if count == 1 {
                do { _ = try await p.execute(pending[0]) } catch is DomainError { rejected += 1 }
                pending.removeAll(keepingCapacity: true)
            } else {
                // Handed over, as a client done with its commands would: the processor frees each
                // command's data once its decider has read it.
                let batch = pending
                pending = []
                pending.reserveCapacity(depth)
                for result in try await p.executeBatch(consume batch) {
                    if case .failure = result { rejected += 1 }
                }
            }
            let latency = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
            latencies.append(contentsOf: repeatElement(latency, count: count))
            n += count
        }
        func run(_ type: String, _ data: JSONObject) async throws {
            pending.append(CommandRequest(type: type, data: .object(data), actorId: me, commandId: "\(me)-\(n + pending.count)"))
            if pending.count >= depth { try await flush() }
        }
        var k = 0
        while Date() < deadline {
            k += 1
            let lead = "L-\(rep)-\(k)"
            try await run("CaptureLead", ["leadId": .string(lead), "company": "Acme", "contactName": "Contact", "email": "c@acme.example", "source": "web"])
            try await run("ClaimLead", ["leadId": .string(lead)])
            try await run("LogFollowUp", ["leadId": .string(lead), "channel": "call", "note": "called about the offer"])
            if k % 4 == 0 {
                try await run("ConvertLead", ["leadId": .string(lead), "customerId": .string("C-\(rep)-\(k)"), "opportunityId": .string("O-\(rep)-\(k)"),
                                              "title": "Deal", "amount": "12000.00"])
            }
            try await run("PlaceSalesOrder", ["orderId": .string("SO-\(rep)-\(k)"), "customerId": .string("C-\(rep)"), "warehouseId": .string("WH-\(k % 3)"),
                                              "lines": [["sku": .string("SKU-\((rep * 7 + k) % 300)"), "quantity": 2, "unitPrice": "19.90"]]])
            if k % 3 == 0 {
                try await run("SubmitExpense", ["expenseId": .string("X-\(rep)-\(k)"), "amount": "120.00", "category": "travel", "description": "client visit"])
            }
        }
        try await flush()
        return (n, rejected, latencies)
    }

    static func loadAverage() -> String {
        (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.split(separator: " ").prefix(3).joined(separator: " ") ?? "?"
    }
}
