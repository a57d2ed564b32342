/// Leads leaving their owner: `ReleaseLead`, `RecycleStaleLeads`, `DisqualifyLead`.
extension CRMArea {
    /// The owner (or their manager, or an admin) puts a claimed lead back in the pool.
    static func releaseLead(_ command: Command, _ context: CommandContext, _ state: CompanyState) throws
        -> [NewEvent]
    {
        var r = try DataReader(command.data)
        let leadId = try r.id("leadId")
        let reason = try r.reason()
        try r.finish()
        guard let lead = state.crm.leads[leadId] else { throw DomainError.notFound("lead", leadId) }
        guard let owner = lead.ownerId else { throw LeadPool.notClaimed(lead) }
        try CRMAccess.requireActsFor(context.actor, lead: lead, state: state)
        return [CRMEvents.leadReleased(leadId: leadId, repId: owner, reason: reason)]
    }

    /// One `LeadRecycled` per claimed lead whose last activity is `recycleAfterDays` or more before
    /// `asOf` (default: now), in lead id order; none is a valid answer. `asOf` may be any time: it
    /// only moves the staleness cut-off, and the re-claim lock still runs from the event's own time.
    static func recycleStaleLeads(_ command: Command, _ context: CommandContext, _ state: CompanyState) throws
        -> [NewEvent]
    {
        var r = try DataReader(command.data)
        let asOf = try r.optionalTimestamp("asOf") ?? context.now
        try r.finish()
        let cutoff = asOf.adding(days: -state.org.leadPoolRules.recycleAfterDays)
        var stale: [(lead: String, rep: String, lastActivityAt: Timestamp)] = []
        for (rep, owned) in state.crm.leadsByOwner {
            for leadId in owned {
                guard let last = state.crm.leads[leadId]?.lastActivityAt, last <= cutoff else { continue }
                stale.append((leadId, rep, last))
            }
        }
        return stale.sorted { $0.lead < $1.lead }.map {
            CRMEvents.leadRecycled(leadId: $0.lead, repId: $0.rep, lastActivityAt: $0.lastActivityAt, asOf: asOf)
        }
    }

    /// A lead that will never buy leaves the pool for good. The owner (or their manager, or an admin)
    /// disqualifies a claimed lead; a pool lead belongs to nobody, so managers and admins may
    /// disqualify it and sales reps may not (`not_lead_owner`). A converted or disqualified lead is
    /// final: `lead_not_claimed` with `details.status`.
    static func disqualifyLead(_ command: Command, _ context: CommandContext, _ state: CompanyState) throws
        -> [NewEvent]
    {
        var r = try DataReader(command.data)
        let leadId = try r.id("leadId")
        let reason = try r.reason()
        try r.finish()
        guard let lead = state.crm.leads[leadId] else { throw DomainError.notFound("lead", leadId) }
        if lead.status.isFinal { throw LeadPool.notClaimed(lead) }
        try CRMAccess.requireActsFor(context.actor, lead: lead, state: state)
        return [CRMEvents.leadDisqualified(leadId: leadId, repId: lead.ownerId, reason: reason)]
    }
}
