import ProjectionRuntime

/// `customer360.customers`: customerId → the profile, owner and running totals.
struct CustomerRecord: ViewRecord {
    var name: String
    var ownerId: String
    var leadId: String?
    var registeredAt: Int64
    var registeredPosition: UInt64
    /// Ten-thousandths.
    var wonAmount: Int128 = 0
    var openPipeline: Int128 = 0
    /// Σ amount × probability / 100 over open opportunities, ten-thousandths.
    var weightedPipeline: Int128 = 0
    var approvedExpenses: Int128 = 0
    /// The latest follow-up logged on the customer.
    var lastContactAt: Int64?

    init(name: String, ownerId: String, leadId: String?, registeredAt: Int64, registeredPosition: UInt64) {
        self.name = name
        self.ownerId = ownerId
        self.leadId = leadId
        self.registeredAt = registeredAt
        self.registeredPosition = registeredPosition
    }

    func encode(into w: inout RecordWriter) {
        w.string(name)
        w.string(ownerId)
        w.optionalString(leadId)
        w.int(registeredAt)
        w.varint(registeredPosition)
        w.int128(wonAmount)
        w.int128(openPipeline)
        w.int128(weightedPipeline)
        w.int128(approvedExpenses)
        w.optionalInt(lastContactAt)
    }

    init(from r: inout RecordReader) throws(RecordDecodingError) {
        name = try r.string()
        ownerId = try r.string()
        leadId = try r.optionalString()
        registeredAt = try r.int()
        registeredPosition = try r.varint()
        wonAmount = try r.int128()
        openPipeline = try r.int128()
        weightedPipeline = try r.int128()
        approvedExpenses = try r.int128()
        lastContactAt = try r.optionalInt()
    }
}

/// `customer360.opportunities`: customerId ‖ 0 ‖ opportunityId → the opportunity now.
struct OpportunityRecord: ViewRecord {
    var title: String
    var stage: String
    var amount: Int64
    var probability: Int
    var expectedClose: String?
    var openedAt: Int64
    var openedPosition: UInt64

    init(
        title: String, stage: String, amount: Int64, probability: Int, expectedClose: String?, openedAt: Int64,
        openedPosition: UInt64
    ) {
        self.title = title
        self.stage = stage
        self.amount = amount
        self.probability = probability
        self.expectedClose = expectedClose
        self.openedAt = openedAt
        self.openedPosition = openedPosition
    }

    var isOpen: Bool { stage != "won" && stage != "lost" }

    func encode(into w: inout RecordWriter) {
        w.string(title)
        w.string(stage)
        w.int(amount)
        w.int(probability)
        w.optionalString(expectedClose)
        w.int(openedAt)
        w.varint(openedPosition)
    }

    init(from r: inout RecordReader) throws(RecordDecodingError) {
        title = try r.string()
        stage = try r.string()
        amount = try r.int()
        probability = try r.intValue()
        expectedClose = try r.optionalString()
        openedAt = try r.int()
        openedPosition = try r.varint()
    }
}

/// A line of an order, a shipment or a return: sku, quantity and a price or cost (ten-thousandths).
struct LineRecord: Hashable {
    var sku: String
    var quantity: Int
    var money: Int64

    func encode(into w: inout RecordWriter) {
        w.string(sku)
        w.int(quantity)
        w.int(money)
    }

    /// Writes a count and the lines, each read in place (a `for`-`in` loop would copy every line).
    static func encode(_ lines: [LineRecord], into w: inout RecordWriter) {
        w.varint(UInt64(lines.count))
        for i in lines.indices { lines[i].encode(into: &w) }
    }

    init(sku: String, quantity: Int, money: Int64) {
        self.sku = sku
        self.quantity = quantity
        self.money = money
    }

    init(from r: inout RecordReader) throws(RecordDecodingError) {
        sku = try r.string()
        quantity = try r.intValue()
        money = try r.int()
    }
}

/// Goods that left (a shipment) or came back (a return, with its id).
struct MovementRecord {
    var id: String?
    var at: Int64
    var lines: [LineRecord]

    /// Writes a count and the movements, each read in place.
    static func encode(_ list: [MovementRecord], into w: inout RecordWriter) {
        w.varint(UInt64(list.count))
        for i in list.indices {
            w.optionalString(list[i].id)
            w.int(list[i].at)
            LineRecord.encode(list[i].lines, into: &w)
        }
    }
}

/// `customer360.orders`: customerId ‖ 0 ‖ orderId → the order with its shipments and returns.
struct OrderRecord: ViewRecord {
    var status: String
    var total: Int64
    var placedAt: Int64
    var placedPosition: UInt64
    var warehouseId: String
    var opportunityId: String?
    var lines: [LineRecord]
    var shipments: [MovementRecord] = []
    var returns: [MovementRecord] = []

    init(
        status: String, total: Int64, placedAt: Int64, placedPosition: UInt64, warehouseId: String,
        opportunityId: String?, lines: [LineRecord]
    ) {
        self.status = status
        self.total = total
        self.placedAt = placedAt
        self.placedPosition = placedPosition
        self.warehouseId = warehouseId
        self.opportunityId = opportunityId
        self.lines = lines
    }

    func encode(into w: inout RecordWriter) {
        w.string(status)
        w.int(total)
        w.int(placedAt)
        w.varint(placedPosition)
        w.string(warehouseId)
        w.optionalString(opportunityId)
        LineRecord.encode(lines, into: &w)
        MovementRecord.encode(shipments, into: &w)
        MovementRecord.encode(returns, into: &w)
    }

    init(from r: inout RecordReader) throws(RecordDecodingError) {
        status = try r.string()
        total = try r.int()
        placedAt = try r.int()
        placedPosition = try r.varint()
        warehouseId = try r.string()
        opportunityId = try r.optionalString()
        lines = []
        for _ in 0..<(try r.varint()) { lines.append(try LineRecord(from: &r)) }
        var lists: [[MovementRecord]] = []
        for _ in 0..<2 {
            var list: [MovementRecord] = []
            for _ in 0..<(try r.varint()) {
                let id = try r.optionalString()
                let at = try r.int()
                var ls: [LineRecord] = []
                for _ in 0..<(try r.varint()) { ls.append(try LineRecord(from: &r)) }
                list.append(MovementRecord(id: id, at: at, lines: ls))
            }
            lists.append(list)
        }
        shipments = lists[0]
        returns = lists[1]
    }
}

/// `customer360.expenses`: customerId ‖ 0 ‖ expenseId → an expense linked to the customer.
struct ExpenseRecord: ViewRecord {
    var amount: Int64
    var status: String
    var requesterId: String
    var category: String
    var submittedAt: Int64
    var submittedPosition: UInt64

    init(
        amount: Int64, status: String, requesterId: String, category: String, submittedAt: Int64,
        submittedPosition: UInt64
    ) {
        self.amount = amount
        self.status = status
        self.requesterId = requesterId
        self.category = category
        self.submittedAt = submittedAt
        self.submittedPosition = submittedPosition
    }

    /// Approved or paid: counted in `approvedExpenses`.
    var isApproved: Bool { status == "approved" || status == "paid" }

    func encode(into w: inout RecordWriter) {
        w.int(amount)
        w.string(status)
        w.string(requesterId)
        w.string(category)
        w.int(submittedAt)
        w.varint(submittedPosition)
    }

    init(from r: inout RecordReader) throws(RecordDecodingError) {
        amount = try r.int()
        status = try r.string()
        requesterId = try r.string()
        category = try r.string()
        submittedAt = try r.int()
        submittedPosition = try r.varint()
    }
}
