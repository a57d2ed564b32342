import JSON

/// A customer as other areas need it (ERP orders, OA expenses refer to customers).
public struct Customer: Sendable, Hashable {
    public var id: String
    public var name: String
    public var ownerId: String

    public init(id: String, name: String, ownerId: String) {
        self.id = id
        self.name = name
        self.ownerId = ownerId
    }
}

/// An opportunity as other areas need it.
public struct Opportunity: Sendable, Hashable {
    public var id: String
    public var customerId: String
    public var ownerId: String

    public init(id: String, customerId: String, ownerId: String) {
        self.id = id
        self.customerId = customerId
        self.ownerId = ownerId
    }
}

/// CRM state: the lead pool, customers and opportunities.
public struct CRMState: Sendable {
    public var customers: [String: Customer] = [:]
    public var opportunities: [String: Opportunity] = [:]

    public init() {}

    /// `LeadReleased` (reason `owner deactivated`) for every lead `employeeId` owns, used by
    /// `DeactivateEmployee`.
    public func releaseEventsForDeactivatedOwner(_ employeeId: String) -> [NewEvent] { [] }
}
