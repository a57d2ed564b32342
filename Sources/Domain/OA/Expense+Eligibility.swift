extension Expense {
    /// Whether `employeeId` may decide the current step now (CONTRACT §3, the approval chain).
    ///
    /// A person step: that active employee. A role step: any active holder of the role who is neither
    /// the requester nor someone who already decided a step of this expense. The employee's roles and
    /// activity are read from the org chart, so an actor that is not an employee (`admin`, `system`)
    /// is never an eligible approver.
    public func isEligibleApprover(_ employeeId: String, org: OrgState) -> Bool {
        guard let step = currentStep, employeeId != requesterId, !deciders.contains(employeeId),
            let employee = org.employees[employeeId], employee.active
        else { return false }
        switch step.approver {
        case .person(let approverId): return approverId == employeeId
        case .role(let role): return employee.roles.contains(role)
        }
    }
}
