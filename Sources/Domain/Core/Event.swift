import JSON

/// An event type name such as `LeadClaimed`. An open set: a log written by a newer build still reads.
public struct EventType: RawRepresentable, Sendable, Hashable, ExpressibleByStringLiteral,
    CustomStringConvertible
{
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { self.rawValue = value }
    public var description: String { rawValue }
}

/// An event a decision produces, before the log gives it a position.
public struct NewEvent: Sendable, Hashable {
    public var stream: String
    public var type: EventType
    /// The payload's schema version (CONTRACT §9); new events are always written at the newest.
    public var schema: Int
    /// `<kind>:<id>` for every entity the event refers to (CONTRACT §1).
    public var tags: [String]
    public var data: JSONObject

    public init(stream: String, type: EventType, schema: Int = 1, tags: [String], data: JSONObject) {
        self.stream = stream
        self.type = type
        self.schema = schema
        self.tags = tags
        self.data = data
    }
}

/// An event as the state sees it when evolving: committed, upcast to its newest schema.
public struct DomainEvent: Sendable, Hashable {
    public var position: UInt64
    public var at: Timestamp
    public var actor: String
    public var stream: String
    public var type: EventType
    public var data: JSONObject

    public init(position: UInt64, at: Timestamp, actor: String, stream: String, type: EventType, data: JSONObject) {
        self.position = position
        self.at = at
        self.actor = actor
        self.stream = stream
        self.type = type
        self.data = data
    }
}
