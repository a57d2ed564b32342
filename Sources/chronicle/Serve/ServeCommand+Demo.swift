import CommandProcessing
import DemoCompany
import Logging

/// The demo company, as `serve --demo` loads it (the generator of `Fixtures/DemoCompany`).
struct DemoLoader: Sendable {
    /// The demo's tokens (token → employee id); they authenticate whether or not this run loaded it.
    var tokens: @Sendable () -> [String: String]
    /// Loads the demo company into an empty store.
    var load: @Sendable (CommandProcessor) async throws -> Void

    static let linked: DemoLoader? = DemoLoader(
        tokens: { Dictionary(DemoCompany.tokens().map { ($0.token, $0.employeeId) }, uniquingKeysWith: { a, _ in a }) },
        load: { processor in
            let report = try await DemoCompany.load(into: processor)
            announce(["demo: \(report.accepted) commands accepted, \(report.rejected) rejected"])
        })
}

/// With `--demo`: loads the demo company when the store is empty, prints its tokens, and returns
/// them for the token table. Without `--demo`: nothing.
func loadDemoIfRequested(_ requested: Bool, processor: CommandProcessor, logger: Logger) async throws
    -> [String: String]
{
    guard requested else { return [:] }
    guard let loader = DemoLoader.linked else {
        throw CLIError(
            "--demo: the demo company loader is not linked into this build yet; "
                + "start without --demo and bootstrap with --admin-token")
    }
    if processor.log.lastPosition == 0 {
        try await loader.load(processor)
        announce(["demo company loaded: \(processor.log.lastPosition) events"])
    } else {
        announce(["the store is not empty: --demo leaves it as it is"])
    }
    let tokens = loader.tokens()
    announce(["demo tokens (token → employee):"] + tokens.sorted { $0.value < $1.value }.map { "  \($0.key)  \($0.value)" })
    return tokens
}
