import CommandProcessing
import DemoCompany
import Domain
import EventLog
import JSON
import Testing

/// The generated demo company: deterministic, well-formed, and accepted by the real processor.
@Suite struct DemoCompanyTests {
    /// Small enough for `make test`, large enough that every kind of command occurs.
    static let scale = 0.05

    @Test func theSameSeedGivesTheSameHistory() {
        let a = Array(DemoCompany.generate(seed: 7, scale: Self.scale).prefix(3000))
        let b = Array(DemoCompany.generate(seed: 7, scale: Self.scale).prefix(3000))
        #expect(a.count == 3000)
        for (x, y) in zip(a, b) {
            #expect(x.type == y.type && x.actorId == y.actorId && x.commandId == y.commandId)
            #expect(x.at == y.at && x.data == y.data)
        }
    }

    @Test func anotherSeedGivesAnotherHistory() {
        let a = Array(DemoCompany.generate(seed: 1, scale: Self.scale).prefix(3000))
        let b = Array(DemoCompany.generate(seed: 2, scale: Self.scale).prefix(3000))
        #expect(zip(a, b).contains { $0.data != $1.data || $0.at != $1.at })
    }

    /// One pass over the whole year: every command well-formed, every command accepted, every kind of
    /// history present, the invariants and the hash chain intact, a token for everyone.
    @Test func theWholeHistoryIsAcceptedByTheRealProcessorAndKeepsTheInvariants() async throws {
        let store = try FixtureStore()
        defer { store.close() }
        var iterator = DemoCompany.generate(scale: Self.scale).makeIterator()
        var checks = RequestChecks()
        var batch: [CommandRequest] = []
        var types: [String: Int] = [:]
        var examples: [String] = []
        var accepted = 0
        var rejected = 0
        func flush() async throws {
            for (request, result) in zip(batch, try await store.processor.executeBatch(batch)) {
                switch result {
                case .success(let reply):
                    accepted += 1
                    for e in reply.events { types[e.type, default: 0] += 1 }
                case .failure(let e):
                    rejected += 1
                    if examples.count < 10 { examples.append("\(request.commandId ?? "") \(request.type): \(e)") }
                }
            }
            batch.removeAll(keepingCapacity: true)
        }
        while let request = iterator.next() {
            checks.check(request)
            batch.append(request)
            if batch.count == 2000 { try await flush() }
        }
        try await flush()
        #expect(checks.problems.isEmpty, "\(checks.problems)")
        #expect(rejected == 0, "\(rejected) rejected, e.g. \(examples)")
        #expect(store.log.lastPosition == UInt64(iterator.predictedEvents))
        #expect(accepted > 1000)

        // Every kind of history the demo promises actually happened.
        for type in [
            "EmployeeRegistered", "EmployeeUpdated", "EmployeeDeactivated", "LeadPoolRulesSet", "ApprovalPolicySet",
            "LeadCaptured", "LeadClaimed", "LeadAssigned", "LeadReleased", "LeadRecycled", "LeadConverted",
            "LeadDisqualified", "FollowUpLogged", "CustomerRegistered", "OpportunityOpened", "OpportunityStageAdvanced",
            "OpportunityWon", "OpportunityLost", "ExpenseSubmitted", "ExpenseStepApproved", "ExpenseApproved",
            "ExpenseRejected", "ExpenseWithdrawn", "ApprovalReassigned", "ExpensePaid", "ProductRegistered",
            "WarehouseRegistered", "StockReceived", "SalesOrderPlaced", "StockReserved", "StockShipped", "OrderShipped",
            "ReservationReleased", "OrderCancelled", "StockReturned", "StockAdjusted", "StockTransferredOut",
            "StockTransferredIn",
        ] {
            #expect(types[type, default: 0] > 0, "no \(type) in the history")
        }

        let state = try await store.processor.snapshot()
        for (key, level) in state.erp.stock {
            #expect(
                level.onHand >= 0 && level.reserved >= 0 && level.reserved <= level.onHand, "\(key.stream): \(level)")
        }
        let capacity = state.org.leadPoolRules.capacity
        for (rep, leads) in state.crm.leadsByOwner {
            #expect(leads.count <= capacity, "\(rep) holds \(leads.count) leads")
            #expect(state.org.employees[rep]?.active == true, "inactive \(rep) still holds leads")
        }
        #expect(state.org.approvalPolicy.exemptions.values.contains(Money(units: 10_000 * Money.scale)))
        #expect(try store.log.verify(digest: nil).isIntact)

        let withTokens = Set(DemoCompany.tokens(scale: Self.scale).map(\.employeeId))
        #expect(withTokens == checks.registered.union(["admin"]))
        #expect(checks.actors.subtracting(["system"]).isSubset(of: withTokens))
    }

    @Test func tokensAreDeterministicUniqueAndIncludeAdmin() throws {
        let tokens = DemoCompany.tokens(seed: 2026, scale: Self.scale)
        #expect(tokens == DemoCompany.tokens(seed: 2026, scale: Self.scale))
        #expect(Set(tokens.map(\.token)).count == tokens.count)
        #expect(tokens.last?.employeeId == "admin" && tokens.last?.roles == ["admin"])
        #expect(DemoCompany.tokens(seed: 2027, scale: Self.scale).first?.token != tokens.first?.token)

        let file = try JSONValue.parse(Array(DemoCompany.tokensFile(tokens).utf8))
        #expect(file.objectValue?.count == tokens.count)
        #expect(file[tokens[0].token]?.stringValue == tokens[0].employeeId)
    }
}

/// What every generated command must look like: a time in 2025 (from the setup at 08:00Z) never
/// earlier than the previous command's, a unique command id, an actor (`system` only for the nightly
/// recycle, with its `recycle-YYYY-MM-DD` id).
struct RequestChecks {
    static let start = Timestamp(iso8601: "2025-01-01T08:00:00Z")!.milliseconds
    static let end = Timestamp(iso8601: "2026-01-01T00:00:00Z")!.milliseconds

    var last = Int64.min
    var ids: Set<String> = []
    var count = 0
    var problems: [String] = []
    var registered: Set<String> = []
    var actors: Set<String> = []

    mutating func check(_ request: CommandRequest) {
        count += 1
        func problem(_ what: String) {
            if problems.count < 10 { problems.append("command \(count) (\(request.type)): \(what)") }
        }
        let at = request.at?.milliseconds ?? 0
        if at < last || at < Self.start || at >= Self.end {
            problem("at \(request.at?.iso8601 ?? "nil") after \(last)")
        }
        last = at
        if let id = request.commandId {
            if !ids.insert(id).inserted { problem("repeated id \(id)") }
        } else {
            problem("no command id")
        }
        let recycle = request.type == "RecycleStaleLeads"
        if recycle != (request.actorId == "system") || recycle != (request.commandId?.hasPrefix("recycle-20") == true) {
            problem("actor \(request.actorId) with id \(request.commandId ?? "nil")")
        }
        actors.insert(request.actorId)
        if request.type == "RegisterEmployee", let id = request.data["employeeId"]?.stringValue {
            registered.insert(id)
        }
    }
}
