import IdHashing

/// CRM state: the lead pool, customers and opportunities, with the indexes that keep every
/// decision O(1).
///
/// Only the evolvers change it (`CRMState+Evolve.swift`); deciders read it.
public struct CRMState: Sendable {
    /// Every lead ever captured, by id.
    public internal(set) var leads: IdMap<Lead> = [:]
    /// Every customer, by id (ERP orders and OA expenses check these).
    public var customers: IdMap<Customer> = [:]
    /// Every opportunity, open or closed, by id.
    public var opportunities: IdMap<Opportunity> = [:]
    /// The leads each rep owns now: the capacity count, and the index that recycling and
    /// deactivation walk instead of every lead.
    public internal(set) var leadsByOwner: IdMap<IdSet> = [:]
    /// Each rep's `LeadClaimed` times of the last ``recentClaimWindow``, oldest first: the daily limit
    /// is counted from these at decision time, in the time zone in force then.
    public internal(set) var recentClaims: IdMap<[Timestamp]> = [:]

    /// How far back claims are kept: a calendar day in any time zone lies within 26 hours of any of
    /// its instants, so two days always cover the command's day.
    static let recentClaimWindow: Int64 = 2 * Timestamp.millisecondsPerDay

    public init() {}

    /// How many leads `repId` owns now (claimed or assigned, not yet released, recycled, converted
    /// or disqualified).
    public func leadsOwned(by repId: String) -> Int { leadsByOwner[repId]?.count ?? 0 }

    /// How many `LeadClaimed` events `repId` has on the calendar day of `time` in `timeZone`.
    public func claims(by repId: String, onDayOf time: Timestamp, in timeZone: String) -> Int {
        guard let times = recentClaims[repId], !times.isEmpty else { return 0 }
        let day = TimeZones.day(of: time, in: timeZone)
        let earliest = time.milliseconds - CRMState.recentClaimWindow
        // Times ascend, and calendar days only move forward with time, so the claims on `day` are
        // one run of the array: two binary searches find it (a busy rep has hundreds of claims in
        // the window, and every claim asks).
        func firstIndex(where isPast: (Timestamp) -> Bool) -> Int {
            var lo = 0
            var hi = times.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if isPast(times[mid]) { hi = mid } else { lo = mid + 1 }
            }
            return lo
        }
        let start = firstIndex { $0.milliseconds >= earliest && TimeZones.day(of: $0, in: timeZone) >= day }
        let end = firstIndex { $0.milliseconds >= earliest && TimeZones.day(of: $0, in: timeZone) > day }
        return end - start
    }

    /// `LeadReleased` (reason `owner deactivated`) for every lead `employeeId` owns, in lead id order;
    /// used by `DeactivateEmployee`, whose command writes them after `EmployeeDeactivated`.
    public func releaseEventsForDeactivatedOwner(_ employeeId: String) -> [NewEvent] {
        guard let owned = leadsByOwner[employeeId] else { return [] }
        return owned.sorted().map { CRMEvents.leadReleased(leadId: $0, repId: employeeId, reason: "owner deactivated") }
    }
}
