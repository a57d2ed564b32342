import JSON

/// The lead pool: captures, claims within capacity and the daily limit (never a lead that left the
/// rep less than the re-claim lock ago), assignments by managers, follow-ups, and each lead's end —
/// converted, disqualified, released, or neglected until the nightly recycle takes it back.
extension DemoSimulation {
    static let sources = ["web form", "trade fair", "referral", "cold call", "partner", "newsletter", "webinar"]
    static let channels = ["call", "email", "visit", "meeting"]
    static let leadNotes = [
        "Left a voicemail, will try again", "Sent the product brochure", "Discussed requirements and budget",
        "Asked for a quote on office furniture", "Interested in warehouse supplies, needs approval",
        "Call back after the trade fair", "Meeting with purchasing scheduled", "Compared our prices with a competitor",
    ]

    // MARK: The rep's day

    func repMorning(_ rep: Int) {
        guard employees[rep].active else { return }
        let owned = employees[rep].ownedLeads.count
        let room = min(rules.capacity - 4 - owned, rules.dailyLimit - 2 - claimsToday(rep))
        for _ in 0..<max(0, room) { schedule(.claimLead(rep: rep), on: today, from: 9 * 60, to: 16 * 60) }
        if rng.chance(0.45) { schedule(.captureOwnLead(rep: rep), on: today, from: 9 * 60, to: 16 * 60) }
    }

    func claimsToday(_ rep: Int) -> Int {
        employees[rep].claimDay == localDay() ? employees[rep].claimsToday : 0
    }

    func localDay() -> Int { Int(DemoCalendar.localDay(of: clock)) }

    func mayClaim(_ rep: Int) -> Bool {
        employees[rep].active && employees[rep].ownedLeads.count < rules.capacity
            && claimsToday(rep) < rules.dailyLimit
    }

    func claimLead(_ rep: Int) {
        guard mayClaim(rep), !pool.isEmpty else { return }
        let lockMs = Int64(rules.lockDays) * DemoCalendar.dayMs
        for _ in 0..<8 {
            let lead = pool[rng.below(pool.count)]
            if let left = leads[lead].leftTime(of: rep), clock < left + lockMs { continue }
            emit("ClaimLead", ["leadId": .string(leadId(lead))], by: rep, events: 1)
            give(lead, to: rep, claimed: true)
            schedule(.leadWork(lead: lead, rep: rep), workingDays: rng.int(0...2))
            return
        }
    }

    func captureOwnLead(_ rep: Int) {
        guard employees[rep].active else { return }
        let lead = capture(by: id(rep))
        if mayClaim(rep) {
            emit("ClaimLead", ["leadId": .string(leadId(lead))], by: rep, events: 1)
            give(lead, to: rep, claimed: true)
            schedule(.leadWork(lead: lead, rep: rep), workingDays: rng.int(0...1))
        }
    }

    func captureInbound(_ manager: Int) {
        guard employees[manager].active else { return }
        _ = capture(by: id(manager))
    }

    /// A manager hands pool leads to reps with room, and clears leads that sat in the pool too long.
    func managerRoutine(_ manager: Int) {
        guard employees[manager].active else { return }
        let team = reports(of: manager).filter { roster.staff[$0].job == .salesRep }
        for _ in 0..<rng.int(0...2) where !pool.isEmpty && !team.isEmpty {
            let rep = team.min { employees[$0].ownedLeads.count < employees[$1].ownedLeads.count }!
            guard employees[rep].ownedLeads.count < rules.capacity - 6 else { break }
            let lead = pool[rng.below(pool.count)]
            emit("AssignLead", ["leadId": .string(leadId(lead)), "repId": .string(id(rep))], by: manager, events: 1)
            give(lead, to: rep, claimed: false)
            schedule(.leadWork(lead: lead, rep: rep), workingDays: rng.int(0...2))
        }
        let stale = clock - 40 * DemoCalendar.dayMs
        for _ in 0..<max(1, pool.count / max(1, managers.count * 60)) where !pool.isEmpty {
            let lead = pool[rng.below(pool.count)]
            guard leads[lead].capturedAt < stale else { continue }
            emit(
                "DisqualifyLead",
                [
                    "leadId": .string(leadId(lead)),
                    "reason": .string(rng.pick(["no response for weeks", "duplicate", "not a business customer"])),
                ],
                by: manager, events: 1)
            removeFromPool(lead)
            leads[lead].status = .disqualified
        }
    }

    // MARK: Working a lead

    func workLead(_ lead: Int, _ rep: Int) {
        guard leads[lead].status == .claimed, leads[lead].owner == rep, employees[rep].active else { return }
        let r = rng.unit()
        if r < 0.66 {
            followUp(lead, rep)
            schedule(.leadWork(lead: lead, rep: rep), workingDays: rng.int(1...4))
        } else if r < 0.79 {
            convert(lead, rep)
        } else if r < 0.87 {
            emit(
                "DisqualifyLead",
                [
                    "leadId": .string(leadId(lead)),
                    "reason": .string(rng.pick(["no budget", "bought elsewhere", "too small", "not reachable"])),
                ],
                by: rep, events: 1)
            drop(lead, as: .disqualified)
        } else if r < 0.94 {
            emit(
                "ReleaseLead",
                [
                    "leadId": .string(leadId(lead)),
                    "reason": .string(rng.pick(["not my region", "no time this month", "better fit for a colleague"])),
                ],
                by: rep, events: 1)
            returnToPool(lead, from: rep)
        } else {
            // Neglected: one last follow-up, then nothing until the nightly recycle takes it back.
            followUp(lead, rep)
        }
    }

