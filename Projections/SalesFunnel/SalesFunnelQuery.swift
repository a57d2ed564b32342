import Domain
import JSON
import LMDB
import ProjectionRuntime

/// A ratio or average written with a fixed number of decimals, computed exactly from integers.
public struct DecimalNumber: ExactNumber, Sendable, Hashable {
    public let numberText: String

    /// `numerator / denominator` rounded half-to-even to `digits` decimals; nil when the denominator is 0.
    init?(_ numerator: Int128, _ denominator: Int128, digits: Int) {
        guard denominator != 0 else { return nil }
        var scale: Int128 = 1
        for _ in 0..<digits { scale *= 10 }
        let q = MoneyText.divideHalfEven(numerator * scale, by: denominator)
        let negative = q < 0
        let m = q.magnitude
        var fraction = String(m % UInt128(scale))
        while fraction.count < digits { fraction = "0" + fraction }
        numberText = (negative ? "-" : "") + String(m / UInt128(scale)) + (digits > 0 ? "." + fraction : "")
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(Double(numberText) ?? 0)
    }
}

extension SalesFunnel {
    /// Optional `repId`; optional `from` (inclusive) and `to` (exclusive), times or dates, bounding
    /// when the counted opportunities opened.
    public struct Params: Sendable, Hashable {
        public var repId: String?
        public var from: Int64?
        public var to: Int64?

        public init(repId: String? = nil, from: Int64? = nil, to: Int64? = nil) {
            self.repId = repId
            self.from = from
            self.to = to
        }

        public init(_ params: JSONObject) throws {
            var r = ParamReader(params)
            repId = try r.optionalString("repId")
            from = try r.optionalTime("from")
            to = try r.optionalTime("to")
            try r.finish()
        }
    }

    public struct StageFigures: Encodable, Sendable {
        public var count: Int64
        public var amount: String
        public var weightedAmount: String
    }

    public struct Stages: Encodable, Sendable {
        public var discovery: StageFigures
        public var qualification: StageFigures
        public var proposal: StageFigures
        public var negotiation: StageFigures
        public var won: StageFigures
        public var lost: StageFigures
    }

    /// Opportunities that ever reached `to` ÷ those that ever reached `from` (a skipped stage counts as
    /// passed), four decimals; null when none reached `from`.
    public struct Conversion: Encodable, Sendable {
        public var from: String
        public var to: String
        public var reachedFrom: Int64
        public var reachedTo: Int64
        public var rate: DecimalNumber?
    }

    /// Completed stays only (the opportunity moved on, back, or closed), in days with two decimals.
    public struct AverageDays: Encodable, Sendable {
        public var discovery: DecimalNumber?
        public var qualification: DecimalNumber?
        public var proposal: DecimalNumber?
        public var negotiation: DecimalNumber?
    }

    /// `inPool` and `claimed` now; `converted`, `disqualified`, `recycled` in total. With a `repId`,
    /// all but `inPool` (the pool belongs to nobody) are that rep's.
    public struct Leads: Encodable, Sendable {
        public var inPool: Int64
        public var claimed: Int64
        public var converted: Int64
        public var disqualified: Int64
        public var recycled: Int64
    }

    public struct Result: Encodable, Sendable {
        public var repId: String?
        public var from: String?
        public var to: String?
        /// Open opportunities now in each stage, and those won and lost.
        public var stages: Stages
        public var conversion: [Conversion]
        /// won ÷ (won + lost), four decimals; null before anything closed.
        public var winRate: DecimalNumber?
        public var averageDaysInStage: AverageDays
        public var leads: Leads
    }

