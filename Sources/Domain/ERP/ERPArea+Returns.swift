import JSON

/// `ReturnGoods`: goods of a shipped order come back into its warehouse at the cost they left with.
extension ERPArea {
    static func returnGoods(_ command: Command, _ context: CommandContext, _ state: CompanyState) throws
        -> [NewEvent]
    {
        var r = try DataReader(command.data)
        let returnId = try r.id("returnId")
        let orderId = try r.id("orderId")
        let lines = try readLines(&r) { line, _ in
            (sku: try line.id("sku"), quantity: try line.quantity("quantity"))
        }
        try r.finish()
        try requireDistinct(lines.map(\.sku))
        for line in lines { try requireProduct(line.sku, state) }
        let order = try requireOrder(orderId, state)
        if state.erp.returnIds.contains(returnId) { throw DomainError.alreadyExists("return", returnId) }
        guard order.status == .shipped else {
            throw DomainError(
                .orderNotShipped, "order \(orderId) is \(order.status.rawValue)",
                details: ["orderId": .string(orderId), "status": .string(order.status.rawValue)])
        }
        var costs: [Money] = []
        costs.reserveCapacity(lines.count)
        for (i, line) in lines.enumerated() {
            guard let orderLine = order.line(sku: line.sku), let cost = orderLine.shippedUnitCost else {
                throw DomainError.invalid("lines[\(i)].sku", "sku \(line.sku) is not on order \(orderId)")
            }
            guard line.quantity <= orderLine.returnable else {
                throw DomainError(
                    .invalidArgument,
                    "lines[\(i)].quantity is more than the \(orderLine.returnable) of \(line.sku) still returnable",
                    details: [
                        "field": .string("lines[\(i)].quantity"), "sku": .string(line.sku),
                        "returnable": json(orderLine.returnable),
                    ])
            }
            costs.append(cost)
        }
        let rep = currentRep(of: order, state)
        return zip(lines, costs).map { line, cost in
            let key = StockKey(sku: line.sku, warehouseId: order.warehouseId)
            let level = state.erp.level(sku: line.sku, warehouseId: order.warehouseId)
            let average = Money.movingAverage(
                onHand: level.onHand, average: level.averageCost, quantity: line.quantity, unitCost: cost)
            let data: JSONObject = [
                "returnId": .string(returnId), "orderId": .string(orderId), "customerId": .string(order.customerId),
                "sku": .string(line.sku), "warehouseId": .string(order.warehouseId), "quantity": json(line.quantity),
                "unitCost": .string(cost.costText), "onHandAfter": json(level.onHand + line.quantity),
                "averageCostAfter": .string(average.costText),
            ]
            return NewEvent(
                stream: key.stream, type: "StockReturned", tags: stockTags(key, order: order, rep: rep), data: data)
        }
    }
}
