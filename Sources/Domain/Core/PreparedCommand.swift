import IdHashing

/// The rest of a decision once a command's data is read: the checks against the state and the
/// events, with everything read from the data captured.
public typealias PreparedDecision = @Sendable (CommandContext, CompanyState) throws -> [NewEvent]

/// Reads a command's data — everything its decider checks before it looks at the state — and gives
/// the rest of the decision. Pure, so it can run on any thread, ahead of the writer.
typealias CommandReader = @Sendable (Command) throws -> PreparedDecision

/// A command whose data was read ahead of deciding (``CompanyState/prepare(_:)``): the writer, which
/// decides one command at a time, then only runs the part that needs the state. The reading's
/// failure is kept, not thrown, so it comes out where the decider would have thrown it — after the
/// checks that come first (the actor's role; CONTRACT §2).
public struct PreparedCommand: Sendable {
    public let type: CommandType
    let decision: Result<PreparedDecision, any Error>
}

extension CompanyState {
    /// The deciders that read their data apart from deciding: the commands a company issues most.
    /// By type name, in an ``IdMap`` (no SipHash for every command).
    static let readers: IdMap<CommandReader> = {
        var all: IdMap<CommandReader> = [:]
        for table in [CRMArea.readers, OAArea.readers, ERPArea.readers] {
            for (type, read) in table where all[type.rawValue] == nil { all[type.rawValue] = read }
        }
        return all
    }()

    /// The handler of a command type whose decider reads its data first (``handlers`` holds one for
    /// each of ``readers``).
    static func handler(reading read: @escaping CommandReader) -> CommandHandler {
        { command, context, state in try read(command)(context, state) }
    }

    /// `command`'s data read ahead, for a type whose decider can (nil for the others). Pure: any
    /// thread, any time before ``decide(_:context:prepared:)``.
    public static func prepare(_ command: Command) -> PreparedCommand? {
        guard let read = readers[command.type.rawValue] else { return nil }
        return PreparedCommand(type: command.type, decision: Result { try read(command) })
    }
}
