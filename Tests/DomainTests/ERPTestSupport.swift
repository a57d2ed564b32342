import Domain
import JSON
import Testing

/// A small company for ERP tests, and shorthands for the commands they repeat.
///
/// People: `W-1` (warehouse), `S-1` and `S-2` (sales), `M-1` (manager of `S-1`), `F-1` (finance).
/// Catalog: products `P-1` (reorder point 5) and `P-2`, warehouses `WH-1` and `WH-2`.
/// Customers: `C-1` owned by `S-1` with opportunity `O-1`, `C-2` owned by `S-2` with opportunity `O-2`.
enum ERPFixture {
    static func company() -> Scenario {
        var s = Scenario()
        s.employee("M-1", roles: ["manager"])
        s.employee("S-1", roles: ["sales"], manager: "M-1")
        s.employee("S-2", roles: ["sales"])
        s.employee("W-1", roles: ["warehouse"])
        s.employee("F-1", roles: ["finance"])
        s.given(.admin, "RegisterProduct", ["sku": "P-1", "name": "Widget", "unit": "pcs", "reorderPoint": 5])
        s.given(.admin, "RegisterProduct", ["sku": "P-2", "name": "Gadget", "unit": "pcs", "reorderPoint": 0])
        s.given(.admin, "RegisterWarehouse", ["warehouseId": "WH-1", "name": "Main"])
        s.given(.admin, "RegisterWarehouse", ["warehouseId": "WH-2", "name": "North"])
        // CRM's evolvers live elsewhere: customers and opportunities are set directly.
        s.state.crm.customers["C-1"] = Customer(id: "C-1", name: "Acme", ownerId: "S-1")
        s.state.crm.customers["C-2"] = Customer(id: "C-2", name: "Globex", ownerId: "S-2")
        s.state.crm.opportunities["O-1"] = Opportunity(id: "O-1", customerId: "C-1", ownerId: "S-1")
        s.state.crm.opportunities["O-2"] = Opportunity(id: "O-2", customerId: "C-2", ownerId: "S-2")
        return s
    }

    static func receiveData(
        _ receiptId: String, _ sku: String, _ warehouseId: String, _ quantity: Int, _ unitCost: String
    ) -> JSONObject {
        [
            "receiptId": .string(receiptId), "sku": .string(sku), "warehouseId": .string(warehouseId),
            "quantity": .number(JSONNumber(quantity)), "unitCost": .string(unitCost),
        ]
    }

    /// Receives stock as `W-1` (the command must be accepted).
    @discardableResult
    static func receive(
        _ s: inout Scenario, _ receiptId: String, _ sku: String, _ warehouseId: String, _ quantity: Int,
        _ unitCost: String, sourceLocation: SourceLocation = #_sourceLocation
    ) -> [NewEvent] {
        s.given(
            s.actor("W-1"), "ReceiveStock", receiveData(receiptId, sku, warehouseId, quantity, unitCost),
            sourceLocation: sourceLocation)
    }

    /// `PlaceSalesOrder` data for customer `C-1` in `WH-1` unless told otherwise.
    static func orderData(
        _ orderId: String, customer: String = "C-1", warehouse: String = "WH-1",
        lines: [(sku: String, quantity: Int, unitPrice: String)]
    ) -> JSONObject {
        [
            "orderId": .string(orderId), "customerId": .string(customer), "warehouseId": .string(warehouse),
            "lines": .array(
                lines.map {
                    [
                        "sku": .string($0.sku), "quantity": .number(JSONNumber($0.quantity)),
                        "unitPrice": .string($0.unitPrice),
                    ]
                }),
        ]
    }

    static func returnData(_ returnId: String, _ orderId: String, lines: [(sku: String, quantity: Int)]) -> JSONObject {
        [
            "returnId": .string(returnId), "orderId": .string(orderId),
            "lines": .array(lines.map { ["sku": .string($0.sku), "quantity": .number(JSONNumber($0.quantity))] }),
        ]
    }

    /// The stock level of `sku` in `warehouseId`.
    static func level(_ s: Scenario, _ sku: String, _ warehouseId: String) -> StockLevel {
        s.state.erp.level(sku: sku, warehouseId: warehouseId)
    }
}
