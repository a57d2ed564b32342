import Domain
import EventLog
import JSON

/// A command as a service sends it, with who sends it (already authenticated).
public struct CommandRequest: Sendable {
    public var type: String
    public var data: JSONValue
    /// The authenticated employee id, `admin` or `system`. Never taken from the request body.
    public var actorId: String
    /// Idempotency key: a repeat returns the original result and writes nothing.
    public var commandId: String?
    public var correlationId: String?
    public var causationId: String?
    /// For the command's primary stream (its first event's stream): 0 = must not exist, N = at version N.
    public var expectedVersion: UInt64?
    /// An explicit time for the events (import only): not before the log's last time, not in the future.
    public var at: Timestamp?

    public init(
        type: String, data: JSONValue, actorId: String, commandId: String? = nil, correlationId: String? = nil,
        causationId: String? = nil, expectedVersion: UInt64? = nil, at: Timestamp? = nil
    ) {
        self.type = type
        self.data = data
        self.actorId = actorId
        self.commandId = commandId
        self.correlationId = correlationId
        self.causationId = causationId
        self.expectedVersion = expectedVersion
        self.at = at
    }
}

/// An accepted command: where its events landed.
public struct CommandReply: Sendable, Hashable {
    /// The position of the last event written (or the log's last position for a command without events).
    public var position: UInt64
    public var events: [AppendedEvent]
    /// True when the command id was seen before: this is the original result.
    public var duplicate: Bool
    /// The events' time.
    public var at: Timestamp

    public init(position: UInt64, events: [AppendedEvent], duplicate: Bool, at: Timestamp) {
        self.position = position
        self.events = events
        self.duplicate = duplicate
        self.at = at
    }
}
