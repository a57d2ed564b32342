import Domain
import JSON
import Testing

@Suite struct OAApprovalTests {
    @Test func theManagerThenFinanceApproveAndTheLastStepApprovesTheExpense() throws {
        var s = Scenario.company()
        s.submit("X-1", by: "E-1", amount: "120.50")
        let manager = try s.then(s.actor("M-1"), "ApproveExpense", ["expenseId": "X-1", "comment": "ok"])
        #expect(manager.count == 1)
        #expect(
            manager[0].data == [
                "expenseId": "X-1", "requesterId": "E-1", "step": "manager", "approver": "M-1", "comment": "ok",
                "nextStep": "finance",
            ])
        #expect(s.state.oa.expenses["X-1"]?.currentStep?.name == "finance")
        let finance = try s.then(s.actor("F-2"), "ApproveExpense", ["expenseId": "X-1"])
        #expect(finance.map(\.type) == ["ExpenseStepApproved", "ExpenseApproved"])
        #expect(finance.map(\.stream) == ["expense-X-1", "expense-X-1"])
        #expect(finance[0].data["step"] == "finance")
        #expect(finance[0].data["comment"] == .null)
        #expect(finance[0].data["nextStep"] == .null)
        #expect(finance[1].data == ["expenseId": "X-1", "requesterId": "E-1", "amount": "120.50"])
        #expect(s.state.oa.expenses["X-1"]?.status == .approved)
        #expect(s.state.oa.expenses["X-1"]?.currentStep == nil)
        #expect(s.state.oa.expenses["X-1"]?.deciders == ["M-1", "F-2"])
    }

    @Test func aLargeExpenseWaitsForTheCEO() {
        var s = Scenario.company()
        s.submit("X-1", by: "E-1", amount: "7000")
        s.approve("X-1", by: "M-1")
        #expect(s.approve("X-1", by: "F-1").map(\.type) == ["ExpenseStepApproved"])
        #expect(s.code("F-2", "ApproveExpense", "X-1") == .notCurrentApprover)
        #expect(s.approve("X-1", by: "C-1").map(\.type) == ["ExpenseStepApproved", "ExpenseApproved"])
    }

    @Test func theRequesterCannotDecideTheirOwnExpenseAtAnyStep() {
        var s = Scenario.company()
        s.submit("X-1", by: "F-1")
        #expect(s.chain("X-1") == ["manager", "finance"])
        // Self-approval comes before not_current_approver: the manager step is not F-1's anyway.
        #expect(s.code("F-1", "ApproveExpense", "X-1") == .selfApprovalForbidden)
        #expect(s.code("F-1", "RejectExpense", "X-1", ["reason": "no"]) == .selfApprovalForbidden)
        s.approve("X-1", by: "C-1")
        #expect(s.code("F-1", "ApproveExpense", "X-1") == .selfApprovalForbidden)
        #expect(s.approve("X-1", by: "F-2").map(\.type) == ["ExpenseStepApproved", "ExpenseApproved"])
    }

    @Test func aFinanceRequesterNeedsAnotherFinanceEmployee() {
        var s = Scenario()
        s.employee("F-1", roles: ["finance"])
        s.employee("F-2", roles: ["finance"])
        s.submit("X-1", by: "F-1")
        #expect(s.chain("X-1") == ["finance"])
        #expect(s.code("F-1", "ApproveExpense", "X-1") == .selfApprovalForbidden)
        #expect(s.approve("X-1", by: "F-2").last?.type == "ExpenseApproved")
    }

    @Test func noOneDecidesTwoStepsOfTheSameExpense() {
        var s = Scenario.company()
        s.given(.admin, "UpdateEmployee", ["employeeId": "M-1", "roles": ["manager", "finance"]])
        s.submit("X-1", by: "E-1")
        s.approve("X-1", by: "M-1")
        let second = s.rejection(s.actor("M-1"), "ApproveExpense", ["expenseId": "X-1"])
        #expect(second?.code == .notCurrentApprover)
        #expect(second?.details["step"] == "finance")
        #expect(s.code("M-1", "RejectExpense", "X-1", ["reason": "changed my mind"]) == .notCurrentApprover)
        #expect(s.approve("X-1", by: "F-1").last?.type == "ExpenseApproved")
    }

    @Test func theFinanceApproverCannotAlsoDecideTheCEOStep() {
        var s = Scenario.company()
        s.given(.admin, "UpdateEmployee", ["employeeId": "F-1", "roles": ["finance", "ceo"]])
        s.submit("X-1", by: "E-1", amount: "8000")
        s.approve("X-1", by: "M-1")
        s.approve("X-1", by: "F-1")
        #expect(s.code("F-1", "ApproveExpense", "X-1") == .notCurrentApprover)
        #expect(s.approve("X-1", by: "C-1").last?.type == "ExpenseApproved")
    }

    @Test func anyoneElseIsNotTheCurrentApprover() {
        var s = Scenario.company()
        s.submit("X-1", by: "E-1")
        for other in ["E-2", "M-2", "D-1", "C-1", "F-1", "admin"] {
            #expect(s.code(other, "ApproveExpense", "X-1") == .notCurrentApprover, "\(other)")
        }
        s.approve("X-1", by: "M-1")
        for other in ["E-2", "M-2", "C-1", "admin"] {
            #expect(s.code(other, "ApproveExpense", "X-1") == .notCurrentApprover, "\(other)")
        }
    }

    @Test func aRoleStepIsDecidedByWhoeverHoldsTheRoleAtDecisionTime() throws {
        var s = Scenario.company()
        s.submit("X-1", by: "W-1")
        try s.then(.admin, "DeactivateEmployee", ["employeeId": "F-1", "reason": "left"])
        s.employee("F-3", roles: ["finance"])
        #expect(s.code("F-1", "ApproveExpense", "X-1") == .notCurrentApprover)
        #expect(s.approve("X-1", by: "F-3").last?.type == "ExpenseApproved")
    }

    @Test func rejectingEndsTheExpenseAtTheCurrentStep() throws {
        var s = Scenario.company()
        s.submit("X-1", by: "E-1", amount: "9000")
        s.approve("X-1", by: "M-1")
        let events = try s.then(s.actor("F-1"), "RejectExpense", ["expenseId": "X-1", "reason": "no receipt"])
        #expect(events.map(\.type) == ["ExpenseRejected"])
        #expect(events[0].stream == "expense-X-1")
        #expect(events[0].tags == ["expense:X-1", "employee:E-1"])
        #expect(
            events[0].data == [
                "expenseId": "X-1", "requesterId": "E-1", "step": "finance", "approver": "F-1", "reason": "no receipt",
            ])
        #expect(s.state.oa.expenses["X-1"]?.status == .rejected)
        #expect(s.code("C-1", "ApproveExpense", "X-1") == .expenseClosed)
        #expect(s.code("F-2", "RejectExpense", "X-1", ["reason": "again"]) == .expenseClosed)
    }

    @Test func aRejectionNeedsAReason() {
        var s = Scenario.company()
        s.submit("X-1", by: "E-1")
        #expect(s.code("M-1", "RejectExpense", "X-1") == .reasonRequired)
        #expect(s.code("M-1", "RejectExpense", "X-1", ["reason": "  "]) == .reasonRequired)
        // The data is checked before anything else.
        #expect(s.code("E-2", "RejectExpense", "X-404") == .reasonRequired)
    }

    @Test func decidingAClosedExpenseIsRejected() throws {
        var s = Scenario.company()
        s.submit("X-1", by: "E-1")
        s.approve("X-1", by: "M-1")
        s.approve("X-1", by: "F-1")
        #expect(s.code("F-2", "ApproveExpense", "X-1") == .expenseClosed)
        // The requester is still told it is their own expense.
        #expect(s.code("E-1", "ApproveExpense", "X-1") == .selfApprovalForbidden)
        s.submit("X-2", by: "E-1")
        try s.then(s.actor("E-1"), "WithdrawExpense", ["expenseId": "X-2"])
        #expect(s.code("M-1", "ApproveExpense", "X-2") == .expenseClosed)
    }

    @Test func unknownExpensesAndFieldsAreRejected() {
        var s = Scenario.company()
        s.submit("X-1", by: "E-1")
        let missing = s.rejection(s.actor("M-1"), "ApproveExpense", ["expenseId": "X-404"])
        #expect(missing?.code == .notFound)
        #expect(missing?.details == ["kind": "expense", "id": "X-404"])
        let typo = s.rejection(s.actor("M-1"), "ApproveExpense", ["expenseId": "X-1", "coment": "ok"])
        #expect(typo?.code == .invalidArgument)
        #expect(typo?.details["field"] == "coment")
        #expect(s.code("M-1", "ApproveExpense", "X-1", ["comment": 3]) == .invalidArgument)
    }
}
