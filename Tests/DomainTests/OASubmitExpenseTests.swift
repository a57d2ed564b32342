import Domain
import JSON
import Testing

@Suite struct OASubmitExpenseTests {
    @Test func submittingFreezesTheChainInOneEventOnTheExpenseStream() throws {
        var s = Scenario.company()
        let events = try s.when(
            s.actor("E-1"), "SubmitExpense",
            [
                "expenseId": "X-1", "amount": .number(JSONNumber(unchecked: "120.5")), "category": "travel",
                "description": "Train",
            ])
        #expect(events.count == 1)
        #expect(events[0].type == "ExpenseSubmitted")
        #expect(events[0].stream == "expense-X-1")
        #expect(events[0].tags == ["expense:X-1", "employee:E-1"])
        let expected: JSONObject = [
            "expenseId": "X-1", "requesterId": "E-1", "amount": "120.50", "category": "travel", "description": "Train",
            "customerId": nil, "opportunityId": nil,
            "chain": [
                ["step": "manager", "kind": "person", "approverId": "M-1"],
                ["step": "finance", "kind": "role", "role": "finance"],
            ],
            "threshold": "5000.00", "policyPosition": 0,
        ]
        #expect(events[0].data == expected)
        s.apply(events, actor: "E-1")
        #expect(s.state.oa.expenses["X-1"]?.status == .pending)
        #expect(s.state.oa.expenses["X-1"]?.currentStep?.name == "manager")
    }

