import Foundation
import JSON
import Locking

/// One event as a command's reply or a `read` reports it: where it landed.
struct LoggedEvent: Hashable, Sendable, CustomStringConvertible {
    var position: UInt64
    var stream: String
    var version: UInt64
    var type: String

    init?(_ value: JSONValue) {
        guard let position = value["position"]?.numberText.flatMap({ UInt64($0) }),
            let stream = value["stream"]?.stringValue,
            let version = value["version"]?.numberText.flatMap({ UInt64($0) }),
            let type = value["type"]?.stringValue
        else { return nil }
        self.position = position
        self.stream = stream
        self.version = version
        self.type = type
    }

    var description: String { "\(position) \(stream)@\(version) \(type)" }

    /// The events of a command reply (nil when the reply has none or they do not parse).
    static func of(reply: JSONObject) -> [LoggedEvent]? {
        guard let events = reply["events"]?.arrayValue else { return nil }
        let parsed = events.compactMap(LoggedEvent.init)
        return parsed.count == events.count ? parsed : nil
    }
}

/// Every command the crash campaign sent, by commandId, and what the server acknowledged for it.
/// Shared by the load threads; a command is recorded as sent before its line is written, so a
/// command the server may have received is never forgotten.
final class CrashLedger: Sendable {
    /// A command with its idempotency key, sent again unchanged when it was not acknowledged.
    struct Command: Sendable {
        let number: Int
        let commandId: String
        let type: String
        let data: JSONObject
        /// Events the command appends (a resent or unacknowledged one must be in the log exactly once).
        let eventCount: Int

        var fields: JSONObject {
            ["type": .string(type), "data": .object(data), "commandId": .string(commandId)]
        }
    }

    private struct State {
        var issued = 0
        var commands: [String: Command] = [:]
        var acknowledged: [String: [LoggedEvent]] = [:]
        var rejections: [String: String] = [:]
        var acknowledgedUnderLoad = 0
    }

    private let state = Lock(State())

    /// The next command of the workload, recorded as sent.
    func issue() -> Command {
        state.withLock { s in
            s.issued += 1
            let command = CrashWorkload.command(s.issued)
            s.commands[command.commandId] = command
            return command
        }
    }

    /// Records a command sent outside the load (the setup).
    func record(_ command: Command) {
        state.withLock { $0.commands[command.commandId] = command }
    }

    /// The server acknowledged `commandId` with these events.
    func acknowledge(_ commandId: String, events: [LoggedEvent], underLoad: Bool) {
        state.withLock { s in
            s.acknowledged[commandId] = events
            s.rejections[commandId] = nil
            if underLoad { s.acknowledgedUnderLoad += 1 }
        }
    }

    /// The server answered `commandId` with an error (never expected: every workload command is valid).
    func reject(_ commandId: String, code: String) {
        state.withLock { $0.rejections[commandId] = code }
    }

    func command(_ commandId: String) -> Command? { state.withLock { $0.commands[commandId] } }

    /// Sent and never acknowledged, in the order they were issued.
    var unacknowledged: [Command] {
        state.withLock { s in
            s.commands.values.filter { s.acknowledged[$0.commandId] == nil }.sorted { $0.number < $1.number }
        }
    }

    var acknowledged: [String: [LoggedEvent]] { state.withLock { $0.acknowledged } }
    var acknowledgedUnderLoad: Int { state.withLock { $0.acknowledgedUnderLoad } }
    var rejections: [String: String] { state.withLock { $0.rejections } }
}