    private func followUp(_ lead: Int, _ rep: Int) {
        emit(
            "LogFollowUp",
            [
                "leadId": .string(leadId(lead)), "channel": .string(rng.pick(Self.channels)),
                "note": .string(rng.pick(Self.leadNotes)),
            ], by: rep, events: 1)
        leads[lead].lastActivity = clock
    }

    private func convert(_ lead: Int, _ rep: Int) {
        let c = addCustomer(owner: rep)
        var data: JSONObject = ["leadId": .string(leadId(lead)), "customerId": .string(customerId(c))]
        var events = 2
        if rng.chance(0.9) {
            let o = openOpportunityModel(customer: c)
            data["opportunityId"] = .string(opportunityId(o))
            data["title"] = .string(opportunityTitle())
            data["amount"] = Self.money(max(leads[lead].estimatedCents, 50_000))
            data["expectedClose"] = .string(DemoCalendar.date(clock, plusDays: rng.int(30...120)))
            events = 3
        }
        emit("ConvertLead", data, by: rep, events: events)
        drop(lead, as: .converted)
        schedule(.customerCycle(customer: c), workingDays: rng.int(3...10))
    }

    // MARK: The nightly recycle and departures

    func recycle(after day: Int) {
        let (time, date) = DemoCalendar.recycleTime(after: day)
        clock = max(clock, time)
        let cutoff = clock - Int64(rules.recycleDays) * DemoCalendar.dayMs
        var stale: [(lead: Int, rep: Int)] = []
        for rep in employees.indices {
            for lead in employees[rep].ownedLeads where leads[lead].lastActivity <= cutoff { stale.append((lead, rep)) }
        }
        emit("RecycleStaleLeads", [:], by: "system", events: stale.count, commandId: "recycle-\(date)")
        for (lead, rep) in stale { returnToPool(lead, from: rep) }
    }

    /// `DeactivateEmployee` releases every lead the employee owns.
    func releaseAll(of rep: Int) {
        for lead in employees[rep].ownedLeads { returnToPool(lead, from: rep) }
    }

    // MARK: Model changes, as the evolvers make them

    func capture(by actor: String) -> Int {
        let i = leads.count
        let company = companyName()
        let first = rng.pick(DemoRoster.firstNames)
        let last = rng.pick(DemoRoster.lastNames)
        let estimate = rng.chance(0.7) ? rng.cents(1_000, 250_000) : 0
        var data: JSONObject = [
            "leadId": .string(leadId(i)), "company": .string(company), "contactName": .string(first + " " + last),
        ]
        if rng.chance(0.6) { data["phone"] = .string("+49 \(rng.int(30...89)) \(rng.int(1_000_000...9_999_999))") }
        if rng.chance(0.7) {
            let domain = Self.ascii(company.split(separator: " ").first.map(String.init) ?? "example")
            data["email"] = .string("\(Self.ascii(first)).\(Self.ascii(last))@\(domain).de")
        }
        data["source"] = .string(rng.pick(Self.sources))
        if estimate > 0 { data["estimatedValue"] = Self.money(estimate) }
        emit("CaptureLead", data, by: actor, events: 1)
        leads.append(LeadModel(company: company, capturedAt: clock, slot: pool.count, estimatedCents: estimate))
        pool.append(i)
        return i
    }

    func give(_ lead: Int, to rep: Int, claimed: Bool) {
        removeFromPool(lead)
        leads[lead].status = .claimed
        leads[lead].owner = rep
        leads[lead].lastActivity = clock
        leads[lead].slot = employees[rep].ownedLeads.count
        employees[rep].ownedLeads.append(lead)
        if claimed {
            let day = localDay()
            if employees[rep].claimDay != day {
                employees[rep].claimDay = day
                employees[rep].claimsToday = 0
            }
            employees[rep].claimsToday += 1
        }
    }

    func returnToPool(_ lead: Int, from rep: Int) {
        removeFromOwner(lead)
        leads[lead].leftAt.append((rep, clock))
        leads[lead].status = .pool
        leads[lead].owner = -1
        leads[lead].slot = pool.count
        pool.append(lead)
    }

    func drop(_ lead: Int, as status: LeadStatusModel) {
        removeFromOwner(lead)
        leads[lead].status = status
        leads[lead].owner = -1
    }

    private func removeFromPool(_ lead: Int) {
        let slot = leads[lead].slot
        let last = pool.removeLast()
        if last != lead {
            pool[slot] = last
            leads[last].slot = slot
        }
        leads[lead].slot = -1
    }

    private func removeFromOwner(_ lead: Int) {
        let rep = leads[lead].owner
        let slot = leads[lead].slot
        let last = employees[rep].ownedLeads.removeLast()
        if last != lead {
            employees[rep].ownedLeads[slot] = last
            leads[last].slot = slot
        }
        leads[lead].slot = -1
    }

    /// Lower-case ASCII letters only, for e-mail addresses (`Müller` → `mueller`).
    static func ascii(_ text: String) -> String {
        var out = ""
        for ch in text.lowercased() {
            switch ch {
            case "ä": out += "ae"
            case "ö": out += "oe"
            case "ü": out += "ue"
            case "ß": out += "ss"
            case "a"..."z": out.append(ch)
            default: continue
            }
        }
        return out.isEmpty ? "mail" : out
    }
}
