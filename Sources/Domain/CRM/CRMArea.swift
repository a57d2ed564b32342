/// CRM: leads and the lead pool, customers, opportunities (CONTRACT §3 "CRM").
///
/// Every decider reads the data with ``DataReader`` first, then checks that what the command names
/// exists, then ownership (``CRMAccess``), then the state rules (``LeadPool``, stages) — the order of
/// checks of CONTRACT §2. Payloads are built by ``CRMEvents`` only.
enum CRMArea {
    static let handlers: [CommandType: CommandHandler] = [
        "ClaimLead": claimLead,
        "AssignLead": assignLead,
        "ReleaseLead": releaseLead,
        "RecycleStaleLeads": recycleStaleLeads,
        "DisqualifyLead": disqualifyLead,
        "RegisterCustomer": registerCustomer,
        "OpenOpportunity": openOpportunity,
        "AdvanceStage": advanceStage,
        "MarkOpportunityLost": markOpportunityLost,
    ]

    /// The deciders that read their data ahead of the writer (``CompanyState/prepare(_:)``).
    static let readers: [CommandType: CommandReader] = [
        "CaptureLead": readCaptureLead, "LogFollowUp": readLogFollowUp, "ConvertLead": readConvertLead,
    ]

    static let evolvers: [EventType: EventEvolver] = [
        CRMEventType.leadCaptured: CRMEvolvers.leadCaptured,
        CRMEventType.leadClaimed: CRMEvolvers.leadClaimed,
        CRMEventType.leadAssigned: CRMEvolvers.leadAssigned,
        CRMEventType.leadReleased: CRMEvolvers.leadReturned,
        CRMEventType.leadRecycled: CRMEvolvers.leadReturned,
        CRMEventType.leadDisqualified: CRMEvolvers.leadDisqualified,
        CRMEventType.leadConverted: CRMEvolvers.leadConverted,
        CRMEventType.followUpLogged: CRMEvolvers.followUpLogged,
        CRMEventType.customerRegistered: CRMEvolvers.customerRegistered,
        CRMEventType.opportunityOpened: CRMEvolvers.opportunityOpened,
        CRMEventType.opportunityStageAdvanced: CRMEvolvers.opportunityStageAdvanced,
        CRMEventType.opportunityWon: CRMEvolvers.opportunityWon,
        CRMEventType.opportunityLost: CRMEvolvers.opportunityLost,
    ]
}
