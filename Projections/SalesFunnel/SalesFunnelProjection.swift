import LMDB
import ProjectionRuntime

/// The `salesFunnel` view (CONTRACT §4): per stage count, amount and weighted amount; conversion
/// between consecutive stages; win rate; average days in each stage; lead pool counts — filtered
/// by rep and by the period in which opportunities opened.
///
/// | database | key | value |
/// |---|---|---|
/// | `salesFunnel.opportunities` | opportunityId | rep, opening, amount, probability, stage, stays |
/// | `salesFunnel.buckets` | repId (or `*`) ‖ 0 ‖ opening day u64 BE | the day's summed ``FunnelCounters`` |
/// | `salesFunnel.opened` | opening time ‖ position (u64 BE each) | opportunityId |
/// | `salesFunnel.leads` | repId (or `*` for everyone) | lead pool counts |
///
/// A query sums the day buckets the period covers whole, and adds the opportunities of the period's
/// partial days one by one from `opened` — exact for any period, and one record per day otherwise.
public enum SalesFunnel {
    public static let name = "salesFunnel"
    static let opportunities = "salesFunnel.opportunities"
    static let buckets = "salesFunnel.buckets"
    static let opened = "salesFunnel.opened"
    static let leads = "salesFunnel.leads"

    /// Stages in order; the first four are open, `won` is rank 4, `lost` is off the path.
    public static let stages = ["discovery", "qualification", "proposal", "negotiation", "won", "lost"]
    static let wonIndex = 4
    static let lostIndex = 5
    static let millisecondsPerDay: Int64 = 86_400_000
    /// The key of everyone's figures (`*` is not a character ids may hold).
    static let everyone = "*"

    public static let eventTypes: Set<String> = [
        "OpportunityOpened", "OpportunityStageAdvanced", "OpportunityWon", "OpportunityLost", "LeadCaptured",
        "LeadClaimed", "LeadAssigned", "LeadReleased", "LeadRecycled", "LeadConverted", "LeadDisqualified",
    ]

    public static let projection = Projection(
        name: name, version: 1, views: [name], eventTypes: eventTypes,
        databases: [DatabaseSpec(opportunities), DatabaseSpec(buckets), DatabaseSpec(opened), DatabaseSpec(leads)],
        rebuildWeight: 5
    ) { context in try SalesFunnelProjector(context) }

    static func day(of ms: Int64) -> Int64 {
        ms >= 0 ? ms / millisecondsPerDay : -((-ms + millisecondsPerDay - 1) / millisecondsPerDay)
    }

    /// Bucket keys order days as unsigned numbers.
    static func dayKey(_ day: Int64) -> UInt64 { UInt64(bitPattern: day ^ Int64.min) }
}

final class SalesFunnelProjector: Projector {
    let opportunities: ViewTable<String, FunnelOpportunity>
    let buckets: ViewTable<KeyOrdered, FunnelCounters>
    let opened: ViewTable<TimeKey, OpportunityId>
    let leads: ViewTable<String, LeadCounters>

    init(_ context: ProjectorContext) throws {
        opportunities = try context.table(SalesFunnel.opportunities)
        buckets = try context.table(SalesFunnel.buckets)
        opened = try context.table(SalesFunnel.opened)
        leads = try context.table(SalesFunnel.leads)
    }

