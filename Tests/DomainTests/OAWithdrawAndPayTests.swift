import Domain
import JSON
import Testing

@Suite struct OAWithdrawAndPayTests {
    @Test func theRequesterWithdrawsAPendingExpense() throws {
        var s = Scenario.company()
        s.submit("X-1", by: "E-1")
        s.approve("X-1", by: "M-1")
        let events = try s.then(s.actor("E-1"), "WithdrawExpense", ["expenseId": "X-1"])
        #expect(events.map(\.type) == ["ExpenseWithdrawn"])
        #expect(events[0].stream == "expense-X-1")
        #expect(events[0].tags == ["expense:X-1", "employee:E-1"])
        #expect(events[0].data == ["expenseId": "X-1", "requesterId": "E-1", "step": "finance"])
        #expect(s.state.oa.expenses["X-1"]?.status == .withdrawn)
        #expect(s.code("E-1", "WithdrawExpense", "X-1") == .expenseClosed)
    }

    @Test func onlyTheRequesterOrAnAdminWithdraws() {
        var s = Scenario.company()
        s.submit("X-1", by: "E-1")
        for other in ["M-1", "E-2", "C-1", "F-1"] {
            #expect(s.code(other, "WithdrawExpense", "X-1") == .notOwner, "\(other)")
        }
        #expect(s.rejection(.admin, "WithdrawExpense", ["expenseId": "X-1"]) == nil)
    }

    @Test func withdrawingChecksOwnershipBeforeTheStatus() {
        var s = Scenario.company()
        s.submit("X-1", by: "E-1")
        s.approve("X-1", by: "M-1")
        s.approve("X-1", by: "F-1")
        #expect(s.code("E-2", "WithdrawExpense", "X-1") == .notOwner)
        #expect(s.code("E-1", "WithdrawExpense", "X-1") == .expenseClosed)
        #expect(s.code("E-1", "WithdrawExpense", "X-404") == .notFound)
        #expect(s.code("E-1", "WithdrawExpense", "X-1", ["reason": "x"]) == .invalidArgument)
    }

    @Test func financePaysAnApprovedExpenseOnce() throws {
        var s = Scenario.company()
        s.submit("X-1", by: "E-1", amount: "99.9")
        s.approve("X-1", by: "M-1")
        s.approve("X-1", by: "F-1")
        let events = try s.then(s.actor("F-2"), "PayExpense", ["expenseId": "X-1"])
        #expect(events.map(\.type) == ["ExpensePaid"])
        #expect(events[0].stream == "expense-X-1")
        #expect(events[0].tags == ["expense:X-1", "employee:E-1"])
        #expect(events[0].data == ["expenseId": "X-1", "requesterId": "E-1", "amount": "99.90", "paidBy": "F-2"])
        #expect(s.state.oa.expenses["X-1"]?.status == .paid)
        #expect(s.code("F-1", "PayExpense", "X-1") == .expenseClosed)
        #expect(s.code("E-1", "WithdrawExpense", "X-1") == .expenseClosed)
    }

    @Test func onlyApprovedExpensesArePaid() throws {
        var s = Scenario.company()
        s.submit("X-1", by: "E-1")
        #expect(s.code("F-1", "PayExpense", "X-1") == .expenseNotApproved)
        s.approve("X-1", by: "M-1")
        #expect(s.code("F-1", "PayExpense", "X-1") == .expenseNotApproved)
        try s.then(s.actor("F-1"), "RejectExpense", ["expenseId": "X-1", "reason": "no receipt"])
        #expect(s.code("F-1", "PayExpense", "X-1") == .expenseNotApproved)
        s.submit("X-2", by: "E-1")
        try s.then(s.actor("E-1"), "WithdrawExpense", ["expenseId": "X-2"])
        let withdrawn = s.rejection(s.actor("F-1"), "PayExpense", ["expenseId": "X-2"])
        #expect(withdrawn?.code == .expenseNotApproved)
        #expect(withdrawn?.details["status"] == "withdrawn")
        #expect(s.code("F-1", "PayExpense", "X-404") == .notFound)
    }

    @Test func onlyFinanceOrAnAdminPays() {
        var s = Scenario.company()
        s.submit("X-1", by: "E-1")
        s.approve("X-1", by: "M-1")
        s.approve("X-1", by: "F-1")
        for other in ["E-1", "M-1", "C-1", "W-1"] {
            #expect(s.code(other, "PayExpense", "X-1") == .forbidden, "\(other)")
        }
        #expect(s.rejection(.admin, "PayExpense", ["expenseId": "X-1"]) == nil)
    }
}
