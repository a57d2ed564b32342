/// The state changes the CRM evolvers make. Each one tolerates events that do not fit the state
/// (an unknown lead, a lead in another status): replay never crashes on odd data, it skips it.
extension CRMState {
    mutating func captureLead(_ id: String, company: String) {
        // One lookup: an existing lead is kept as it is.
        if leads.index(forKey: id) == nil { leads[id] = Lead(id: id, company: company) }
    }

    /// A claim or an assignment: `repId` owns the lead from `at`.
    mutating func giveLead(_ id: String, to repId: String, at: Timestamp, claimed: Bool) {
        // Changed in place through its index: one lookup, and the lead is not copied out and back.
        guard let i = leads.index(forKey: id) else { return }
        if let previous = leads.values[i].ownerId { dropOwnership(of: id, by: previous) }
        leads.values[i].status = .claimed
        leads.values[i].ownerId = repId
        leads.values[i].lastActivityAt = at
        leadsByOwner[repId, default: []].insert(id)
        if claimed { recordClaim(by: repId, at: at) }
    }

    /// A release or a recycle: the lead is back in the pool and left `repId` at `at`.
    mutating func returnLeadToPool(_ id: String, from repId: String?, at: Timestamp) {
        guard let i = leads.index(forKey: id) else { return }
        let owner = leads.values[i].ownerId
        if let owner { dropOwnership(of: id, by: owner) }
        if let rep = repId ?? owner { leads.values[i].leftAt[rep] = at }
        leads.values[i].status = .pool
        leads.values[i].ownerId = nil
        leads.values[i].lastActivityAt = nil
    }

    /// A conversion or a disqualification: the lead leaves its owner for good.
    mutating func closeLead(_ id: String, as status: LeadStatus, customerId: String? = nil) {
        guard let i = leads.index(forKey: id) else { return }
        if let owner = leads.values[i].ownerId { dropOwnership(of: id, by: owner) }
        leads.values[i].status = status
        leads.values[i].ownerId = nil
        leads.values[i].lastActivityAt = nil
        if let customerId { leads.values[i].customerId = customerId }
    }

    /// A follow-up refreshes the last activity of a claimed lead.
    mutating func noteFollowUp(onLead id: String, at: Timestamp) {
        guard let i = leads.index(forKey: id), leads.values[i].status == .claimed else { return }
        leads.values[i].lastActivityAt = at
    }

    private mutating func dropOwnership(of leadId: String, by repId: String) {
        guard let i = leadsByOwner.index(forKey: repId) else { return }
        leadsByOwner.values[i].remove(leadId)
        if leadsByOwner.values[i].isEmpty { leadsByOwner.remove(at: i) }
    }

    private mutating func recordClaim(by repId: String, at: Timestamp) {
        let earliest = at.milliseconds - CRMState.recentClaimWindow
        // In place (`default:` modifies the stored array): one lookup, no copy of the array.
        Self.append(at, to: &recentClaims[repId, default: []], droppingBefore: earliest)
    }

    private static func append(_ at: Timestamp, to times: inout [Timestamp], droppingBefore earliest: Int64) {
        if let stale = times.firstIndex(where: { $0.milliseconds >= earliest }) {
            if stale > 0 { times.removeFirst(stale) }
        } else {
            times.removeAll(keepingCapacity: true)
        }
        times.append(at)
    }
}
