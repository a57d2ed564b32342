import Domain
import JSON
import LMDB
import ProjectionRuntime

extension Inventory {
    /// `inventory`: optional `sku`, `warehouseId`; `limit`, `after`.
    public struct LevelsParams: Sendable, Hashable {
        public var sku: String?
        public var warehouseId: String?
        public var page: PageRequest

        public init(sku: String? = nil, warehouseId: String? = nil, page: PageRequest = PageRequest()) {
            self.sku = sku
            self.warehouseId = warehouseId
            self.page = page
        }

        public init(_ params: JSONObject) throws {
            var r = ParamReader(params)
            sku = try r.optionalString("sku")
            warehouseId = try r.optionalString("warehouseId")
            page = try r.page()
            try r.finish()
        }
    }

    /// A row of `inventory`, in sku then warehouse order.
    public struct Level: Encodable, Sendable {
        public var sku: String
        public var warehouseId: String
        public var onHand: Int
        public var reserved: Int
        public var available: Int
        /// Four decimals.
        public var averageCost: String
        /// On hand × average cost, two decimals.
        public var value: String
        /// Available is below the product's reorder point.
        public var belowReorderPoint: Bool
    }

    /// `stockLedger`: `sku`, optional `warehouseId`; `limit`, `after`.
    public struct LedgerParams: Sendable, Hashable {
        public var sku: String
        public var warehouseId: String?
        public var page: PageRequest

        public init(sku: String, warehouseId: String? = nil, page: PageRequest = PageRequest()) {
            self.sku = sku
            self.warehouseId = warehouseId
            self.page = page
        }

        public init(_ params: JSONObject) throws {
            var r = ParamReader(params)
            sku = try r.string("sku")
            warehouseId = try r.optionalString("warehouseId")
            page = try r.page()
            try r.finish()
        }
    }

    /// A movement of `stockLedger`, in position order. `quantity` is signed: + in, − out; an
    /// adjustment's is the counted difference.
    public struct Movement: Encodable, Sendable {
        public var position: UInt64
        public var at: String
        public var type: String
        public var warehouseId: String
        public var quantity: Int
        public var onHandAfter: Int
        /// Four decimals: the receipt's cost, or the moving average the goods moved at.
        public var unitCost: String
        /// The receipt, order, return, adjustment or transfer id.
        public var reference: String
    }

    public static func levels(_ params: LevelsParams, _ txn: borrowing Transaction, _ context: QueryContext) throws
        -> Page<Level>
    {
        let levelsDB = try context.store.database(levels)
        let productsDB = try context.store.database(products)
        var start: [UInt8]
        var skip: [UInt8]?
        if let after = params.page.after {
            let parts = after.split(separator: "@", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                throw DomainError.invalid("after", "after is not a cursor this view returned")
            }
            start = ViewKeys.encode(KeyPair(String(parts[0]), String(parts[1])))
            skip = start
        } else {
            start = params.sku.map(ViewKeys.prefix) ?? []
        }
        if let sku = params.sku, let s = skip, !ViewKeys.hasPrefixArray(s, ViewKeys.prefix(sku)) {
            start = ViewKeys.prefix(sku)
            skip = nil
        }
        let skuPrefix = params.sku.map(ViewKeys.prefix)
        var reorderPoints: [String: Int] = [:]
        var rows: [Level] = []
        var more = false
        try txn.withCursor(levelsDB) { c in
            var entry = start.isEmpty ? try c.first() : try c.seek(atLeast: start)
            if let s = skip, let e = entry, e.key.elementsEqual(s) { entry = try c.next() }
            while let e = entry {
                if let p = skuPrefix, !ViewKeys.hasPrefix(e.key, p) { break }
                guard let zero = e.key.firstIndex(of: 0) else {
                    entry = try c.next()
                    continue
                }
                let sku = String(decoding: UnsafeRawBufferPointer(rebasing: e.key[..<zero]), as: UTF8.self)
                let warehouse = String(decoding: UnsafeRawBufferPointer(rebasing: e.key[(zero + 1)...]), as: UTF8.self)
                if let w = params.warehouseId, w != warehouse {
                    entry = try c.next()
                    continue
                }
                if rows.count == params.page.limit {
                    more = true
                    break
                }
                let level = try LevelRecord.decode(e.value)
                if reorderPoints[sku] == nil {
                    reorderPoints[sku] = try txn.withValue(productsDB, key: Array(sku.utf8)) { v in
                        try v.map { try ProductRecord.decode($0).reorderPoint } ?? 0
                    }
                }
                let available = level.onHand - level.reserved
                rows.append(
                    Level(
                        sku: sku, warehouseId: warehouse, onHand: level.onHand, reserved: level.reserved,
                        available: available, averageCost: MoneyText.cost(level.averageCost),
                        value: MoneyText.format(
                            MoneyText.value(quantity: level.onHand, cost: level.averageCost), fractionDigits: 2),
                        belowReorderPoint: available < (reorderPoints[sku] ?? 0)))
                entry = try c.next()
            }
        }
        let next = more ? rows.last.map { $0.sku + "@" + $0.warehouseId } : nil
        return Page(rows: rows, next: next)
    }

    public static func ledger(_ params: LedgerParams, _ txn: borrowing Transaction, _ context: QueryContext) throws
        -> Page<Movement>
    {
        let after = try PositionCursor.decode(params.page.after)
        let ledgerDB = try context.store.database(ledger)
        var warehouses: [String]
        if let w = params.warehouseId {
            warehouses = [w]
        } else {
            warehouses = []
            let prefix = ViewKeys.prefix(params.sku)
            try txn.withCursor(try context.store.database(levels)) { c in
                var entry = try c.seek(atLeast: prefix)
                while let e = entry, ViewKeys.hasPrefix(e.key, prefix) {
                    warehouses.append(ViewKeys.suffix(e.key, after: prefix))
                    entry = try c.next()
                }
            }
        }
        guard after < UInt64.max, context.checkpoint > after else { return Page(rows: [], next: nil) }
        let limit = params.page.limit
        var rows: [Movement] = []
        for w in warehouses {
            var taken = 0
            try BlockList.read(
                ledgerDB, txn, prefix: ledgerPrefix(sku: params.sku, warehouseId: w),
                positions: (after + 1)...context.checkpoint
            ) { position, bytes in
                let m = try MovementRow(bytes)
                rows.append(
                    Movement(
                        position: position, at: LogReading.iso(m.at),
                        type: movementTypes.indices.contains(m.type) ? movementTypes[m.type] : "unknown",
                        warehouseId: w, quantity: m.quantity, onHandAfter: m.onHandAfter,
                        unitCost: MoneyText.cost(m.unitCost), reference: m.reference))
                taken += 1
                return taken <= limit
            }
        }
        rows.sort { $0.position < $1.position }
        let more = rows.count > limit
        if more { rows.removeLast(rows.count - limit) }
        return Page(rows: rows, next: more ? rows.last.map { PositionCursor.encode($0.position) } : nil)
    }
}
