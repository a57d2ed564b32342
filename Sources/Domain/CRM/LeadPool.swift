import JSON

/// The lead pool's state rules (CONTRACT §3, "The lead pool, exactly"), each O(1) on ``CRMState``.
enum LeadPool {
    /// Only a `pool` lead can be claimed or assigned: `lead_not_in_pool` with `details.status`.
    static func requireInPool(_ lead: Lead) throws {
        guard lead.status == .pool else {
            throw DomainError(
                .leadNotInPool, "lead \(lead.id) is \(lead.status.rawValue), not in the pool",
                details: ["leadId": .string(lead.id), "status": .string(lead.status.rawValue)])
        }
    }

    /// `lead_not_claimed` with `details.status` unless the lead is claimed.
    static func requireClaimed(_ lead: Lead) throws {
        guard lead.status == .claimed else { throw notClaimed(lead) }
    }

    static func notClaimed(_ lead: Lead) -> DomainError {
        DomainError(
            .leadNotClaimed, "lead \(lead.id) is \(lead.status.rawValue), not claimed",
            details: ["leadId": .string(lead.id), "status": .string(lead.status.rawValue)])
    }

    /// Capacity: one more lead must not take `repId` past `capacity` (`claim_limit_reached`).
    static func requireCapacity(for repId: String, state: CompanyState) throws {
        let capacity = state.org.leadPoolRules.capacity
        let owned = state.crm.leadsOwned(by: repId)
        guard owned < capacity else {
            throw DomainError(
                .claimLimitReached, "\(repId) already holds \(owned) leads (capacity \(capacity))",
                details: [
                    "repId": .string(repId), "capacity": .number(JSONNumber(capacity)),
                    "owned": .number(JSONNumber(owned)),
                ])
        }
    }

    /// Daily limit: the rep's claims on the command's calendar day, in the pool's time zone
    /// (`daily_claim_limit_reached`).
    static func requireDailyClaimLeft(for repId: String, now: Timestamp, state: CompanyState) throws {
        let rules = state.org.leadPoolRules
        let claimed = state.crm.claims(by: repId, onDayOf: now, in: rules.timeZone)
        guard claimed < rules.dailyClaimLimit else {
            throw DomainError(
                .dailyClaimLimitReached, "\(repId) has claimed \(claimed) leads today (limit \(rules.dailyClaimLimit))",
                details: [
                    "repId": .string(repId), "dailyClaimLimit": .number(JSONNumber(rules.dailyClaimLimit)),
                    "claimedToday": .number(JSONNumber(claimed)),
                ])
        }
    }

    /// Re-claim lock: a lead that left `repId` less than `reclaimLockDays` ago cannot be claimed by
    /// them again before `details.until` (`reclaim_too_soon`).
    static func requireReclaimAllowed(_ lead: Lead, by repId: String, now: Timestamp, state: CompanyState) throws {
        guard let left = lead.leftAt[repId] else { return }
        let until = left.adding(days: state.org.leadPoolRules.reclaimLockDays)
        guard now >= until else {
            throw DomainError(
                .reclaimTooSoon, "lead \(lead.id) left \(repId) too recently to be claimed again",
                details: ["leadId": .string(lead.id), "until": .string(until.iso8601)])
        }
    }
}
