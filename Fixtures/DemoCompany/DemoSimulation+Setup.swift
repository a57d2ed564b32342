import JSON

/// New Year's Day: the opening roster, the policies, the warehouses, the catalog with its opening
/// stock, and the 800 customers (at scale 1) the company already had — all issued by `admin`, 20 ms apart from
/// 2025-01-01T08:00:00Z.
extension DemoSimulation {
    func setUp() {
        clock = DemoCalendar.yearStart + 8 * DemoCalendar.hourMs
        func tick() { clock += 20 }

        for staff in roster.staff where staff.joinDay == nil {
            register(staff.index)
            tick()
        }
        emit(
            "SetLeadPoolRules",
            [
                "capacity": Self.int(rules.capacity), "dailyClaimLimit": Self.int(rules.dailyLimit),
                "reclaimLockDays": Self.int(rules.lockDays), "recycleAfterDays": Self.int(rules.recycleDays),
                "timeZone": .string(DemoCalendar.timeZone),
            ], by: "admin", events: 1)
        tick()
        emit(
            "SetApprovalPolicy",
            [
                "ceoThreshold": Self.money(ceoThresholdCents),
                "exemptions": .object([id(roster.exemptRep): Self.money(exemptionCents)]),
            ], by: "admin", events: 1)
        tick()
        for w in 0..<3 {
            emit(
                "RegisterWarehouse",
                ["warehouseId": .string(DemoCatalog.warehouseIds[w]), "name": .string(DemoCatalog.warehouseNames[w])],
                by: "admin", events: 1)
            tick()
        }
        for p in catalog.products {
            emit(
                "RegisterProduct",
                [
                    "sku": .string(p.sku), "name": .string(p.name), "unit": .string(p.unit),
                    "reorderPoint": Self.int(p.reorderPoint),
                ], by: "admin", events: 1)
            tick()
        }
        for p in catalog.products.indices {
            for w in 0..<3 {
                receive(p * 3 + w, quantity: openingQuantity(p, w), by: "admin")
                tick()
            }
        }
        let reps = roster.staff.filter { $0.job == .salesRep && $0.joinDay == nil }.map(\.index)
        for i in 0..<max(10, Int((800 * scale).rounded())) {
            let owner = reps[i % reps.count]
            let c = addCustomer(owner: owner)
            emit(
                "RegisterCustomer",
                [
                    "customerId": .string(customerId(c)), "name": .string(companyName()),
                    "ownerId": .string(id(owner)),
                ], by: "admin", events: 1)
            tick()
            if let day = calendar.workingDay(after: 1, plus: rng.below(8)) {
                schedule(.customerCycle(customer: c), on: day)
            }
        }
    }

    func register(_ i: Int) {
        let staff = roster.staff[i]
        var data: JSONObject = [
            "employeeId": .string(staff.id), "name": .string(staff.name),
            "roles": .array(staff.job.roles.map(JSONValue.string)),
        ]
        if let m = staff.managerIndex { data["managerId"] = .string(id(m)) }
        emit("RegisterEmployee", data, by: "admin", events: 1)
        employees[i].active = true
        employees[i].managerIndex = staff.managerIndex
    }

    /// Opening stock: about five weeks of the expected demand of the warehouse's share.
    private func openingQuantity(_ p: Int, _ w: Int) -> Int {
        let product = catalog.products[p]
        let base = Double(product.reorderPoint) * 4 * DemoCatalog.warehouseShare[w] / 0.5
        return max(5, Int(base.rounded()))
    }

    func addCustomer(owner: Int) -> Int {
        let share = rng.unit()
        let warehouse = share < 0.5 ? 0 : (share < 0.8 ? 1 : 2)
        customers.append(CustomerModel(owner: owner, warehouse: warehouse))
        customersByOwner[owner].append(customers.count - 1)
        return customers.count - 1
    }

    // MARK: Ids and names

    func leadId(_ i: Int) -> String { "L-\(100_001 + i)" }
    func customerId(_ i: Int) -> String { "C-\(10_001 + i)" }
    func opportunityId(_ i: Int) -> String { "OP-\(10_001 + i)" }
    func orderId(_ i: Int) -> String { "SO-\(100_001 + i)" }
    func expenseId(_ i: Int) -> String { "EXP-\(10_001 + i)" }
    func sku(_ key: Int) -> JSONValue { .string(catalog.products[key / 3].sku) }
    func warehouseId(_ w: Int) -> JSONValue { .string(DemoCatalog.warehouseIds[w]) }

    static let companyStems = [
        "Nord", "Alpen", "Rhein", "Hansa", "Elb", "Spree", "Isar", "Main", "Weser", "Ostsee", "Stahl", "Holz", "Glas",
        "Licht", "Kraft", "Baum", "Stern", "Fels", "Brücken", "Falken", "Linden", "Eichen", "Sonnen", "Wald",
    ]
    static let companyTails = [
        "werk", "tec", "bau", "logistik", "systeme", "handel", "service", "plan", "form", "data", "medien", "technik",
    ]
    static let companyForms = ["GmbH", "AG", "KG", "GmbH & Co. KG", "SE", "e.K."]

    func companyName() -> String {
        "\(rng.pick(Self.companyStems))\(rng.pick(Self.companyTails)) \(rng.pick(Self.companyForms))"
    }
}
