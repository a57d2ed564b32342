import JSON

/// Moving opportunities through the stages: `AdvanceStage`, `MarkOpportunityLost`.
extension CRMArea {
    /// Forward moves may skip stages; a backward move needs a `reason` (`reason_required`); the
    /// current stage is `invalid_stage_transition`; a won or lost opportunity is `opportunity_closed`
    /// (checked first). `lost` is not a stage to advance to — `MarkOpportunityLost` records why a
    /// deal was lost — so `AdvanceStage` to `lost` is `invalid_stage_transition`. Reaching `won` also
    /// writes `OpportunityWon {amount}`.
    static func advanceStage(_ command: Command, _ context: CommandContext, _ state: CompanyState) throws
        -> [NewEvent]
    {
        var r = try DataReader(command.data)
        let opportunityId = try r.id("opportunityId")
        let target = try r.choice("stage", in: OpportunityStage.names)
        let reason = try r.optionalReason()
        try r.finish()
        let stage = OpportunityStage(rawValue: target) ?? .discovery
        let opportunity = try existingOpportunity(opportunityId, state: state)
        try CRMAccess.requireActsFor(context.actor, opportunity: opportunity, state: state)
        try requireOpen(opportunity)
        guard let from = opportunity.stage.rank, let to = stage.rank, from != to else {
            throw DomainError(
                .invalidStageTransition,
                stage == .lost
                    ? "use MarkOpportunityLost to lose an opportunity"
                    : "opportunity \(opportunityId) is already at \(stage.rawValue)",
                details: ["from": .string(opportunity.stage.rawValue), "to": .string(stage.rawValue)])
        }
        if to < from && reason == nil { throw DomainError.reasonRequired() }
        var events = [CRMEvents.opportunityStageAdvanced(opportunity, to: stage, reason: reason)]
        if stage == .won { events.append(CRMEvents.opportunityWon(opportunity)) }
        return events
    }

    /// Closes an open opportunity as lost, from whatever stage it is at.
    static func markOpportunityLost(_ command: Command, _ context: CommandContext, _ state: CompanyState) throws
        -> [NewEvent]
    {
        var r = try DataReader(command.data)
        let opportunityId = try r.id("opportunityId")
        let reason = try r.reason()
        try r.finish()
        let opportunity = try existingOpportunity(opportunityId, state: state)
        try CRMAccess.requireActsFor(context.actor, opportunity: opportunity, state: state)
        try requireOpen(opportunity)
        return [CRMEvents.opportunityLost(opportunity, reason: reason)]
    }

    private static func existingOpportunity(_ id: String, state: CompanyState) throws -> Opportunity {
        guard let opportunity = state.crm.opportunities[id] else { throw DomainError.notFound("opportunity", id) }
        return opportunity
    }

    private static func requireOpen(_ opportunity: Opportunity) throws {
        guard !opportunity.isClosed else {
            throw DomainError(
                .opportunityClosed, "opportunity \(opportunity.id) is \(opportunity.stage.rawValue)",
                details: ["opportunityId": .string(opportunity.id), "stage": .string(opportunity.stage.rawValue)])
        }
    }
}