/// The campaign's commands: simple ones the store always accepts, touching every view — leads
/// (salesFunnel, auditTrail), customers (customer360), stock receipts and two-line sales orders
/// (inventory, stockLedger; an order is three events in two streams).
enum CrashWorkload {
    /// Run once, as admin, before the first kill: what the orders and receipts refer to.
    static let setup: [CrashLedger.Command] = [
        ("RegisterWarehouse", ["warehouseId": "WH-1", "name": "Main"], 1),
        ("RegisterProduct", ["sku": "P-1", "name": "Bolt", "unit": "pc", "reorderPoint": 10], 1),
        ("RegisterProduct", ["sku": "P-2", "name": "Nut", "unit": "pc", "reorderPoint": 10], 1),
        ("RegisterCustomer", ["customerId": "C-0", "name": "Orders Inc"], 1),
        (
            "ReceiveStock",
            ["receiptId": "R-0-1", "sku": "P-1", "warehouseId": "WH-1", "quantity": 10_000_000, "unitCost": "2.00"], 1
        ),
        (
            "ReceiveStock",
            ["receiptId": "R-0-2", "sku": "P-2", "warehouseId": "WH-1", "quantity": 10_000_000, "unitCost": "0.50"], 1
        ),
    ].enumerated().map { i, c in
        CrashLedger.Command(number: -i, commandId: "setup-\(i + 1)", type: c.0, data: c.1, eventCount: c.2)
    }

    /// The `n`th load command (1-based); its ids are unique across the campaign.
    static func command(_ n: Int) -> CrashLedger.Command {
        let (type, data, count): (String, JSONObject, Int)
        switch n % 4 {
        case 0:
            (type, data, count) = (
                "CaptureLead",
                ["leadId": .string("L-\(n)"), "company": "Crash Co", "contactName": "Ann", "source": "web"], 1
            )
        case 1:
            (type, data, count) = (
                "RegisterCustomer", ["customerId": .string("C-\(n)"), "name": .string("Customer \(n)")], 1
            )
        case 2:
            (type, data, count) = (
                "ReceiveStock",
                [
                    "receiptId": .string("R-\(n)"), "sku": .string(n % 8 == 2 ? "P-1" : "P-2"), "warehouseId": "WH-1",
                    "quantity": .number(JSONNumber(1 + n % 7)), "unitCost": .string("\(1 + n % 5).25"),
                ], 1
            )
        default:
            (type, data, count) = (
                "PlaceSalesOrder",
                [
                    "orderId": .string("SO-\(n)"), "customerId": "C-0", "warehouseId": "WH-1",
                    "lines": [
                        ["sku": "P-1", "quantity": 1, "unitPrice": "3.00"],
                        ["sku": "P-2", "quantity": 2, "unitPrice": "0.75"],
                    ],
                ], 3
            )
        }
        return CrashLedger.Command(number: n, commandId: "crash-\(n)", type: type, data: data, eventCount: count)
    }
}

/// One client connection under load: pipelines up to `window` commands, recording every reply in
/// the ledger, until the server dies under it.
struct LoadClient {
    let port: Int
    let ledger: CrashLedger
    let window: Int

    func run() {
        guard let client = try? TestClient(port: port), (try? client.hello())?.ok == true else { return }
        var inFlight: [String: String] = [:]  // request id → commandId
        while true {
            while inFlight.count < window {
                let command = ledger.issue()
                let id = client.newId()
                inFlight[id] = command.commandId
                guard (try? client.send("command", command.fields, id: id)) != nil else { return }
            }
            guard let line = try? client.readLine(), case .object(let reply)? = try? JSONValue.parse(line),
                let id = reply["id"]?.stringValue, let commandId = inFlight.removeValue(forKey: id)
            else { return }
            if reply.ok, let events = LoggedEvent.of(reply: reply) {
                ledger.acknowledge(commandId, events: events, underLoad: true)
            } else {
                ledger.reject(commandId, code: reply.code ?? "unreadable reply")
            }
        }
    }

    /// Starts `count` clients on their own threads; the returned group is done when all have stopped.
    static func start(_ count: Int, port: Int, ledger: CrashLedger, window: Int) -> DispatchGroup {
        let group = DispatchGroup()
        for _ in 0..<count {
            group.enter()
            let client = LoadClient(port: port, ledger: ledger, window: window)
            let thread = Thread {
                client.run()
                group.leave()
            }
            thread.name = "crash-load"
            thread.start()
        }
        return group
    }
}
