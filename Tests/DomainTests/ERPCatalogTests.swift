import Domain
import JSON
import Testing

@Suite struct ERPCatalogTests {
    @Test func registeringAProductWritesItsStreamAndTag() throws {
        var s = ERPFixture.company()
        let events = try s.then(
            s.actor("W-1"), "RegisterProduct", ["sku": "P-9", "name": "Bolt", "unit": "box", "reorderPoint": 0])
        #expect(events.count == 1)
        #expect(events[0].type == "ProductRegistered")
        #expect(events[0].stream == "product-P-9")
        #expect(events[0].tags == ["sku:P-9"])
        #expect(events[0].schema == 1)
        #expect(events[0].data == ["sku": "P-9", "name": "Bolt", "unit": "box", "reorderPoint": 0])
        #expect(s.state.erp.products["P-9"] == Product(sku: "P-9", name: "Bolt", unit: "box", reorderPoint: 0))
    }

    @Test func registeringAWarehouseWritesItsStreamAndTag() throws {
        var s = ERPFixture.company()
        let events = try s.then(s.actor("W-1"), "RegisterWarehouse", ["warehouseId": "WH-9", "name": "South"])
        #expect(events.map(\.type) == ["WarehouseRegistered"])
        #expect(events[0].stream == "warehouse-WH-9")
        #expect(events[0].tags == ["warehouse:WH-9"])
        #expect(events[0].data == ["warehouseId": "WH-9", "name": "South"])
        #expect(s.state.erp.warehouses["WH-9"]?.name == "South")
    }

    @Test func registeringTwiceIsRejectedAsAlreadyExisting() {
        let s = ERPFixture.company()
        let product = s.rejection(
            .admin, "RegisterProduct", ["sku": "P-1", "name": "X", "unit": "pcs", "reorderPoint": 1])
        #expect(product?.code == .alreadyExists)
        #expect(product?.details["kind"] == "product")
        #expect(product?.details["id"] == "P-1")
        #expect(s.rejection(.admin, "RegisterWarehouse", ["warehouseId": "WH-1", "name": "X"])?.code == .alreadyExists)
    }

    @Test func malformedCatalogDataIsAnInvalidArgumentNamingTheField() {
        let s = ERPFixture.company()
        let cases: [(JSONObject, String)] = [
            (["sku": "P-9", "name": "X", "unit": "pcs", "reorderPoint": -1], "reorderPoint"),
            (["sku": "P-9", "name": "X", "unit": "pcs", "reorderPoint": "3"], "reorderPoint"),
            (["sku": "P-9", "name": "X", "unit": "pcs"], "reorderPoint"),
            (["sku": "P 9", "name": "X", "unit": "pcs", "reorderPoint": 1], "sku"),
            (["sku": "P-9", "name": " ", "unit": "pcs", "reorderPoint": 1], "name"),
            (["sku": "P-9", "name": "X", "unit": "pcs", "reorderPoint": 1, "colour": "red"], "colour"),
        ]
        for (data, field) in cases {
            let e = s.rejection(.admin, "RegisterProduct", data)
            #expect(e?.code == .invalidArgument)
            #expect(e?.details["field"] == .string(field))
        }
        // Data is checked before existence: a malformed re-registration is invalid, not a duplicate.
        #expect(s.rejection(.admin, "RegisterWarehouse", ["warehouseId": "WH-1"])?.code == .invalidArgument)
    }

    @Test func onlyWarehouseStaffAndAdminsRegisterTheCatalog() {
        let s = ERPFixture.company()
        for actor in ["S-1", "M-1", "F-1"] {
            #expect(
                s.rejection(s.actor(actor), "RegisterWarehouse", ["warehouseId": "WH-9", "name": "X"])?.code
                    == .forbidden)
        }
        #expect(s.rejection(s.actor("W-1"), "RegisterWarehouse", ["warehouseId": "WH-9", "name": "X"]) == nil)
    }
}
