import JSON

/// The life of a sales order: `PlaceSalesOrder`, `ShipOrder`, `CancelOrder`.
extension ERPArea {
    /// Reads the order and makes what needs no state — its lines, totals, their JSON and the tags
    /// that do not name the rep — so deciding checks the state and fills in the rest.
    static func readPlaceSalesOrder(_ command: Command) throws -> PreparedDecision {
        var r = try DataReader(command.data)
        let orderId = try r.id("orderId")
        let customerId = try r.id("customerId")
        let opportunityId = try r.optionalId("opportunityId")
        let warehouseId = try r.id("warehouseId")
        let lines = try readLines(&r) { line, path in
            let sku = try line.id("sku")
            let quantity = try line.quantity("quantity")
            let unitPrice = try price(&line, "unitPrice", path: path)
            return (sku: sku, quantity: quantity, unitPrice: unitPrice)
        }
        try r.finish()
        try requireDistinct(lines.map(\.sku))
        var orderLines: [OrderLine] = []
        orderLines.reserveCapacity(lines.count)
        var total = Money.zero
        for (i, line) in lines.enumerated() {
            // Checked in Int128 first: `Money.value(times:)` traps when the product passes Int64.
            // After the check every sum stays ≤ 2 × 999,999,999,999.99, far inside Int64.
            let exact = Int128(line.unitPrice.units) * Int128(line.quantity)
            guard exact <= Int128(Money.maximumAmount.units - total.units) else {
                throw DomainError.invalid("lines[\(i)].quantity", "the order total must be at most 999999999999.99")
            }
            let lineTotal = line.unitPrice.value(times: line.quantity)
            total += lineTotal
            orderLines.append(
                OrderLine(sku: line.sku, quantity: line.quantity, unitPrice: line.unitPrice, lineTotal: lineTotal))
        }
        let linesJSON = JSONValue.array(
            orderLines.map { line in
                .object([
                    "sku": .string(line.sku), "quantity": json(line.quantity),
                    "unitPrice": .string(line.unitPrice.amountText), "lineTotal": .string(line.lineTotal.amountText),
                ])
            })
        let totalText = JSONValue.string(total.amountText)
        // The tags: the order's (the rep's is added when deciding), then the placed event's own.
        let orderTag = "order:\(orderId)"
        let orderStream = "order-\(orderId)"
        let customerTag = "customer:\(customerId)"
        var placedTags: [String] = []
        if let opportunityId { placedTags.append("opportunity:\(opportunityId)") }
        placedTags.append("warehouse:\(warehouseId)")
        placedTags += lines.map { "sku:\($0.sku)" }
        let stock = orderLines.map { line in
            let key = StockKey(sku: line.sku, warehouseId: warehouseId)
            return (key: key, stream: key.stream, tags: ["sku:\(key.sku)", "warehouse:\(key.warehouseId)", orderTag, customerTag])
        }

        return { [orderLines, placedTags] context, state in
            for line in orderLines { try requireProduct(line.sku, state) }
            try requireWarehouse(warehouseId, state)
            guard let customer = state.crm.customers[customerId] else { throw DomainError.notFound("customer", customerId) }
            if let opportunityId {
                guard let opportunity = state.crm.opportunities[opportunityId] else {
                    throw DomainError.notFound("opportunity", opportunityId)
                }
                guard opportunity.customerId == customerId else {
                    throw DomainError.invalid(
                        "opportunityId", "opportunity \(opportunityId) is not of customer \(customerId)")
                }
            }
            try requireActsForCustomer(context.actor, customerId: customerId, ownerId: customer.ownerId, state)
            if state.erp.orders[orderId] != nil { throw DomainError.alreadyExists("order", orderId) }

            var levels: [StockLevel] = []
            levels.reserveCapacity(stock.count)
            var short: [(sku: String, requested: Int, available: Int)] = []
            for (line, s) in zip(orderLines, stock) {
                let level = state.erp.stock[s.key] ?? StockLevel()
                levels.append(level)
                if level.available < line.quantity { short.append((line.sku, line.quantity, level.available)) }
            }
            guard short.isEmpty else {
                throw DomainError(
                    .insufficientStock, "\(short.count) line(s) of order \(orderId) cannot be reserved in \(warehouseId)",
                    details: ["warehouseId": .string(warehouseId), "lines": shortLines(short)])
            }

            let rep = customer.ownerId
            let repTag = "rep:\(rep)"
            var tags: [String] = []
            tags.reserveCapacity(3 + placedTags.count)
            tags.append(orderTag)
            tags.append(customerTag)
            tags.append(repTag)
            tags += placedTags
            let placed: JSONObject = [
                "orderId": .string(orderId), "customerId": .string(customerId),
                "opportunityId": opportunityId.map(JSONValue.string) ?? .null, "warehouseId": .string(warehouseId),
                "lines": linesJSON, "total": totalText, "repId": .string(rep),
            ]
            var events: [NewEvent] = []
            events.reserveCapacity(1 + orderLines.count)
            events.append(NewEvent(stream: orderStream, type: "SalesOrderPlaced", tags: tags, data: placed))
            for i in orderLines.indices {
                let line = orderLines[i]
                let data: JSONObject = [
                    "orderId": .string(orderId), "sku": .string(line.sku), "warehouseId": .string(warehouseId),
                    "quantity": json(line.quantity), "reservedAfter": json(levels[i].reserved + line.quantity),
                ]
                var stockTags = stock[i].tags
                stockTags.append(repTag)
                events.append(NewEvent(stream: stock[i].stream, type: "StockReserved", tags: stockTags, data: data))
            }
            return events
        }
    }

