import Domain
import JSON
import Testing

@Suite struct ERPReturnTests {
    /// 10 × P-1 @ 10 and 4 × P-2 @ 3 received in WH-1; order SO-1 (6 × P-1, 2 × P-2) shipped at those costs.
    static func shipped() -> Scenario {
        var s = ERPFixture.company()
        ERPFixture.receive(&s, "R-1", "P-1", "WH-1", 10, "10")
        ERPFixture.receive(&s, "R-2", "P-2", "WH-1", 4, "3")
        s.given(
            s.actor("S-1"), "PlaceSalesOrder", ERPFixture.orderData("SO-1", lines: [("P-1", 6, "25"), ("P-2", 2, "9")]))
        s.given(s.actor("W-1"), "ShipOrder", ["orderId": "SO-1"])
        return s
    }

    @Test func goodsComeBackAtTheCostTheyLeftWith() throws {
        var s = Self.shipped()
        // Between shipment and return more comes in at another cost: 4 @ 10 + 4 @ 16 → 13.0000.
        ERPFixture.receive(&s, "R-3", "P-1", "WH-1", 4, "16")
        #expect(ERPFixture.level(s, "P-1", "WH-1").averageCost.costText == "13.0000")
        let events = try s.then(
            s.actor("W-1"), "ReturnGoods", ERPFixture.returnData("RT-1", "SO-1", lines: [("P-1", 2)]))
        #expect(events.map(\.type) == ["StockReturned"])
        #expect(events[0].stream == "stock-P-1@WH-1")
        #expect(events[0].tags == ["sku:P-1", "warehouse:WH-1", "order:SO-1", "customer:C-1", "rep:S-1"])
        // (8 × 13 + 2 × 10) / 10 = 12.4
        #expect(
            events[0].data == [
                "returnId": "RT-1", "orderId": "SO-1", "customerId": "C-1", "sku": "P-1", "warehouseId": "WH-1",
                "quantity": 2, "unitCost": "10.0000", "onHandAfter": 10, "averageCostAfter": "12.4000",
            ])
        let level = ERPFixture.level(s, "P-1", "WH-1")
        #expect(level.onHand == 10)
        #expect(level.averageCost.costText == "12.4000")
        #expect(level.value.amountText == "124.00")
        #expect(s.state.erp.orders["SO-1"]?.line(sku: "P-1")?.returnedQuantity == 2)
    }

    @Test func severalLinesReturnTogetherInLineOrder() throws {
        var s = Self.shipped()
        let events = try s.then(
            s.actor("W-1"), "ReturnGoods", ERPFixture.returnData("RT-1", "SO-1", lines: [("P-2", 1), ("P-1", 6)]))
        #expect(events.map(\.stream) == ["stock-P-2@WH-1", "stock-P-1@WH-1"])
        #expect(events[0].data["unitCost"] == "3.0000")
        #expect(events[0].data["onHandAfter"] == 3)
        #expect(events[1].data["onHandAfter"] == 10)
        #expect(events[1].data["averageCostAfter"] == "10.0000")
    }

    @Test func noMoreThanShippedLessAlreadyReturnedComesBack() throws {
        var s = Self.shipped()
        let w = s.actor("W-1")
        try s.then(w, "ReturnGoods", ERPFixture.returnData("RT-1", "SO-1", lines: [("P-1", 4)]))
        let tooMany = s.rejection(w, "ReturnGoods", ERPFixture.returnData("RT-2", "SO-1", lines: [("P-1", 3)]))
        #expect(tooMany?.code == .invalidArgument)
        #expect(tooMany?.details["field"] == "lines[0].quantity")
        #expect(tooMany?.details["returnable"] == 2)
        try s.then(w, "ReturnGoods", ERPFixture.returnData("RT-2", "SO-1", lines: [("P-1", 2)]))
        #expect(
            s.rejection(w, "ReturnGoods", ERPFixture.returnData("RT-3", "SO-1", lines: [("P-1", 1)]))?.code
                == .invalidArgument)
        #expect(s.rejection(w, "ReturnGoods", ERPFixture.returnData("RT-3", "SO-1", lines: [("P-2", 2)])) == nil)
    }

    @Test func returnsAreRejectedForTheRightReasons() {
        var s = Self.shipped()
        s.given(.admin, "RegisterProduct", ["sku": "P-3", "name": "Other", "unit": "pcs", "reorderPoint": 0])
        ERPFixture.receive(&s, "R-9", "P-1", "WH-1", 1, "1")
        s.given(s.actor("S-1"), "PlaceSalesOrder", ERPFixture.orderData("SO-2", lines: [("P-1", 1, "1")]))
        s.given(s.actor("W-1"), "ReturnGoods", ERPFixture.returnData("RT-1", "SO-1", lines: [("P-1", 1)]))
        let w = s.actor("W-1")
        func rejection(_ data: JSONObject) -> DomainError? { s.rejection(w, "ReturnGoods", data) }

        #expect(rejection(ERPFixture.returnData("RT-2", "SO-1", lines: []))?.details["field"] == "lines")
        #expect(
            rejection(ERPFixture.returnData("RT-2", "SO-1", lines: [("P-1", 1), ("P-1", 1)]))?.details["field"]
                == "lines[1].sku")
        #expect(
            rejection(ERPFixture.returnData("RT-2", "SO-1", lines: [("P-1", 0)]))?.details["field"]
                == "lines[0].quantity")
        #expect(rejection(ERPFixture.returnData("RT-2", "SO-1", lines: [("P-404", 1)]))?.code == .unknownProduct)
        #expect(
            rejection(ERPFixture.returnData("RT-2", "SO-404", lines: [("P-1", 1)]))?.details == [
                "kind": "order", "id": "SO-404",
            ])
        let duplicate = rejection(ERPFixture.returnData("RT-1", "SO-1", lines: [("P-1", 1)]))
        #expect(duplicate?.code == .alreadyExists)
        #expect(duplicate?.details["kind"] == "return")
        let open = rejection(ERPFixture.returnData("RT-2", "SO-2", lines: [("P-1", 1)]))
        #expect(open?.code == .orderNotShipped)
        #expect(open?.details == ["orderId": "SO-2", "status": "open"])
        let notOnOrder = rejection(ERPFixture.returnData("RT-2", "SO-1", lines: [("P-2", 1), ("P-3", 1)]))
        #expect(notOnOrder?.code == .invalidArgument)
        #expect(notOnOrder?.details["field"] == "lines[1].sku")
        #expect(
            s.rejection(s.actor("S-1"), "ReturnGoods", ERPFixture.returnData("RT-2", "SO-1", lines: [("P-1", 1)]))?.code
                == .forbidden)
    }

    @Test func aCancelledOrderTakesNoReturns() {
        var s = ERPFixture.company()
        ERPFixture.receive(&s, "R-1", "P-1", "WH-1", 1, "1")
        s.given(s.actor("S-1"), "PlaceSalesOrder", ERPFixture.orderData("SO-1", lines: [("P-1", 1, "1")]))
        s.given(s.actor("S-1"), "CancelOrder", ["orderId": "SO-1", "reason": "no longer needed"])
        let e = s.rejection(s.actor("W-1"), "ReturnGoods", ERPFixture.returnData("RT-1", "SO-1", lines: [("P-1", 1)]))
        #expect(e?.code == .orderNotShipped)
        #expect(e?.details["status"] == "cancelled")
    }
}
