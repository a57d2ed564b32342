import JSON

/// Applying ERP events to the state. Cheap (constant work per event, per line for orders) and
/// forgiving: a field that does not parse is ignored, never a crash.
extension ERPArea {
    // MARK: Catalog

    static func productRegistered(_ state: inout CompanyState, _ e: DomainEvent) {
        let d = e.data
        guard let sku = d["sku"]?.stringValue else { return }
        state.erp.products[sku] = Product(
            sku: sku, name: d["name"]?.stringValue ?? "", unit: d["unit"]?.stringValue ?? "",
            reorderPoint: d["reorderPoint"]?.intValue ?? 0)
    }

    static func warehouseRegistered(_ state: inout CompanyState, _ e: DomainEvent) {
        guard let id = e.data["warehouseId"]?.stringValue else { return }
        state.erp.warehouses[id] = Warehouse(id: id, name: e.data["name"]?.stringValue ?? "")
    }

    // MARK: Stock coming in or counted

    static func stockReceived(_ state: inout CompanyState, _ e: DomainEvent) {
        let d = e.data
        if let id = d["receiptId"]?.stringValue { state.erp.receiptIds.insert(id) }
        guard let key = stockKey(d) else { return }
        updateLevel(&state, key) { level in
            setOnHand(&level, d, delta: 1)
            if let average = cost(d["averageCostAfter"]) { level.averageCost = average }
        }
    }

    static func stockAdjusted(_ state: inout CompanyState, _ e: DomainEvent) {
        let d = e.data
        if let id = d["adjustmentId"]?.stringValue { state.erp.adjustmentIds.insert(id) }
        guard let key = stockKey(d), let onHand = d["onHandAfter"]?.intValue ?? d["countedQuantity"]?.intValue else {
            return
        }
        updateLevel(&state, key) { $0.onHand = onHand }
    }

    static func stockTransferredOut(_ state: inout CompanyState, _ e: DomainEvent) {
        let d = e.data
        if let id = d["transferId"]?.stringValue { state.erp.transferIds.insert(id) }
        guard let key = stockKey(d, warehouseField: "fromWarehouseId") else { return }
        updateLevel(&state, key) { setOnHand(&$0, d, delta: -1) }
    }

    static func stockTransferredIn(_ state: inout CompanyState, _ e: DomainEvent) {
        let d = e.data
        if let id = d["transferId"]?.stringValue { state.erp.transferIds.insert(id) }
        guard let key = stockKey(d, warehouseField: "toWarehouseId") else { return }
        updateLevel(&state, key) { level in
            setOnHand(&level, d, delta: 1)
            if let average = cost(d["averageCostAfter"]) { level.averageCost = average }
        }
    }

    // MARK: Orders

    static func salesOrderPlaced(_ state: inout CompanyState, _ e: DomainEvent) {
        let d = e.data
        guard let orderId = d["orderId"]?.stringValue, let customerId = d["customerId"]?.stringValue,
            let warehouseId = d["warehouseId"]?.stringValue
        else { return }
        let lines: [OrderLine] = (d["lines"]?.arrayValue ?? []).compactMap { value in
            guard let sku = value["sku"]?.stringValue, let quantity = value["quantity"]?.intValue else { return nil }
            let unitPrice = cost(value["unitPrice"]) ?? .zero
            let lineTotal = cost(value["lineTotal"]) ?? unitPrice.value(times: quantity)
            return OrderLine(sku: sku, quantity: quantity, unitPrice: unitPrice, lineTotal: lineTotal)
        }
        let total =
            cost(d["total"])
            ?? Money(units: Int64(clamping: lines.reduce(Int128(0)) { $0 + Int128($1.lineTotal.units) }))
        state.erp.orders[orderId] = SalesOrder(
            id: orderId, customerId: customerId, opportunityId: d["opportunityId"]?.stringValue,
            warehouseId: warehouseId, lines: lines, total: total, repId: d["repId"]?.stringValue ?? "")
    }

