/// The CRM's event type names (CONTRACT §3). Their payloads are built in ``CRMEvents`` only.
enum CRMEventType {
    static let leadCaptured: EventType = "LeadCaptured"
    static let leadClaimed: EventType = "LeadClaimed"
    static let leadAssigned: EventType = "LeadAssigned"
    static let leadReleased: EventType = "LeadReleased"
    static let leadRecycled: EventType = "LeadRecycled"
    static let leadDisqualified: EventType = "LeadDisqualified"
    static let leadConverted: EventType = "LeadConverted"
    static let followUpLogged: EventType = "FollowUpLogged"
    static let customerRegistered: EventType = "CustomerRegistered"
    static let opportunityOpened: EventType = "OpportunityOpened"
    static let opportunityStageAdvanced: EventType = "OpportunityStageAdvanced"
    static let opportunityWon: EventType = "OpportunityWon"
    static let opportunityLost: EventType = "OpportunityLost"
}
