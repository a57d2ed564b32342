import Domain
import JSON
import Testing

@Suite struct Customer360Tests {
    /// A converted lead with a won and an open opportunity, a shipped order with a return, and an
    /// approved expense, all hand-checked.
    func company() async throws -> ViewHarness {
        let h = try ViewHarness()
        try await h.employee("M-1", ["manager"])
        try await h.employee("E-1", ["sales"], manager: "M-1")
        try await h.employee("E-2", ["sales"])
        try await h.employee("F-1", ["finance"])
        try await h.employee("W-1", ["warehouse"])
        try await h.run("W-1", "RegisterProduct", ["sku": "S-1", "name": "Widget", "unit": "pc", "reorderPoint": 5])
        try await h.run("W-1", "RegisterWarehouse", ["warehouseId": "W1", "name": "Main"])
        try await h.run(
            "W-1", "ReceiveStock", ["receiptId": "R-1", "sku": "S-1", "warehouseId": "W1", "quantity": 10, "unitCost": "2.50"])
        try await h.run(
            "E-1", "CaptureLead", ["leadId": "L-1", "company": "Acme", "contactName": "Ann Lee", "source": "web"])
        try await h.run("E-1", "ClaimLead", ["leadId": "L-1"])
        h.clock.advance(minutes: 60)
        try await h.run("E-1", "LogFollowUp", ["leadId": "L-1", "channel": "call", "note": "intro"])
        h.clock.advance(minutes: 60)
        try await h.run(
            "E-1", "ConvertLead",
            ["leadId": "L-1", "customerId": "C-1", "opportunityId": "O-1", "title": "Deal", "amount": "1000.00"])
        try await h.run("E-1", "OpenOpportunity", ["opportunityId": "O-2", "customerId": "C-1", "title": "Upsell", "amount": "500"])
        try await h.run("E-1", "AdvanceStage", ["opportunityId": "O-2", "stage": "proposal"])
        try await h.run("E-1", "AdvanceStage", ["opportunityId": "O-1", "stage": "won"])
        try await h.run(
            "E-1", "PlaceSalesOrder",
            [
                "orderId": "SO-1", "customerId": "C-1", "warehouseId": "W1",
                "lines": [["sku": "S-1", "quantity": 4, "unitPrice": "25.00"]],
            ])
        try await h.run("W-1", "ShipOrder", ["orderId": "SO-1"])
        try await h.run("W-1", "ReturnGoods", ["returnId": "RET-1", "orderId": "SO-1", "lines": [["sku": "S-1", "quantity": 1]]])
        try await h.run(
            "E-1", "SubmitExpense",
            ["expenseId": "X-1", "amount": "120.00", "category": "travel", "description": "visit", "customerId": "C-1"])
        try await h.run("E-1", "SubmitExpense", ["expenseId": "X-2", "amount": "80.00", "category": "meals", "description": "lunch", "customerId": "C-1"])
        try await h.run("M-1", "ApproveExpense", ["expenseId": "X-1"])
        try await h.run("F-1", "ApproveExpense", ["expenseId": "X-1"])
        h.clock.advance(minutes: 30)
        try await h.run("E-1", "LogFollowUp", ["customerId": "C-1", "channel": "visit", "note": "on site"])
        return h
    }

