import Domain
import JSON
import LMDB
import ProjectionRuntime

extension Customer360 {
    /// `{customerId}`.
    public struct Params: Sendable, Hashable {
        public var customerId: String

        public init(customerId: String) { self.customerId = customerId }

        public init(_ params: JSONObject) throws {
            var r = ParamReader(params)
            customerId = try r.string("customerId")
            try r.finish()
        }
    }

    /// The result (every field always present; absent values are `null`).
    public struct Result: Encodable, Sendable {
        public var customerId: String
        public var name: String
        public var ownerId: String
        public var registeredAt: String
        /// The lead the customer was converted from (read from the log; personal fields as stored there).
        public var lead: Lead?
        /// Oldest first.
        public var opportunities: [Opportunity]
        /// Oldest first.
        public var orders: [Order]
        /// Oldest first.
        public var expenses: [Expense]
        public var totals: Totals
        /// The latest follow-up on the customer or, before it converted, on its lead.
        public var lastContactAt: String?
        /// The latest 50 events tagged with the customer, newest first.
        public var timeline: [TimelineEntry]
    }

    public struct Lead: Encodable, Sendable {
        public var leadId: String
        public var company: String?
        public var contactName: String?
        public var source: String?
        public var capturedAt: String?
        public var convertedAt: String?
        public var convertedBy: String?
    }

    public struct Opportunity: Encodable, Sendable {
        public var id: String
        public var title: String
        public var stage: String
        public var amount: String
        public var probability: Int
        public var expectedClose: String?
        public var openedAt: String
    }

    public struct Line: Encodable, Sendable {
        public var sku: String
        public var quantity: Int
        public var unitPrice: String
    }

    public struct MovedLine: Encodable, Sendable {
        public var sku: String
        public var quantity: Int
        public var unitCost: String
    }

    public struct Shipment: Encodable, Sendable {
        public var at: String
        public var lines: [MovedLine]
    }

    public struct Return: Encodable, Sendable {
        public var returnId: String?
        public var at: String
        public var lines: [MovedLine]
    }

    public struct Order: Encodable, Sendable {
        public var id: String
        public var status: String
        public var total: String
        public var placedAt: String
        public var warehouseId: String
        public var opportunityId: String?
        public var lines: [Line]
        public var shipments: [Shipment]
        public var returns: [Return]
    }

    public struct Expense: Encodable, Sendable {
        public var id: String
        public var amount: String
        public var status: String
        public var requesterId: String
        public var category: String
        public var submittedAt: String
    }

    public struct Totals: Encodable, Sendable {
        /// Won opportunities.
        public var wonAmount: String
        /// Open opportunities.
        public var openPipeline: String
        /// Open opportunities, each amount × its probability.
        public var weightedPipeline: String
        /// Linked expenses approved or paid.
        public var approvedExpenses: String
    }

    public struct TimelineEntry: Encodable, Sendable {
        public var position: UInt64
        public var at: String
        public var actor: String
        public var type: String
    }

    /// The owner of `customerId` in this snapshot (nil when it does not exist) — for the "they own" check.
    public static func owner(of customerId: String, _ txn: borrowing Transaction, _ context: QueryContext) throws
        -> String?
    {
        try txn.withValue(try context.store.database(customers), key: Array(customerId.utf8)) { v in
            try v.map { try CustomerRecord.decode($0).ownerId }
        }
    }

