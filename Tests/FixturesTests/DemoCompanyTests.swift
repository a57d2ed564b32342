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

    @Test func everyCommandHasAnIncreasingTimeInTheYearAUniqueIdAndAnActor() {
        var last = Int64.min
        var ids: Set<String> = []
        var count = 0
        let start = Timestamp(iso8601: "2025-01-01T08:00:00Z")!.milliseconds
        let end = Timestamp(iso8601: "2026-01-01T00:00:00Z")!.milliseconds
        for request in DemoCompany.generate(scale: 0.02) {
            count += 1
            let at = request.at?.milliseconds ?? 0
            if at < last || at < start || at >= end {
                Issue.record("command \(count) (\(request.type)) at \(request.at?.iso8601 ?? "nil") after \(last)")
                return
            }
            last = at
            guard let id = request.commandId, ids.insert(id).inserted else {
                Issue.record("command \(count) has a missing or repeated id \(request.commandId ?? "nil")")
                return
            }
            if request.type == "RecycleStaleLeads" {
                #expect(request.actorId == "system" && id.hasPrefix("recycle-2025-") || id == "recycle-2026-01-01")
            } else {
                #expect(!request.actorId.isEmpty && request.actorId != "system")
            }
        }
        #expect(count > 10_000)
    }

    @Test func theWholeHistoryIsAcceptedByTheRealProcessorAndKeepsTheInvariants() async throws {
        let store = try FixtureStore()
        defer { store.close() }
        var iterator = DemoCompany.generate(scale: Self.scale).makeIterator()
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
            batch.append(request)
            if batch.count == 2000 { try await flush() }
        }
        try await flush()
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
            #expect(level.onHand >= 0 && level.reserved >= 0 && level.reserved <= level.onHand, "\(key.stream): \(level)")
        }
        let capacity = state.org.leadPoolRules.capacity
        for (rep, leads) in state.crm.leadsByOwner {
            #expect(leads.count <= capacity, "\(rep) holds \(leads.count) leads")
            #expect(state.org.employees[rep]?.active == true, "inactive \(rep) still holds leads")
        }
        #expect(state.org.approvalPolicy.exemptions.values.contains(Money(units: 10_000 * Money.scale)))
        #expect(try store.log.verify(digest: nil).isIntact)
    }

    @Test func tokensAreDeterministicUniqueAndCoverEveryoneWhoActsPlusAdmin() throws {
        let tokens = DemoCompany.tokens(seed: 2026, scale: Self.scale)
        #expect(tokens == DemoCompany.tokens(seed: 2026, scale: Self.scale))
        #expect(Set(tokens.map(\.token)).count == tokens.count)
        #expect(tokens.last?.employeeId == "admin" && tokens.last?.roles == ["admin"])
        #expect(DemoCompany.tokens(seed: 2027, scale: Self.scale).first?.token != tokens.first?.token)

        var registered: Set<String> = []
        var actors: Set<String> = []
        for request in DemoCompany.generate(seed: 2026, scale: Self.scale) {
            if request.type == "RegisterEmployee", let id = request.data["employeeId"]?.stringValue { registered.insert(id) }
            actors.insert(request.actorId)
        }
        let withTokens = Set(tokens.map(\.employeeId))
        #expect(withTokens == registered.union(["admin"]))
        #expect(actors.subtracting(["system"]).isSubset(of: withTokens))

        let file = try JSONValue.parse(Array(DemoCompany.tokensFile(tokens).utf8))
        #expect(file.objectValue?.count == tokens.count)
        #expect(file[tokens[0].token]?.stringValue == tokens[0].employeeId)
    }
}
