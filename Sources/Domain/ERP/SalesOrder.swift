/// Where a sales order stands. Only an `open` order can be shipped or cancelled; only a `shipped`
/// one can take returns.
public enum OrderStatus: String, Sendable, Hashable {
    case open
    case shipped
    case cancelled
}

/// One line of a sales order, with what happened to its goods since.
public struct OrderLine: Sendable, Hashable {
    public var sku: String
    public var quantity: Int
    public var unitPrice: Money
    public var lineTotal: Money
    /// The moving-average cost the goods left with (`StockShipped.unitCost`); nil until shipped.
    public var shippedUnitCost: Money?
    /// Units returned so far (`StockReturned`).
    public var returnedQuantity = 0

    public init(sku: String, quantity: Int, unitPrice: Money, lineTotal: Money) {
        self.sku = sku
        self.quantity = quantity
        self.unitPrice = unitPrice
        self.lineTotal = lineTotal
    }

    /// Units that can still be returned: shipped less already returned (0 before shipment).
    public var returnable: Int { shippedUnitCost == nil ? 0 : quantity - returnedQuantity }
}

/// A sales order as the deciders see it (stream `order-<orderId>`).
public struct SalesOrder: Sendable, Hashable {
    public var id: String
    public var customerId: String
    public var opportunityId: String?
    public var warehouseId: String
    public var lines: [OrderLine]
    public var total: Money
    /// The customer's owner when the order was placed.
    public var repId: String
    public var status: OrderStatus = .open
    /// sku → index in `lines` (the first line of a sku), for an order of more than
    /// ``SalesOrder/indexedLines`` lines, so that shipping and returns look lines up in constant
    /// time. A shorter order's lines are scanned: no table to allocate and hash for every order.
    private var lineIndex: [String: Int]?
    static let indexedLines = 16

    public init(
        id: String, customerId: String, opportunityId: String?, warehouseId: String, lines: [OrderLine],
        total: Money, repId: String
    ) {
        self.id = id
        self.customerId = customerId
        self.opportunityId = opportunityId
        self.warehouseId = warehouseId
        self.lines = lines
        self.total = total
        self.repId = repId
        if lines.count > Self.indexedLines {
            var index: [String: Int] = [:]
            for (i, line) in lines.enumerated() where index[line.sku] == nil { index[line.sku] = i }
            lineIndex = index
        }
    }

    private func lineNumber(sku: String) -> Int? {
        if let lineIndex { return lineIndex[sku] }
        return lines.firstIndex { $0.sku == sku }
    }

    /// The line for `sku`, if the order has one.
    public func line(sku: String) -> OrderLine? { lineNumber(sku: sku).map { lines[$0] } }

    /// Changes the line for `sku` in place; does nothing when the order has no such line.
    public mutating func updateLine(sku: String, _ body: (inout OrderLine) -> Void) {
        guard let i = lineNumber(sku: sku) else { return }
        body(&lines[i])
    }
}
