import JSON

/// `RegisterProduct` and `RegisterWarehouse`.
extension ERPArea {
    static func registerProduct(_ command: Command, _ context: CommandContext, _ state: CompanyState) throws
        -> [NewEvent]
    {
        var r = try DataReader(command.data)
        let sku = try r.id("sku")
        let name = try r.text("name")
        let unit = try r.text("unit")
        let reorderPoint = try r.int("reorderPoint", in: 0...1_000_000_000)
        try r.finish()
        if state.erp.products[sku] != nil { throw DomainError.alreadyExists("product", sku) }
        let data: JSONObject = [
            "sku": .string(sku), "name": .string(name), "unit": .string(unit), "reorderPoint": json(reorderPoint),
        ]
        return [NewEvent(stream: "product-\(sku)", type: "ProductRegistered", tags: ["sku:\(sku)"], data: data)]
    }

    static func registerWarehouse(_ command: Command, _ context: CommandContext, _ state: CompanyState) throws
        -> [NewEvent]
    {
        var r = try DataReader(command.data)
        let id = try r.id("warehouseId")
        let name = try r.text("name")
        try r.finish()
        if state.erp.warehouses[id] != nil { throw DomainError.alreadyExists("warehouse", id) }
        let data: JSONObject = ["warehouseId": .string(id), "name": .string(name)]
        return [
            NewEvent(stream: "warehouse-\(id)", type: "WarehouseRegistered", tags: ["warehouse:\(id)"], data: data)
        ]
    }
}
