import DemoCompany
import Domain
import JSON
import Testing

@Suite struct CRMClaimLeadTests {
    @Test func claimingAPoolLeadMakesTheActorItsOwner() throws {
        var s = Scenario()
        s.salesTeam()
        s.lead("L-1")
        let events = try s.then(s.actor("S-1"), "ClaimLead", ["leadId": "L-1"])
        #expect(events.map(\.type) == ["LeadClaimed"])
        #expect(events[0].stream == "lead-L-1")
        #expect(events[0].tags == ["lead:L-1", "rep:S-1"])
        #expect(events[0].data == ["leadId": "L-1", "repId": "S-1"])
        #expect(s.state.crm.leads["L-1"]?.status == .claimed)
        #expect(s.state.crm.leads["L-1"]?.ownerId == "S-1")
        #expect(s.state.crm.leadsOwned(by: "S-1") == 1)
    }

    @Test func claimingAnUnknownLeadIsNotFound() {
        var s = Scenario()
        s.salesTeam()
        let e = s.rejection(s.actor("S-1"), "ClaimLead", ["leadId": "L-404"])
        #expect(e?.code == .notFound)
        #expect(e?.details == ["kind": "lead", "id": "L-404"])
    }

    @Test func claimingALeadThatIsNotInThePoolSaysItsStatus() {
        var s = Scenario()
        s.salesTeam()
        s.claimedLead("L-1", by: "S-1")
        let e = s.rejection(s.actor("S-2"), "ClaimLead", ["leadId": "L-1"])
        #expect(e?.code == .leadNotInPool)
        #expect(e?.details["status"] == "claimed")
        s.given(s.actor("S-1"), "ConvertLead", ["leadId": "L-1", "customerId": "C-1"])
        #expect(s.rejection(s.actor("S-2"), "ClaimLead", ["leadId": "L-1"])?.details["status"] == "converted")
    }

    @Test func claimingALeadAtCapacityIsRejected() {
        var s = Scenario()
        s.salesTeam()
        s.rules(["capacity": 2])
        s.claimedLead("L-1", by: "S-1")
        s.claimedLead("L-2", by: "S-1")
        s.lead("L-3")
        let e = s.rejection(s.actor("S-1"), "ClaimLead", ["leadId": "L-3"])
        #expect(e?.code == .claimLimitReached)
        #expect(e?.details["capacity"] == 2)
        #expect(s.code(s.actor("S-2"), "ClaimLead", ["leadId": "L-3"]) == nil)
    }

    @Test func capacityCountsOnlyLeadsOwnedNow() {
        var s = Scenario()
        s.salesTeam()
        s.rules(["capacity": 2, "dailyClaimLimit": 10])
        s.claimedLead("L-1", by: "S-1")
        s.claimedLead("L-2", by: "S-1")
        s.given(s.actor("S-1"), "ReleaseLead", ["leadId": "L-1", "reason": "wrong region"])
        s.lead("L-3")
        #expect(s.code(s.actor("S-1"), "ClaimLead", ["leadId": "L-3"]) == nil)
        s.given(s.actor("S-1"), "DisqualifyLead", ["leadId": "L-2", "reason": "no budget"])
        #expect(s.state.crm.leadsOwned(by: "S-1") == 0)
    }

    @Test func theDailyLimitCountsClaimsOfTheSameUTCDay() {
        var s = Scenario()
        s.salesTeam()
        s.rules(["dailyClaimLimit": 2])
        s.at("2026-03-02T00:10:00Z")
        s.claimedLead("L-1", by: "S-1")
        s.given(s.actor("S-1"), "ReleaseLead", ["leadId": "L-1", "reason": "not mine"])
        s.at("2026-03-02T12:00:00Z")
        s.claimedLead("L-2", by: "S-1")
        s.lead("L-3")
        s.at("2026-03-02T23:59:59.999Z")
        let e = s.rejection(s.actor("S-1"), "ClaimLead", ["leadId": "L-3"])
        #expect(e?.code == .dailyClaimLimitReached)
        #expect(e?.details["dailyClaimLimit"] == 2)
        s.at("2026-03-03T00:00:00Z")
        #expect(s.code(s.actor("S-1"), "ClaimLead", ["leadId": "L-3"]) == nil)
    }

    @Test func theDailyLimitFollowsThePoolsTimeZoneAcrossMidnight() {
        var s = Scenario()
        s.salesTeam()
        // New York is UTC−5 on 2 March 2026: local midnight is 05:00Z.
        s.rules(["dailyClaimLimit": 1, "timeZone": "America/New_York"])
        s.at("2026-03-02T04:30:00Z")  // 1 March, 23:30 in New York
        s.claimedLead("L-1", by: "S-1")
        s.lead("L-2")
        s.lead("L-3")
        s.at("2026-03-02T04:59:59.999Z")
        #expect(s.code(s.actor("S-1"), "ClaimLead", ["leadId": "L-2"]) == .dailyClaimLimitReached)
        s.at("2026-03-02T05:00:00Z")  // 2 March, 00:00 in New York: a new day, the same UTC day
        s.given(s.actor("S-1"), "ClaimLead", ["leadId": "L-2"])
        s.at("2026-03-02T06:00:00Z")
        #expect(s.code(s.actor("S-1"), "ClaimLead", ["leadId": "L-3"]) == .dailyClaimLimitReached)
    }

