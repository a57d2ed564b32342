import Foundation
import Testing

/// Every hand-checked scenario in `Fixtures/Scenarios/` runs through the real processor on real LMDB,
/// and every expectation it states holds.
@Suite struct ScenarioTests {
    @Test func theScenariosDirectoryHoldsTheHandCheckedScenarios() {
        let files = FixturePaths.scenarioFiles()
        #expect(files.count >= 6, "found \(files) in \(FixturePaths.scenarios.path)")
    }

    @Test(arguments: FixturePaths.scenarioFiles())
    func everyExpectationOfTheScenarioHolds(_ file: String) async throws {
        let scenario = try Scenario(file: FixturePaths.scenarios.appendingPathComponent(file))
        let store = try FixtureStore()
        defer { store.close() }
        let failures = try await scenario.run(on: store)
        #expect(failures.isEmpty, "\(file):\n\(failures.joined(separator: "\n"))")
    }
}
