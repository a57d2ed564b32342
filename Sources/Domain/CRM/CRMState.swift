/// CRM state: the lead pool, customers and opportunities, with the indexes that keep every
/// decision O(1).
///
/// Only the evolvers change it (`CRMState+Evolve.swift`); deciders read it.
public struct CRMState: Sendable {
    /// Every lead ever captured, by id.
    public internal(set) var leads: [String: Lead] = [:]
    /// Every customer, by id (ERP orders and OA expenses check these).
    public var customers: [String: Customer] = [:]
    /// Every opportunity, open or closed, by id.
    public var opportunities: [String: Opportunity] = [:]
    /// The leads each rep owns now: the capacity count, and the index that recycling and
    /// deactivation walk instead of every lead.
    public internal(set) var leadsByOwner: [String: Set<String>] = [:]
    /// Each rep's `LeadClaimed` times of the last ``recentClaimWindow``, oldest first: the daily limit
    /// is counted from these at decision time, in the time zone in force then.
    public internal(set) var recentClaims: [String: [Timestamp]] = [:]

    /// How far back claims are kept: a calendar day in any time zone lies within 26 hours of any of
    /// its instants, so two days always cover the command's day.
    static let recentClaimWindow: Int64 = 2 * Timestamp.millisecondsPerDay

    public init() {}

    /// How many leads `repId` owns now (claimed or assigned, not yet released, recycled, converted
    /// or disqualified).
    public func leadsOwned(by repId: String) -> Int { leadsByOwner[repId]?.count ?? 0 }

    /// How many `LeadClaimed` events `repId` has on the calendar day of `time` in `timeZone`.
    public func claims(by repId: String, onDayOf time: Timestamp, in timeZone: String) -> Int {
        guard let times = recentClaims[repId] else { return 0 }
        let day = TimeZones.day(of: time, in: timeZone)
        let earliest = time.milliseconds - CRMState.recentClaimWindow
        var count = 0
        // Newest first; calendar days only move forward with time, so the first earlier day ends it.
        for t in times.reversed() {
            if t.milliseconds < earliest { break }
            let claimDay = TimeZones.day(of: t, in: timeZone)
            if claimDay < day { break }
            if claimDay == day { count += 1 }
        }
        return count
    }

    /// `LeadReleased` (reason `owner deactivated`) for every lead `employeeId` owns, in lead id order;
    /// used by `DeactivateEmployee`, whose command writes them after `EmployeeDeactivated`.
    public func releaseEventsForDeactivatedOwner(_ employeeId: String) -> [NewEvent] {
        guard let owned = leadsByOwner[employeeId] else { return [] }
        return owned.sorted().map { CRMEvents.leadReleased(leadId: $0, repId: employeeId, reason: "owner deactivated") }
    }
}