    public static func query(_ params: Params, _ txn: borrowing Transaction, _ context: QueryContext) throws -> Result {
        let store = context.store
        let bucketsDB = try store.database(buckets)
        let who = params.repId ?? everyone
        var total = FunnelCounters()
        let day = millisecondsPerDay
        let from = params.from ?? .min
        let to = params.to ?? .max
        if from < to {
            // Whole days inside [from, to) come from the buckets; the cut days opportunity by opportunity.
            let firstWhole = from == .min ? Int64.min : SalesFunnel.day(of: from + day - 1)
            let lastWhole = to == .max ? Int64.max : SalesFunnel.day(of: to) - 1
            if firstWhole <= lastWhole {
                try sumBuckets(bucketsDB, who, firstWhole, lastWhole, txn, into: &total)
                if from != .min && from < firstWhole * day {
                    try addOpened(from, firstWhole * day, repId: params.repId, txn, context, into: &total)
                }
                if to != .max && (lastWhole + 1) * day < to {
                    try addOpened((lastWhole + 1) * day, to, repId: params.repId, txn, context, into: &total)
                }
            } else {
                try addOpened(from, to, repId: params.repId, txn, context, into: &total)
            }
        }
        let leadCounts = try txn.withValue(store.database(leads), key: Array(who.utf8)) { v in
            try v.map { try LeadCounters.decode($0) } ?? LeadCounters()
        }
        let pool =
            params.repId == nil
            ? leadCounts.inPool
            : try txn.withValue(store.database(leads), key: Array(everyone.utf8)) { v in
                try v.map { try LeadCounters.decode($0).inPool } ?? 0
            }

        func figures(_ i: Int) -> StageFigures {
            StageFigures(
                count: total.count[i], amount: MoneyText.format(total.amount[i], fractionDigits: 2),
                weightedAmount: MoneyText.format(total.weighted[i], fractionDigits: 2))
        }
        func average(_ i: Int) -> DecimalNumber? {
            DecimalNumber(Int128(total.stayMilliseconds[i]), Int128(total.stays[i]) * Int128(day), digits: 2)
        }
        var conversion: [Conversion] = []
        for i in 0..<4 {
            let reachedFrom: Int64 = total.reached[i]
            let reachedTo: Int64 = total.reached[i + 1]
            let rate = DecimalNumber(Int128(reachedTo), Int128(reachedFrom), digits: 4)
            conversion.append(
                Conversion(from: stages[i], to: stages[i + 1], reachedFrom: reachedFrom, reachedTo: reachedTo, rate: rate))
        }
        let won = Int128(total.count[wonIndex])
        let lost = Int128(total.count[lostIndex])
        return Result(
            repId: params.repId, from: params.from.map(LogReading.iso), to: params.to.map(LogReading.iso),
            stages: Stages(
                discovery: figures(0), qualification: figures(1), proposal: figures(2), negotiation: figures(3),
                won: figures(4), lost: figures(5)),
            conversion: conversion, winRate: DecimalNumber(won, won + lost, digits: 4),
            averageDaysInStage: AverageDays(
                discovery: average(0), qualification: average(1), proposal: average(2), negotiation: average(3)),
            leads: Leads(
                inPool: pool, claimed: leadCounts.claimed, converted: leadCounts.converted,
                disqualified: leadCounts.disqualified, recycled: leadCounts.recycled))
    }

    /// Adds the buckets of days `first...last` of `who`.
    private static func sumBuckets(
        _ db: Database, _ who: String, _ first: Int64, _ last: Int64, _ txn: borrowing Transaction,
        into total: inout FunnelCounters
    ) throws {
        let prefix = ViewKeys.prefix(who)
        let start = ViewKeys.encode(KeyOrdered(who, dayKey(first)))
        let end = dayKey(last)
        try txn.withCursor(db) { c in
            var entry = try c.seek(atLeast: start)
            while let e = entry, ViewKeys.hasPrefix(e.key, prefix), e.key.count == prefix.count + 8 {
                if ViewKeys.trailingNumber(e.key) > end { break }
                total += try FunnelCounters.decode(e.value)
                entry = try c.next()
            }
        }
    }

    /// Adds each opportunity opened in `[from, to)` (of `repId` when given).
    private static func addOpened(
        _ from: Int64, _ to: Int64, repId: String?, _ txn: borrowing Transaction, _ context: QueryContext,
        into total: inout FunnelCounters
    ) throws {
        let openedDB = try context.store.database(opened)
        let oppsDB = try context.store.database(opportunities)
        var ids: [String] = []
        try txn.withCursor(openedDB) { c in
            var entry = try c.seek(atLeast: TimeKey.bytes(at: from))
            let end = TimeKey.bytes(at: to)
            while let e = entry, end.withUnsafeBytes({ ViewKeys.less(e.key, $0) }) {
                ids.append(try OpportunityId.decode(e.value).id)
                entry = try c.next()
            }
        }
        for id in ids {
            guard
                let o = try txn.withValue(oppsDB, key: Array(id.utf8), { v in
                    try v.map { try FunnelOpportunity.decode($0) }
                })
            else { continue }
            if let repId, o.repId != repId { continue }
            total += o.contribution
        }
    }
}
