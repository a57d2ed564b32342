@testable import CommandProcessing
import JSON
import Testing

/// `executeBatch` drops each request's data once its decider has read it ahead (freed while still in
/// the cache); `prepare`, which the server calls on batches it keeps, leaves every request whole.
@Suite struct PreparedBatchTests {
    static let batch = [
        // Read ahead (`PlaceSalesOrder` has a reader): its data is dropped.
        CommandRequest(
            type: "PlaceSalesOrder",
            data: ["orderId": "SO-1", "customerId": "C-1", "warehouseId": "WH-1",
                   "lines": .array([.object(["sku": "SKU-1", "quantity": 2, "unitPrice": "19.90"])])],
            actorId: "admin"),
        // No reader: the writer decides from the data.
        CommandRequest(type: "RegisterWarehouse", data: ["warehouseId": "WH-1", "name": "Main"], actorId: "admin"),
        // Its key is destroyed from the data after the commit.
        CommandRequest(type: "ForgetSubject", data: ["subject": "L-1"], actorId: "admin"),
        // Refused before anything is read (an empty command id).
        CommandRequest(type: "SubmitExpense", data: ["expenseId": "X-1", "amount": "10.00"], actorId: "admin", commandId: ""),
    ]

    @Test func onlyDataReadAheadIsDroppedAndOnlyFromABatchHandedOver() throws {
        let h = try Harness()
        defer { h.log.close() }
        let handed = h.processor.prepare(Self.batch, droppingReadData: true)
        #expect(handed.requests.map(\.data) == [.null] + Self.batch.dropFirst().map(\.data))
        #expect(handed.requests.map(\.type) == Self.batch.map(\.type))
        #expect(handed.refused.map { $0 != nil } == [false, false, false, true])
        // The caller's own array is a value: it keeps its data.
        #expect(Self.batch[0].data != .null)
        let kept = h.processor.prepare(Self.batch)
        #expect(kept.requests.map(\.data) == Self.batch.map(\.data))
    }
}
