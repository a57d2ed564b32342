import LMDB
import ProjectionRuntime

/// The `inventory` and `stockLedger` views (CONTRACT §4): stock per sku and warehouse — on hand,
/// reserved, available, moving-average cost, value, below the reorder point — and every physical
/// movement of a sku.
///
/// | database | key | value |
/// |---|---|---|
/// | `inventory.products` | sku | reorder point |
/// | `inventory.levels` | sku ‖ 0 ‖ warehouseId | on hand, reserved, average cost |
/// | `inventory.ledger` | `sku@warehouseId` ‖ 0 ‖ first position (block list) | movements |
public enum Inventory {
    public static let name = "inventory"
    static let products = "inventory.products"
    static let levels = "inventory.levels"
    static let ledger = "inventory.ledger"

    public static let eventTypes: Set<String> = [
        "ProductRegistered", "StockReceived", "StockReserved", "ReservationReleased", "StockShipped", "StockReturned",
        "StockAdjusted", "StockTransferredOut", "StockTransferredIn",
    ]

    public static let projection = Projection(
        name: name, version: 1, views: ["inventory", "stockLedger"], eventTypes: eventTypes,
        databases: [DatabaseSpec(products), DatabaseSpec(levels), DatabaseSpec(ledger)], rebuildWeight: 8
    ) { context in try InventoryProjector(context) }

    /// The physical movements, in the order their codes are stored.
    static let movementTypes = [
        "StockReceived", "StockShipped", "StockReturned", "StockAdjusted", "StockTransferredOut", "StockTransferredIn",
    ]

    static func ledgerPrefix(sku: String, warehouseId: String) -> String { sku + "@" + warehouseId }
}

struct ProductRecord: ViewRecord {
    var reorderPoint: Int

    init(reorderPoint: Int) { self.reorderPoint = reorderPoint }
    func encode(into w: inout RecordWriter) { w.int(reorderPoint) }
    init(from r: inout RecordReader) throws(RecordDecodingError) { reorderPoint = try r.intValue() }
}

struct LevelRecord: ViewRecord {
    var onHand = 0
    var reserved = 0
    /// Ten-thousandths.
    var averageCost: Int64 = 0

    init() {}

    func encode(into w: inout RecordWriter) {
        w.int(onHand)
        w.int(reserved)
        w.int(averageCost)
    }

    init(from r: inout RecordReader) throws(RecordDecodingError) {
        onHand = try r.intValue()
        reserved = try r.intValue()
        averageCost = try r.int()
    }
}

/// One movement in the ledger (the block list's row): its time, type, signed quantity, on hand after,
/// unit cost and reference (the receipt, order, return, adjustment or transfer id).
struct MovementRow {
    var at: Int64
    var type: Int
    var quantity: Int
    var onHandAfter: Int
    var unitCost: Int64
    var reference: String

    func encode(into w: inout RecordWriter) {
        w.int(at)
        w.varint(UInt64(type))
        w.int(quantity)
        w.int(onHandAfter)
        w.int(unitCost)
        w.string(reference)
    }

    init(at: Int64, type: Int, quantity: Int, onHandAfter: Int, unitCost: Int64, reference: String) {
        self.at = at
        self.type = type
        self.quantity = quantity
        self.onHandAfter = onHandAfter
        self.unitCost = unitCost
        self.reference = reference
    }

    init(_ bytes: UnsafeRawBufferPointer) throws {
        var r = RecordReader(bytes)
        at = try r.int()
        type = Int(try r.varint())
        quantity = try r.intValue()
        onHandAfter = try r.intValue()
        unitCost = try r.int()
        reference = try r.string()
    }
}

final class InventoryProjector: Projector {
    let products: ViewTable<String, ProductRecord>
    let levels: ViewTable<KeyPair, LevelRecord>
    let ledger: BlockList

    init(_ context: ProjectorContext) throws {
        products = try context.table(Inventory.products)
        levels = try context.table(Inventory.levels)
        ledger = try context.blockList(Inventory.ledger)
    }

    func apply(_ e: ProjectedEvent, _ txn: borrowing Transaction) throws {
        let d = e.payload
        if e.type == "ProductRegistered" {
            guard let sku = d.string("sku") else { return }
            products.put(sku, ProductRecord(reorderPoint: d.int("reorderPoint") ?? 0))
            return
        }
        let warehouseField =
            switch e.type {
            case "StockTransferredOut": "fromWarehouseId"
            case "StockTransferredIn": "toWarehouseId"
            default: "warehouseId"
            }
        guard let sku = d.string("sku"), let warehouseId = d.string(warehouseField) else { return }
        let quantity = d.int("quantity") ?? 0
        let onHandAfter = d.int("onHandAfter")
        let level = try levels.update(KeyPair(sku, warehouseId), txn) { l -> LevelRecord in
            var level = l ?? LevelRecord()
            switch e.type {
            case "StockReserved", "ReservationReleased":
                let sign = e.type == "StockReserved" ? 1 : -1
                level.reserved = d.int("reservedAfter") ?? max(0, level.reserved + sign * quantity)
            case "StockShipped":
                level.onHand = onHandAfter ?? level.onHand - quantity
                level.reserved = d.int("reservedAfter") ?? max(0, level.reserved - quantity)
            case "StockReceived", "StockReturned", "StockTransferredIn":
                level.onHand = onHandAfter ?? level.onHand + quantity
                if let average = d.money("averageCostAfter") { level.averageCost = average }
            case "StockTransferredOut":
                level.onHand = onHandAfter ?? level.onHand - quantity
            case "StockAdjusted":
                level.onHand = onHandAfter ?? d.int("countedQuantity") ?? level.onHand
            default:
                break
            }
            l = level
            return level
        }
        guard let code = Inventory.movementTypes.firstIndex(of: e.type) else { return }
        let (signed, reference): (Int, String?) =
            switch e.type {
            case "StockReceived": (quantity, d.string("receiptId"))
            case "StockShipped": (-quantity, d.string("orderId"))
            case "StockReturned": (quantity, d.string("returnId"))
            case "StockAdjusted": (d.int("difference") ?? 0, d.string("adjustmentId"))
            case "StockTransferredOut": (-quantity, d.string("transferId"))
            default: (quantity, d.string("transferId"))
            }
        let row = MovementRow(
            at: e.at, type: code, quantity: signed, onHandAfter: level.onHand,
            unitCost: d.money("unitCost") ?? level.averageCost, reference: reference ?? "")
        try ledger.append(Inventory.ledgerPrefix(sku: sku, warehouseId: warehouseId), position: e.position, txn) {
            row.encode(into: &$0)
        }
    }
}
