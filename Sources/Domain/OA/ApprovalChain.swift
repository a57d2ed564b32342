import JSON

/// The approval chain an expense gets at submission (CONTRACT §3), and its frozen JSON form.
///
/// ```json
/// [{"step":"manager","kind":"person","approverId":"M-1"},
///  {"step":"finance","kind":"role","role":"finance"},
///  {"step":"ceo","kind":"role","role":"ceo"}]
/// ```
enum ApprovalChain {
    /// The steps for `requesterId`'s expense of `amount` under the policy in force, and the requester's
    /// threshold. Throws `no_eligible_approver` (`details.step`) for a step nobody may decide now.
    ///
    /// `requesterRoles` are the requester's roles (an actor that is not an employee, such as `admin`,
    /// has no manager and only its own roles). Above the threshold the CEO step is added, unless the
    /// requester is a CEO or their manager holds `ceo` (then the manager step is the CEO's decision).
    static func build(requesterId: String, requesterRoles: Set<Role>, amount: Money, org: OrgState) throws
        -> (steps: [ApprovalStep], threshold: Money)
    {
        var steps: [ApprovalStep] = []
        var managerIsCEO = false
        if let managerId = org.employees[requesterId]?.managerId {
            // An inactive manager cannot be named as approver; the submission is refused rather than the
            // manager's control silently dropped. Fixing the org chart (or reactivation) unblocks it.
            guard managerId != requesterId, org.employees[managerId]?.active == true else {
                throw noEligibleApprover(ApprovalStep.manager)
            }
            steps.append(ApprovalStep(name: ApprovalStep.manager, approver: .person(managerId)))
            managerIsCEO = org.employees[managerId]?.roles.contains(.ceo) == true
        }
        try steps.append(roleStep(ApprovalStep.finance, .finance, requesterId: requesterId, org: org))
        let threshold = org.approvalPolicy.threshold(for: requesterId)
        // A CEO who already decides the manager step could not decide the CEO step too (no one decides
        // two steps of one expense), so the expense would wait forever: the CEO step is merged into
        // the manager step instead. `threshold` is still recorded, so the merge stays visible.
        if amount > threshold && !requesterRoles.contains(.ceo) && !managerIsCEO {
            try steps.append(roleStep(ApprovalStep.ceo, .ceo, requesterId: requesterId, org: org))
        }
        return (steps, threshold)
    }

    /// A role step, when at least one active holder of `role` other than the requester exists.
    private static func roleStep(_ name: String, _ role: Role, requesterId: String, org: OrgState) throws
        -> ApprovalStep
    {
        guard org.hasActiveHolder(of: role, besides: requesterId) else { throw noEligibleApprover(name) }
        return ApprovalStep(name: name, approver: .role(role))
    }

    private static func noEligibleApprover(_ step: String) -> DomainError {
        DomainError(
            .noEligibleApprover, "no eligible approver for the \(step) step", details: ["step": .string(step)])
    }

    // MARK: JSON

    static func json(_ steps: [ApprovalStep]) -> JSONValue { .array(steps.map(json)) }

    static func json(_ step: ApprovalStep) -> JSONValue {
        switch step.approver {
        case .person(let id):
            ["step": .string(step.name), "kind": "person", "approverId": .string(id)]
        case .role(let role):
            ["step": .string(step.name), "kind": "role", "role": .string(role.rawValue)]
        }
    }

    /// The steps of a stored chain; entries that do not parse are left out.
    static func steps(from value: JSONValue?) -> [ApprovalStep] {
        (value?.arrayValue ?? []).compactMap(step(from:))
    }

    static func step(from value: JSONValue) -> ApprovalStep? {
        guard let name = value["step"]?.stringValue else { return nil }
        switch value["kind"]?.stringValue {
        case "person":
            guard let id = value["approverId"]?.stringValue else { return nil }
            return ApprovalStep(name: name, approver: .person(id))
        case "role":
            guard let role = value["role"]?.stringValue else { return nil }
            return ApprovalStep(name: name, approver: .role(Role(rawValue: role)))
        default:
            return nil
        }
    }
}