    static func stockReserved(_ state: inout CompanyState, _ e: DomainEvent) {
        let d = e.data
        guard let key = stockKey(d) else { return }
        updateLevel(&state, key) { setReserved(&$0, d, delta: 1) }
    }

    static func stockShipped(_ state: inout CompanyState, _ e: DomainEvent) {
        let d = e.data
        guard let key = stockKey(d) else { return }
        updateLevel(&state, key) { level in
            setOnHand(&level, d, delta: -1)
            setReserved(&level, d, delta: -1)
        }
        guard let orderId = d["orderId"]?.stringValue, let unitCost = cost(d["unitCost"]) else { return }
        state.erp.orders[orderId]?.updateLine(sku: key.sku) { $0.shippedUnitCost = unitCost }
    }

    static func orderShipped(_ state: inout CompanyState, _ e: DomainEvent) {
        guard let orderId = e.data["orderId"]?.stringValue else { return }
        state.erp.orders[orderId]?.status = .shipped
    }

    static func reservationReleased(_ state: inout CompanyState, _ e: DomainEvent) {
        let d = e.data
        guard let key = stockKey(d) else { return }
        updateLevel(&state, key) { setReserved(&$0, d, delta: -1) }
    }

    static func orderCancelled(_ state: inout CompanyState, _ e: DomainEvent) {
        guard let orderId = e.data["orderId"]?.stringValue else { return }
        state.erp.orders[orderId]?.status = .cancelled
    }

    static func stockReturned(_ state: inout CompanyState, _ e: DomainEvent) {
        let d = e.data
        if let id = d["returnId"]?.stringValue { state.erp.returnIds.insert(id) }
        guard let key = stockKey(d) else { return }
        updateLevel(&state, key) { level in
            setOnHand(&level, d, delta: 1)
            if let average = cost(d["averageCostAfter"]) { level.averageCost = average }
        }
        guard let orderId = d["orderId"]?.stringValue, let quantity = d["quantity"]?.intValue else { return }
        state.erp.orders[orderId]?.updateLine(sku: key.sku) { $0.returnedQuantity &+= quantity }
    }

    // MARK: Helpers

    static func stockKey(_ d: JSONObject, warehouseField: String = "warehouseId") -> StockKey? {
        guard let sku = d["sku"]?.stringValue, let warehouseId = d[warehouseField]?.stringValue else { return nil }
        return StockKey(sku: sku, warehouseId: warehouseId)
    }

    static func updateLevel(_ state: inout CompanyState, _ key: StockKey, _ body: (inout StockLevel) -> Void) {
        body(&state.erp.stock[key, default: StockLevel()])
    }

    /// `onHandAfter` when present, else `quantity` in the direction of `delta` (+1 in, −1 out).
    static func setOnHand(_ level: inout StockLevel, _ d: JSONObject, delta: Int) {
        if let after = d["onHandAfter"]?.intValue {
            level.onHand = after
        } else if let quantity = d["quantity"]?.intValue {
            level.onHand &+= delta &* quantity
        }
    }

    /// `reservedAfter` when present, else `quantity` in the direction of `delta`.
    static func setReserved(_ level: inout StockLevel, _ d: JSONObject, delta: Int) {
        if let after = d["reservedAfter"]?.intValue {
            level.reserved = after
        } else if let quantity = d["quantity"]?.intValue {
            level.reserved &+= delta &* quantity
        }
    }

    /// Money written by Chronicle (two or four decimals); nil when absent or malformed. More than
    /// fourteen integer digits would overflow `Money(parsing:)`, so such text is refused first.
    static func cost(_ value: JSONValue?) -> Money? {
        guard let text = value?.stringValue else { return nil }
        let integerDigits = text.utf8.prefix { $0 != UInt8(ascii: ".") }.count
        guard integerDigits <= 14 else { return nil }
        return Money(parsing: text, maxFractionDigits: 4)
    }
}
