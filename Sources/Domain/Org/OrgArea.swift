import JSON

/// Organisation and policies: employees, the org chart, lead-pool rules, the approval policy.
enum OrgArea {
    static let handlers: [CommandType: CommandHandler] = [
        "RegisterEmployee": registerEmployee,
        "UpdateEmployee": updateEmployee,
        "DeactivateEmployee": deactivateEmployee,
        "SetLeadPoolRules": setLeadPoolRules,
        "SetApprovalPolicy": setApprovalPolicy,
    ]

    static let evolvers: [EventType: EventEvolver] = [
        "EmployeeRegistered": { state, e in
            let d = e.data
            guard let id = d["employeeId"]?.stringValue else { return }
            let roles = Set((d["roles"]?.arrayValue ?? []).compactMap { $0.stringValue.map(Role.init(rawValue:)) })
            state.org.put(Employee(
                id: id, name: d["name"]?.stringValue ?? "", roles: roles, managerId: d["managerId"]?.stringValue))
        },
        "EmployeeUpdated": { state, e in
            let d = e.data
            guard let id = d["employeeId"]?.stringValue, var emp = state.org.employees[id] else { return }
            if let name = d["name"]?.stringValue { emp.name = name }
            if let roles = d["roles"]?.arrayValue {
                emp.roles = Set(roles.compactMap { $0.stringValue.map(Role.init(rawValue:)) })
            }
            if let m = d["managerId"] { emp.managerId = m.stringValue }
            state.org.put(emp)
        },
        "EmployeeDeactivated": { state, e in
            guard let id = e.data["employeeId"]?.stringValue else { return }
            guard var emp = state.org.employees[id] else { return }
            emp.active = false
            state.org.put(emp)
        },
        "LeadPoolRulesSet": { state, e in
            let d = e.data
            var r = state.org.leadPoolRules
            if let v = d["capacity"]?.intValue { r.capacity = v }
            if let v = d["dailyClaimLimit"]?.intValue { r.dailyClaimLimit = v }
            if let v = d["reclaimLockDays"]?.intValue { r.reclaimLockDays = v }
            if let v = d["recycleAfterDays"]?.intValue { r.recycleAfterDays = v }
            if let v = d["timeZone"]?.stringValue { r.timeZone = v }
            state.org.leadPoolRules = r
        },
        "ApprovalPolicySet": { state, e in
            let d = e.data
            var p = ApprovalPolicy()
            if let t = d["ceoThreshold"]?.stringValue, let m = Money(parsing: t, maxFractionDigits: 2) {
                p.ceoThreshold = m
            }
            for (id, v) in d["exemptions"]?.objectValue ?? [:] {
                if let t = v.stringValue, let m = Money(parsing: t, maxFractionDigits: 2) { p.exemptions[id] = m }
            }
            p.position = e.position
            state.org.approvalPolicy = p
        },
    ]

    // MARK: Deciders

    static func registerEmployee(_ command: Command, _ context: CommandContext, _ state: CompanyState) throws
        -> [NewEvent]
    {
        var r = try DataReader(command.data)
        let id = try r.id("employeeId")
        let name = try r.text("name")
        let roles = try r.stringArray("roles")
        let managerId = try r.optionalId("managerId")
        try r.finish()
        if Actor.reservedIds.contains(id) {
            throw DomainError.invalid("employeeId", "\(id) is reserved for the server's own actor; choose another id")
        }
        try validateRoles(roles)
        if state.org.employees[id] != nil { throw DomainError.alreadyExists("employee", id) }
        if let managerId { try requireActiveEmployee(managerId, state: state, role: "manager") }
        if managerId == id { throw DomainError.invalid("managerId", "an employee cannot manage themselves") }
        let data: JSONObject = [
            "employeeId": .string(id), "name": .string(name), "roles": .array(uniqued(roles).map(JSONValue.string)),
            "managerId": managerId.map(JSONValue.string) ?? .null,
        ]
        return [NewEvent(stream: "employee-\(id)", type: "EmployeeRegistered", tags: ["employee:\(id)"], data: data)]
    }

    static func updateEmployee(_ command: Command, _ context: CommandContext, _ state: CompanyState) throws
        -> [NewEvent]
    {
        var r = try DataReader(command.data)
        let id = try r.id("employeeId")
        let name = r.has("name") ? try r.text("name") : (try r.optionalText("name"))
        let roles = try r.optionalStringArray("roles")
        let managerId = try r.optionalId("managerId")
        try r.finish()
        if let roles { try validateRoles(roles) }
        guard let employee = state.org.employees[id] else { throw DomainError.notFound("employee", id) }
        if let managerId {
            try requireActiveEmployee(managerId, state: state, role: "manager")
            if managerId == id || state.org.isReport(managerId, of: id) {
                throw DomainError.invalid("managerId", "managerId \(managerId) would make a management cycle")
            }
        }
        var data: JSONObject = ["employeeId": .string(id)]
        if let name, name != employee.name { data["name"] = .string(name) }
        if let roles, Set(roles.map(Role.init(rawValue:))) != employee.roles {
            data["roles"] = .array(uniqued(roles).map(JSONValue.string))
        }
        if let managerId, managerId != employee.managerId { data["managerId"] = .string(managerId) }
        guard data.count > 1 else { return [] }
        return [NewEvent(stream: "employee-\(id)", type: "EmployeeUpdated", tags: ["employee:\(id)"], data: data)]
    }

