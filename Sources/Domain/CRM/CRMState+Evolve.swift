/// The state changes the CRM evolvers make. Each one tolerates events that do not fit the state
/// (an unknown lead, a lead in another status): replay never crashes on odd data, it skips it.
extension CRMState {
    mutating func captureLead(_ id: String, company: String) {
        guard leads[id] == nil else { return }
        leads[id] = Lead(id: id, company: company)
    }

    /// A claim or an assignment: `repId` owns the lead from `at`.
    mutating func giveLead(_ id: String, to repId: String, at: Timestamp, claimed: Bool) {
        guard var lead = leads[id] else { return }
        if let previous = lead.ownerId { dropOwnership(of: id, by: previous) }
        lead.status = .claimed
        lead.ownerId = repId
        lead.lastActivityAt = at
        leads[id] = lead
        leadsByOwner[repId, default: []].insert(id)
        if claimed { recordClaim(by: repId, at: at) }
    }

    /// A release or a recycle: the lead is back in the pool and left `repId` at `at`.
    mutating func returnLeadToPool(_ id: String, from repId: String?, at: Timestamp) {
        guard var lead = leads[id] else { return }
        if let owner = lead.ownerId { dropOwnership(of: id, by: owner) }
        if let rep = repId ?? lead.ownerId { lead.leftAt[rep] = at }
        lead.status = .pool
        lead.ownerId = nil
        lead.lastActivityAt = nil
        leads[id] = lead
    }

    /// A conversion or a disqualification: the lead leaves its owner for good.
    mutating func closeLead(_ id: String, as status: LeadStatus, customerId: String? = nil) {
        guard var lead = leads[id] else { return }
        if let owner = lead.ownerId { dropOwnership(of: id, by: owner) }
        lead.status = status
        lead.ownerId = nil
        lead.lastActivityAt = nil
        if let customerId { lead.customerId = customerId }
        leads[id] = lead
    }

    /// A follow-up refreshes the last activity of a claimed lead.
    mutating func noteFollowUp(onLead id: String, at: Timestamp) {
        guard leads[id]?.status == .claimed else { return }
        leads[id]?.lastActivityAt = at
    }

    private mutating func dropOwnership(of leadId: String, by repId: String) {
        leadsByOwner[repId]?.remove(leadId)
        if leadsByOwner[repId]?.isEmpty == true { leadsByOwner[repId] = nil }
    }

    private mutating func recordClaim(by repId: String, at: Timestamp) {
        let earliest = at.milliseconds - CRMState.recentClaimWindow
        var times = recentClaims.removeValue(forKey: repId) ?? []
        if let stale = times.firstIndex(where: { $0.milliseconds >= earliest }) {
            if stale > 0 { times.removeFirst(stale) }
        } else {
            times.removeAll(keepingCapacity: true)
        }
        times.append(at)
        recentClaims[repId] = times
    }
}
