/// ERP: products, warehouses, stock movements and sales orders.
enum ERPArea {
    static let handlers: [CommandType: CommandHandler] = [:]
    static let evolvers: [EventType: EventEvolver] = [:]
}