    static func deactivateEmployee(_ command: Command, _ context: CommandContext, _ state: CompanyState) throws
        -> [NewEvent]
    {
        var r = try DataReader(command.data)
        let id = try r.id("employeeId")
        let reason = try r.reason()
        try r.finish()
        guard let employee = state.org.employees[id] else { throw DomainError.notFound("employee", id) }
        guard employee.active else {
            throw DomainError(.employeeInactive, "employee \(id) is already inactive", details: ["employeeId": .string(id)])
        }
        let deactivated = NewEvent(
            stream: "employee-\(id)", type: "EmployeeDeactivated", tags: ["employee:\(id)"],
            data: ["employeeId": .string(id), "reason": .string(reason)])
        return [deactivated] + state.crm.releaseEventsForDeactivatedOwner(id)
    }

    static func setLeadPoolRules(_ command: Command, _ context: CommandContext, _ state: CompanyState) throws
        -> [NewEvent]
    {
        var r = try DataReader(command.data)
        var rules = state.org.leadPoolRules
        if let v = try r.optionalInt("capacity", in: 1...100_000) { rules.capacity = v }
        if let v = try r.optionalInt("dailyClaimLimit", in: 1...100_000) { rules.dailyClaimLimit = v }
        if let v = try r.optionalInt("reclaimLockDays", in: 0...3650) { rules.reclaimLockDays = v }
        if let v = try r.optionalInt("recycleAfterDays", in: 1...3650) { rules.recycleAfterDays = v }
        if let tz = try r.optionalString("timeZone") {
            guard TimeZones.isValid(tz) else { throw DomainError.invalid("timeZone", "unknown IANA time zone") }
            rules.timeZone = tz
        }
        try r.finish()
        let data: JSONObject = [
            "capacity": .number(JSONNumber(rules.capacity)),
            "dailyClaimLimit": .number(JSONNumber(rules.dailyClaimLimit)),
            "reclaimLockDays": .number(JSONNumber(rules.reclaimLockDays)),
            "recycleAfterDays": .number(JSONNumber(rules.recycleAfterDays)),
            "timeZone": .string(rules.timeZone),
        ]
        return [NewEvent(stream: "policy-leadpool", type: "LeadPoolRulesSet", tags: [], data: data)]
    }

    static func setApprovalPolicy(_ command: Command, _ context: CommandContext, _ state: CompanyState) throws
        -> [NewEvent]
    {
        var r = try DataReader(command.data)
        var policy = state.org.approvalPolicy
        if let t = try r.optionalMoney("ceoThreshold") { policy.ceoThreshold = t }
        var exemptionIds: [String] = []
        if let map = try r.optionalObject("exemptions") {
            var exemptions: [String: Money] = [:]
            for (employeeId, value) in map {
                var inner = DataReader(object: ["upTo": value], path: "exemptions.")
                guard Identifier.isValid(employeeId) else {
                    throw DomainError.invalid("exemptions.\(employeeId)", "exemption keys must be employee ids")
                }
                let upTo = try inner.money("upTo")
                exemptions[employeeId] = upTo
                exemptionIds.append(employeeId)
            }
            policy.exemptions = exemptions
        }
        try r.finish()
        for id in exemptionIds where state.org.employees[id] == nil { throw DomainError.notFound("employee", id) }
        var exemptions = JSONObject()
        for id in policy.exemptions.keys.sorted() { exemptions[id] = .string(policy.exemptions[id]!.amountText) }
        let data: JSONObject = ["ceoThreshold": .string(policy.ceoThreshold.amountText), "exemptions": .object(exemptions)]
        return [NewEvent(stream: "policy-approval", type: "ApprovalPolicySet", tags: [], data: data)]
    }

    // MARK: Helpers

    static func validateRoles(_ roles: [String]) throws {
        for (i, role) in roles.enumerated() where !Role.known.contains(Role(rawValue: role)) {
            throw DomainError.invalid("roles[\(i)]", "unknown role \(role)")
        }
    }

    /// `not_found` when the employee does not exist, `employee_inactive` when they cannot be named.
    static func requireActiveEmployee(_ id: String, state: CompanyState, role: String) throws {
        guard let e = state.org.employees[id] else { throw DomainError.notFound("employee", id) }
        guard e.active else {
            throw DomainError(
                .employeeInactive, "employee \(id) is inactive and cannot be named as \(role)",
                details: ["employeeId": .string(id)])
        }
    }

    static func uniqued(_ values: [String]) -> [String] {
        var seen: Set<String> = []
        return values.filter { seen.insert($0).inserted }
    }
}
