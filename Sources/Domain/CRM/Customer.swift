/// A customer as the deciders of every area need it (ERP orders, OA expenses refer to customers).
public struct Customer: Sendable, Hashable {
    public var id: String
    public var name: String
    /// The rep who converted it, or `ownerId` of `RegisterCustomer` (default: who registered it).
    public var ownerId: String
    /// The lead it was converted from, if any.
    public var leadId: String?

    public init(id: String, name: String, ownerId: String, leadId: String? = nil) {
        self.id = id
        self.name = name
        self.ownerId = ownerId
        self.leadId = leadId
    }
}
