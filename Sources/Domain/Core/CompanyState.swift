import IdHashing
import JSON

/// Decides a command against the state: returns the events to append, or throws a ``DomainError``.
public typealias CommandHandler = @Sendable (Command, CommandContext, CompanyState) throws -> [NewEvent]
/// Applies one committed event to the state.
public typealias EventEvolver = @Sendable (inout CompanyState, DomainEvent) -> Void

/// Everything the deciders need to know, built by applying committed events in position order.
///
/// One value holds the whole company so that cross-entity rules (a rep's capacity, a warehouse's
/// stock, an approval chain that needs the org chart) are decided against one consistent state
/// inside the log's single writer.
public struct CompanyState: Sendable {
    public var org = OrgState()
    public var crm = CRMState()
    public var oa = OAState()
    public var erp = ERPState()
    /// Subjects whose personal data was erased (`SubjectForgotten`).
    public var forgottenSubjects: Set<String> = []
    /// The position of the last event applied.
    public var lastPosition: UInt64 = 0

    public init() {}

    /// By type name, in an ``IdMap``: the type is looked up for every command (and every event
    /// below), and hashing its name there costs a few multiplies instead of SipHash.
    static let handlers: IdMap<CommandHandler> = {
        var all: IdMap<CommandHandler> = [:]
        for table in [OrgArea.handlers, CRMArea.handlers, OAArea.handlers, ERPArea.handlers, PrivacyArea.handlers] {
            for (type, handler) in table where all[type.rawValue] == nil { all[type.rawValue] = handler }
        }
        // The deciders that read their data ahead (``readers``) decide as a whole too: read, then the rest.
        for (type, read) in readers { all[type] = handler(reading: read) }
        return all
    }()

    static let evolvers: IdMap<EventEvolver> = {
        var all: IdMap<EventEvolver> = [:]
        for table in [OrgArea.evolvers, CRMArea.evolvers, OAArea.evolvers, ERPArea.evolvers, PrivacyArea.evolvers] {
            for (type, evolver) in table where all[type.rawValue] == nil { all[type.rawValue] = evolver }
        }
        return all
    }()

    /// Every command type the domain knows.
    public static var commandTypes: Set<CommandType> { Set(handlers.keys.map(CommandType.init(rawValue:))) }

    /// Every event type the domain evolves on.
    public static var eventTypes: Set<EventType> { Set(evolvers.keys.map(EventType.init(rawValue:))) }

    /// Decides `command` in the order of checks of CONTRACT §2: known type → role allows the type →
    /// data shape → referenced things → ownership → state rules. Pure: no I/O, `now` comes in `context`.
    ///
    /// `prepared` (``CompanyState/prepare(_:)`` of this command): its data was read ahead, and only
    /// the rest of the decision runs here, its checks in the same order.
    public func decide(_ command: Command, context: CommandContext, prepared: PreparedCommand? = nil) throws -> [NewEvent] {
        if let prepared, prepared.type == command.type { return try decide(prepared, context: context) }
        guard let handler = CompanyState.handlers[command.type.rawValue] else {
            throw DomainError(.unknownCommand, "unknown command type \(command.type.rawValue)")
        }
        guard Authorization.mayIssue(command.type, actor: context.actor) else {
            throw DomainError.forbidden("\(context.actor.id) may not issue \(command.type.rawValue)")
        }
        return try handler(command, context, self)
    }

    /// Decides a command whose data was read ahead (``CompanyState/prepare(_:)``): only its type and
    /// the rest of the decision are needed, so the writer does not copy the command's data to call it.
    public func decide(_ prepared: borrowing PreparedCommand, context: CommandContext) throws -> [NewEvent] {
        guard Authorization.mayIssue(prepared.type, actor: context.actor) else {
            throw DomainError.forbidden("\(context.actor.id) may not issue \(prepared.type.rawValue)")
        }
        return try prepared.decision.get()(context, self)
    }

    /// Applies a committed event. Unknown types are ignored (a newer build may have written them).
    public mutating func apply(_ event: DomainEvent) {
        CompanyState.evolvers[event.type.rawValue]?(&self, event)
        lastPosition = event.position
    }
}