    /// The customer at a glance; `not_found` when it does not exist.
    public static func query(_ params: Params, _ txn: borrowing Transaction, _ context: QueryContext) throws -> Result {
        let id = params.customerId
        let store = context.store
        guard
            let customer = try txn.withValue(try store.database(customers), key: Array(id.utf8), { v in
                try v.map { try CustomerRecord.decode($0) }
            })
        else { throw DomainError.notFound("customer", id) }

        let opps = try rows(store.database(opportunities), id, txn, as: OpportunityRecord.self)
            .sorted { $0.1.openedPosition < $1.1.openedPosition }
        let ords = try rows(store.database(orders), id, txn, as: OrderRecord.self)
            .sorted { $0.1.placedPosition < $1.1.placedPosition }
        let exps = try rows(store.database(expenses), id, txn, as: ExpenseRecord.self)
            .sorted { $0.1.submittedPosition < $1.1.submittedPosition }

        var lead: Lead?
        var lastContact = customer.lastContactAt
        if let leadId = customer.leadId {
            var l = Lead(leadId: leadId)
            for e in try LogReading.stream(context.log, "lead-\(leadId)", through: context.checkpoint, limit: 1000) {
                switch e.type {
                case "LeadCaptured":
                    l.company = e.data["company"]?.stringValue
                    l.contactName = e.data["contactName"]?.stringValue
                    l.source = e.data["source"]?.stringValue
                    l.capturedAt = LogReading.iso(e.envelope.at)
                case "LeadConverted":
                    l.convertedAt = LogReading.iso(e.envelope.at)
                    l.convertedBy = e.data["repId"]?.stringValue
                case "FollowUpLogged":
                    lastContact = max(lastContact ?? .min, e.envelope.at)
                default: break
                }
            }
            lead = l
        }

        let timeline = try LogReading.latest(
            context.log, tag: "customer:\(id)", through: context.checkpoint, limit: 50
        ).map { TimelineEntry(position: $0.position, at: LogReading.iso($0.at), actor: $0.actor, type: $0.type) }

        return Result(
            customerId: id, name: customer.name, ownerId: customer.ownerId,
            registeredAt: LogReading.iso(customer.registeredAt), lead: lead,
            opportunities: opps.map { key, o in
                Opportunity(
                    id: key, title: o.title, stage: o.stage, amount: MoneyText.amount(o.amount),
                    probability: o.probability, expectedClose: o.expectedClose, openedAt: LogReading.iso(o.openedAt))
            },
            orders: ords.map { key, o in
                Order(
                    id: key, status: o.status, total: MoneyText.amount(o.total), placedAt: LogReading.iso(o.placedAt),
                    warehouseId: o.warehouseId, opportunityId: o.opportunityId,
                    lines: o.lines.map { Line(sku: $0.sku, quantity: $0.quantity, unitPrice: MoneyText.amount($0.money)) },
                    shipments: o.shipments.map { Shipment(at: LogReading.iso($0.at), lines: moved($0.lines)) },
                    returns: o.returns.map { Return(returnId: $0.id, at: LogReading.iso($0.at), lines: moved($0.lines)) })
            },
            expenses: exps.map { key, x in
                Expense(
                    id: key, amount: MoneyText.amount(x.amount), status: x.status, requesterId: x.requesterId,
                    category: x.category, submittedAt: LogReading.iso(x.submittedAt))
            },
            totals: Totals(
                wonAmount: MoneyText.format(customer.wonAmount, fractionDigits: 2),
                openPipeline: MoneyText.format(customer.openPipeline, fractionDigits: 2),
                weightedPipeline: MoneyText.format(customer.weightedPipeline, fractionDigits: 2),
                approvedExpenses: MoneyText.format(customer.approvedExpenses, fractionDigits: 2)),
            lastContactAt: lastContact.map(LogReading.iso), timeline: timeline)
    }

    private static func moved(_ lines: [LineRecord]) -> [MovedLine] {
        lines.map { MovedLine(sku: $0.sku, quantity: $0.quantity, unitCost: MoneyText.cost($0.money)) }
    }

    /// Every record under `customerId ‖ 0`, with the key's second part.
    private static func rows<V: ViewRecord>(
        _ db: Database, _ customerId: String, _ txn: borrowing Transaction, as: V.Type
    ) throws -> [(String, V)] {
        let prefix = ViewKeys.prefix(customerId)
        return try txn.withCursor(db) { c in
            var out: [(String, V)] = []
            var entry = try c.seek(atLeast: prefix)
            while let e = entry, ViewKeys.hasPrefix(e.key, prefix) {
                out.append((ViewKeys.suffix(e.key, after: prefix), try V.decode(e.value)))
                entry = try c.next()
            }
            return out
        }
    }
}

