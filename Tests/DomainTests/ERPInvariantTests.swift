import DemoCompany
import Domain
import JSON
import Testing

@Suite struct ERPInvariantTests {
    static let skus = ["P-1", "P-2"]
    static let warehouses = ["WH-1", "WH-2"]

    /// One random ERP command, often one that will be rejected. `orders` are the ids placed so far
    /// (plus one that never was), so ships, cancels and returns mostly hit real orders.
    static func randomCommand(_ n: Int, orders: [String], _ rng: inout SplitMix64) -> (String, JSONObject) {
        func pick<T>(_ values: [T]) -> T { values[Int.random(in: 0..<values.count, using: &rng)] }
        func quantity(_ upTo: Int) -> JSONValue { .number(JSONNumber(Int.random(in: 1...upTo, using: &rng))) }
        let order: JSONValue = .string(pick(orders + ["SO-404"]))
        switch Int.random(in: 0..<7, using: &rng) {
        case 0:
            let cost = "\(Int.random(in: 0...50, using: &rng)).\(Int.random(in: 0...9999, using: &rng))"
            return (
                "ReceiveStock",
                ERPFixture.receiveData("R-\(n)", pick(skus), pick(warehouses), Int.random(in: 1...9, using: &rng), cost)
            )
        case 1:
            let lineCount = Int.random(in: 1...2, using: &rng)
            let lines = skus.shuffled(using: &rng).prefix(lineCount).map { sku -> JSONValue in
                ["sku": .string(sku), "quantity": quantity(6), "unitPrice": "9.99"]
            }
            return (
                "PlaceSalesOrder",
                [
                    "orderId": .string("SO-\(n)"), "customerId": .string(pick(["C-1", "C-2"])),
                    "warehouseId": .string(pick(warehouses)), "lines": .array(lines),
                ]
            )
        case 2: return ("ShipOrder", ["orderId": order])
        case 3: return ("CancelOrder", ["orderId": order, "reason": "random"])
        case 4:
            return (
                "ReturnGoods",
                [
                    "returnId": .string("RT-\(n)"), "orderId": order,
                    "lines": [["sku": .string(pick(skus)), "quantity": quantity(4)]],
                ]
            )
        case 5:
            return (
                "AdjustStock",
                [
                    "adjustmentId": .string("A-\(n)"), "sku": .string(pick(skus)),
                    "warehouseId": .string(pick(warehouses)),
                    "countedQuantity": .number(JSONNumber(Int.random(in: 0...12, using: &rng))), "reason": "count",
                ]
            )
        default:
            let from = pick(warehouses)
            return (
                "TransferStock",
                [
                    "transferId": .string("T-\(n)"), "sku": .string(pick(skus)), "fromWarehouseId": .string(from),
                    "toWarehouseId": .string(from == "WH-1" ? "WH-2" : "WH-1"), "quantity": quantity(5),
                ]
            )
        }
    }

