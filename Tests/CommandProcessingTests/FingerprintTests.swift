@testable import CommandProcessing
import JSON
import Testing

/// A command id's fingerprint is stored with it and compared on every repeat, across restarts and
/// upgrades: its value must never change. These values were computed by the first implementation.
@Suite struct FingerprintTests {
    static let order: JSONValue = .object([
        "orderId": "SO-1", "customerId": "C-1", "warehouseId": "WH-1",
        "lines": .array([.object(["sku": "SKU-1", "quantity": 2, "unitPrice": "19.90"])]),
        "note": nil, "rush": true,
    ])

    @Test func valuesAreStable() {
        #expect(Fingerprint.of(actor: "E-1", type: "PlaceSalesOrder", data: Self.order) == 10077790245183785310)
        #expect(Fingerprint.of(actor: "admin", type: "CaptureLead", data: .object([
            "leadId": "L-1", "company": "Café Ünïcode 東京", "contactName": "Zoë", "estimatedValue": "5000.00",
            "score": .number(JSONNumber(validating: "1.5e3")!),
        ])) == 6879759926558032775)
        #expect(Fingerprint.of(actor: "", type: "", data: .object([:])) == 5475683903137279789)
        #expect(Fingerprint.of(actor: "a-very-long-actor-identifier-beyond-fifteen", type: "T", data: .array([1, "x", nil, false])) == 4475776829245017258)
    }

    @Test func memberOrderDoesNotMatter() {
        let reordered: JSONValue = .object([
            "rush": true, "note": nil,
            "lines": .array([.object(["unitPrice": "19.90", "quantity": 2, "sku": "SKU-1"])]),
            "warehouseId": "WH-1", "customerId": "C-1", "orderId": "SO-1",
        ])
        #expect(Fingerprint.of(actor: "E-1", type: "PlaceSalesOrder", data: reordered)
            == Fingerprint.of(actor: "E-1", type: "PlaceSalesOrder", data: Self.order))
    }

    @Test func everyPartCounts() {
        let base = Fingerprint.of(actor: "E-1", type: "PlaceSalesOrder", data: Self.order)
        #expect(Fingerprint.of(actor: "E-2", type: "PlaceSalesOrder", data: Self.order) != base)
        #expect(Fingerprint.of(actor: "E-1", type: "ShipOrder", data: Self.order) != base)
        #expect(Fingerprint.of(actor: "E-1", type: "PlaceSalesOrder", data: .object(["orderId": "SO-2"])) != base)
        // A key and a value that trade bytes across their boundary differ.
        #expect(Fingerprint.of(actor: "a", type: "b", data: .object(["ab": "c"]))
            != Fingerprint.of(actor: "a", type: "b", data: .object(["a": "bc"])))
    }
}
