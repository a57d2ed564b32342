import Domain
import JSON
import Testing

@Suite struct ERPReceiveStockTests {
    @Test func odooExampleHoldsExactly() throws {
        var s = ERPFixture.company()
        let first = ERPFixture.receive(&s, "R-1", "P-1", "WH-1", 8, "10")
        #expect(first[0].data["averageCostAfter"] == "10.0000")
        let second = ERPFixture.receive(&s, "R-2", "P-1", "WH-1", 4, "16")
        #expect(second[0].data["onHandAfter"] == 12)
        #expect(second[0].data["averageCostAfter"] == "12.0000")

        try s.then(s.actor("S-1"), "PlaceSalesOrder", ERPFixture.orderData("SO-1", lines: [("P-1", 10, "20.00")]))
        let shipped = try s.then(s.actor("W-1"), "ShipOrder", ["orderId": "SO-1"])
        #expect(shipped[0].data["unitCost"] == "12.0000")
        #expect(shipped[0].data["onHandAfter"] == 2)

        let level = ERPFixture.level(s, "P-1", "WH-1")
        #expect(level.onHand == 2)
        #expect(level.reserved == 0)
        #expect(level.averageCost.costText == "12.0000")
        #expect(level.value.amountText == "24.00")
    }

    @Test func aReceiptRecordsQuantitiesAfterItInTheStockStream() throws {
        var s = ERPFixture.company()
        let events = try s.then(s.actor("W-1"), "ReceiveStock", ERPFixture.receiveData("R-1", "P-1", "WH-1", 3, "2.5"))
        #expect(events.count == 1)
        #expect(events[0].type == "StockReceived")
        #expect(events[0].stream == "stock-P-1@WH-1")
        #expect(events[0].tags == ["sku:P-1", "warehouse:WH-1"])
        #expect(
            events[0].data == [
                "receiptId": "R-1", "sku": "P-1", "warehouseId": "WH-1", "quantity": 3, "unitCost": "2.5000",
                "onHandAfter": 3, "averageCostAfter": "2.5000",
            ])
    }

    @Test func theMovingAverageIsRoundedHalfToEvenToFourDecimals() {
        var s = ERPFixture.company()
        ERPFixture.receive(&s, "R-1", "P-1", "WH-1", 1, "0.0001")
        // (1 × 0.0001 + 1 × 0.0002) / 2 = 0.00015 → 0.0002 (half to even)
        let events = ERPFixture.receive(&s, "R-2", "P-1", "WH-1", 1, "0.0002")
        #expect(events[0].data["averageCostAfter"] == "0.0002")
        // (2 × 0.0002 + 1 × 0) / 3 = 0.000133… → 0.0001
        let free = ERPFixture.receive(&s, "R-3", "P-1", "WH-1", 1, "0")
        #expect(free[0].data["averageCostAfter"] == "0.0001")
        #expect(free[0].data["unitCost"] == "0.0000")
    }

    @Test func stockComingBackFromZeroTakesTheNewCost() throws {
        var s = ERPFixture.company()
        ERPFixture.receive(&s, "R-1", "P-1", "WH-1", 2, "10")
        try s.then(
            s.actor("W-1"), "AdjustStock",
            ["adjustmentId": "A-1", "sku": "P-1", "warehouseId": "WH-1", "countedQuantity": 0, "reason": "lost"])
        let events = ERPFixture.receive(&s, "R-2", "P-1", "WH-1", 1, "30")
        #expect(events[0].data["averageCostAfter"] == "30.0000")
    }

    @Test func rejectionsFollowTheOrderOfChecks() {
        var s = ERPFixture.company()
        ERPFixture.receive(&s, "R-1", "P-1", "WH-1", 1, "1")
        let w = s.actor("W-1")
        func code(_ data: JSONObject) -> ErrorCode? { s.rejection(w, "ReceiveStock", data)?.code }
        func field(_ data: JSONObject) -> JSONValue? { s.rejection(w, "ReceiveStock", data)?.details["field"] }

        #expect(field(ERPFixture.receiveData("R-2", "P-1", "WH-1", 0, "1")) == "quantity")
        #expect(field(ERPFixture.receiveData("R-2", "P-1", "WH-1", 1, "-1")) == "unitCost")
        #expect(field(ERPFixture.receiveData("R-2", "P-1", "WH-1", 1, "1.00001")) == "unitCost")
        #expect(field(ERPFixture.receiveData("R-2", "P-1", "WH-1", 1, "1e3")) == "unitCost")
        // Fifteen integer digits would overflow the fixed-point parser: refused, not a crash.
        #expect(field(ERPFixture.receiveData("R-2", "P-1", "WH-1", 1, "999999999999999")) == "unitCost")
        #expect(field(ERPFixture.receiveData("R-2", "P-1", "WH-1", 1, "-999999999999999")) == "unitCost")
        #expect(field(ERPFixture.receiveData("R-2", "P-1", "WH-1", 1, "1000000000000")) == "unitCost")
        #expect(code(ERPFixture.receiveData("R-2", "P-1", "WH-1", 1, "999999999999.99")) == nil)
        // A JSON number is read from its text.
        var numeric = ERPFixture.receiveData("R-2", "P-1", "WH-1", 1, "0")
        numeric["unitCost"] = .number(JSONNumber(unchecked: "12.3456"))
        #expect(code(numeric) == nil)
        // Invalid data comes before unknown things; unknown products before unknown warehouses.
        #expect(code(ERPFixture.receiveData("R-2", "P-404", "WH-404", 0, "1")) == .invalidArgument)
        let product = s.rejection(w, "ReceiveStock", ERPFixture.receiveData("R-2", "P-404", "WH-404", 1, "1"))
        #expect(product?.code == .unknownProduct)
        #expect(product?.details["sku"] == "P-404")
        let warehouse = s.rejection(w, "ReceiveStock", ERPFixture.receiveData("R-1", "P-1", "WH-404", 1, "1"))
        #expect(warehouse?.code == .unknownWarehouse)
        #expect(warehouse?.details["warehouseId"] == "WH-404")
        // A receipt id is used once.
        let duplicate = s.rejection(w, "ReceiveStock", ERPFixture.receiveData("R-1", "P-2", "WH-2", 1, "1"))
        #expect(duplicate?.code == .alreadyExists)
        #expect(duplicate?.details["kind"] == "receipt")
        #expect(
            s.rejection(s.actor("S-1"), "ReceiveStock", ERPFixture.receiveData("R-2", "P-1", "WH-1", 1, "1"))?.code
                == .forbidden)
    }
}

@Suite struct ERPStockValueTests {
    @Test func valueIsRoundedHalfToEvenAndSaturatesInsteadOfTrapping() {
        #expect(StockLevel(onHand: 3, averageCost: Money(units: 50)).value.amountText == "0.02")  // 0.015
        #expect(StockLevel(onHand: 5, averageCost: Money(units: 50)).value.amountText == "0.02")  // 0.025
        #expect(StockLevel(onHand: 7, averageCost: Money(units: 50)).value.amountText == "0.04")  // 0.035
        let huge = StockLevel(onHand: 1_000_000_000, averageCost: Money.maximumAmount)
        #expect(huge.value.units == Int64.max)
    }
}
