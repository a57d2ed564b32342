import CommandProcessing
import Domain
import EventLog
import JSON
import Testing

/// Business rules under concurrency, through the real processor on real LMDB.
@Suite struct RaceTests {
    @Test func fiftyRepsClaimingTheSameLeadAtOnceProduceExactlyOneClaim() async throws {
        let h = try Harness()
        defer { h.log.close() }
        for i in 0..<50 { try await h.employee("R-\(i)", ["sales"]) }
        try await h.run("admin", "CaptureLead", ["leadId": "L-1", "company": "Acme", "contactName": "Ann", "source": "web"])
        let winners = try await withThrowingTaskGroup(of: String?.self) { group in
            for i in 0..<50 {
                group.addTask {
                    let code = await h.code("R-\(i)", "ClaimLead", ["leadId": "L-1"])
                    if let code, code != .leadNotInPool { Issue.record("unexpected \(code)") }
                    return code == nil ? "R-\(i)" : nil
                }
            }
            var all: [String] = []
            for try await w in group { if let w { all.append(w) } }
            return all
        }
        #expect(winners.count == 1)
        let claims = try h.log.read(from: 1, limit: 1000, filter: EventFilter(types: ["LeadClaimed"]))
        #expect(claims.events.count == 1)
    }

    @Test func aRepRacingPastCapacityNeverHoldsMoreThanCapacity() async throws {
        let h = try Harness()
        defer { h.log.close() }
        try await h.employee("R-1", ["sales"])
        try await h.run("admin", "SetLeadPoolRules", ["capacity": 5, "dailyClaimLimit": 100])
        for i in 0..<40 {
            try await h.run("admin", "CaptureLead", ["leadId": .string("L-\(i)"), "company": "Co", "contactName": "C", "source": "web"])
        }
        let accepted = try await withThrowingTaskGroup(of: Bool.self) { group in
            for i in 0..<40 {
                group.addTask {
                    let code = await h.code("R-1", "ClaimLead", ["leadId": .string("L-\(i)")])
                    if let code, code != .claimLimitReached { Issue.record("unexpected \(code)") }
                    return code == nil
                }
            }
            var n = 0
            for try await ok in group where ok { n += 1 }
            return n
        }
        #expect(accepted == 5)
        let state = try await h.processor.snapshot()
        #expect(state.crm.leads.values.filter { $0.ownerId == "R-1" }.count == 5)
    }

    @Test func aDeactivatedEmployeeCanNoLongerAct() async throws {
        let h = try Harness()
        defer { h.log.close() }
        try await h.employee("R-1", ["sales"])
        #expect(h.processor.resolveActor("R-1")?.roles == [.sales])
        try await h.run("admin", "DeactivateEmployee", ["employeeId": "R-1", "reason": "left"])
        #expect(h.processor.resolveActor("R-1") == nil)
        #expect(await h.code("R-1", "CaptureLead", ["leadId": "L-1", "company": "Co", "contactName": "C", "source": "web"]) == .unauthenticated)
    }
}
