import Domain
import JSON
import Testing

@Suite struct ERPTransferTests {
    static func transferData(
        _ id: String, quantity: Int, from: String = "WH-1", to: String = "WH-2", sku: String = "P-1"
    ) -> JSONObject {
        [
            "transferId": .string(id), "sku": .string(sku), "fromWarehouseId": .string(from),
            "toWarehouseId": .string(to), "quantity": .number(JSONNumber(quantity)),
        ]
    }

    /// P-1: 10 @ 12 in WH-1 (3 reserved by SO-1) and 5 @ 6 in WH-2.
    static func twoWarehouses() -> Scenario {
        var s = ERPFixture.company()
        ERPFixture.receive(&s, "R-1", "P-1", "WH-1", 10, "12")
        ERPFixture.receive(&s, "R-2", "P-1", "WH-2", 5, "6")
        s.given(s.actor("S-1"), "PlaceSalesOrder", ERPFixture.orderData("SO-1", lines: [("P-1", 3, "20")]))
        return s
    }

    @Test func aTransferCarriesTheSourceAverageIntoTheDestination() throws {
        var s = Self.twoWarehouses()
        let events = try s.then(s.actor("W-1"), "TransferStock", Self.transferData("T-1", quantity: 5))
        #expect(events.map(\.type) == ["StockTransferredOut", "StockTransferredIn"])
        #expect(events.map(\.stream) == ["stock-P-1@WH-1", "stock-P-1@WH-2"])
        #expect(events[0].tags == ["sku:P-1", "warehouse:WH-1", "warehouse:WH-2"])
        #expect(events[1].tags == events[0].tags)
        #expect(
            events[0].data == [
                "transferId": "T-1", "sku": "P-1", "fromWarehouseId": "WH-1", "toWarehouseId": "WH-2", "quantity": 5,
                "unitCost": "12.0000", "onHandAfter": 5,
            ])
        // (5 × 6 + 5 × 12) / 10 = 9
        #expect(
            events[1].data == [
                "transferId": "T-1", "sku": "P-1", "fromWarehouseId": "WH-1", "toWarehouseId": "WH-2", "quantity": 5,
                "unitCost": "12.0000", "onHandAfter": 10, "averageCostAfter": "9.0000",
            ])
        let source = ERPFixture.level(s, "P-1", "WH-1")
        #expect(source.onHand == 5)
        #expect(source.reserved == 3)
        #expect(source.averageCost.costText == "12.0000")
        let destination = ERPFixture.level(s, "P-1", "WH-2")
        #expect(destination.onHand == 10)
        #expect(destination.averageCost.costText == "9.0000")
        #expect(destination.value.amountText == "90.00")
    }

    @Test func onlyAvailableStockCanLeave() throws {
        var s = Self.twoWarehouses()
        let e = s.rejection(s.actor("W-1"), "TransferStock", Self.transferData("T-1", quantity: 8))
        #expect(e?.code == .insufficientStock)
        #expect(e?.details["requested"] == 8)
        #expect(e?.details["available"] == 7)
        #expect(e?.details["warehouseId"] == "WH-1")
        #expect(e?.details["lines"] == [["sku": "P-1", "requested": 8, "available": 7]])
        try s.then(s.actor("W-1"), "TransferStock", Self.transferData("T-1", quantity: 7))
        #expect(ERPFixture.level(s, "P-1", "WH-1").available == 0)
        // The reservation survives: the order still ships from WH-1.
        let shipped = try s.then(s.actor("W-1"), "ShipOrder", ["orderId": "SO-1"])
        #expect(shipped[0].data["onHandAfter"] == 0)
    }

    @Test func aTransferIntoAnEmptyWarehouseTakesTheSourceCost() throws {
        var s = Self.twoWarehouses()
        s.given(.admin, "RegisterWarehouse", ["warehouseId": "WH-3", "name": "Overflow"])
        let events = try s.then(s.actor("W-1"), "TransferStock", Self.transferData("T-1", quantity: 2, to: "WH-3"))
        #expect(events[1].data["averageCostAfter"] == "12.0000")
        #expect(events[1].data["onHandAfter"] == 2)
    }

    @Test func transfersAreRejectedForTheRightReasons() {
        var s = Self.twoWarehouses()
        s.given(s.actor("W-1"), "TransferStock", Self.transferData("T-1", quantity: 1))
        let w = s.actor("W-1")
        let same = s.rejection(w, "TransferStock", Self.transferData("T-2", quantity: 1, from: "WH-404", to: "WH-404"))
        #expect(same?.code == .invalidArgument)
        #expect(same?.details["field"] == "toWarehouseId")
        #expect(s.rejection(w, "TransferStock", Self.transferData("T-2", quantity: 0))?.details["field"] == "quantity")
        #expect(
            s.rejection(w, "TransferStock", Self.transferData("T-2", quantity: 1, sku: "P-404"))?.code
                == .unknownProduct)
        let from = s.rejection(w, "TransferStock", Self.transferData("T-2", quantity: 1, from: "WH-404"))
        #expect(from?.code == .unknownWarehouse)
        #expect(from?.details["warehouseId"] == "WH-404")
        #expect(
            s.rejection(w, "TransferStock", Self.transferData("T-2", quantity: 1, to: "WH-404"))?.details["warehouseId"]
                == "WH-404")
        let duplicate = s.rejection(w, "TransferStock", Self.transferData("T-1", quantity: 1))
        #expect(duplicate?.code == .alreadyExists)
        #expect(duplicate?.details["kind"] == "transfer")
        #expect(s.rejection(s.actor("S-1"), "TransferStock", Self.transferData("T-2", quantity: 1))?.code == .forbidden)
    }
}
