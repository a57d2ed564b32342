import Domain
import JSON
import Testing

@Suite struct OrgTests {
    @Test func registeringAnEmployeeTwiceIsRejected() {
        var s = Scenario()
        s.employee("E-1", roles: ["sales"])
        #expect(s.rejection(.admin, "RegisterEmployee", ["employeeId": "E-1", "name": "X", "roles": []])?.code == .alreadyExists)
    }

    @Test func unknownRolesAndManagersAreRejected() {
        let s = Scenario()
        #expect(s.rejection(.admin, "RegisterEmployee", ["employeeId": "E-1", "name": "X", "roles": ["wizard"]])?.code == .invalidArgument)
        #expect(s.rejection(.admin, "RegisterEmployee", ["employeeId": "E-1", "name": "X", "roles": [], "managerId": "M-9"])?.code == .notFound)
    }

    @Test func theServersOwnActorIdsCannotBeRegisteredAsEmployees() {
        let s = Scenario()
        for reserved in ["admin", "system"] {
            let data: JSONObject = ["employeeId": .string(reserved), "name": "X", "roles": ["auditor"]]
            let e = s.rejection(.admin, "RegisterEmployee", data)
            #expect(e?.code == .invalidArgument)
            #expect(e?.details["field"] == "employeeId")
        }
        #expect(s.rejection(.admin, "RegisterEmployee", ["employeeId": "Admin", "name": "X", "roles": []]) == nil,
                "only the exact ids are reserved")
    }

    @Test func aReservedIdNeverBecomesAnEmployeeToDeactivate() {
        var s = Scenario()
        _ = try? s.then(.admin, "RegisterEmployee", ["employeeId": "admin", "name": "X", "roles": ["admin"]])
        #expect(s.state.org.employees["admin"] == nil)
        #expect(s.rejection(.admin, "DeactivateEmployee", ["employeeId": "admin", "reason": "left"])?.code == .notFound)
    }

    @Test func managementCyclesAreRejected() {
        var s = Scenario()
        s.employee("M-1", roles: ["manager"])
        s.employee("E-1", roles: ["sales"], manager: "M-1")
        let e = s.rejection(.admin, "UpdateEmployee", ["employeeId": "M-1", "managerId": "E-1"])
        #expect(e?.code == .invalidArgument)
        #expect(e?.details["field"] == "managerId")
        #expect(s.state.org.isReport("E-1", of: "M-1"))
    }

    @Test func updateRecordsOnlyChangedFields() throws {
        var s = Scenario()
        s.employee("E-1", roles: ["sales"])
        let events = try s.then(.admin, "UpdateEmployee", ["employeeId": "E-1", "name": "Name E-1", "roles": ["sales", "manager"]])
        #expect(events.count == 1)
        #expect(events[0].data["name"] == nil)
        #expect(s.state.org.employees["E-1"]?.roles == [.sales, .manager])
    }

    @Test func deactivatedEmployeesCannotBeDeactivatedAgainOrNamedAsManager() throws {
        var s = Scenario()
        s.employee("M-1", roles: ["manager"])
        try s.then(.admin, "DeactivateEmployee", ["employeeId": "M-1", "reason": "left"])
        #expect(s.rejection(.admin, "DeactivateEmployee", ["employeeId": "M-1", "reason": "again"])?.code == .employeeInactive)
        #expect(s.rejection(.admin, "RegisterEmployee", ["employeeId": "E-2", "name": "X", "roles": [], "managerId": "M-1"])?.code == .employeeInactive)
        #expect(s.rejection(.admin, "DeactivateEmployee", ["employeeId": "E-9", "reason": "x"])?.code == .notFound)
        #expect(s.rejection(.admin, "DeactivateEmployee", ["employeeId": "M-1", "reason": " "])?.code == .reasonRequired)
    }

    @Test func policiesKeepValuesNotGivenAndRecordTheWholePolicy() throws {
        var s = Scenario()
        s.employee("E-1", roles: ["sales"])
        let rules = try s.then(.admin, "SetLeadPoolRules", ["capacity": 5])
        #expect(rules[0].data["dailyClaimLimit"] == 10)
        #expect(s.state.org.leadPoolRules.capacity == 5)
        let policy = try s.then(.admin, "SetApprovalPolicy", ["exemptions": ["E-1": "10000"]])
        #expect(policy[0].data["ceoThreshold"] == "5000.00")
        #expect(s.state.org.approvalPolicy.threshold(for: "E-1").amountText == "10000.00")
        #expect(s.state.org.approvalPolicy.position == s.position)
        #expect(s.rejection(.admin, "SetApprovalPolicy", ["exemptions": ["E-404": "1"]])?.code == .notFound)
        #expect(s.rejection(.admin, "SetLeadPoolRules", ["timeZone": "Mars/Base"])?.code == .invalidArgument)
        #expect(s.rejection(.admin, "SetLeadPoolRules", ["capacityy": 3])?.code == .invalidArgument)
    }

    @Test func onlyAdminsRunOrganisationCommands() {
        var s = Scenario()
        s.employee("E-1", roles: ["sales", "manager", "ceo"])
        #expect(s.rejection(s.actor("E-1"), "SetLeadPoolRules", ["capacity": 5])?.code == .forbidden)
        #expect(s.rejection(s.actor("E-1"), "NoSuchCommand", [:])?.code == .unknownCommand)
    }

    /// `everyone` (CONTRACT §2): every actor but one whose only role is `integration`.
    @Test func everyoneIsEveryActorButAnIntegrationAlone() {
        #expect(!Actor(id: "E-1", roles: [.integration]).isEveryone)
        #expect(Actor(id: "E-2", roles: [.integration, .sales]).isEveryone)
        #expect(Actor(id: "E-3", roles: [.sales]).isEveryone)
        #expect(Actor(id: "E-4", roles: []).isEveryone)
    }
}
