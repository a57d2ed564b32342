/// Where a lead is in the pool's life cycle (CONTRACT §3, "The lead pool, exactly").
///
/// Only a `pool` lead can be claimed or assigned; `converted` and `disqualified` are final.
public enum LeadStatus: String, Sendable, Hashable, CaseIterable {
    case pool
    case claimed
    case converted
    case disqualified

    /// `converted` and `disqualified` leads never change again.
    public var isFinal: Bool { self == .converted || self == .disqualified }
}

/// A lead as the deciders see it: enough to decide the pool's rules in O(1).
///
/// Personal fields (`contactName`, `phone`, `email`) are deliberately not kept: no decision needs
/// them, and keeping them out of memory keeps erasure (CONTRACT §8) a matter of the log alone.
public struct Lead: Sendable, Hashable {
    public var id: String
    /// The prospect's company, the default name of the customer it converts to.
    public var company: String
    public var status: LeadStatus
    /// The rep who claimed it or was assigned it; nil unless `claimed`.
    public var ownerId: String?
    /// The latest claim, assignment or follow-up while claimed; nil unless `claimed`.
    public var lastActivityAt: Timestamp?
    /// When the lead last left each rep (released or recycled), for the re-claim lock.
    public var leftAt: [String: Timestamp]
    /// The customer it converted to.
    public var customerId: String?

    public init(
        id: String, company: String, status: LeadStatus = .pool, ownerId: String? = nil,
        lastActivityAt: Timestamp? = nil, leftAt: [String: Timestamp] = [:], customerId: String? = nil
    ) {
        self.id = id
        self.company = company
        self.status = status
        self.ownerId = ownerId
        self.lastActivityAt = lastActivityAt
        self.leftAt = leftAt
        self.customerId = customerId
    }
}
