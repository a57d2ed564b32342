@testable import Domain
import Testing

/// `Authorization.mayIssue` answers from one table of role bits; the role table of CONTRACT §2 is
/// the sets it is built from. Checked against a direct reading of those sets for every command type
/// and every combination of up to three roles (unknown roles and no role included).
@Suite struct AuthorizationTableTests {
    /// CONTRACT §2 read directly from the sets.
    static func reference(_ type: CommandType, _ roles: Set<Role>) -> Bool {
        if roles.contains(.admin) { return true }
        let everyone = !(roles.count == 1 && roles.contains(.integration))
        if everyone && Authorization.everyoneCommands.contains(type) { return true }
        return roles.contains { role in
            switch role {
            case .sales: Authorization.salesCommands.contains(type)
            case .manager: Authorization.managerCommands.contains(type)
            case .finance: Authorization.financeCommands.contains(type)
            case .ceo: Authorization.ceoCommands.contains(type)
            case .warehouse: Authorization.warehouseCommands.contains(type)
            default: false
            }
        }
    }

    @Test func theTableAnswersAsTheSetsDoForEveryTypeAndRoles() {
        let roles: [Role] = Array(Role.known) + ["janitor"]
        var combinations: [Set<Role>] = [[]]
        for a in roles.indices {
            combinations.append([roles[a]])
            for b in (a + 1)..<roles.count {
                combinations.append([roles[a], roles[b]])
                for c in (b + 1)..<roles.count { combinations.append([roles[a], roles[b], roles[c]]) }
            }
        }
        let types = Array(CompanyState.commandTypes) + ["NoSuchCommand"]
        var allowed = 0
        for type in types {
            for held in combinations {
                let expected = Self.reference(type, held)
                if expected { allowed += 1 }
                #expect(Authorization.mayIssue(type, actor: Actor(id: "E-1", roles: held)) == expected, "\(type) by \(held)")
            }
        }
        #expect(allowed > 0 && allowed < types.count * combinations.count)
    }
}
