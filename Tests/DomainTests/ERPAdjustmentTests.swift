import Domain
import JSON
import Testing

@Suite struct ERPAdjustmentTests {
    static func adjustData(_ id: String, counted: Int, reason: String = "cycle count") -> JSONObject {
        [
            "adjustmentId": .string(id), "sku": "P-1", "warehouseId": "WH-1",
            "countedQuantity": .number(JSONNumber(counted)), "reason": .string(reason),
        ]
    }

    /// 10 × P-1 @ 7 in WH-1, 4 of them reserved by SO-1.
    static func counted() -> Scenario {
        var s = ERPFixture.company()
        ERPFixture.receive(&s, "R-1", "P-1", "WH-1", 10, "7")
        s.given(s.actor("S-1"), "PlaceSalesOrder", ERPFixture.orderData("SO-1", lines: [("P-1", 4, "10")]))
        return s
    }

    @Test func aCountSetsOnHandAndRecordsTheDifference() throws {
        var s = Self.counted()
        let events = try s.then(s.actor("W-1"), "AdjustStock", Self.adjustData("A-1", counted: 8, reason: "broken"))
        #expect(events.map(\.type) == ["StockAdjusted"])
        #expect(events[0].stream == "stock-P-1@WH-1")
        #expect(events[0].tags == ["sku:P-1", "warehouse:WH-1"])
        #expect(
            events[0].data == [
                "adjustmentId": "A-1", "sku": "P-1", "warehouseId": "WH-1", "countedQuantity": 8, "difference": -2,
                "onHandAfter": 8, "unitCost": "7.0000", "reason": "broken",
            ])
        let level = ERPFixture.level(s, "P-1", "WH-1")
        #expect(level.onHand == 8)
        #expect(level.reserved == 4)
        #expect(level.averageCost.costText == "7.0000")

        let found = try s.then(s.actor("W-1"), "AdjustStock", Self.adjustData("A-2", counted: 11))
        #expect(found[0].data["difference"] == 3)
        // Stock found in a count does not move the average: only receipts, returns and transfers in do.
        #expect(ERPFixture.level(s, "P-1", "WH-1").averageCost.costText == "7.0000")
    }

    @Test func aCountThatMatchesIsRecordedToo() throws {
        var s = Self.counted()
        let events = try s.then(s.actor("W-1"), "AdjustStock", Self.adjustData("A-1", counted: 10))
        #expect(events.count == 1)
        #expect(events[0].data["difference"] == 0)
        #expect(events[0].data["onHandAfter"] == 10)
        #expect(s.state.erp.adjustmentIds.contains("A-1"))
    }

    @Test func countingBelowWhatIsReservedIsInsufficientStock() throws {
        var s = Self.counted()
        let e = s.rejection(s.actor("W-1"), "AdjustStock", Self.adjustData("A-1", counted: 3))
        #expect(e?.code == .insufficientStock)
        #expect(e?.details == ["sku": "P-1", "warehouseId": "WH-1", "countedQuantity": 3, "reserved": 4])
        let exact = try s.then(s.actor("W-1"), "AdjustStock", Self.adjustData("A-1", counted: 4))
        #expect(exact[0].data["difference"] == -6)
        #expect(ERPFixture.level(s, "P-1", "WH-1").available == 0)
    }

    @Test func adjustmentsAreRejectedForTheRightReasons() {
        var s = Self.counted()
        s.given(s.actor("W-1"), "AdjustStock", Self.adjustData("A-1", counted: 10))
        let w = s.actor("W-1")
        #expect(
            s.rejection(w, "AdjustStock", Self.adjustData("A-2", counted: 10, reason: " "))?.code == .reasonRequired)
        var noReason = Self.adjustData("A-2", counted: 10)
        noReason["reason"] = nil
        #expect(s.rejection(w, "AdjustStock", noReason)?.code == .reasonRequired)
        #expect(
            s.rejection(w, "AdjustStock", Self.adjustData("A-2", counted: -1))?.details["field"] == "countedQuantity")
        var unknownSku = Self.adjustData("A-2", counted: 1)
        unknownSku["sku"] = "P-404"
        #expect(s.rejection(w, "AdjustStock", unknownSku)?.code == .unknownProduct)
        var unknownWarehouse = Self.adjustData("A-2", counted: 1)
        unknownWarehouse["warehouseId"] = "WH-404"
        #expect(s.rejection(w, "AdjustStock", unknownWarehouse)?.code == .unknownWarehouse)
        let duplicate = s.rejection(w, "AdjustStock", Self.adjustData("A-1", counted: 0))
        #expect(duplicate?.code == .alreadyExists)
        #expect(duplicate?.details["kind"] == "adjustment")
        #expect(s.rejection(s.actor("M-1"), "AdjustStock", Self.adjustData("A-2", counted: 10))?.code == .forbidden)
    }
}
