@testable import CommandProcessing
import Domain
import PersonalData
import Testing

/// What is personal data (CONTRACT §8) is answered by `switch`es over names: a table shared by the
/// writer's threads and the presealing tasks had its reference counts written by all of them for
/// every event. The answers must agree with each other and name only types that exist.
@Suite struct PersonalFieldsTests {
    @Test func theQuickAnswerAgreesWithTheRules() {
        let types = CompanyState.eventTypes.map(\.rawValue)
        #expect(types.filter(PersonalFields.hasPersonalFields).sorted() == ["EmployeeRegistered", "EmployeeUpdated", "LeadCaptured"])
        // The set `verify` reads by (its type index) names the same types.
        #expect(PersonalFields.eventTypes == Set(types.filter(PersonalFields.hasPersonalFields)))
        for type in types {
            #expect(PersonalFields.hasPersonalFields(type) == (PersonalFields.rule(for: type) != nil), "\(type)")
        }
        let lead = PersonalFields.rule(for: "LeadCaptured")
        #expect(lead?.idField == "leadId" && lead?.kind == "lead" && lead?.fields == ["contactName", "phone", "email"])
        let employee = PersonalFields.rule(for: "EmployeeUpdated")
        #expect(employee?.idField == "employeeId" && employee?.kind == "employee" && employee?.fields == ["name"])
        #expect(!PersonalFields.hasPersonalFields("leadCaptured") && PersonalFields.rule(for: "") == nil)
    }

    @Test func everyCommandWithPersonalFieldsNamesTheEventThatCarriesThem() {
        let commands = CompanyState.commandTypes.map(\.rawValue)
        let personal = commands.filter { CommandProcessor.personalEvent(ofCommand: $0) != nil }.sorted()
        #expect(personal == ["CaptureLead", "RegisterEmployee", "UpdateEmployee"])
        for command in personal {
            let event = CommandProcessor.personalEvent(ofCommand: command) ?? ""
            #expect(PersonalFields.hasPersonalFields(event))
            #expect(CompanyState.eventTypes.contains(EventType(rawValue: event)))
        }
    }
}