    @Test func anyActiveEmployeeMaySubmitWhateverTheirRoles() {
        var s = Scenario.company()
        s.employee("I-1", roles: ["integration"])
        s.submit("X-1", by: "W-1")
        #expect(
            s.code("I-1", "SubmitExpense", "X-2", ["amount": "1", "category": "a", "description": "b"]) == .forbidden)
    }

    @Test func anOpportunityLinksItsCustomerToo() {
        var s = Scenario.company()
        s.state.crm.customers["C-9"] = Customer(id: "C-9", name: "Acme", ownerId: "E-1")
        s.state.crm.opportunities["O-9"] = Opportunity(id: "O-9", customerId: "C-9", ownerId: "E-1")
        let events = s.submit("X-1", by: "E-1", ["opportunityId": "O-9"])
        #expect(events.first?.data["customerId"] == "C-9")
        #expect(events.first?.data["opportunityId"] == "O-9")
        #expect(events.first?.tags == ["expense:X-1", "employee:E-1", "customer:C-9", "opportunity:O-9"])
        let customerOnly = s.submit("X-2", by: "E-1", ["customerId": "C-9"])
        #expect(customerOnly.first?.tags == ["expense:X-2", "employee:E-1", "customer:C-9"])
    }

    @Test func unknownOrMismatchedReferencesAreRejected() {
        var s = Scenario.company()
        s.state.crm.customers["C-9"] = Customer(id: "C-9", name: "Acme", ownerId: "E-1")
        s.state.crm.customers["C-8"] = Customer(id: "C-8", name: "Other", ownerId: "E-1")
        s.state.crm.opportunities["O-9"] = Opportunity(id: "O-9", customerId: "C-9", ownerId: "E-1")
        let base: JSONObject = ["expenseId": "X-1", "amount": "10", "category": "meal", "description": "Lunch"]
        func rejection(_ extra: JSONObject) -> DomainError? {
            var data = base
            for (k, v) in extra { data[k] = v }
            return s.rejection(s.actor("E-1"), "SubmitExpense", data)
        }
        let customer = rejection(["customerId": "C-404"])
        #expect(customer?.code == .notFound)
        #expect(customer?.details == ["kind": "customer", "id": "C-404"])
        let opportunity = rejection(["opportunityId": "O-404"])
        #expect(opportunity?.code == .notFound)
        #expect(opportunity?.details == ["kind": "opportunity", "id": "O-404"])
        let mismatch = rejection(["customerId": "C-8", "opportunityId": "O-9"])
        #expect(mismatch?.code == .invalidArgument)
        #expect(mismatch?.details["field"] == "opportunityId")
    }

    @Test func malformedDataNamesTheField() {
        let s = Scenario.company()
        let good: JSONObject = ["expenseId": "X-1", "amount": "10.00", "category": "meal", "description": "Lunch"]
        let cases: [(JSONObject, String)] = [
            (["amount": nil], "amount"),
            (["amount": "0"], "amount"),
            (["amount": "-5"], "amount"),
            (["amount": "1.005"], "amount"),
            (["amount": "1000000000000.00"], "amount"),
            (["amount": true], "amount"),
            (["expenseId": "bad id"], "expenseId"),
            (["category": " "], "category"),
            (["description": nil], "description"),
            (["customerId": 5], "customerId"),
            (["amout": "10"], "amout"),
        ]
        for (change, field) in cases {
            var data = good
            for (k, v) in change { data[k] = v }
            let e = s.rejection(s.actor("E-1"), "SubmitExpense", data)
            #expect(e?.code == .invalidArgument, "\(field)")
            #expect(e?.details["field"] == .string(field))
        }
    }

    @Test func anExpenseIdIsUsedOnce() {
        var s = Scenario.company()
        s.submit("X-1", by: "E-1")
        #expect(
            s.code("E-2", "SubmitExpense", "X-1", ["amount": "1", "category": "a", "description": "b"])
                == .alreadyExists)
    }

    @Test func anEmployeeWithoutAManagerHasNoManagerStep() {
        var s = Scenario.company()
        s.submit("X-1", by: "W-1")
        #expect(s.chain("X-1") == ["finance"])
        #expect(s.state.oa.expenses["X-1"]?.currentStep?.approver == .role(.finance))
    }

    @Test func anAmountEqualToTheThresholdNeedsNoCEOAndOneCentAboveDoes() {
        var s = Scenario.company()
        s.submit("X-1", by: "E-1", amount: "5000.00")
        s.submit("X-2", by: "E-1", amount: "5000.01")
        #expect(s.chain("X-1") == ["manager", "finance"])
        #expect(s.chain("X-2") == ["manager", "finance", "ceo"])
    }

    @Test func aRepExemptedUpTo10000NeedsTheCEOOnlyAboveIt() {
        var s = Scenario.company()
        s.given(.admin, "SetApprovalPolicy", ["exemptions": ["E-1": "10000"]])
        let policyPosition = s.position
        let events = s.submit("X-1", by: "E-1", amount: "10000.00")
        s.submit("X-2", by: "E-1", amount: "10000.01")
        s.submit("X-3", by: "E-2", amount: "6000")
        #expect(events.first?.data["threshold"] == "10000.00")
        #expect(events.first?.data["policyPosition"] == .number(JSONNumber(policyPosition)))
        #expect(s.chain("X-1") == ["manager", "finance"])
        #expect(s.chain("X-2") == ["manager", "finance", "ceo"])
        #expect(s.chain("X-3") == ["manager", "finance", "ceo"])
    }

    @Test func aRequesterHoldingCEOSkipsTheCEOStep() {
        var s = Scenario.company()
        s.given(.admin, "UpdateEmployee", ["employeeId": "M-1", "roles": ["manager", "ceo"]])
        s.submit("X-1", by: "C-1", amount: "90000")
        s.submit("X-2", by: "M-1", amount: "90000")
        #expect(s.chain("X-1") == ["finance"])
        #expect(s.chain("X-2") == ["manager", "finance"])
    }

    @Test func theCEOStepMergesIntoAManagerStepTheCEOHolds() throws {
        var s = Scenario.company()
        let events = s.submit("X-1", by: "D-1", amount: "90000")
        #expect(events.first?.data["threshold"] == "5000.00")
        #expect(s.chain("X-1") == ["manager", "finance"])
        #expect(s.state.oa.expenses["X-1"]?.currentStep?.approver == .person("C-1"))
        _ = try s.then(s.actor("C-1"), "ApproveExpense", ["expenseId": "X-1"])
        let finance = try s.then(s.actor("F-2"), "ApproveExpense", ["expenseId": "X-1"])
        #expect(finance.map(\.type) == ["ExpenseStepApproved", "ExpenseApproved"])
        #expect(s.state.oa.expenses["X-1"]?.status == .approved)
    }

    @Test func aStepNobodyMayDecideRejectsTheSubmission() throws {
        var s = Scenario()
        s.employee("F-1", roles: ["finance"])
        s.employee("E-1", roles: ["sales"])
        let data: JSONObject = ["expenseId": "X-1", "amount": "6000", "category": "a", "description": "b"]
        // The only finance employee is the requester.
        let ownFinance = s.rejection(s.actor("F-1"), "SubmitExpense", data)
        #expect(ownFinance?.code == .noEligibleApprover)
        #expect(ownFinance?.details["step"] == "finance")
        // Above the threshold with no CEO.
        let noCEO = s.rejection(s.actor("E-1"), "SubmitExpense", data)
        #expect(noCEO?.code == .noEligibleApprover)
        #expect(noCEO?.details["step"] == "ceo")
        // An inactive CEO is no approver either; an active one is.
        s.employee("C-1", roles: ["ceo"])
        try s.then(.admin, "DeactivateEmployee", ["employeeId": "C-1", "reason": "left"])
        #expect(s.rejection(s.actor("E-1"), "SubmitExpense", data)?.details["step"] == "ceo")
        s.employee("C-2", roles: ["ceo"])
        #expect(s.rejection(s.actor("E-1"), "SubmitExpense", data) == nil)
        // No finance employee at all.
        try s.then(.admin, "DeactivateEmployee", ["employeeId": "F-1", "reason": "left"])
        #expect(s.rejection(s.actor("E-1"), "SubmitExpense", data)?.details["step"] == "finance")
    }

    @Test func roleChangesDecideWhetherAStepHasAnApprover() throws {
        var s = Scenario()
        s.employee("F-1", roles: ["finance"])
        s.employee("C-1", roles: ["ceo"])
        s.employee("E-1", roles: ["sales"])
        let data: JSONObject = ["expenseId": "X-1", "amount": "6000", "category": "a", "description": "b"]
        #expect(s.rejection(s.actor("E-1"), "SubmitExpense", data) == nil)
        // The only finance employee becomes sales: no finance step can be decided.
        try s.then(.admin, "UpdateEmployee", ["employeeId": "F-1", "roles": ["sales"]])
        #expect(s.rejection(s.actor("E-1"), "SubmitExpense", data)?.details["step"] == "finance")
        // The CEO takes finance on as well: eligible for the finance step, for anyone but themselves.
        try s.then(.admin, "UpdateEmployee", ["employeeId": "C-1", "roles": ["ceo", "finance"]])
        #expect(s.rejection(s.actor("E-1"), "SubmitExpense", data) == nil)
        #expect(s.rejection(s.actor("C-1"), "SubmitExpense", data)?.details["step"] == "finance")
        // A name change keeps the roles counted once.
        try s.then(.admin, "UpdateEmployee", ["employeeId": "C-1", "name": "Chief"])
        try s.then(.admin, "DeactivateEmployee", ["employeeId": "C-1", "reason": "left"])
        #expect(s.rejection(s.actor("E-1"), "SubmitExpense", data)?.details["step"] == "finance")
    }

    @Test func anInactiveManagerCannotBeTheManagerStep() throws {
        var s = Scenario.company()
        try s.then(.admin, "DeactivateEmployee", ["employeeId": "M-1", "reason": "left"])
        let e = s.rejection(
            s.actor("E-1"), "SubmitExpense", ["expenseId": "X-1", "amount": "10", "category": "a", "description": "b"])
        #expect(e?.code == .noEligibleApprover)
        #expect(e?.details["step"] == "manager")
    }

    @Test func policyChangesAfterSubmissionLeaveTheFrozenChainAlone() throws {
        var s = Scenario.company()
        s.submit("X-1", by: "E-1", amount: "6000")
        s.submit("X-2", by: "E-1", amount: "4000")
        s.given(.admin, "SetApprovalPolicy", ["ceoThreshold": "10000"])
        s.given(.admin, "SetApprovalPolicy", ["ceoThreshold": "1000", "exemptions": ["E-1": "500"]])
        s.approve("X-1", by: "M-1")
        let afterFinance = s.approve("X-1", by: "F-1")
        #expect(afterFinance.map(\.type) == ["ExpenseStepApproved"])
        #expect(afterFinance.first?.data["nextStep"] == "ceo")
        let afterCEO = s.approve("X-1", by: "C-1")
        #expect(afterCEO.map(\.type) == ["ExpenseStepApproved", "ExpenseApproved"])
        s.approve("X-2", by: "M-1")
        #expect(s.approve("X-2", by: "F-1").map(\.type) == ["ExpenseStepApproved", "ExpenseApproved"])
        #expect(s.chain("X-1") == ["manager", "finance", "ceo"])
        #expect(s.chain("X-2") == ["manager", "finance"])
    }

    @Test func aManagerChangeAfterSubmissionLeavesTheManagerStepAlone() throws {
        var s = Scenario.company()
        s.submit("X-1", by: "E-1")
        s.given(.admin, "UpdateEmployee", ["employeeId": "E-1", "managerId": "M-2"])
        #expect(s.code("M-2", "ApproveExpense", "X-1") == .notCurrentApprover)
        s.approve("X-1", by: "M-1")
    }
}
