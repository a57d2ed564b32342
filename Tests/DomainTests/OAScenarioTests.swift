import Domain
import JSON
import Testing

/// The company the OA tests run in.
///
/// ```
/// C-1 (ceo)
/// ├── D-1 (manager)
/// │   ├── M-1 (manager) ── E-1, E-2 (sales)
/// │   └── M-2 (manager)
/// ├── F-1 (finance)
/// └── F-2 (finance)
/// W-1 (warehouse, no manager)
/// ```
extension Scenario {
    static func company() -> Scenario {
        var s = Scenario()
        s.employee("C-1", roles: ["ceo"])
        s.employee("D-1", roles: ["manager"], manager: "C-1")
        s.employee("M-1", roles: ["manager"], manager: "D-1")
        s.employee("M-2", roles: ["manager"], manager: "D-1")
        s.employee("E-1", roles: ["sales"], manager: "M-1")
        s.employee("E-2", roles: ["sales"], manager: "M-1")
        s.employee("F-1", roles: ["finance"], manager: "C-1")
        s.employee("F-2", roles: ["finance"], manager: "C-1")
        s.employee("W-1", roles: ["warehouse"])
        return s
    }

    /// Submits an expense as `requester`; fails the test when it is rejected.
    @discardableResult
    mutating func submit(
        _ expenseId: String, by requester: String, amount: String = "120.50", _ extra: JSONObject = [:],
        sourceLocation: SourceLocation = #_sourceLocation
    ) -> [NewEvent] {
        var data: JSONObject = [
            "expenseId": .string(expenseId), "amount": .string(amount), "category": "travel",
            "description": "Train to the customer",
        ]
        for (key, value) in extra { data[key] = value }
        return given(actor(requester), "SubmitExpense", data, sourceLocation: sourceLocation)
    }

    /// Approves the current step as `approver`; fails the test when it is rejected.
    @discardableResult
    mutating func approve(_ expenseId: String, by approver: String, sourceLocation: SourceLocation = #_sourceLocation)
        -> [NewEvent]
    {
        given(actor(approver), "ApproveExpense", ["expenseId": .string(expenseId)], sourceLocation: sourceLocation)
    }

    /// The rejection code of `type` on `expenseId` as `actor`, with extra data fields.
    func code(_ actor: String, _ type: String, _ expenseId: String, _ extra: JSONObject = [:]) -> ErrorCode? {
        var data: JSONObject = ["expenseId": .string(expenseId)]
        for (key, value) in extra { data[key] = value }
        return rejection(self.actor(actor), type, data)?.code
    }

    /// The step names of an expense's frozen chain.
    func chain(_ expenseId: String) -> [String] { state.oa.expenses[expenseId]?.chain.map(\.name) ?? [] }
}

@Suite struct OAScenarioTests {
    @Test func everyOACommandAndEventIsRegistered() {
        let commands: Set<CommandType> = [
            "SubmitExpense", "ApproveExpense", "RejectExpense", "WithdrawExpense", "ReassignApproval", "PayExpense",
        ]
        let events: Set<EventType> = [
            "ExpenseSubmitted", "ExpenseStepApproved", "ExpenseApproved", "ExpenseRejected", "ExpenseWithdrawn",
            "ApprovalReassigned", "ExpensePaid",
        ]
        #expect(commands.isSubset(of: CompanyState.commandTypes))
        #expect(events.isSubset(of: CompanyState.eventTypes))
    }

    @Test func everyEventOfALinkedExpenseCarriesTheSameStreamAndTags() throws {
        var s = Scenario.company()
        s.state.crm.customers["C-9"] = Customer(id: "C-9", name: "Acme", ownerId: "E-1")
        s.state.crm.opportunities["O-9"] = Opportunity(id: "O-9", customerId: "C-9", ownerId: "E-1")
        var all = s.submit("X-1", by: "E-1", ["opportunityId": "O-9"])
        all += s.approve("X-1", by: "M-1")
        all += s.approve("X-1", by: "F-1")
        all += try s.then(s.actor("F-2"), "PayExpense", ["expenseId": "X-1"])
        #expect(
            all.map(\.type) == [
                "ExpenseSubmitted", "ExpenseStepApproved", "ExpenseStepApproved", "ExpenseApproved", "ExpensePaid",
            ])
        for event in all {
            #expect(event.stream == "expense-X-1")
            #expect(event.tags == ["expense:X-1", "employee:E-1", "customer:C-9", "opportunity:O-9"])
            #expect(event.schema == 1)
            #expect(event.data["expenseId"] == "X-1")
            #expect(event.data["requesterId"] == "E-1")
        }
    }

    @Test func evolversIgnoreMalformedAndUnknownEvents() {
        var s = Scenario.company()
        let broken: [(EventType, JSONObject)] = [
            ("ExpenseSubmitted", ["expenseId": 7]),
            (
                "ExpenseSubmitted",
                ["expenseId": "X-7", "requesterId": "E-1", "amount": "lots", "chain": ["garbage", 3]]
            ),
            ("ExpenseStepApproved", ["expenseId": "X-404", "approver": "M-1"]),
            ("ExpenseStepApproved", ["expenseId": "X-7"]),
            ("ApprovalReassigned", ["expenseId": "X-7", "to": "M-2"]),
            ("ExpenseRejected", ["expenseId": ["nested": true]]),
            ("ExpensePaid", [:]),
        ]
        for (type, data) in broken {
            s.position += 1
            s.state.apply(
                DomainEvent(position: s.position, at: s.now, actor: "admin", stream: "x", type: type, data: data))
        }
        #expect(s.state.oa.expenses.count == 1)
        #expect(s.state.oa.expenses["X-7"]?.amount == .zero)
        #expect(s.state.oa.expenses["X-7"]?.chain.isEmpty == true)
        #expect(s.state.oa.expenses["X-7"]?.status == .pending)
    }
}
