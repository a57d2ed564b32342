import Domain
import JSON
import Testing

@Suite struct InventoryTests {
    /// Odoo's example (CONTRACT §3): receive 8 @ 10 and 4 @ 16 → average 12.0000; ship 10 → 2 on hand,
    /// value 24.00. Then a transfer of 1 to W2 and a count of 3 there.
    func odoo() async throws -> ViewHarness {
        let h = try ViewHarness()
        try await h.employee("W-1", ["warehouse"])
        try await h.employee("E-1", ["sales"])
        try await h.run("W-1", "RegisterProduct", ["sku": "S-1", "name": "Widget", "unit": "pc", "reorderPoint": 5])
        try await h.run("W-1", "RegisterProduct", ["sku": "S-2", "name": "Gadget", "unit": "pc", "reorderPoint": 0])
        try await h.run("W-1", "RegisterWarehouse", ["warehouseId": "W1", "name": "Main"])
        try await h.run("W-1", "RegisterWarehouse", ["warehouseId": "W2", "name": "Second"])
        try await h.run("E-1", "RegisterCustomer", ["customerId": "C-1", "name": "Acme"])
        try await h.run("W-1", "ReceiveStock", ["receiptId": "R-1", "sku": "S-1", "warehouseId": "W1", "quantity": 8, "unitCost": "10"])
        try await h.run("W-1", "ReceiveStock", ["receiptId": "R-2", "sku": "S-1", "warehouseId": "W1", "quantity": 4, "unitCost": "16"])
        try await h.run("W-1", "ReceiveStock", ["receiptId": "R-3", "sku": "S-2", "warehouseId": "W1", "quantity": 1, "unitCost": "0.3333"])
        try await h.run(
            "E-1", "PlaceSalesOrder",
            ["orderId": "SO-1", "customerId": "C-1", "warehouseId": "W1", "lines": [["sku": "S-1", "quantity": 10, "unitPrice": "20"]]])
        return h
    }

    @Test func levelsFollowReservationsShipmentsTransfersAndCounts() async throws {
        let h = try await odoo()
        var page = try await h.query("inventory", ["sku": "S-1"])
        #expect(
            page["rows"]
                == [
                    [
                        "sku": "S-1", "warehouseId": "W1", "onHand": 12, "reserved": 10, "available": 2,
                        "averageCost": "12.0000", "value": "144.00", "belowReorderPoint": true,
                    ]
                ])
        try await h.run("W-1", "ShipOrder", ["orderId": "SO-1"])
        try await h.run(
            "W-1", "TransferStock", ["transferId": "T-1", "sku": "S-1", "fromWarehouseId": "W1", "toWarehouseId": "W2", "quantity": 1])
        try await h.run("W-1", "AdjustStock", ["adjustmentId": "A-1", "sku": "S-1", "warehouseId": "W2", "countedQuantity": 3, "reason": "count"])
        page = try await h.query("inventory", [:])
        let expected: JSONValue = [
            [
                "sku": "S-1", "warehouseId": "W1", "onHand": 1, "reserved": 0, "available": 1, "averageCost": "12.0000",
                "value": "12.00", "belowReorderPoint": true,
            ],
            [
                "sku": "S-1", "warehouseId": "W2", "onHand": 3, "reserved": 0, "available": 3, "averageCost": "12.0000",
                "value": "36.00", "belowReorderPoint": true,
            ],
            [
                "sku": "S-2", "warehouseId": "W1", "onHand": 1, "reserved": 0, "available": 1, "averageCost": "0.3333",
                "value": "0.33", "belowReorderPoint": false,
            ],
        ]
        #expect(page["rows"] == expected, "\(page.text)")
        #expect(page["next"] == .null)
        let w2 = try await h.query("inventory", ["warehouseId": "W2"])
        #expect(w2["rows"]?.arrayValue?.count == 1)

        // Pages of one row, following the cursor.
        var rows: [JSONValue] = []
        var after: JSONValue = .null
        repeat {
            var params: JSONObject = ["limit": 1]
            if !after.isNull { params["after"] = after }
            let p = try await h.query("inventory", params)
            rows += p["rows"]?.arrayValue ?? []
            after = p["next"] ?? .null
        } while !after.isNull
        #expect(JSONValue.array(rows) == expected)
    }

    @Test func theLedgerListsEveryMovementWithItsCostAndReference() async throws {
        let h = try await odoo()
        try await h.run("W-1", "ShipOrder", ["orderId": "SO-1"])
        try await h.run(
            "W-1", "TransferStock", ["transferId": "T-1", "sku": "S-1", "fromWarehouseId": "W1", "toWarehouseId": "W2", "quantity": 1])
        try await h.run("W-1", "AdjustStock", ["adjustmentId": "A-1", "sku": "S-1", "warehouseId": "W2", "countedQuantity": 3, "reason": "count"])
        let page = try await h.query("stockLedger", ["sku": "S-1"])
        let rows = try #require(page["rows"]?.arrayValue)
        let summary = rows.map { r in
            [r["type"]?.stringValue ?? "", r["warehouseId"]?.stringValue ?? "", r["quantity"]?.intValue.map(String.init) ?? "",
             r["onHandAfter"]?.intValue.map(String.init) ?? "", r["unitCost"]?.stringValue ?? "", r["reference"]?.stringValue ?? ""]
        }
        #expect(
            summary == [
                ["StockReceived", "W1", "8", "8", "10.0000", "R-1"],
                ["StockReceived", "W1", "4", "12", "16.0000", "R-2"],
                ["StockShipped", "W1", "-10", "2", "12.0000", "SO-1"],
                ["StockTransferredOut", "W1", "-1", "1", "12.0000", "T-1"],
                ["StockTransferredIn", "W2", "1", "1", "12.0000", "T-1"],
                ["StockAdjusted", "W2", "2", "3", "12.0000", "A-1"],
            ])
        let w2 = try await h.query("stockLedger", ["sku": "S-1", "warehouseId": "W2", "limit": 1])
        #expect(w2["rows"]?.arrayValue?.map { $0["type"] } == ["StockTransferredIn"])
        let next = try #require(w2["next"]?.stringValue)
        let rest = try await h.query("stockLedger", ["sku": "S-1", "warehouseId": "W2", "after": .string(next)])
        #expect(rest["rows"]?.arrayValue?.map { $0["type"] } == ["StockAdjusted"])
        #expect(rest["next"] == .null)
    }

    @Test func onlyStockRolesReadTheLedger() async throws {
        let h = try await odoo()
        #expect(await h.queryCode("inventory", [:], as: "E-1") == nil)
        #expect(await h.queryCode("stockLedger", ["sku": "S-1"], as: "E-1") == "forbidden")
        #expect(await h.queryCode("stockLedger", ["sku": "S-1"], as: "W-1") == nil)
        #expect(await h.queryCode("stockLedger", [:], as: "W-1") == "invalid_argument")
        #expect(await h.queryCode("stockLedger", ["sku": "S-1", "after": "garbage"], as: "W-1") == "invalid_argument")
        #expect(await h.queryCode("inventory", ["limit": 0]) == "invalid_argument")
        #expect(await h.queryCode("inventory", ["limit": 1001]) == "invalid_argument")
    }
}
