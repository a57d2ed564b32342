import CommandProcessing
import Domain
import EventCoding
import EventLog
import JSON
import Testing

@Suite struct CommandProcessorTests {
    @Test func anAcceptedCommandIsDurableAndItsEventsCarryTheActorAndIds() async throws {
        let h = try Harness()
        defer { h.log.close() }
        try await h.employee("W-1", ["warehouse"])
        let reply = try await h.processor.execute(CommandRequest(
            type: "RegisterWarehouse", data: ["warehouseId": "WH-1", "name": "Main"], actorId: "W-1",
            commandId: "c-1", correlationId: "corr-1", causationId: "cause-1"))
        #expect(reply.events.map(\.type) == ["WarehouseRegistered"])
        #expect(reply.duplicate == false)
        let stored = try #require(try h.log.event(at: reply.position))
        #expect(stored.envelope.actor == "W-1")
        #expect(stored.envelope.commandId == "c-1")
        #expect(stored.envelope.correlationId == "corr-1")
        #expect(stored.envelope.causationId == "cause-1")
        // The tags moved from the decided event into the log's request: stored, not lost.
        #expect(stored.envelope.tags == ["warehouse:WH-1"])
        let json = try EventJSON.object(stored)
        #expect(json["data"]?["warehouseId"] == "WH-1")
        #expect(json["at"] == "2026-03-02T09:00:00.000Z")
    }

    @Test func rejectionsCarryTheContractsCodesInTheOrderOfChecks() async throws {
        let h = try Harness()
        defer { h.log.close() }
        try await h.employee("S-1", ["sales"])
        #expect(await h.code("S-1", "NoSuchThing", [:]) == .unknownCommand)
        #expect(await h.code("S-1", "RegisterWarehouse", ["warehouseId": "WH-1", "name": "x"]) == .forbidden)
        #expect(await h.code("admin", "RegisterWarehouse", ["warehouseId": "bad id!", "name": "x"]) == .invalidArgument)
        #expect(await h.code("ghost", "SubmitExpense", [:]) == .unauthenticated)
        #expect(await h.code("admin", "ReceiveStock", ["receiptId": "R-1", "sku": "NOPE", "warehouseId": "WH-1", "quantity": 1, "unitCost": "1"]) == .unknownProduct)
    }

    /// An actor id is an employee's id byte for byte: one spelled with a character canonically
    /// equivalent to one of its letters (the Kelvin sign for "K") is no employee.
    @Test func anActorIdMatchesAnEmployeeByItsBytes() async throws {
        let h = try Harness()
        defer { h.log.close() }
        try await h.employee("K-1", ["sales"])
        let lead: JSONObject = ["leadId": "L-1", "company": "Co", "contactName": "C", "source": "web"]
        #expect(await h.code("\u{212A}-1", "CaptureLead", lead) == .unauthenticated)
        #expect(await h.code("K-1", "CaptureLead", lead) == nil)
    }

    @Test func aRepeatedCommandIdReturnsTheOriginalResultEvenAfterARestart() async throws {
        var h = try Harness()
        let first = try await h.run("admin", "RegisterWarehouse", ["warehouseId": "WH-1", "name": "Main"], commandId: "c-1")
        try h.restart()
        defer { h.log.close() }
        let again = try await h.run("admin", "RegisterWarehouse", ["warehouseId": "WH-1", "name": "Main"], commandId: "c-1")
        #expect(again.duplicate)
        #expect(again.events == first.events)
        #expect(h.log.lastPosition == first.position)
        #expect(await h.code("admin", "RegisterWarehouse", ["warehouseId": "WH-2", "name": "Other"], commandId: "c-1") == .alreadyExists)
    }

    @Test func theSameCommandIdSentConcurrentlyYieldsOneResultAndNoDuplicateEvents() async throws {
        let h = try Harness()
        defer { h.log.close() }
        let replies = try await withThrowingTaskGroup(of: CommandReply.self) { group in
            for _ in 0..<20 {
                group.addTask {
                    try await h.run("admin", "RegisterWarehouse", ["warehouseId": "WH-1", "name": "Main"], commandId: "same")
                }
            }
            var all: [CommandReply] = []
            for try await r in group { all.append(r) }
            return all
        }
        #expect(replies.filter { !$0.duplicate }.count == 1)
        #expect(Set(replies.map(\.position)).count == 1)
        #expect(h.log.lastPosition == 1)
    }

    @Test func expectedVersionGuardsThePrimaryStream() async throws {
        let h = try Harness()
        defer { h.log.close() }
        #expect(await h.code("admin", "RegisterWarehouse", ["warehouseId": "WH-1", "name": "Main"], expectedVersion: 3) == .wrongExpectedVersion)
        try await h.run("admin", "RegisterWarehouse", ["warehouseId": "WH-1", "name": "Main"], expectedVersion: 0)
        #expect(h.log.lastPosition == 1)
    }

    @Test func concurrentReservationsNeverOversell() async throws {
        let h = try Harness()
        defer { h.log.close() }
        try await h.employee("W-1", ["warehouse"])
        try await h.run("W-1", "RegisterWarehouse", ["warehouseId": "WH-1", "name": "Main"])
        try await h.run("W-1", "RegisterProduct", ["sku": "SKU-1", "name": "Widget", "unit": "pcs", "reorderPoint": 5])
        try await h.run("W-1", "ReceiveStock", ["receiptId": "R-1", "sku": "SKU-1", "warehouseId": "WH-1", "quantity": 100, "unitCost": "2.50"])
        try await h.run("admin", "RegisterCustomer", ["customerId": "C-1", "name": "Acme", "ownerId": "W-1"])
        let accepted = try await withThrowingTaskGroup(of: Bool.self) { group in
            for i in 0..<1000 {
                group.addTask {
                    let code = await h.code("W-1", "PlaceSalesOrder", [
                        "orderId": .string("O-\(i)"), "customerId": "C-1", "warehouseId": "WH-1",
                        "lines": [["sku": "SKU-1", "quantity": 1, "unitPrice": "9.99"]],
                    ])
                    if let code, code != .insufficientStock { Issue.record("unexpected \(code)") }
                    return code == nil
                }
            }
            var n = 0
            for try await ok in group where ok { n += 1 }
            return n
        }
        #expect(accepted == 100)
        // reserved ≤ on hand at every position of the stock stream.
        let stream = try h.log.readStream("stock-SKU-1@WH-1", limit: 10_000)
        var onHand = 0
        for e in stream.events {
            let data = try EventJSON.object(e)["data"]
            if let v = data?["onHandAfter"]?.intValue { onHand = v }
            if let reserved = data?["reservedAfter"]?.intValue { #expect(reserved <= onHand) }
        }
    }

    @Test func stateIsRebuiltFromTheLogOnRestart() async throws {
        var h = try Harness()
        try await h.employee("W-1", ["warehouse"])
        try await h.run("W-1", "RegisterWarehouse", ["warehouseId": "WH-1", "name": "Main"])
        try h.restart()
        defer { h.log.close() }
        #expect(await h.code("W-1", "RegisterWarehouse", ["warehouseId": "WH-1", "name": "Again"]) == .alreadyExists)
        let state = try await h.processor.snapshot()
        #expect(state.org.employees["W-1"]?.roles == [.warehouse])
    }
}
