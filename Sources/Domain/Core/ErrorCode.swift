/// A contract error code (CONTRACT §2, §3). An open set: codes read back from disk or the wire that
/// this build does not know still decode.
public struct ErrorCode: RawRepresentable, Sendable, Hashable, CustomStringConvertible,
    ExpressibleByStringLiteral
{
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { self.rawValue = value }
    public var description: String { rawValue }

    // Generic codes.
    public static let badRequest: ErrorCode = "bad_request"
    public static let unknownOp: ErrorCode = "unknown_op"
    public static let unknownCommand: ErrorCode = "unknown_command"
    public static let invalidArgument: ErrorCode = "invalid_argument"
    public static let unauthenticated: ErrorCode = "unauthenticated"
    public static let forbidden: ErrorCode = "forbidden"
    public static let notFound: ErrorCode = "not_found"
    public static let alreadyExists: ErrorCode = "already_exists"
    public static let wrongExpectedVersion: ErrorCode = "wrong_expected_version"
    public static let frameTooLarge: ErrorCode = "frame_too_large"
    public static let overloaded: ErrorCode = "overloaded"
    public static let timeout: ErrorCode = "timeout"
    public static let unavailable: ErrorCode = "unavailable"
    public static let `internal`: ErrorCode = "internal"

    // Organisation.
    public static let employeeInactive: ErrorCode = "employee_inactive"

    // CRM.
    public static let leadNotInPool: ErrorCode = "lead_not_in_pool"
    public static let claimLimitReached: ErrorCode = "claim_limit_reached"
    public static let dailyClaimLimitReached: ErrorCode = "daily_claim_limit_reached"
    public static let reclaimTooSoon: ErrorCode = "reclaim_too_soon"
    public static let notLeadOwner: ErrorCode = "not_lead_owner"
    public static let leadNotClaimed: ErrorCode = "lead_not_claimed"
    public static let reasonRequired: ErrorCode = "reason_required"
    public static let notOwner: ErrorCode = "not_owner"
    public static let invalidStageTransition: ErrorCode = "invalid_stage_transition"
    public static let opportunityClosed: ErrorCode = "opportunity_closed"

    // OA.
    public static let noEligibleApprover: ErrorCode = "no_eligible_approver"
    public static let notCurrentApprover: ErrorCode = "not_current_approver"
    public static let selfApprovalForbidden: ErrorCode = "self_approval_forbidden"
    public static let expenseClosed: ErrorCode = "expense_closed"
    public static let expenseNotApproved: ErrorCode = "expense_not_approved"

    // ERP.
    public static let unknownProduct: ErrorCode = "unknown_product"
    public static let unknownWarehouse: ErrorCode = "unknown_warehouse"
    public static let insufficientStock: ErrorCode = "insufficient_stock"
    public static let orderNotOpen: ErrorCode = "order_not_open"
    public static let orderNotShipped: ErrorCode = "order_not_shipped"
}
