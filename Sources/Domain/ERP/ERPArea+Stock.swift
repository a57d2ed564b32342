import JSON

/// Stock movements outside orders: `ReceiveStock`, `AdjustStock`, `TransferStock`.
extension ERPArea {
    static func receiveStock(_ command: Command, _ context: CommandContext, _ state: CompanyState) throws
        -> [NewEvent]
    {
        var r = try DataReader(command.data)
        let receiptId = try r.id("receiptId")
        let sku = try r.id("sku")
        let warehouseId = try r.id("warehouseId")
        let quantity = try r.quantity("quantity")
        let cost = try unitCost(&r, "unitCost")
        try r.finish()
        try requireProduct(sku, state)
        try requireWarehouse(warehouseId, state)
        if state.erp.receiptIds.contains(receiptId) { throw DomainError.alreadyExists("receipt", receiptId) }
        let key = StockKey(sku: sku, warehouseId: warehouseId)
        let level = state.erp.level(sku: sku, warehouseId: warehouseId)
        let average = Money.movingAverage(
            onHand: level.onHand, average: level.averageCost, quantity: quantity, unitCost: cost)
        let data: JSONObject = [
            "receiptId": .string(receiptId), "sku": .string(sku), "warehouseId": .string(warehouseId),
            "quantity": json(quantity), "unitCost": .string(cost.costText),
            "onHandAfter": json(level.onHand + quantity),
            "averageCostAfter": .string(average.costText),
        ]
        return [NewEvent(stream: key.stream, type: "StockReceived", tags: stockTags(key), data: data)]
    }

    static func adjustStock(_ command: Command, _ context: CommandContext, _ state: CompanyState) throws
        -> [NewEvent]
    {
        var r = try DataReader(command.data)
        let adjustmentId = try r.id("adjustmentId")
        let sku = try r.id("sku")
        let warehouseId = try r.id("warehouseId")
        let counted = try r.quantity("countedQuantity", allowZero: true)
        let reason = try r.reason()
        try r.finish()
        try requireProduct(sku, state)
        try requireWarehouse(warehouseId, state)
        if state.erp.adjustmentIds.contains(adjustmentId) {
            throw DomainError.alreadyExists("adjustment", adjustmentId)
        }
        let key = StockKey(sku: sku, warehouseId: warehouseId)
        let level = state.erp.level(sku: sku, warehouseId: warehouseId)
        guard counted >= level.reserved else {
            throw DomainError(
                .insufficientStock, "counted \(counted) of \(sku) is below the \(level.reserved) reserved",
                details: [
                    "sku": .string(sku), "warehouseId": .string(warehouseId), "countedQuantity": json(counted),
                    "reserved": json(level.reserved),
                ])
        }
        let data: JSONObject = [
            "adjustmentId": .string(adjustmentId), "sku": .string(sku), "warehouseId": .string(warehouseId),
            "countedQuantity": json(counted), "difference": json(counted - level.onHand), "onHandAfter": json(counted),
            "unitCost": .string(level.averageCost.costText), "reason": .string(reason),
        ]
        return [NewEvent(stream: key.stream, type: "StockAdjusted", tags: stockTags(key), data: data)]
    }

    static func transferStock(_ command: Command, _ context: CommandContext, _ state: CompanyState) throws
        -> [NewEvent]
    {
        var r = try DataReader(command.data)
        let transferId = try r.id("transferId")
        let sku = try r.id("sku")
        let fromId = try r.id("fromWarehouseId")
        let toId = try r.id("toWarehouseId")
        let quantity = try r.quantity("quantity")
        try r.finish()
        if fromId == toId {
            throw DomainError.invalid("toWarehouseId", "toWarehouseId must differ from fromWarehouseId")
        }
        try requireProduct(sku, state)
        try requireWarehouse(fromId, state)
        try requireWarehouse(toId, state)
        if state.erp.transferIds.contains(transferId) { throw DomainError.alreadyExists("transfer", transferId) }
        let fromKey = StockKey(sku: sku, warehouseId: fromId)
        let toKey = StockKey(sku: sku, warehouseId: toId)
        let source = state.erp.level(sku: sku, warehouseId: fromId)
        let destination = state.erp.level(sku: sku, warehouseId: toId)
        guard source.available >= quantity else {
            throw DomainError(
                .insufficientStock, "only \(source.available) of \(sku) available in \(fromId)",
                details: [
                    "sku": .string(sku), "warehouseId": .string(fromId), "requested": json(quantity),
                    "available": json(source.available),
                    "lines": shortLines([(sku, quantity, source.available)]),
                ])
        }
        let cost = source.averageCost
        let average = Money.movingAverage(
            onHand: destination.onHand, average: destination.averageCost, quantity: quantity, unitCost: cost)
        let common: JSONObject = [
            "transferId": .string(transferId), "sku": .string(sku), "fromWarehouseId": .string(fromId),
            "toWarehouseId": .string(toId), "quantity": json(quantity), "unitCost": .string(cost.costText),
        ]
        var outData = common
        outData["onHandAfter"] = json(source.onHand - quantity)
        var inData = common
        inData["onHandAfter"] = json(destination.onHand + quantity)
        inData["averageCostAfter"] = .string(average.costText)
        let tags = ["sku:\(sku)", "warehouse:\(fromId)", "warehouse:\(toId)"]
        return [
            NewEvent(stream: fromKey.stream, type: "StockTransferredOut", tags: tags, data: outData),
            NewEvent(stream: toKey.stream, type: "StockTransferredIn", tags: tags, data: inData),
        ]
    }
}
