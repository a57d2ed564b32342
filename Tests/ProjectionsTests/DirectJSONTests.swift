@testable import Customer360
import JSON
import ProjectionRuntime
import Testing

/// Results that build their JSON form directly must give exactly what their `Encodable` form gives
/// through `JSONValueEncoder` (the form every other view's result takes on the wire).
@Suite struct DirectJSONTests {
    typealias C = Customer360

    static let full = C.Result(
        customerId: "C-1", name: "Acme \"Ltd\"", ownerId: "E-1", registeredAt: "2026-03-02T09:00:00.000Z",
        lead: C.Lead(
            leadId: "L-1", company: "Acme", contactName: "enc2.TC0x.5.abc", source: "web",
            capturedAt: "2026-03-01T09:00:00.000Z", convertedAt: "2026-03-02T09:00:00.000Z", convertedBy: "E-1"),
        opportunities: [
            C.Opportunity(
                id: "O-1", title: "Deal", stage: "won", amount: "1000.00", probability: 100,
                expectedClose: "2026-06-30", openedAt: "2026-03-02T09:00:00.000Z"),
            C.Opportunity(
                id: "O-2", title: "Ünïcode ✓", stage: "qualified", amount: "0.01", probability: 0,
                expectedClose: nil, openedAt: "2026-03-03T09:00:00.000Z"),
        ],
        orders: [
            C.Order(
                id: "SO-1", status: "partiallyReturned", total: "100.00", placedAt: "2026-03-04T09:00:00.000Z",
                warehouseId: "W1", opportunityId: "O-1",
                lines: [C.Line(sku: "S-1", quantity: 4, unitPrice: "25.00")],
                shipments: [C.Shipment(at: "2026-03-05T09:00:00.000Z", lines: [C.MovedLine(sku: "S-1", quantity: 4, unitCost: "2.5000")])],
                returns: [C.Return(returnId: nil, at: "2026-03-06T09:00:00.000Z", lines: [C.MovedLine(sku: "S-1", quantity: 1, unitCost: "2.5000")])]),
            C.Order(
                id: "SO-2", status: "reserved", total: "-0.00", placedAt: "2026-03-04T10:00:00.000Z", warehouseId: "W2",
                opportunityId: nil, lines: [], shipments: [], returns: []),
        ],
        expenses: [
            C.Expense(
                id: "X-1", amount: "120.00", status: "approved", requesterId: "E-1", category: "travel",
                submittedAt: "2026-03-04T11:00:00.000Z")
        ],
        totals: C.Totals(wonAmount: "1000.00", openPipeline: "500.00", weightedPipeline: "250.00", approvedExpenses: "120.00"),
        lastContactAt: "2026-03-07T09:00:00.000Z",
        timeline: [
            C.TimelineEntry(position: 18_446_744_073_709_551_615, at: "2026-03-07T09:00:00.000Z", actor: "E-1", type: "FollowUpLogged"),
            C.TimelineEntry(position: 1, at: "2026-03-02T09:00:00.000Z", actor: "admin", type: "CustomerRegistered"),
        ])

    @Test func aFullCustomer360ResultHasTheSameJSONBothWays() throws {
        let direct = Self.full.jsonObject
        #expect(direct == (try JSONValueEncoder().encodeObject(Self.full)))
        #expect(JSONValue.object(direct).text == (try JSONValueEncoder().encode(Self.full)).text)
    }

    @Test func anEmptyCustomer360ResultHasTheSameJSONBothWays() throws {
        var sparse = Self.full
        sparse.lead = nil
        sparse.opportunities = []
        sparse.orders = []
        sparse.expenses = []
        sparse.timeline = []
        sparse.lastContactAt = nil
        #expect(sparse.jsonObject == (try JSONValueEncoder().encodeObject(sparse)))
        var bareLead = Self.full
        bareLead.lead = C.Lead(leadId: "L-9")
        #expect(bareLead.jsonObject == (try JSONValueEncoder().encodeObject(bareLead)))
    }
}