    @Test func theCustomerAtAGlanceMatchesTheHandCheckedFigures() async throws {
        let h = try await company()
        let r = try await h.query("customer360", ["customerId": "C-1"])
        #expect(r["customerId"] == "C-1")
        #expect(r["name"] == "Acme")
        #expect(r["ownerId"] == "E-1")
        #expect(r["registeredAt"] == "2026-03-02T11:00:00.000Z")
        let expectedLead: JSONValue = [
            "leadId": "L-1", "company": "Acme", "contactName": "Ann Lee", "source": "web",
            "capturedAt": "2026-03-02T09:00:00.000Z", "convertedAt": "2026-03-02T11:00:00.000Z", "convertedBy": "E-1",
        ]
        #expect(r["lead"] == expectedLead)
        let opportunities: JSONValue = [
            [
                "id": "O-1", "title": "Deal", "stage": "won", "amount": "1000.00", "probability": 100,
                "expectedClose": nil, "openedAt": "2026-03-02T11:00:00.000Z",
            ],
            [
                "id": "O-2", "title": "Upsell", "stage": "proposal", "amount": "500.00", "probability": 50,
                "expectedClose": nil, "openedAt": "2026-03-02T11:00:00.000Z",
            ],
        ]
        #expect(r["opportunities"] == opportunities, "\(r["opportunities"]?.text ?? "")")
        let orders: JSONValue = [
            [
                "id": "SO-1", "status": "shipped", "total": "100.00", "placedAt": "2026-03-02T11:00:00.000Z",
                "warehouseId": "W1", "opportunityId": nil,
                "lines": [["sku": "S-1", "quantity": 4, "unitPrice": "25.00"]],
                "shipments": [
                    ["at": "2026-03-02T11:00:00.000Z", "lines": [["sku": "S-1", "quantity": 4, "unitCost": "2.5000"]]]
                ],
                "returns": [
                    [
                        "returnId": "RET-1", "at": "2026-03-02T11:00:00.000Z",
                        "lines": [["sku": "S-1", "quantity": 1, "unitCost": "2.5000"]],
                    ]
                ],
            ]
        ]
        #expect(r["orders"] == orders, "\(r["orders"]?.text ?? "")")
        let expenses: JSONValue = [
            [
                "id": "X-1", "amount": "120.00", "status": "approved", "requesterId": "E-1", "category": "travel",
                "submittedAt": "2026-03-02T11:00:00.000Z",
            ],
            [
                "id": "X-2", "amount": "80.00", "status": "pending", "requesterId": "E-1", "category": "meals",
                "submittedAt": "2026-03-02T11:00:00.000Z",
            ],
        ]
        #expect(r["expenses"] == expenses, "\(r["expenses"]?.text ?? "")")
        let totals: JSONValue = [
            "wonAmount": "1000.00", "openPipeline": "500.00", "weightedPipeline": "250.00", "approvedExpenses": "120.00",
        ]
        #expect(r["totals"] == totals)
        #expect(r["lastContactAt"] == "2026-03-02T11:30:00.000Z")
        let timeline = try #require(r["timeline"]?.arrayValue)
        // Converted, registered, 2 opened, advanced, advanced + won, placed + reserved, shipped + order
        // shipped, returned, 2 submitted, 2 steps approved + approved, follow-up: newest first.
        #expect(timeline.count == 18)
        #expect(timeline.first?["type"] == "FollowUpLogged")
        #expect(timeline.last?["type"] == "LeadConverted")
        let positions = timeline.compactMap { $0["position"]?.intValue }
        #expect(positions == positions.sorted(by: >))
    }

    @Test func salesRepsSeeOnlyTheCustomersTheyOwnAndManagersSeeAll() async throws {
        let h = try await company()
        #expect(await h.queryCode("customer360", ["customerId": "C-1"], as: "E-1") == nil)
        #expect(await h.queryCode("customer360", ["customerId": "C-1"], as: "E-2") == "forbidden")
        #expect(await h.queryCode("customer360", ["customerId": "C-1"], as: "M-1") == nil)
        #expect(await h.queryCode("customer360", ["customerId": "C-1"], as: "W-1") == nil)
        #expect(await h.queryCode("customer360", ["customerId": "C-404"], as: "E-1") == "not_found")
    }

    @Test func paramsAreCheckedStrictly() async throws {
        let h = try await company()
        #expect(await h.queryCode("customer360", [:]) == "invalid_argument")
        #expect(await h.queryCode("customer360", ["customerId": "C-1", "customerID": "x"]) == "invalid_argument")
        do {
            _ = try await h.query("customer360", ["customerId": "C-1", "extra": 1])
            Issue.record("accepted an unknown parameter")
        } catch let e as DomainError {
            #expect(e.details["field"] == "extra")
        }
        do {
            _ = try await h.query("customer999", [:])
            Issue.record("accepted an unknown view")
        } catch let e as DomainError {
            #expect(e.code == .invalidArgument && e.details["field"] == "view")
        }
    }
}