    /// `claims(by:onDayOf:in:)` finds the day's claims by binary search; a walk over every claim
    /// must give the same counts, across days, zones with daylight-saving changes and the window's edge.
    @Test func claimsPerDayMatchAWalkOverEveryClaim() {
        var s = Scenario()
        s.salesTeam()
        s.rules(["timeZone": "America/New_York", "dailyClaimLimit": 500])
        var rng = SplitMix64(seed: 7)
        var ms = Timestamp(iso8601: "2026-03-06T00:00:00Z")!.milliseconds  // 8 March: New York's clocks go forward
        for i in 0..<400 {
            ms += Int64(rng.next() % 1_800_000)  // up to 30 minutes apart: ~4 days in all
            s.now = Timestamp(milliseconds: ms)
            s.claimedLead("L-\(i)", by: "S-1")
            s.given(s.actor("S-1"), "ReleaseLead", ["leadId": .string("L-\(i)"), "reason": "next"])
        }
        let times = s.state.crm.recentClaims["S-1"] ?? []
        #expect(!times.isEmpty)
        for zone in ["UTC", "America/New_York", "Asia/Kolkata"] {
            var probe = ms - 3 * Timestamp.millisecondsPerDay
            while probe <= ms {
                let at = Timestamp(milliseconds: probe)
                let day = TimeZones.day(of: at, in: zone)
                let walked = times.filter {
                    $0.milliseconds >= probe - 2 * Timestamp.millisecondsPerDay && $0.milliseconds <= probe
                        && TimeZones.day(of: $0, in: zone) == day
                }.count
                let later = times.filter { $0.milliseconds > probe && TimeZones.day(of: $0, in: zone) == day }.count
                #expect(s.state.crm.claims(by: "S-1", onDayOf: at, in: zone) == walked + later, "\(zone) at \(probe)")
                probe += 3_600_000 + 17
            }
        }
    }

    @Test func theSameClaimsCountOnOneDayInUTC() {
        var s = Scenario()
        s.salesTeam()
        s.rules(["dailyClaimLimit": 1])
        s.at("2026-03-02T04:30:00Z")
        s.claimedLead("L-1", by: "S-1")
        s.lead("L-2")
        s.at("2026-03-02T05:00:00Z")
        #expect(s.code(s.actor("S-1"), "ClaimLead", ["leadId": "L-2"]) == .dailyClaimLimitReached)
    }

    @Test func aRepCannotReclaimALeadTheyReleasedBeforeTheLockEnds() {
        var s = Scenario()
        s.salesTeam()
        s.at("2026-03-02T09:00:00Z")
        s.claimedLead("L-1", by: "S-1")
        s.at("2026-03-03T10:30:00Z")
        s.given(s.actor("S-1"), "ReleaseLead", ["leadId": "L-1", "reason": "no answer"])
        s.at("2026-03-10T10:29:59.999Z")
        let e = s.rejection(s.actor("S-1"), "ClaimLead", ["leadId": "L-1"])
        #expect(e?.code == .reclaimTooSoon)
        #expect(e?.details["until"] == "2026-03-10T10:30:00.000Z")
        #expect(s.code(s.actor("S-2"), "ClaimLead", ["leadId": "L-1"]) == nil)
        s.at("2026-03-10T10:30:00Z")
        #expect(s.code(s.actor("S-1"), "ClaimLead", ["leadId": "L-1"]) == nil)
    }

    @Test func aRecycledLeadIsLockedForTheRepWhoHadIt() {
        var s = Scenario()
        s.salesTeam()
        s.rules(["reclaimLockDays": 3, "recycleAfterDays": 5])
        s.claimedLead("L-1", by: "S-1")
        s.advance(days: 5)
        s.given(.system, "RecycleStaleLeads", [:])
        s.advance(days: 2)
        let e = s.rejection(s.actor("S-1"), "ClaimLead", ["leadId": "L-1"])
        #expect(e?.code == .reclaimTooSoon)
        #expect(e?.details["until"] == .string(s.now.adding(days: 1).iso8601))
    }

    @Test func theLockUsesTheRulesInForceWhenClaiming() {
        var s = Scenario()
        s.salesTeam()
        s.claimedLead("L-1", by: "S-1")
        s.given(s.actor("S-1"), "ReleaseLead", ["leadId": "L-1", "reason": "no answer"])
        s.advance(days: 1)
        #expect(s.code(s.actor("S-1"), "ClaimLead", ["leadId": "L-1"]) == .reclaimTooSoon)
        s.rules(["reclaimLockDays": 0])
        #expect(s.code(s.actor("S-1"), "ClaimLead", ["leadId": "L-1"]) == nil)
    }

    @Test func poolRulesAreCheckedInTheContractsOrder() {
        var s = Scenario()
        s.salesTeam()
        s.rules(["capacity": 1, "dailyClaimLimit": 1])
        s.claimedLead("L-1", by: "S-1")
        s.lead("L-2")
        #expect(s.code(s.actor("S-1"), "ClaimLead", ["leadId": "L-2"]) == .claimLimitReached)
        s.given(s.actor("S-1"), "ReleaseLead", ["leadId": "L-1", "reason": "x"])
        #expect(s.code(s.actor("S-1"), "ClaimLead", ["leadId": "L-1"]) == .dailyClaimLimitReached)
        s.advance(days: 1)
        #expect(s.code(s.actor("S-1"), "ClaimLead", ["leadId": "L-1"]) == .reclaimTooSoon)
    }

    @Test func claimDataIsValidatedFirst() {
        var s = Scenario()
        s.salesTeam()
        #expect(s.rejection(s.actor("S-1"), "ClaimLead", [:])?.details["field"] == "leadId")
        #expect(
            s.rejection(s.actor("S-1"), "ClaimLead", ["leadId": "L-1", "repId": "S-2"])?.details["field"] == "repId")
    }
}

