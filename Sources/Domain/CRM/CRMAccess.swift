import JSON

/// Who may act on which lead, customer or opportunity (CONTRACT §2, "Ownership"), checked after the
/// data and the existence of what the command names, before the state rules.
///
/// - The owner acts on what they own; an admin (or `system`) on anything; a manager on what their
///   reports own, directly or not.
/// - Anyone else is refused with the owner code — `not_lead_owner` for a lead, `not_owner` for a
///   customer or an opportunity — except an actor holding the `manager` role, who gets `forbidden`
///   ("a manager acting outside their reports"), whatever other roles they hold.
/// - A lead nobody owns (in the pool, converted or disqualified) has no owner to act for: the
///   managers who run the pool and admins may act on it, a sales rep may not (`not_lead_owner`).
///   Where the lead's status alone already refuses the command — `ReleaseLead` or `ConvertLead` of a
///   lead nobody owns, `DisqualifyLead` of a final lead — the decider answers `lead_not_claimed`
///   first: there is no owner whose rights could be missing.
enum CRMAccess {
    static func requireActsFor(_ actor: Actor, lead: Lead, state: CompanyState) throws {
        guard let owner = lead.ownerId else {
            guard actor.isAdmin || actor.has(.manager) else {
                throw DomainError(
                    .notLeadOwner, "lead \(lead.id) is not owned by \(actor.id)", details: ["leadId": .string(lead.id)])
            }
            return
        }
        try requireActsFor(actor, owner: owner, state: state) {
            DomainError(
                .notLeadOwner, "lead \(lead.id) is not owned by \(actor.id)", details: ["leadId": .string(lead.id)])
        }
    }

    static func requireActsFor(_ actor: Actor, customer: Customer, state: CompanyState) throws {
        try requireActsFor(actor, owner: customer.ownerId, state: state) {
            notOwner(actor, kind: "customer", id: customer.id)
        }
    }

    static func requireActsFor(_ actor: Actor, opportunity: Opportunity, state: CompanyState) throws {
        try requireActsFor(actor, owner: opportunity.ownerId, state: state) {
            notOwner(actor, kind: "opportunity", id: opportunity.id)
        }
    }

    /// `AssignLead`: a manager assigns to themselves or a report, an admin to anyone.
    static func requireMayAssign(_ actor: Actor, to repId: String, state: CompanyState) throws {
        guard actor.isAdmin || actor.id == repId || (actor.has(.manager) && state.org.isReport(repId, of: actor.id))
        else {
            throw DomainError(
                .forbidden, "\(actor.id) may assign leads only to themselves or their reports",
                details: ["repId": .string(repId)])
        }
    }

    private static func requireActsFor(
        _ actor: Actor, owner: String, state: CompanyState, otherwise: () -> DomainError
    ) throws {
        if state.org.actsFor(actor, owner: owner) { return }
        if actor.has(.manager) {
            throw DomainError(
                .forbidden, "\(owner) is not a report of \(actor.id)", details: ["ownerId": .string(owner)])
        }
        throw otherwise()
    }

    private static func notOwner(_ actor: Actor, kind: String, id: String) -> DomainError {
        DomainError(
            .notOwner, "\(kind) \(id) is not owned by \(actor.id)", details: ["kind": .string(kind), "id": .string(id)])
    }
}