    @Test(arguments: [1, 7, 42, 2026] as [UInt64])
    func invariantsHoldAfterEveryAcceptedCommandOfARandomHistory(seed: UInt64) throws {
        var rng = SplitMix64(seed: seed)
        var s = ERPFixture.company()
        let w = s.actor("W-1")
        var accepted: [String: Int] = [:]
        var orders: [String] = []
        for n in 0..<600 {
            let (type, data) = Self.randomCommand(n, orders: orders, &rng)
            guard let events = try? s.when(w, type, data) else { continue }
            s.apply(events, actor: w.id)
            accepted[type, default: 0] += 1
            if type == "PlaceSalesOrder", let id = data["orderId"]?.stringValue { orders.append(id) }
            try Self.checkInvariants(s, after: events, step: n)
        }
        // The history exercises every command, not only the easy ones.
        for type in [
            "ReceiveStock", "PlaceSalesOrder", "ShipOrder", "CancelOrder", "ReturnGoods", "AdjustStock",
            "TransferStock",
        ] {
            #expect(
                accepted[type, default: 0] >= 3, "seed \(seed): \(type) accepted \(accepted[type, default: 0]) times")
        }
    }

    static func checkInvariants(_ s: Scenario, after events: [NewEvent], step: Int) throws {
        var reservedByOrders: [StockKey: Int] = [:]
        for order in s.state.erp.orders.values where order.status == .open {
            for line in order.lines {
                reservedByOrders[StockKey(sku: line.sku, warehouseId: order.warehouseId), default: 0] += line.quantity
            }
        }
        for (key, level) in s.state.erp.stock {
            #expect(level.onHand >= 0, "step \(step): \(key.stream) on hand \(level.onHand)")
            #expect(level.reserved >= 0, "step \(step): \(key.stream) reserved \(level.reserved)")
            #expect(level.reserved <= level.onHand, "step \(step): \(key.stream) reserved above on hand")
            #expect(level.available == level.onHand - level.reserved)
            #expect(level.averageCost >= .zero)
            #expect(level.reserved == reservedByOrders[key, default: 0], "step \(step): \(key.stream) reservations")
        }
        for order in s.state.erp.orders.values {
            for line in order.lines { #expect(line.returnedQuantity <= line.quantity) }
        }
        // What each event says about its stream is what the state holds after the command.
        for e in events where e.stream.hasPrefix("stock-") {
            let name = e.stream.dropFirst("stock-".count)
            let parts = name.split(separator: "@")
            let level = s.state.erp.level(sku: String(parts[0]), warehouseId: String(parts[1]))
            if let onHand = e.data["onHandAfter"]?.intValue { #expect(level.onHand == onHand) }
            if let reserved = e.data["reservedAfter"]?.intValue { #expect(level.reserved == reserved) }
            if let average = e.data["averageCostAfter"]?.stringValue { #expect(level.averageCost.costText == average) }
        }
    }

    @Test func evolversIgnoreMalformedEventsWithoutCrashing() {
        var s = ERPFixture.company()
        ERPFixture.receive(&s, "R-1", "P-1", "WH-1", 5, "2")
        let before = ERPFixture.level(s, "P-1", "WH-1")
        let malformed: [(EventType, JSONObject)] = [
            ("StockReceived", ["sku": 7, "warehouseId": "WH-1", "onHandAfter": 9]),
            ("StockReceived", ["sku": "P-1", "warehouseId": "WH-1", "averageCostAfter": "99999999999999999999.0000"]),
            ("StockShipped", ["sku": "P-1", "warehouseId": "WH-1", "orderId": "SO-404", "unitCost": [1]]),
            ("SalesOrderPlaced", ["orderId": "SO-9", "lines": "none"]),
            (
                "SalesOrderPlaced",
                ["orderId": "SO-9", "customerId": "C-1", "warehouseId": "WH-1", "lines": [["sku": 1], "x"]]
            ),
            ("OrderShipped", ["orderId": "SO-404"]),
            ("OrderCancelled", [:]),
            ("StockReturned", ["sku": "P-1", "orderId": "SO-404", "quantity": "many"]),
            ("StockAdjusted", ["sku": "P-1", "warehouseId": "WH-1", "onHandAfter": "x"]),
            ("StockTransferredOut", ["sku": "P-1", "warehouseId": "WH-1"]),
            ("StockTransferredIn", ["transferId": 3]),
            ("ProductRegistered", ["name": "no sku"]),
            ("WarehouseRegistered", ["warehouseId": ["WH"]]),
        ]
        for (type, data) in malformed {
            s.position += 1
            s.state.apply(DomainEvent(position: s.position, at: s.now, actor: "x", stream: "x", type: type, data: data))
        }
        #expect(ERPFixture.level(s, "P-1", "WH-1") == before)
        #expect(s.state.erp.orders["SO-9"]?.lines.isEmpty == true)
        #expect(s.state.erp.products.count == 2)
        #expect(s.state.erp.warehouses.count == 2)
    }
}