    static func shipOrder(_ command: Command, _ context: CommandContext, _ state: CompanyState) throws -> [NewEvent] {
        var r = try DataReader(command.data)
        let orderId = try r.id("orderId")
        try r.finish()
        let order = try requireOrder(orderId, state)
        try requireOpen(order)
        let rep = currentRep(of: order, state)
        var events: [NewEvent] = []
        events.reserveCapacity(order.lines.count + 1)
        for line in order.lines {
            let key = StockKey(sku: line.sku, warehouseId: order.warehouseId)
            let level = state.erp.level(sku: line.sku, warehouseId: order.warehouseId)
            // The reservation guarantees this; the guard keeps a damaged history from breaking invariants.
            guard level.reserved >= line.quantity, level.onHand >= line.quantity else {
                throw DomainError(
                    .insufficientStock, "order \(orderId) is no longer covered by stock in \(order.warehouseId)",
                    details: [
                        "warehouseId": .string(order.warehouseId),
                        "lines": shortLines([(line.sku, line.quantity, min(level.reserved, level.onHand))]),
                    ])
            }
            let data: JSONObject = [
                "orderId": .string(orderId), "sku": .string(line.sku), "warehouseId": .string(order.warehouseId),
                "quantity": json(line.quantity), "unitCost": .string(level.averageCost.costText),
                "onHandAfter": json(level.onHand - line.quantity),
                "reservedAfter": json(level.reserved - line.quantity),
            ]
            events.append(
                NewEvent(
                    stream: key.stream, type: "StockShipped", tags: stockTags(key, order: order, rep: rep), data: data))
        }
        let data: JSONObject = [
            "orderId": .string(orderId), "customerId": .string(order.customerId),
            "total": .string(order.total.amountText),
        ]
        events.append(
            NewEvent(
                stream: "order-\(orderId)", type: "OrderShipped",
                tags: orderTags(order, rep: rep) + ["warehouse:\(order.warehouseId)"], data: data))
        return events
    }

    static func cancelOrder(_ command: Command, _ context: CommandContext, _ state: CompanyState) throws -> [NewEvent] {
        var r = try DataReader(command.data)
        let orderId = try r.id("orderId")
        let reason = try r.reason()
        try r.finish()
        let order = try requireOrder(orderId, state)
        let rep = currentRep(of: order, state)
        try requireActsForCustomer(context.actor, customerId: order.customerId, ownerId: rep, state)
        try requireOpen(order)
        var events: [NewEvent] = []
        events.reserveCapacity(order.lines.count + 1)
        for line in order.lines {
            let key = StockKey(sku: line.sku, warehouseId: order.warehouseId)
            let level = state.erp.level(sku: line.sku, warehouseId: order.warehouseId)
            let data: JSONObject = [
                "orderId": .string(orderId), "sku": .string(line.sku), "warehouseId": .string(order.warehouseId),
                "quantity": json(line.quantity), "reservedAfter": json(max(0, level.reserved - line.quantity)),
            ]
            events.append(
                NewEvent(
                    stream: key.stream, type: "ReservationReleased", tags: stockTags(key, order: order, rep: rep),
                    data: data))
        }
        let data: JSONObject = [
            "orderId": .string(orderId), "customerId": .string(order.customerId), "reason": .string(reason),
        ]
        events.append(
            NewEvent(
                stream: "order-\(orderId)", type: "OrderCancelled",
                tags: orderTags(order, rep: rep) + ["warehouse:\(order.warehouseId)"], data: data))
        return events
    }

    /// `order_not_open` unless the order is placed and neither shipped nor cancelled.
    static func requireOpen(_ order: SalesOrder) throws {
        guard order.status == .open else {
            throw DomainError(
                .orderNotOpen, "order \(order.id) is \(order.status.rawValue)",
                details: ["orderId": .string(order.id), "status": .string(order.status.rawValue)])
        }
    }
}
