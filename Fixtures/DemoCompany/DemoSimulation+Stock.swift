import JSON

/// Orders and stock: orders only for what is available (so every reservation succeeds), shipped a
/// few days later or cancelled, some goods returned; receipts when a position falls below its
/// reorder level; daily cycle counts, damage write-offs and transfers between warehouses.
extension DemoSimulation {
    // MARK: Orders

    func placeOrder(customer c: Int, opportunity o: Int) {
        let owner = customers[c].owner
        let home = customers[c].warehouse
        let wanted = [1, 1, 2, 2, 2, 3, 3, 4, 5, 6][rng.below(10)]
        var lines: [OrderLineModel] = []
        var warehouse = home
        for attempt in 0..<3 {
            warehouse = (home + attempt) % 3
            lines = orderLines(wanted, in: warehouse)
            if !lines.isEmpty { break }
        }
        guard !lines.isEmpty else { return }
        let actor = employees[owner].active && rng.chance(0.7) ? owner : warehouseStaff(for: warehouse)
        let order = orders.count
        var data: JSONObject = ["orderId": .string(orderId(order)), "customerId": .string(customerId(c))]
        if o >= 0 { data["opportunityId"] = .string(opportunityId(o)) }
        data["warehouseId"] = warehouseId(warehouse)
        data["lines"] = .array(
            lines.map { line in
                let product = catalog.products[line.product]
                let discount = 0.88 + rng.unit() * 0.12
                let price = max(1, Int64((Double(product.priceCents) * discount).rounded()))
                return [
                    "sku": .string(product.sku), "quantity": Self.int(line.quantity), "unitPrice": Self.money(price),
                ]
            })
        emit("PlaceSalesOrder", data, by: actor, events: 1 + lines.count)
        orders.append(OrderModel(customer: c, warehouse: warehouse, lines: lines))
        for line in lines {
            let key = line.product * 3 + warehouse
            stock[key].reserved += line.quantity
            stock[key].demand += Double(line.quantity)
            replenishIfLow(key)
        }
        if rng.chance(0.95) {
            schedule(.shipOrder(order: order), workingDays: rng.int(1...3))
        } else {
            schedule(.cancelOrder(order: order), workingDays: rng.int(0...2))
        }
    }

    /// Up to `count` distinct products with stock available in `warehouse`, never more than available.
    private func orderLines(_ count: Int, in warehouse: Int) -> [OrderLineModel] {
        var lines: [OrderLineModel] = []
        for _ in 0..<(count * 3) where lines.count < count {
            let p = rng.pick(cumulative: catalog.cumulativeWeights)
            if lines.contains(where: { $0.product == p }) { continue }
            let available = stock[p * 3 + warehouse].available
            let quantity = min(rng.int(catalog.products[p].lineQuantity), available)
            if quantity >= 1 { lines.append(OrderLineModel(product: p, quantity: quantity)) }
        }
        return lines
    }

    func shipOrder(_ order: Int) {
        guard orders[order].status == .open else { return }
        let w = orders[order].warehouse
        emit(
            "ShipOrder", ["orderId": .string(orderId(order))], by: warehouseStaff(for: w),
            events: orders[order].lines.count + 1)
        orders[order].status = .shipped
        for line in orders[order].lines {
            let key = line.product * 3 + w
            stock[key].onHand -= line.quantity
            stock[key].reserved -= line.quantity
        }
        if rng.chance(0.04) { schedule(.returnGoods(order: order), workingDays: rng.int(3...15)) }
    }

    func cancelOrder(_ order: Int) {
        guard orders[order].status == .open else { return }
        let w = orders[order].warehouse
        let owner = customers[orders[order].customer].owner
        let actor = employees[owner].active ? owner : warehouseStaff(for: w)
        emit(
            "CancelOrder",
            [
                "orderId": .string(orderId(order)),
                "reason": .string(
                    rng.pick(["customer changed their mind", "duplicate order", "delivery date too late"])),
            ], by: actor, events: orders[order].lines.count + 1)
        orders[order].status = .cancelled
        for line in orders[order].lines { stock[line.product * 3 + w].reserved -= line.quantity }
    }

    func returnGoods(_ order: Int) {
        guard orders[order].status == .shipped else { return }
        let w = orders[order].warehouse
        let returnable = orders[order].lines.indices.filter {
            orders[order].lines[$0].quantity > orders[order].lines[$0].returned
        }
        guard !returnable.isEmpty else { return }
        var chosen: [Int] = []
        for i in returnable where chosen.isEmpty || rng.chance(0.3) { chosen.append(i) }
        var lines: [JSONValue] = []
        for i in chosen {
            let line = orders[order].lines[i]
            let quantity = rng.int(1...(line.quantity - line.returned))
            lines.append(["sku": .string(catalog.products[line.product].sku), "quantity": Self.int(quantity)])
            orders[order].lines[i].returned += quantity
            stock[line.product * 3 + w].onHand += quantity
        }
        returnCount += 1
        emit(
            "ReturnGoods",
            [
                "returnId": .string("RMA-\(10_000 + returnCount)"), "orderId": .string(orderId(order)),
                "lines": .array(lines),
            ],
            by: warehouseStaff(for: w), events: lines.count)
        if rng.chance(0.15) { schedule(.returnGoods(order: order), workingDays: rng.int(2...10)) }
    }

