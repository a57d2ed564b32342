import JSON

/// Customers and their opportunities: follow-ups, repeat orders and new deals every week or two;
/// opportunities moving through the stages (sometimes skipping one, sometimes back with a reason)
/// until won — then an order — or lost. When a rep has left, their manager carries on for them.
extension DemoSimulation {
    static let customerNotes = [
        "Quarterly review call", "Sent the new price list", "Visited the site, discussed a framework contract",
        "Complaint about a late delivery, resolved", "Asked about volume discounts", "Introduced the new product line",
    ]
    static let opportunityTitles = [
        "Office refurbishment", "Warehouse racking", "Annual supplies contract", "Safety equipment roll-out",
        "IT workplace upgrade", "Packaging materials framework", "New branch fit-out", "Workshop tools renewal",
    ]
    static let lostReasons = [
        "price too high", "went with a competitor", "project cancelled", "no decision, budget frozen",
    ]

    func opportunityTitle() -> String { rng.pick(Self.opportunityTitles) + " \(2025 + rng.below(2))" }

    func openOpportunityModel(customer c: Int) -> Int {
        opportunities.append(OpportunityModel(customer: c, owner: customers[c].owner))
        let o = opportunities.count - 1
        customers[c].lastOpportunity = o
        schedule(.opportunityWork(opportunity: o), workingDays: rng.int(2...6))
        return o
    }

    func customerCycle(_ c: Int) {
        let actor = actor(for: customers[c].owner)
        let r = rng.unit()
        if r < 0.5 {
            emit(
                "LogFollowUp",
                [
                    "customerId": .string(customerId(c)), "channel": .string(rng.pick(Self.channels)),
                    "note": .string(rng.pick(Self.customerNotes)),
                ], by: actor, events: 1)
        } else if r < 0.9 {
            placeOrder(customer: c, opportunity: -1)
        } else {
            let o = openOpportunityModel(customer: c)
            emit(
                "OpenOpportunity",
                [
                    "opportunityId": .string(opportunityId(o)), "customerId": .string(customerId(c)),
                    "title": .string(opportunityTitle()), "amount": Self.money(rng.cents(2_000, 150_000)),
                    "expectedClose": .string(DemoCalendar.date(clock, plusDays: rng.int(30...120))),
                ], by: actor, events: 1)
        }
        // A few customers go quiet for good.
        if rng.chance(0.985) { schedule(.customerCycle(customer: c), workingDays: rng.int(4...13)) }
    }

    func workOpportunity(_ o: Int) {
        let stage = opportunities[o].stage
        guard stage != .won && stage != .lost else { return }
        let actor = actor(for: opportunities[o].owner)
        let r = rng.unit()
        // (advance by one, skip one, back one with a reason, lose) by stage; the rest waits.
        let (advance, skip, back, lose): (Double, Double, Double, Double) =
            switch stage {
            case .discovery: (0.62, 0.08, 0, 0.15)
            case .qualification: (0.6, 0.08, 0.04, 0.15)
            case .proposal: (0.55, 0.08, 0.05, 0.17)
            default: (0.5, 0, 0.07, 0.25)
            }
        var target: OpportunityStageModel?
        var reason: String?
        if r < advance {
            target = OpportunityStageModel(rawValue: stage.rawValue + 1)
        } else if r < advance + skip {
            target = OpportunityStageModel(rawValue: stage.rawValue + 2)
        } else if r < advance + skip + back {
            target = OpportunityStageModel(rawValue: stage.rawValue - 1)
            reason = rng.pick(["customer asked to revisit scope", "new decision maker", "budget under review"])
        } else if r < advance + skip + back + lose {
            emit(
                "MarkOpportunityLost",
                ["opportunityId": .string(opportunityId(o)), "reason": .string(rng.pick(Self.lostReasons))],
                by: actor, events: 1)
            opportunities[o].stage = .lost
            return
        }
        if let target {
            var data: JSONObject = ["opportunityId": .string(opportunityId(o)), "stage": .string(target.name)]
            if let reason { data["reason"] = .string(reason) }
            emit("AdvanceStage", data, by: actor, events: target == .won ? 2 : 1)
            opportunities[o].stage = target
            if target == .won {
                schedule(.placeOrder(customer: opportunities[o].customer, opportunity: o), workingDays: rng.int(1...5))
                return
            }
        }
        schedule(.opportunityWork(opportunity: o), workingDays: rng.int(3...10))
    }
}
