import ArgumentParser

/// `chronicle`: one executable with a subcommand per task (CONTRACT §5).
@main
struct Chronicle: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chronicle",
        abstract: "An event-sourced operations backend: CRM, OA and ERP on one immutable event log.",
        subcommands: [
            ServeCommand.self, SendCommand.self, QueryCommand.self, ImportCommand.self, ExportCommand.self,
            DemoCommand.self, VerifyCommand.self, DigestCommand.self, BackupCommand.self, RestoreCommand.self,
            AppendTortureCommand.self, ProjectTortureCommand.self, BenchViewsCommand.self,
        ]
    )
}

/// Exit codes of CONTRACT §5: 0 success, 1 an error reply or a failed check, 2 a usage error.
enum Exit {
    static let failure = ExitCode(1)
    static let usage = ExitCode(2)
}
