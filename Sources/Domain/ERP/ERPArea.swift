/// ERP: products, warehouses, stock movements and sales orders (CONTRACT §3, "ERP — inventory and
/// orders").
///
/// Stock lives per sku and warehouse in stream `stock-<sku>@<warehouseId>`; an order in `order-<id>`.
/// Every stock event carries the position's quantities after it (`onHandAfter`, `reservedAfter`,
/// `averageCostAfter`), so evolvers and views set them instead of recomputing.
enum ERPArea {
    static let handlers: [CommandType: CommandHandler] = [
        "RegisterProduct": registerProduct,
        "RegisterWarehouse": registerWarehouse,
        "ReceiveStock": receiveStock,
        "ShipOrder": shipOrder,
        "CancelOrder": cancelOrder,
        "ReturnGoods": returnGoods,
        "AdjustStock": adjustStock,
        "TransferStock": transferStock,
    ]

    /// The deciders that read their data ahead of the writer (``CompanyState/prepare(_:)``).
    static let readers: [CommandType: CommandReader] = ["PlaceSalesOrder": readPlaceSalesOrder]

    static let evolvers: [EventType: EventEvolver] = [
        "ProductRegistered": productRegistered,
        "WarehouseRegistered": warehouseRegistered,
        "StockReceived": stockReceived,
        "SalesOrderPlaced": salesOrderPlaced,
        "StockReserved": stockReserved,
        "StockShipped": stockShipped,
        "OrderShipped": orderShipped,
        "ReservationReleased": reservationReleased,
        "OrderCancelled": orderCancelled,
        "StockReturned": stockReturned,
        "StockAdjusted": stockAdjusted,
        "StockTransferredOut": stockTransferredOut,
        "StockTransferredIn": stockTransferredIn,
    ]
}
