import JSON

/// A command type name such as `ClaimLead`. An open set (unknown names are `unknown_command`).
public struct CommandType: RawRepresentable, Sendable, Hashable, ExpressibleByStringLiteral,
    CustomStringConvertible
{
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { self.rawValue = value }
    public var description: String { rawValue }
}

/// A request to change state, as it reaches the deciders: its type and its `data` object.
public struct Command: Sendable, Hashable {
    public var type: CommandType
    public var data: JSONValue

    public init(type: CommandType, data: JSONValue) {
        self.type = type
        self.data = data
    }
}

/// What a decision may know besides the state: who acts, and when (passed in, never read from a clock).
public struct CommandContext: Sendable {
    public var actor: Actor
    public var now: Timestamp
    /// The log position that the next appended event will get: lets deciders record positions
    /// (for example `policyPosition` of the approval policy they freeze).
    public var nextPosition: UInt64

    public init(actor: Actor, now: Timestamp, nextPosition: UInt64 = 0) {
        self.actor = actor
        self.now = now
        self.nextPosition = nextPosition
    }
}
