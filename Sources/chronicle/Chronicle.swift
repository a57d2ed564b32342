import ArgumentParser
import Foundation

/// `chronicle`: one executable with a subcommand per task (CONTRACT §5).
@main
struct Chronicle: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chronicle",
        abstract: "An event-sourced operations backend: CRM, OA and ERP on one immutable event log.",
        subcommands: [
            ServeCommand.self, SendCommand.self, QueryCommand.self, ImportCommand.self, ExportCommand.self,
            DemoCommand.self, ReplayCommand.self, VerifyCommand.self, DigestCommand.self, BackupCommand.self,
            RestoreCommand.self, ForgetCommand.self, AuditCommand.self,
            AppendTortureCommand.self, ProjectTortureCommand.self, ViewsCheckCommand.self, BenchViewsCommand.self,
        ]
    )
}

extension Chronicle {
    /// Runs the chosen subcommand, mapping ArgumentParser's usage failures (64) to CONTRACT §5's 2.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            let code = exitCode(for: error)
            if code == .validationFailure {
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                Foundation.exit(2)
            }
            exit(withError: error)
        }
    }
}

/// Exit codes of CONTRACT §5: 0 success, 1 an error reply or a failed check, 2 a usage error.
enum Exit {
    static let failure = ExitCode(1)
    static let usage = ExitCode(2)
}
