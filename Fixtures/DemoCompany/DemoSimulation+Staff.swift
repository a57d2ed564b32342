import JSON

/// Hires, departures, team moves and a change of name during the year, all issued by `admin` (HR);
/// and in July a summer campaign that raises the daily claim limit.
extension DemoSimulation {
    func applyStaffChange(_ change: DemoStaffChange) {
        switch change {
        case .hire(let i):
            register(i)
            updateClerks()
        case .leave(let i):
            guard employees[i].active else { return }
            emit(
                "DeactivateEmployee", ["employeeId": .string(id(i)), "reason": .string("left the company")],
                by: "admin", events: 1 + employees[i].ownedLeads.count)
            releaseAll(of: i)
            employees[i].active = false
            updateClerks()
        case .move(let i, let manager):
            guard employees[i].active, employees[i].managerIndex != manager else { return }
            emit(
                "UpdateEmployee", ["employeeId": .string(id(i)), "managerId": .string(id(manager))], by: "admin",
                events: 1)
            employees[i].managerIndex = manager
        case .rename(let i, let name):
            guard employees[i].active, name != roster.staff[i].name else { return }
            emit("UpdateEmployee", ["employeeId": .string(id(i)), "name": .string(name)], by: "admin", events: 1)
        }
    }

    /// The summer campaign (from 1 July): reps may claim ten leads a day instead of eight.
    func summerCampaign() {
        rules.dailyLimit = 10
        emit("SetLeadPoolRules", ["dailyClaimLimit": Self.int(rules.dailyLimit)], by: "admin", events: 1)
    }
}
