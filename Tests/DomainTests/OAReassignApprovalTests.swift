import Domain
import JSON
import Testing

@Suite struct OAReassignApprovalTests {
    func reassign(_ to: String, _ reason: JSONValue = "on leave") -> JSONObject {
        ["expenseId": "X-1", "approverId": .string(to), "reason": reason]
    }

    @Test func theCEOHandsTheManagerStepToSomeoneElse() throws {
        var s = Scenario.company()
        s.submit("X-1", by: "E-1")
        let events = try s.then(s.actor("C-1"), "ReassignApproval", reassign("M-2"))
        #expect(events.map(\.type) == ["ApprovalReassigned"])
        #expect(events[0].stream == "expense-X-1")
        #expect(events[0].tags == ["expense:X-1", "employee:E-1"])
        #expect(
            events[0].data == [
                "expenseId": "X-1", "requesterId": "E-1", "step": "manager", "from": "M-1", "to": "M-2",
                "reason": "on leave",
            ])
        #expect(s.code("M-1", "ApproveExpense", "X-1") == .notCurrentApprover)
        let approved = s.approve("X-1", by: "M-2")
        #expect(approved.first?.data["step"] == "manager")
        #expect(approved.first?.data["approver"] == "M-2")
    }

    @Test func aManagerReassignsOnlyStepsHeldByTheirReports() throws {
        var s = Scenario.company()
        s.submit("X-1", by: "E-1")
        // M-1 holds the step: not their own report, and M-2 is a peer.
        #expect(s.code("M-1", "ReassignApproval", "X-1", ["approverId": "M-2", "reason": "r"]) == .forbidden)
        #expect(s.code("M-2", "ReassignApproval", "X-1", ["approverId": "M-2", "reason": "r"]) == .forbidden)
        // D-1 is above M-1.
        try s.then(s.actor("D-1"), "ReassignApproval", reassign("D-1"))
        // Now D-1 holds it; D-1 is not a report of M-1, nor of D-1 itself, but of C-1.
        #expect(s.code("M-1", "ReassignApproval", "X-1", ["approverId": "M-2", "reason": "r"]) == .forbidden)
        #expect(s.code("D-1", "ReassignApproval", "X-1", ["approverId": "M-2", "reason": "r"]) == .forbidden)
        #expect(s.rejection(s.actor("C-1"), "ReassignApproval", reassign("M-2")) == nil)
        #expect(s.rejection(.admin, "ReassignApproval", reassign("M-2")) == nil)
    }

    @Test func onlyManagersCEOsAndAdminsReassign() {
        var s = Scenario.company()
        s.submit("X-1", by: "E-1")
        for other in ["E-2", "F-1", "W-1"] {
            #expect(s.code(other, "ReassignApproval", "X-1", ["approverId": "M-2", "reason": "r"]) == .forbidden)
        }
    }

    @Test func aRoleStepCannotBeReassigned() {
        var s = Scenario.company()
        s.submit("X-1", by: "E-1")
        s.approve("X-1", by: "M-1")
        let e = s.rejection(s.actor("C-1"), "ReassignApproval", reassign("F-2"))
        #expect(e?.code == .invalidArgument)
        #expect(e?.details["field"] == "expenseId")
    }

    @Test func theNewApproverMustBeSomeoneElseWhoExistsAndIsActive() throws {
        var s = Scenario.company()
        s.submit("X-1", by: "E-1")
        let requester = s.rejection(s.actor("C-1"), "ReassignApproval", reassign("E-1"))
        #expect(requester?.code == .invalidArgument)
        #expect(requester?.details["field"] == "approverId")
        let holder = s.rejection(s.actor("C-1"), "ReassignApproval", reassign("M-1"))
        #expect(holder?.code == .invalidArgument)
        #expect(holder?.details["field"] == "approverId")
        let unknown = s.rejection(s.actor("C-1"), "ReassignApproval", reassign("M-404"))
        #expect(unknown?.code == .notFound)
        #expect(unknown?.details == ["kind": "employee", "id": "M-404"])
        try s.then(.admin, "DeactivateEmployee", ["employeeId": "M-2", "reason": "left"])
        #expect(s.rejection(s.actor("C-1"), "ReassignApproval", reassign("M-2"))?.code == .employeeInactive)
    }

    @Test func aReassignmentNeedsAReasonAndAKnownExpense() {
        var s = Scenario.company()
        s.submit("X-1", by: "E-1")
        #expect(s.rejection(s.actor("C-1"), "ReassignApproval", reassign("M-2", " "))?.code == .reasonRequired)
        #expect(s.rejection(s.actor("C-1"), "ReassignApproval", reassign("M-2", nil))?.code == .reasonRequired)
        let missing = s.rejection(
            s.actor("C-1"), "ReassignApproval", ["expenseId": "X-404", "approverId": "M-2", "reason": "r"])
        #expect(missing?.code == .notFound)
        #expect(missing?.details == ["kind": "expense", "id": "X-404"])
    }

    @Test func aClosedExpenseCannotBeReassigned() throws {
        var s = Scenario.company()
        s.submit("X-1", by: "E-1")
        try s.then(s.actor("E-1"), "WithdrawExpense", ["expenseId": "X-1"])
        #expect(s.rejection(s.actor("C-1"), "ReassignApproval", reassign("M-2"))?.code == .expenseClosed)
    }

    @Test func aReassignedManagerStepStillKeepsTheNewHolderOutOfLaterSteps() {
        var s = Scenario.company()
        s.submit("X-1", by: "E-1")
        s.given(s.actor("C-1"), "ReassignApproval", reassign("F-1"))
        s.approve("X-1", by: "F-1")
        #expect(s.code("F-1", "ApproveExpense", "X-1") == .notCurrentApprover)
        #expect(s.approve("X-1", by: "F-2").last?.type == "ExpenseApproved")
    }
}
