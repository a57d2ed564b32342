import Domain
import JSON
import Testing

@Suite struct ERPOrderTests {
    /// `C-1`'s company with 10 × P-1 @ 4 and 5 × P-2 @ 2.5 in WH-1.
    static func stocked() -> Scenario {
        var s = ERPFixture.company()
        ERPFixture.receive(&s, "R-1", "P-1", "WH-1", 10, "4")
        ERPFixture.receive(&s, "R-2", "P-2", "WH-1", 5, "2.5")
        return s
    }

    @Test func placingAnOrderWritesTheOrderThenOneReservationPerLine() throws {
        var s = Self.stocked()
        var data = ERPFixture.orderData("SO-1", lines: [("P-1", 3, "19.99"), ("P-2", 2, "5")])
        data["opportunityId"] = "O-1"
        let events = try s.then(s.actor("S-1"), "PlaceSalesOrder", data)
        #expect(events.map(\.type) == ["SalesOrderPlaced", "StockReserved", "StockReserved"])
        #expect(events.map(\.stream) == ["order-SO-1", "stock-P-1@WH-1", "stock-P-2@WH-1"])
        #expect(events.allSatisfy { $0.schema == 1 })
        #expect(
            events[0].tags == [
                "order:SO-1", "customer:C-1", "rep:S-1", "opportunity:O-1", "warehouse:WH-1", "sku:P-1", "sku:P-2",
            ])
        #expect(
            events[0].data == [
                "orderId": "SO-1", "customerId": "C-1", "opportunityId": "O-1", "warehouseId": "WH-1",
                "lines": [
                    ["sku": "P-1", "quantity": 3, "unitPrice": "19.99", "lineTotal": "59.97"],
                    ["sku": "P-2", "quantity": 2, "unitPrice": "5.00", "lineTotal": "10.00"],
                ],
                "total": "69.97", "repId": "S-1",
            ])
        #expect(events[1].tags == ["sku:P-1", "warehouse:WH-1", "order:SO-1", "customer:C-1", "rep:S-1"])
        #expect(
            events[1].data == [
                "orderId": "SO-1", "sku": "P-1", "warehouseId": "WH-1", "quantity": 3, "reservedAfter": 3,
            ])
        #expect(events[2].data["reservedAfter"] == 2)

        let p1 = ERPFixture.level(s, "P-1", "WH-1")
        #expect(p1.onHand == 10)
        #expect(p1.reserved == 3)
        #expect(p1.available == 7)
        #expect(s.state.erp.orders["SO-1"]?.status == .open)
        #expect(s.state.erp.orders["SO-1"]?.total.amountText == "69.97")
    }

    @Test func anOrderWithoutOpportunityRecordsNull() throws {
        var s = Self.stocked()
        let events = try s.then(
            s.actor("S-1"), "PlaceSalesOrder", ERPFixture.orderData("SO-1", lines: [("P-1", 1, "1")]))
        #expect(events[0].data["opportunityId"] == .null)
        #expect(!events[0].tags.contains { $0.hasPrefix("opportunity:") })
    }

    @Test func reservationIsAllOrNothingAndNamesEveryShortLine() throws {
        var s = Self.stocked()
        try s.then(s.actor("S-1"), "PlaceSalesOrder", ERPFixture.orderData("SO-1", lines: [("P-1", 8, "1")]))
        // P-1 has 2 available, P-2 has 5: only P-1 is short, but nothing is reserved.
        let e = s.rejection(
            s.actor("S-1"), "PlaceSalesOrder", ERPFixture.orderData("SO-2", lines: [("P-2", 5, "1"), ("P-1", 3, "1")]))
        #expect(e?.code == .insufficientStock)
        #expect(e?.details["lines"] == [["sku": "P-1", "requested": 3, "available": 2]])

        let both = s.rejection(
            s.actor("S-1"), "PlaceSalesOrder", ERPFixture.orderData("SO-2", lines: [("P-2", 6, "1"), ("P-1", 3, "1")]))
        #expect(
            both?.details["lines"] == [
                ["sku": "P-2", "requested": 6, "available": 5], ["sku": "P-1", "requested": 3, "available": 2],
            ])
        // A warehouse without any stock of the sku has 0 available.
        let empty = s.rejection(
            s.actor("S-1"), "PlaceSalesOrder", ERPFixture.orderData("SO-2", warehouse: "WH-2", lines: [("P-1", 1, "1")])
        )
        #expect(empty?.details["lines"] == [["sku": "P-1", "requested": 1, "available": 0]])
        #expect(ERPFixture.level(s, "P-2", "WH-1").reserved == 0)
        #expect(s.state.erp.orders["SO-2"] == nil)
    }

    @Test func malformedOrdersAreInvalidArguments() {
        let s = Self.stocked()
        let w = s.actor("W-1")
        func field(_ data: JSONObject) -> JSONValue? {
            let e = s.rejection(w, "PlaceSalesOrder", data)
            #expect(e?.code == .invalidArgument)
            return e?.details["field"]
        }
        #expect(field(ERPFixture.orderData("SO-1", lines: [])) == "lines")
        #expect(field(ERPFixture.orderData("SO-1", lines: [("P-1", 1, "1"), ("P-1", 2, "1")])) == "lines[1].sku")
        // A long order (more than 8 lines) is checked the same way: the first repeat is named.
        let long = (0..<12).map { i in (i == 10 ? "X-3" : "X-\(i)", 1, "1") }
        #expect(field(ERPFixture.orderData("SO-1", lines: long)) == "lines[10].sku")
        #expect(field(ERPFixture.orderData("SO-1", lines: [("P-1", 0, "1")])) == "lines[0].quantity")
        #expect(field(ERPFixture.orderData("SO-1", lines: [("P-1", 1, "0")])) == "lines[0].unitPrice")
        #expect(field(ERPFixture.orderData("SO-1", lines: [("P-1", 1, "1.001")])) == "lines[0].unitPrice")
        #expect(
            field(ERPFixture.orderData("SO-1", lines: [("P-2", 1, "1"), ("P-1", 1, "123456789012345")]))
                == "lines[1].unitPrice")
        // The total is an amount too: at most 999,999,999,999.99.
        #expect(field(ERPFixture.orderData("SO-1", lines: [("P-1", 2, "999999999999.99")])) == "lines[0].quantity")
        #expect(
            field(ERPFixture.orderData("SO-1", lines: [("P-1", 1, "999999999999.99"), ("P-2", 1, "0.01")]))
                == "lines[1].quantity")
        // A line far beyond Int64 (saturated by the multiplication) is refused, never an overflow.
        #expect(
            field(ERPFixture.orderData("SO-1", lines: [("P-2", 1, "1"), ("P-1", 1_000_000_000, "999999999999.99")]))
                == "lines[1].quantity")

        var extra = ERPFixture.orderData("SO-1", lines: [("P-1", 1, "1")])
        extra["lines"] = [["sku": "P-1", "quantity": 1, "unitPrice": "1", "discount": "0.5"]]
        #expect(field(extra) == "lines[0].discount")
        var notArray = ERPFixture.orderData("SO-1", lines: [])
        notArray["lines"] = ["sku": "P-1"]
        #expect(field(notArray) == "lines")
        var missing = ERPFixture.orderData("SO-1", lines: [])
        missing["lines"] = nil
        #expect(field(missing) == "lines")
    }

    @Test func referencedThingsMustExistInTheContractsOrder() {
        var s = Self.stocked()
        s.given(s.actor("W-1"), "PlaceSalesOrder", ERPFixture.orderData("SO-1", lines: [("P-1", 1, "1")]))
        let w = s.actor("W-1")
        let product = s.rejection(
            w, "PlaceSalesOrder",
            ERPFixture.orderData("SO-2", customer: "C-404", warehouse: "WH-404", lines: [("P-404", 1, "1")]))
        #expect(product?.code == .unknownProduct)
        let warehouse = s.rejection(
            w, "PlaceSalesOrder",
            ERPFixture.orderData("SO-2", customer: "C-404", warehouse: "WH-404", lines: [("P-1", 1, "1")]))
        #expect(warehouse?.code == .unknownWarehouse)
        let customer = s.rejection(
            w, "PlaceSalesOrder", ERPFixture.orderData("SO-2", customer: "C-404", lines: [("P-1", 1, "1")]))
        #expect(customer?.code == .notFound)
        #expect(customer?.details == ["kind": "customer", "id": "C-404"])

        var opportunity = ERPFixture.orderData("SO-2", lines: [("P-1", 1, "1")])
        opportunity["opportunityId"] = "O-404"
        #expect(s.rejection(w, "PlaceSalesOrder", opportunity)?.details == ["kind": "opportunity", "id": "O-404"])
        opportunity["opportunityId"] = "O-2"
        let foreign = s.rejection(w, "PlaceSalesOrder", opportunity)
        #expect(foreign?.code == .invalidArgument)
        #expect(foreign?.details["field"] == "opportunityId")

        let duplicate = s.rejection(w, "PlaceSalesOrder", ERPFixture.orderData("SO-1", lines: [("P-1", 1, "1")]))
        #expect(duplicate?.code == .alreadyExists)
        #expect(duplicate?.details == ["kind": "order", "id": "SO-1"])
        // Existence comes before stock: an unknown customer with too big an order is not_found.
        #expect(
            s.rejection(
                w, "PlaceSalesOrder", ERPFixture.orderData("SO-2", customer: "C-404", lines: [("P-1", 99, "1")]))?.code
                == .notFound)
    }

    @Test func salesRepsOrderOnlyForTheirCustomersManagersForTheirReportsWarehouseForAnyone() {
        let s = Self.stocked()
        let forC1 = ERPFixture.orderData("SO-1", lines: [("P-1", 1, "1")])
        let forC2 = ERPFixture.orderData("SO-1", customer: "C-2", lines: [("P-1", 1, "1")])
        #expect(s.rejection(s.actor("S-1"), "PlaceSalesOrder", forC1) == nil)
        let foreign = s.rejection(s.actor("S-1"), "PlaceSalesOrder", forC2)
        #expect(foreign?.code == .notOwner)
        #expect(foreign?.details["customerId"] == "C-2")
        #expect(s.rejection(s.actor("M-1"), "PlaceSalesOrder", forC1) == nil)
        #expect(s.rejection(s.actor("M-1"), "PlaceSalesOrder", forC2)?.code == .notOwner)
        #expect(s.rejection(s.actor("W-1"), "PlaceSalesOrder", forC2) == nil)
        #expect(s.rejection(.admin, "PlaceSalesOrder", forC2) == nil)
        #expect(s.rejection(s.actor("F-1"), "PlaceSalesOrder", forC1)?.code == .forbidden)
        // Ownership comes before stock rules.
        let big = ERPFixture.orderData("SO-1", customer: "C-2", lines: [("P-1", 99, "1")])
        #expect(s.rejection(s.actor("S-1"), "PlaceSalesOrder", big)?.code == .notOwner)
    }

    /// Read ahead (as the command processor does), a malformed order from an actor whose roles may
    /// not place one is still `forbidden`, not `invalid_argument`: the role comes first (CONTRACT §2).
    @Test func dataReadAheadKeepsItsRejectionBehindTheRoleCheck() throws {
        let s = Self.stocked()
        let malformed: JSONObject = ["orderId": "SO-1", "customerId": "C-1", "warehouseId": "WH-1", "lines": []]
        let command = Command(type: "PlaceSalesOrder", data: .object(malformed))
        let prepared = try #require(CompanyState.prepare(command))
        let context = CommandContext(actor: s.actor("F-1"), now: s.now)
        #expect(throws: DomainError.self) { try s.state.decide(command, context: context, prepared: prepared) }
        do {
            _ = try s.state.decide(command, context: context, prepared: prepared)
        } catch let e as DomainError {
            #expect(e.code == .forbidden)
        }
        let rep = CommandContext(actor: s.actor("S-1"), now: s.now)
        do {
            _ = try s.state.decide(command, context: rep, prepared: prepared)
            Issue.record("an order without lines was accepted")
        } catch let e as DomainError {
            #expect(e.code == .invalidArgument)
        }
        // A command type that reads nothing ahead has no prepared form.
        #expect(CompanyState.prepare(Command(type: "ShipOrder", data: ["orderId": "SO-1"])) == nil)
    }

    @Test func shippingTakesTheWholeOrderAtTheMovingAverageCost() throws {
        var s = Self.stocked()
        try s.then(
            s.actor("S-1"), "PlaceSalesOrder", ERPFixture.orderData("SO-1", lines: [("P-1", 3, "10"), ("P-2", 2, "5")]))
        // A receipt between placing and shipping moves the average: (10 × 4 + 10 × 5.5) / 20 = 4.75.
        ERPFixture.receive(&s, "R-3", "P-1", "WH-1", 10, "5.5")
        let events = try s.then(s.actor("W-1"), "ShipOrder", ["orderId": "SO-1"])
        #expect(events.map(\.type) == ["StockShipped", "StockShipped", "OrderShipped"])
        #expect(events.map(\.stream) == ["stock-P-1@WH-1", "stock-P-2@WH-1", "order-SO-1"])
        #expect(
            events[0].data == [
                "orderId": "SO-1", "sku": "P-1", "warehouseId": "WH-1", "quantity": 3, "unitCost": "4.7500",
                "onHandAfter": 17, "reservedAfter": 0,
            ])
        #expect(events[0].tags == ["sku:P-1", "warehouse:WH-1", "order:SO-1", "customer:C-1", "rep:S-1"])
        #expect(events[1].data["unitCost"] == "2.5000")
        #expect(events[1].data["onHandAfter"] == 3)
        #expect(events[2].data == ["orderId": "SO-1", "customerId": "C-1", "total": "40.00"])
        #expect(events[2].tags == ["order:SO-1", "customer:C-1", "rep:S-1", "warehouse:WH-1"])

        let p1 = ERPFixture.level(s, "P-1", "WH-1")
        #expect(p1.onHand == 17)
        #expect(p1.reserved == 0)
        #expect(p1.averageCost.costText == "4.7500")
        #expect(s.state.erp.orders["SO-1"]?.status == .shipped)
        #expect(s.state.erp.orders["SO-1"]?.line(sku: "P-1")?.shippedUnitCost?.costText == "4.7500")
    }

    @Test func onlyOpenOrdersShipOrCancel() throws {
        var s = Self.stocked()
        let w = s.actor("W-1")
        #expect(s.rejection(w, "ShipOrder", ["orderId": "SO-404"])?.details == ["kind": "order", "id": "SO-404"])
        try s.then(w, "PlaceSalesOrder", ERPFixture.orderData("SO-1", lines: [("P-1", 1, "1")]))
        try s.then(w, "PlaceSalesOrder", ERPFixture.orderData("SO-2", lines: [("P-1", 1, "1")]))
        try s.then(w, "ShipOrder", ["orderId": "SO-1"])
        try s.then(w, "CancelOrder", ["orderId": "SO-2", "reason": "customer changed their mind"])

        let shippedAgain = s.rejection(w, "ShipOrder", ["orderId": "SO-1"])
        #expect(shippedAgain?.code == .orderNotOpen)
        #expect(shippedAgain?.details == ["orderId": "SO-1", "status": "shipped"])
        #expect(s.rejection(w, "CancelOrder", ["orderId": "SO-1", "reason": "late"])?.code == .orderNotOpen)
        #expect(s.rejection(w, "ShipOrder", ["orderId": "SO-2"])?.details["status"] == "cancelled")
        #expect(s.rejection(w, "CancelOrder", ["orderId": "SO-2", "reason": "again"])?.code == .orderNotOpen)
        #expect(s.rejection(w, "ShipOrder", ["orderId": "SO-1", "carrier": "DHL"])?.code == .invalidArgument)
        #expect(s.rejection(s.actor("S-1"), "ShipOrder", ["orderId": "SO-1"])?.code == .forbidden)
    }

    @Test func cancellingReleasesEveryReservation() throws {
        var s = Self.stocked()
        try s.then(
            s.actor("S-1"), "PlaceSalesOrder", ERPFixture.orderData("SO-1", lines: [("P-1", 4, "10"), ("P-2", 5, "5")]))
        try s.then(s.actor("S-1"), "PlaceSalesOrder", ERPFixture.orderData("SO-2", lines: [("P-1", 6, "10")]))
        let events = try s.then(s.actor("S-1"), "CancelOrder", ["orderId": "SO-1", "reason": "duplicate"])
        #expect(events.map(\.type) == ["ReservationReleased", "ReservationReleased", "OrderCancelled"])
        #expect(events.map(\.stream) == ["stock-P-1@WH-1", "stock-P-2@WH-1", "order-SO-1"])
        #expect(
            events[0].data == [
                "orderId": "SO-1", "sku": "P-1", "warehouseId": "WH-1", "quantity": 4, "reservedAfter": 6,
            ])
        #expect(events[0].tags == ["sku:P-1", "warehouse:WH-1", "order:SO-1", "customer:C-1", "rep:S-1"])
        #expect(events[1].data["reservedAfter"] == 0)
        #expect(events[2].data == ["orderId": "SO-1", "customerId": "C-1", "reason": "duplicate"])
        #expect(events[2].tags == ["order:SO-1", "customer:C-1", "rep:S-1", "warehouse:WH-1"])
        #expect(ERPFixture.level(s, "P-1", "WH-1").reserved == 6)
        #expect(ERPFixture.level(s, "P-2", "WH-1").available == 5)
        #expect(s.state.erp.orders["SO-1"]?.status == .cancelled)
    }

    @Test func cancellingNeedsAReasonAndTheCustomersOwner() throws {
        var s = Self.stocked()
        try s.then(s.actor("S-1"), "PlaceSalesOrder", ERPFixture.orderData("SO-1", lines: [("P-1", 1, "1")]))
        #expect(
            s.rejection(s.actor("S-1"), "CancelOrder", ["orderId": "SO-1", "reason": "  "])?.code == .reasonRequired)
        #expect(s.rejection(s.actor("S-1"), "CancelOrder", ["orderId": "SO-1"])?.code == .reasonRequired)
        #expect(s.rejection(s.actor("S-1"), "CancelOrder", ["orderId": "SO-404", "reason": "x"])?.code == .notFound)
        #expect(s.rejection(s.actor("S-2"), "CancelOrder", ["orderId": "SO-1", "reason": "x"])?.code == .notOwner)
        #expect(s.rejection(s.actor("M-1"), "CancelOrder", ["orderId": "SO-1", "reason": "x"]) == nil)
        #expect(s.rejection(s.actor("W-1"), "CancelOrder", ["orderId": "SO-1", "reason": "x"]) == nil)
        try s.then(s.actor("W-1"), "ShipOrder", ["orderId": "SO-1"])
        // Ownership is checked before the order's state.
        #expect(s.rejection(s.actor("S-2"), "CancelOrder", ["orderId": "SO-1", "reason": "x"])?.code == .notOwner)
    }
}