    // MARK: Replenishment

    /// The level below which a position is replenished: the product's reorder point, or about eight
    /// days of recent demand when that is more.
    func reorderLevel(_ key: Int) -> Int {
        max(catalog.products[key / 3].reorderPoint, Int((stock[key].demand * 0.05 * 8).rounded(.up)))
    }

    func replenishIfLow(_ key: Int) {
        guard !stock[key].receiptPending, stock[key].available < reorderLevel(key) else { return }
        stock[key].receiptPending = true
        schedule(.receiveStock(key: key), workingDays: rng.int(2...5))
    }

    func receiveStock(_ key: Int) {
        stock[key].receiptPending = false
        let demandLot = Int((stock[key].demand * 0.05 * 25).rounded(.up))
        let lot = max(catalog.products[key / 3].reorderPoint * 2, demandLot, 5)
        receive(key, quantity: (lot + 4) / 5 * 5, by: id(warehouseStaff(for: key % 3)))
    }

    func receive(_ key: Int, quantity: Int, by actor: String) {
        let product = catalog.products[key / 3]
        let variation = 0.92 + rng.unit() * 0.16
        var unitCost = Int64((Double(product.costCents * 100) * variation).rounded())
        if rng.chance(0.6) { unitCost = unitCost / 100 * 100 }  // most suppliers quote whole cents
        receiptCount += 1
        emit(
            "ReceiveStock",
            [
                "receiptId": .string("GR-\(100_000 + receiptCount)"), "sku": sku(key),
                "warehouseId": warehouseId(key % 3),
                "quantity": Self.int(quantity), "unitCost": Self.cost(unitCost),
            ], by: actor, events: 1)
        stock[key].onHand += quantity
    }

    // MARK: The warehouse's day

    func warehouseRoutine(_ w: Int) {
        let clerk = warehouseStaff(for: w)
        let products = catalog.products.count
        for _ in 0..<3 {
            let key = rng.below(products) * 3 + w
            let level = stock[key]
            var counted = level.onHand
            let r = rng.unit()
            if r < 0.1 {
                counted -= rng.int(1...3)
            } else if r < 0.14 {
                counted += rng.int(1...2)
            }
            adjust(key, to: max(counted, level.reserved, 0), reason: "cycle count", by: clerk)
        }
        if rng.chance(0.15) {
            let key = rng.below(products) * 3 + w
            if stock[key].available >= 1 {
                let broken = rng.int(1...min(3, stock[key].available))
                adjust(key, to: stock[key].onHand - broken, reason: "damaged in handling", by: clerk)
            }
        }
        for _ in 0..<4 { transferIfShort(rng.below(products) * 3 + w, by: clerk) }
    }

    private func adjust(_ key: Int, to counted: Int, reason: String, by clerk: Int) {
        adjustmentCount += 1
        emit(
            "AdjustStock",
            [
                "adjustmentId": .string("ADJ-\(10_000 + adjustmentCount)"), "sku": sku(key),
                "warehouseId": warehouseId(key % 3),
                "countedQuantity": Self.int(counted), "reason": .string(reason),
            ], by: clerk, events: 1)
        stock[key].onHand = counted
        replenishIfLow(key)
    }

    /// Moves stock in from the warehouse that has the most to spare when this position is nearly
    /// empty (a receipt may be on its way, but not here yet).
    private func transferIfShort(_ key: Int, by clerk: Int) {
        let level = reorderLevel(key)
        guard stock[key].available < level / 2 else { return }
        let base = key - key % 3
        let source = (0..<3).map { base + $0 }.filter { $0 != key }.max { stock[$0].available < stock[$1].available }!
        let wanted = level * 2 - stock[key].available
        guard stock[source].available - wanted >= reorderLevel(source) * 2 else { return }
        transferCount += 1
        emit(
            "TransferStock",
            [
                "transferId": .string("TR-\(10_000 + transferCount)"), "sku": sku(key),
                "fromWarehouseId": warehouseId(source % 3), "toWarehouseId": warehouseId(key % 3),
                "quantity": Self.int(wanted),
            ], by: clerk, events: 2)
        stock[source].onHand -= wanted
        stock[key].onHand += wanted
    }
}