    func apply(_ e: ProjectedEvent, _ txn: borrowing Transaction) throws {
        let d = e.payload
        switch e.type {
        case "OpportunityOpened":
            guard let id = d.string("opportunityId"), let rep = d.string("ownerId") else { return }
            let stage = SalesFunnel.stages.firstIndex(of: d.string("stage") ?? "discovery") ?? 0
            let o = FunnelOpportunity(
                repId: rep, openedAt: e.at, amount: d.money("amount") ?? 0, probability: d.int("probability") ?? 10,
                stage: stage)
            try change(id, txn) { $0 = o }
            opened.put(TimeKey(at: e.at, position: e.position), OpportunityId(id))

        case "OpportunityStageAdvanced":
            guard let id = d.string("opportunityId"), let to = d.string("to"),
                let stage = SalesFunnel.stages.firstIndex(of: to)
            else { return }
            let probability = d.int("probability")
            try change(id, txn) { o in
                guard o != nil, o!.stage != stage else { return }
                o!.leaveStage(at: e.at)
                o!.stage = stage
                o!.stageEnteredAt = e.at
                if stage <= SalesFunnel.wonIndex { o!.maxRank = max(o!.maxRank, stage) }
                if let probability { o!.probability = probability }
            }

        case "OpportunityWon", "OpportunityLost":
            guard let id = d.string("opportunityId") else { return }
            let stage = e.type == "OpportunityWon" ? SalesFunnel.wonIndex : SalesFunnel.lostIndex
            let amount = e.type == "OpportunityWon" ? d.money("amount") : nil
            try change(id, txn) { o in
                guard o != nil else { return }
                if o!.stage != stage {
                    o!.leaveStage(at: e.at)
                    o!.stage = stage
                    o!.stageEnteredAt = e.at
                    if stage == SalesFunnel.wonIndex { o!.maxRank = SalesFunnel.wonIndex }
                }
                o!.probability = stage == SalesFunnel.wonIndex ? 100 : 0
                if let amount { o!.amount = amount }
            }

        case "LeadCaptured":
            try countLeads(nil, txn) { $0.inPool += 1 }
        case "LeadClaimed", "LeadAssigned":
            try countLeads(d.string("repId"), txn) { c, everyone in
                c.claimed += 1
                if everyone { c.inPool -= 1 }
            }
        case "LeadReleased", "LeadRecycled":
            let recycled = e.type == "LeadRecycled"
            try countLeads(d.string("repId"), txn) { c, everyone in
                c.claimed -= 1
                if recycled { c.recycled += 1 }
                if everyone { c.inPool += 1 }
            }
        case "LeadConverted":
            try countLeads(d.string("repId"), txn) { c, _ in
                c.claimed -= 1
                c.converted += 1
            }
        case "LeadDisqualified":
            let rep = d.string("repId")
            try countLeads(rep, txn) { c, everyone in
                c.disqualified += 1
                if rep != nil { c.claimed -= 1 } else if everyone { c.inPool -= 1 }
            }
        default:
            return
        }
    }

    /// Changes an opportunity and moves its day buckets (its rep's and everyone's) by the difference.
    private func change(_ id: String, _ txn: borrowing Transaction, _ body: (inout FunnelOpportunity?) -> Void) throws {
        let (before, after) = try opportunities.update(id, txn) { o -> (FunnelOpportunity?, FunnelOpportunity?) in
            let before = o
            body(&o)
            return (before, o)
        }
        guard before != after, let some = after ?? before else { return }
        let day = SalesFunnel.dayKey(some.openedDay)
        for who in 0..<2 {
            try buckets.update(KeyOrdered(who == 0 ? some.repId : SalesFunnel.everyone, day), txn) { b in
                if b == nil { b = FunnelCounters() }
                if let before { b!.add(before, sign: -1) }
                if let after { b!.add(after, sign: 1) }
            }
        }
    }

    private func countLeads(_ rep: String?, _ txn: borrowing Transaction, _ body: (inout LeadCounters, Bool) -> Void)
        throws
    {
        if let rep {
            try leads.update(rep, txn) { c in
                var counters = c ?? LeadCounters()
                body(&counters, false)
                c = counters
            }
        }
        try leads.update(SalesFunnel.everyone, txn) { c in
            var counters = c ?? LeadCounters()
            body(&counters, true)
            c = counters
        }
    }

    private func countLeads(_ rep: String?, _ txn: borrowing Transaction, _ body: (inout LeadCounters) -> Void) throws {
        try countLeads(rep, txn) { c, everyone in if everyone { body(&c) } }
    }
}
