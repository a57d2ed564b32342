/// ERP state: products, warehouses, stock per sku and warehouse, orders.
public struct ERPState: Sendable {
    public init() {}
}
