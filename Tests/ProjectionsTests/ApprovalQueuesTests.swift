import Domain
import JSON
import Testing

@Suite struct ApprovalQueuesTests {
    func office() async throws -> ViewHarness {
        let h = try ViewHarness()
        try await h.employee("C-0", ["ceo"])
        try await h.employee("M-1", ["manager"])
        try await h.employee("F-1", ["finance"])
        try await h.employee("F-2", ["finance"])
        try await h.employee("E-1", ["sales"], manager: "M-1")
        return h
    }

    func submit(_ h: ViewHarness, _ who: String, _ id: String, _ amount: String) async throws {
        try await h.run(who, "SubmitExpense", ["expenseId": .string(id), "amount": .string(amount), "category": "travel", "description": "trip"])
    }

    func queue(_ h: ViewHarness, _ approver: String) async throws -> [String] {
        let r = try await h.query("approvalQueue", ["approverId": .string(approver)])
        return (r["rows"]?.arrayValue ?? []).map { "\($0["expenseId"]?.stringValue ?? ""):\($0["step"]?.stringValue ?? "")" }
    }

    @Test func eachApproverSeesTheStepsTheyMayDecideOldestFirst() async throws {
        let h = try await office()
        try await submit(h, "E-1", "X-1", "100.00")
        h.clock.advance(minutes: 1)
        try await submit(h, "E-1", "X-2", "6000.00")
        h.clock.advance(minutes: 1)
        try await submit(h, "M-1", "X-3", "50.00")
        #expect(try await queue(h, "M-1") == ["X-1:manager", "X-2:manager"])
        #expect(try await queue(h, "F-1") == ["X-3:finance"])
        #expect(try await queue(h, "F-2") == ["X-3:finance"])
        #expect(try await queue(h, "C-0") == [])

        h.clock.advance(minutes: 1)
        try await h.run("M-1", "ApproveExpense", ["expenseId": "X-1"])
        #expect(try await queue(h, "M-1") == ["X-2:manager"])
        #expect(try await queue(h, "F-1") == ["X-3:finance", "X-1:finance"])
        let first = try await h.query("approvalQueue", ["approverId": "F-1", "limit": 1])
        let expected: JSONValue = [
            [
                "expenseId": "X-3", "requesterId": "M-1", "amount": "50.00", "category": "travel", "step": "finance",
                "waitingSince": "2026-03-02T09:02:00.000Z",
            ]
        ]
        #expect(first["rows"] == expected)
        let cursor = try #require(first["next"]?.stringValue)
        let second = try await h.query("approvalQueue", ["approverId": "F-1", "after": .string(cursor)])
        #expect(second["rows"]?.arrayValue?.first?["waitingSince"] == "2026-03-02T09:03:00.000Z")
        #expect(second["next"] == .null)

        try await h.run("F-1", "ApproveExpense", ["expenseId": "X-1"])
        try await h.run("M-1", "ApproveExpense", ["expenseId": "X-2"])
        try await h.run("F-2", "ApproveExpense", ["expenseId": "X-2"])
        #expect(try await queue(h, "C-0") == ["X-2:ceo"])
        #expect(try await queue(h, "F-1") == ["X-3:finance"])
        // F-2 decided a step of X-2 already; X-3 still waits for any finance.
        #expect(try await queue(h, "F-2") == ["X-3:finance"])
        try await h.run("F-1", "ApproveExpense", ["expenseId": "X-3"])
        #expect(try await queue(h, "F-2") == [])
        try await h.run("F-1", "PayExpense", ["expenseId": "X-1"])

        try await submit(h, "E-1", "X-4", "10.00")
        try await h.run("C-0", "ReassignApproval", ["expenseId": "X-4", "approverId": "F-2", "reason": "M-1 away"])
        #expect(try await queue(h, "F-2") == ["X-4:manager"])
        #expect(try await queue(h, "M-1") == [])

        let mine = try await h.query("myExpenses", ["requesterId": "E-1"], as: "E-1")
        let rows = (mine["rows"]?.arrayValue ?? []).map {
            [$0["expenseId"]?.stringValue ?? "", $0["status"]?.stringValue ?? "", $0["step"]?.stringValue ?? "-",
             $0["approverId"]?.stringValue ?? "-", $0["role"]?.stringValue ?? "-"]
        }
        #expect(
            rows == [
                ["X-1", "paid", "-", "-", "-"], ["X-2", "pending", "ceo", "-", "ceo"],
                ["X-4", "pending", "manager", "F-2", "-"],
            ])
        let managers = try await h.query("myExpenses", ["requesterId": "M-1"], as: "M-1")
        #expect(managers["rows"]?.arrayValue?.map { $0["status"] } == ["approved"])
    }

    @Test func queuesAreForThemselvesAndExpensesForThemselvesTheirManagersAndFinance() async throws {
        let h = try await office()
        try await submit(h, "E-1", "X-1", "100.00")
        #expect(await h.queryCode("approvalQueue", ["approverId": "M-1"], as: "M-1") == nil)
        #expect(await h.queryCode("approvalQueue", ["approverId": "M-1"], as: "E-1") == "forbidden")
        #expect(await h.queryCode("approvalQueue", ["approverId": "M-1"], as: "C-0") == nil)
        #expect(await h.queryCode("myExpenses", ["requesterId": "E-1"], as: "E-1") == nil)
        #expect(await h.queryCode("myExpenses", ["requesterId": "E-1"], as: "M-1") == nil)
        #expect(await h.queryCode("myExpenses", ["requesterId": "F-1"], as: "M-1") == "forbidden")
        #expect(await h.queryCode("myExpenses", ["requesterId": "E-1"], as: "F-2") == nil)
        #expect(await h.queryCode("myExpenses", ["requesterId": "M-1"], as: "E-1") == "forbidden")
        #expect(await h.queryCode("myExpenses", [:], as: "E-1") == "invalid_argument")
    }
}
