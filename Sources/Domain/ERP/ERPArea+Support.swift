import JSON

/// Checks and payload pieces shared by the ERP deciders.
extension ERPArea {
    // MARK: Reading data

    /// A price: > 0, at most two fraction digits, at most 999,999,999,999.99.
    static func price(_ r: inout DataReader, _ field: String, path: String = "") throws -> Money {
        try refuseHugeMoney(r, field, path: path)
        return try r.money(field, maxFractionDigits: 2)
    }

    /// A unit cost: ≥ 0, at most four fraction digits, at most 999,999,999,999.99.
    static func unitCost(_ r: inout DataReader, _ field: String) throws -> Money {
        try refuseHugeMoney(r, field, path: "")
        return try r.money(field, maxFractionDigits: 4, allowZero: true)
    }

    /// Refuses money with more than twelve integer digits before `Money(parsing:)` sees it: that
    /// parser accepts fifteen digits, and fifteen digits times its scale overflow `Int64` (a trap).
    static func refuseHugeMoney(_ r: DataReader, _ field: String, path: String) throws {
        let text: String
        switch r.object[field] {
        case .string(let s): text = s
        case .number(let n): text = n.text
        default: return
        }
        var digits = 0
        var leading = true
        for b in text.utf8 {
            if b == UInt8(ascii: ".") { break }
            if b == UInt8(ascii: "-") && leading && digits == 0 { continue }
            // Anything else that is not a digit is the parser's to refuse.
            guard b >= 0x30, b <= 0x39 else { return }
            if leading && b == 0x30 { continue }
            leading = false
            digits += 1
        }
        if digits > 12 {
            throw DomainError.invalid(path + field, "\(path + field) must be at most 999999999999.99")
        }
    }

    /// The `lines` array: at least one object, each read by `body` with its own reader (and path
    /// `lines[i].` for error details), unknown fields refused.
    static func readLines<T>(_ r: inout DataReader, _ body: (inout DataReader, String) throws -> T) throws -> [T] {
        guard let value = r.value("lines") else { throw DomainError.invalid("lines", "lines is required") }
        guard case .array(let items) = value, !items.isEmpty else {
            throw DomainError.invalid("lines", "lines must be an array of at least one line")
        }
        var result: [T] = []
        result.reserveCapacity(items.count)
        for (i, item) in items.enumerated() {
            let path = "lines[\(i)]."
            var line = try DataReader(item, path: path)
            result.append(try body(&line, path))
            try line.finish()
        }
        return result
    }

    /// Refuses a second line for the same sku (`invalid_argument` naming the later line).
    static func requireDistinct(_ skus: [String]) throws {
        func repeated(_ i: Int) -> DomainError {
            DomainError.invalid("lines[\(i)].sku", "sku \(skus[i]) appears on more than one line")
        }
        // Most orders have a line or a few: comparing them costs less than building a set.
        guard skus.count > 8 else {
            for i in skus.indices where skus[..<i].contains(skus[i]) { throw repeated(i) }
            return
        }
        var seen: Set<String> = []
        for i in skus.indices where !seen.insert(skus[i]).inserted { throw repeated(i) }
    }

    // MARK: Referenced things

    static func requireProduct(_ sku: String, _ state: CompanyState) throws {
        guard state.erp.products[sku] != nil else {
            throw DomainError(.unknownProduct, "product \(sku) is not registered", details: ["sku": .string(sku)])
        }
    }

    static func requireWarehouse(_ warehouseId: String, _ state: CompanyState) throws {
        guard state.erp.warehouses[warehouseId] != nil else {
            throw DomainError(
                .unknownWarehouse, "warehouse \(warehouseId) is not registered",
                details: ["warehouseId": .string(warehouseId)])
        }
    }

    static func requireOrder(_ orderId: String, _ state: CompanyState) throws -> SalesOrder {
        guard let order = state.erp.orders[orderId] else { throw DomainError.notFound("order", orderId) }
        return order
    }

    // MARK: Ownership

    /// `PlaceSalesOrder` and `CancelOrder`: `warehouse` and admin for any customer; otherwise the
    /// customer's owner, or a manager above them (CONTRACT §2).
    static func requireActsForCustomer(
        _ actor: Actor, customerId: String, ownerId: String, _ state: CompanyState
    ) throws {
        if actor.isAdmin || actor.has(.warehouse) { return }
        guard state.org.actsFor(actor, owner: ownerId) else {
            throw DomainError(
                .notOwner, "\(actor.id) does not own customer \(customerId)",
                details: ["customerId": .string(customerId)])
        }
    }

    /// The rep of an order's customer now: its current owner, or the order's rep when the customer
    /// is unknown to the state.
    static func currentRep(of order: SalesOrder, _ state: CompanyState) -> String {
        state.crm.customers[order.customerId]?.ownerId ?? order.repId
    }

    // MARK: Payload pieces

    static func json(_ n: Int) -> JSONValue { .number(JSONNumber(n)) }

    /// `sku:`, `warehouse:` and, for a movement caused by an order, `order:`, `customer:`, `rep:`.
    static func stockTags(_ key: StockKey, order: SalesOrder? = nil, rep: String? = nil) -> [String] {
        var tags = ["sku:\(key.sku)", "warehouse:\(key.warehouseId)"]
        if let order { tags += orderTags(order, rep: rep ?? order.repId) }
        return tags
    }

    static func orderTags(_ order: SalesOrder, rep: String) -> [String] {
        ["order:\(order.id)", "customer:\(order.customerId)", "rep:\(rep)"]
    }

    /// The details of an `insufficient_stock` rejection for short lines.
    static func shortLines(_ lines: [(sku: String, requested: Int, available: Int)]) -> JSONValue {
        .array(
            lines.map { line in
                .object([
                    "sku": .string(line.sku), "requested": json(line.requested), "available": json(line.available),
                ])
            })
    }
}
