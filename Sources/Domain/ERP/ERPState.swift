import IdHashing

/// A product as the deciders see it (`ProductRegistered`).
public struct Product: Sendable, Hashable {
    public var sku: String
    public var name: String
    public var unit: String
    /// The stock level the inventory view compares with (`belowReorderPoint`).
    public var reorderPoint: Int

    public init(sku: String, name: String, unit: String, reorderPoint: Int) {
        self.sku = sku
        self.name = name
        self.unit = unit
        self.reorderPoint = reorderPoint
    }
}

/// A warehouse as the deciders see it (`WarehouseRegistered`).
public struct Warehouse: Sendable, Hashable {
    public var id: String
    public var name: String

    public init(id: String, name: String) {
        self.id = id
        self.name = name
    }
}

/// One stock position: a sku in a warehouse, the entity of stream `stock-<sku>@<warehouseId>`.
public struct StockKey: Sendable, Hashable {
    public var sku: String
    public var warehouseId: String

    public init(sku: String, warehouseId: String) {
        self.sku = sku
        self.warehouseId = warehouseId
    }

    /// `stock-<sku>@<warehouseId>` (ids never contain `@`, so the name is unambiguous).
    public var stream: String { "stock-\(sku)@\(warehouseId)" }
}

/// Quantities and cost of one stock position. Invariants: `onHand ≥ 0`, `reserved ≤ onHand`.
public struct StockLevel: Sendable, Hashable {
    public var onHand = 0
    public var reserved = 0
    /// The moving-average unit cost (four decimals); it changes only when stock comes in.
    public var averageCost = Money.zero

    public init(onHand: Int = 0, reserved: Int = 0, averageCost: Money = .zero) {
        self.onHand = onHand
        self.reserved = reserved
        self.averageCost = averageCost
    }

    /// `onHand − reserved`: what can still be promised or moved.
    public var available: Int { onHand - reserved }

    /// `onHand × averageCost`, rounded half-to-even to two decimals (saturating at Int64's range).
    public var value: Money {
        // Not `Money.value(times:)`: it traps once the product passes Int64 (see the ERP notes).
        let product = Int128(averageCost.units) * Int128(onHand)
        return Money(units: Int64(clamping: Int128(Money.divideHalfEven(product, by: 100)) * 100))
    }
}

/// ERP state: products, warehouses, stock per sku and warehouse, orders, and the ids of movements
/// already recorded (so a repeated receipt, adjustment, transfer or return is `already_exists`).
public struct ERPState: Sendable {
    public var products: IdMap<Product> = [:]
    public var warehouses: IdMap<Warehouse> = [:]
    public var stock: [StockKey: StockLevel] = [:]
    public var orders: IdMap<SalesOrder> = [:]
    public var receiptIds: IdSet = []
    public var adjustmentIds: IdSet = []
    public var transferIds: IdSet = []
    public var returnIds: IdSet = []

    public init() {}

    /// The stock of `sku` in `warehouseId`; an empty level when nothing ever moved there.
    public func level(sku: String, warehouseId: String) -> StockLevel {
        stock[StockKey(sku: sku, warehouseId: warehouseId)] ?? StockLevel()
    }
}
