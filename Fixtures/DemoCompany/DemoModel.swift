/// The generator's light model of the company: just enough of each entity to know which command the
/// deciders will accept next. Entities are numbered densely; their ids are built from the numbers.
///
/// Collections that a random choice draws from are arrays (never `Set` or `Dictionary`, whose order
/// changes from process to process), so a seed always yields the same history.

struct EmployeeModel {
    var active = false
    var managerIndex: Int?
    /// Leads the employee owns now, in no particular order (swap-removed).
    var ownedLeads: [Int] = []
    /// The local calendar day of `claimsToday`.
    var claimDay = -1
    var claimsToday = 0
}

enum LeadStatusModel { case pool, claimed, converted, disqualified }

struct LeadModel {
    var company: String
    var status = LeadStatusModel.pool
    var owner = -1
    var lastActivity: Int64 = 0
    var capturedAt: Int64
    /// When the lead last left each rep (released, recycled, owner deactivated).
    var leftAt: [(rep: Int, at: Int64)] = []
    /// Index in the pool array while in the pool, in the owner's `ownedLeads` while claimed.
    var slot = -1
    var estimatedCents: Int64

    func leftTime(of rep: Int) -> Int64? { leftAt.last { $0.rep == rep }?.at }
}

struct CustomerModel {
    var owner: Int
    var warehouse: Int
    /// The customer's latest opportunity, for expenses linked to a deal.
    var lastOpportunity = -1
}

enum OpportunityStageModel: Int {
    case discovery, qualification, proposal, negotiation, won, lost

    var name: String {
        switch self {
        case .discovery: "discovery"
        case .qualification: "qualification"
        case .proposal: "proposal"
        case .negotiation: "negotiation"
        case .won: "won"
        case .lost: "lost"
        }
    }
}

struct OpportunityModel {
    var customer: Int
    var owner: Int
    var stage = OpportunityStageModel.discovery
}

struct OrderLineModel {
    var product: Int
    var quantity: Int
    var returned = 0
}

enum OrderStatusModel { case open, shipped, cancelled }

struct OrderModel {
    var customer: Int
    var warehouse: Int
    var lines: [OrderLineModel]
    var status = OrderStatusModel.open
}

struct StockModel {
    var onHand = 0
    var reserved = 0
    var receiptPending = false
    /// Units ordered recently, decayed by 5 % a day: about 20 days of demand.
    var demand = 0.0

    var available: Int { onHand - reserved }
}

enum ApprovalStepModel: Equatable {
    case person(Int)
    case finance
    case ceo
}

enum ExpenseStatusModel { case pending, approved, rejected, withdrawn, paid }

struct ExpenseModel {
    var requester: Int
    var amountCents: Int64
    var chain: [ApprovalStepModel]
    var current = 0
    var deciders: [Int] = []
    var status = ExpenseStatusModel.pending
}
