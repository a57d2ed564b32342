import JSON

/// Expenses: submitted by everyone now and then, decided step by step along the chain frozen at
/// submission (manager, then any finance employee who has not decided a step, then the CEO above
/// the threshold), sometimes reassigned, rejected or withdrawn, and paid by finance.
extension DemoSimulation {
    private static let categories: [(name: String, low: Double, high: Double, weight: Int)] = [
        ("meals", 12, 120, 30), ("travel", 40, 900, 25), ("hotel", 80, 650, 15),
        ("client entertainment", 50, 1_500, 12), ("training", 200, 3_000, 6), ("equipment", 40, 2_500, 8),
        ("trade fair", 1_500, 9_000, 4),
    ]
    private static let descriptions = [
        "meals": "Lunch with a customer", "travel": "Train and taxi to a customer visit",
        "hotel": "Two nights near the customer",
        "client entertainment": "Dinner after the contract signing", "training": "Course fee",
        "equipment": "Laptop dock and headset",
        "trade fair": "Booth share and travel for the trade fair",
    ]

    func submitExpense(_ requester: Int) {
        guard employees[requester].active else { return }
        var weights: [Double] = []
        var total = 0.0
        for c in Self.categories {
            total += Double(c.weight)
            weights.append(total)
        }
        let category = Self.categories[rng.pick(cumulative: weights)]
        var amount = rng.cents(category.low, category.high)
        let threshold = requester == roster.exemptRep ? exemptionCents : ceoThresholdCents
        let r = rng.unit()
        if r < 0.01 {
            amount = threshold  // exactly the threshold: no CEO step
        } else if r < 0.015 {
            amount = threshold + 1  // a cent above: the CEO decides
        } else if requester == roster.exemptRep && r < 0.08 {
            amount = rng.cents(5_000, 10_000)
        }
        let manager = employees[requester].managerIndex
        // The CEO decides a direct report's manager step and could not decide a CEO step after it,
        // so the CEO's direct reports stay within the threshold.
        if manager == ceo && amount > threshold { amount = rng.cents(200, 4_900) }
        var chain: [ApprovalStepModel] = []
        if let manager { chain.append(.person(manager)) }
        chain.append(.finance)
        if amount > threshold && requester != ceo { chain.append(.ceo) }

        let e = expenses.count
        var data: JSONObject = [
            "expenseId": .string(expenseId(e)), "amount": Self.money(amount), "category": .string(category.name),
            "description": .string(Self.descriptions[category.name] ?? category.name),
        ]
        let own = customersByOwner[requester]
        if !own.isEmpty && rng.chance(0.5) {
            let c = own[rng.below(own.count)]
            if customers[c].lastOpportunity >= 0 && rng.chance(0.5) {
                data["opportunityId"] = .string(opportunityId(customers[c].lastOpportunity))
            } else {
                data["customerId"] = .string(customerId(c))
            }
        }
        emit("SubmitExpense", data, by: requester, events: 1)
        expenses.append(ExpenseModel(requester: requester, amountCents: amount, chain: chain))
        if rng.chance(0.03) { schedule(.withdrawExpense(expense: e), workingDays: rng.int(0...1)) }
        schedule(.decideExpense(expense: e), workingDays: rng.int(0...2))
    }

    func decideExpense(_ e: Int) {
        guard expenses[e].status == .pending else { return }
        let expense = expenses[e]
        let step = expense.chain[expense.current]
        let approver: Int
        let approveChance: Double
        switch step {
        case .person(let holder):
            // Now and then the manager is on holiday and the sales director hands the step to
            // another manager, or takes it over.
            if roster.staff[holder].job == .salesManager && employees[director].active && rng.chance(0.05) {
                let others = managers.filter {
                    $0 != holder && $0 != expense.requester && employees[$0].active && !expense.deciders.contains($0)
                }
                let standIn = others.isEmpty ? director : rng.pick(others)
                emit(
                    "ReassignApproval",
                    [
                        "expenseId": .string(expenseId(e)), "approverId": .string(id(standIn)),
                        "reason": .string("\(id(holder)) is on holiday"),
                    ], by: director, events: 1)
                expenses[e].chain[expense.current] = .person(standIn)
                schedule(.decideExpense(expense: e), workingDays: rng.int(0...1))
                return
            }
            guard employees[holder].active else { return }
            approver = holder
            approveChance = 0.93
        case .finance:
            let eligible = roster.staff.indices.filter {
                roster.staff[$0].job.roles.contains("finance") && employees[$0].active && $0 != expense.requester
                    && !expense.deciders.contains($0)
            }
            guard !eligible.isEmpty else { return }
            approver = rng.pick(eligible)
            approveChance = 0.95
        case .ceo:
            guard employees[ceo].active, ceo != expense.requester, !expense.deciders.contains(ceo) else { return }
            approver = ceo
            approveChance = 0.85
        }
        if rng.chance(approveChance) {
            let last = expense.current == expense.chain.count - 1
            var data: JSONObject = ["expenseId": .string(expenseId(e))]
            if rng.chance(0.3) {
                data["comment"] = .string(rng.pick(["ok", "approved, thanks", "fine within budget"]))
            }
            emit("ApproveExpense", data, by: approver, events: last ? 2 : 1)
            expenses[e].deciders.append(approver)
            if last {
                expenses[e].status = .approved
                schedule(.payExpense(expense: e), workingDays: rng.int(1...5))
            } else {
                expenses[e].current += 1
                schedule(.decideExpense(expense: e), workingDays: rng.int(0...2))
            }
        } else {
            emit(
                "RejectExpense",
                [
                    "expenseId": .string(expenseId(e)),
                    "reason": .string(
                        rng.pick(["receipt missing", "not a business expense", "over the travel policy"])),
                ],
                by: approver, events: 1)
            expenses[e].deciders.append(approver)
            expenses[e].status = .rejected
        }
    }

    func withdrawExpense(_ e: Int) {
        guard expenses[e].status == .pending, employees[expenses[e].requester].active else { return }
        emit("WithdrawExpense", ["expenseId": .string(expenseId(e))], by: expenses[e].requester, events: 1)
        expenses[e].status = .withdrawn
    }

    func payExpense(_ e: Int) {
        guard expenses[e].status == .approved else { return }
        let payers = roster.staff.indices.filter {
            roster.staff[$0].job.roles.contains("finance") && employees[$0].active && $0 != expenses[e].requester
        }
        guard !payers.isEmpty else { return }
        emit("PayExpense", ["expenseId": .string(expenseId(e))], by: rng.pick(payers), events: 1)
        expenses[e].status = .paid
    }
}