extension Customer360.Lead {
    init(leadId: String) {
        self.leadId = leadId
    }
}

// MARK: JSON form

extension Customer360.Result: JSONObjectRepresentable {
    public var jsonObject: JSONObject {
        [
            "customerId": .string(customerId), "name": .string(name), "ownerId": .string(ownerId),
            "registeredAt": .string(registeredAt), "lead": lead.map { .object($0.jsonObject) } ?? .null,
            "opportunities": .array(opportunities.map { .object($0.jsonObject) }),
            "orders": .array(orders.map { .object($0.jsonObject) }),
            "expenses": .array(expenses.map { .object($0.jsonObject) }),
            "totals": .object(totals.jsonObject), "lastContactAt": .optional(lastContactAt),
            "timeline": .array(timeline.map { .object($0.jsonObject) }),
        ]
    }
}

extension Customer360.Lead: JSONObjectRepresentable {
    public var jsonObject: JSONObject {
        [
            "leadId": .string(leadId), "company": .optional(company), "contactName": .optional(contactName),
            "source": .optional(source), "capturedAt": .optional(capturedAt), "convertedAt": .optional(convertedAt),
            "convertedBy": .optional(convertedBy),
        ]
    }
}

extension Customer360.Opportunity: JSONObjectRepresentable {
    public var jsonObject: JSONObject {
        [
            "id": .string(id), "title": .string(title), "stage": .string(stage), "amount": .string(amount),
            "probability": .integer(probability), "expectedClose": .optional(expectedClose),
            "openedAt": .string(openedAt),
        ]
    }
}

extension Customer360.Line: JSONObjectRepresentable {
    public var jsonObject: JSONObject {
        ["sku": .string(sku), "quantity": .integer(quantity), "unitPrice": .string(unitPrice)]
    }
}

extension Customer360.MovedLine: JSONObjectRepresentable {
    public var jsonObject: JSONObject {
        ["sku": .string(sku), "quantity": .integer(quantity), "unitCost": .string(unitCost)]
    }
}

extension Customer360.Shipment: JSONObjectRepresentable {
    public var jsonObject: JSONObject {
        ["at": .string(at), "lines": .array(lines.map { .object($0.jsonObject) })]
    }
}

extension Customer360.Return: JSONObjectRepresentable {
    public var jsonObject: JSONObject {
        ["returnId": .optional(returnId), "at": .string(at), "lines": .array(lines.map { .object($0.jsonObject) })]
    }
}

extension Customer360.Order: JSONObjectRepresentable {
    public var jsonObject: JSONObject {
        [
            "id": .string(id), "status": .string(status), "total": .string(total), "placedAt": .string(placedAt),
            "warehouseId": .string(warehouseId), "opportunityId": .optional(opportunityId),
            "lines": .array(lines.map { .object($0.jsonObject) }),
            "shipments": .array(shipments.map { .object($0.jsonObject) }),
            "returns": .array(returns.map { .object($0.jsonObject) }),
        ]
    }
}

extension Customer360.Expense: JSONObjectRepresentable {
    public var jsonObject: JSONObject {
        [
            "id": .string(id), "amount": .string(amount), "status": .string(status),
            "requesterId": .string(requesterId), "category": .string(category), "submittedAt": .string(submittedAt),
        ]
    }
}

extension Customer360.Totals: JSONObjectRepresentable {
    public var jsonObject: JSONObject {
        [
            "wonAmount": .string(wonAmount), "openPipeline": .string(openPipeline),
            "weightedPipeline": .string(weightedPipeline), "approvedExpenses": .string(approvedExpenses),
        ]
    }
}

extension Customer360.TimelineEntry: JSONObjectRepresentable {
    public var jsonObject: JSONObject {
        ["position": .integer(position), "at": .string(at), "actor": .string(actor), "type": .string(type)]
    }
}
