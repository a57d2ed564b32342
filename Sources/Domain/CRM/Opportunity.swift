/// A stage of an opportunity (CONTRACT §3). `won` and `lost` are final.
public enum OpportunityStage: String, Sendable, Hashable, CaseIterable {
    case discovery
    case qualification
    case proposal
    case negotiation
    case won
    case lost

    /// The default probability of closing, in percent.
    public var probability: Int {
        switch self {
        case .discovery: 10
        case .qualification: 25
        case .proposal: 50
        case .negotiation: 75
        case .won: 100
        case .lost: 0
        }
    }

    /// Position along the forward path `discovery → … → won`; `lost` is off the path (nil).
    public var rank: Int? {
        switch self {
        case .discovery: 0
        case .qualification: 1
        case .proposal: 2
        case .negotiation: 3
        case .won: 4
        case .lost: nil
        }
    }

    /// `won` and `lost` are final.
    public var isClosed: Bool { self == .won || self == .lost }

    /// The stage names, in order, for error messages.
    static let names = allCases.map(\.rawValue)
}

/// An opportunity as the deciders of every area need it.
public struct Opportunity: Sendable, Hashable {
    public var id: String
    public var customerId: String
    /// Its customer's owner when it opened; it does not follow later changes of the customer.
    public var ownerId: String
    public var stage: OpportunityStage
    public var amount: Money

    public init(
        id: String, customerId: String, ownerId: String, stage: OpportunityStage = .discovery,
        amount: Money = .zero
    ) {
        self.id = id
        self.customerId = customerId
        self.ownerId = ownerId
        self.stage = stage
        self.amount = amount
    }

    /// Won or lost: no stage moves any more (orders and expenses may still refer to it).
    public var isClosed: Bool { stage.isClosed }
}
