/// Everything one append carries: events, who and why, and the conditions under which it may go ahead.
public struct AppendRequest: Sendable {
    public var events: [EventToAppend]
    public var actor: String
    /// The idempotency key: a repeat with the same fingerprint returns the original result.
    public var commandId: String?
    /// Identifies the request behind a command id (for example a hash of its type and data), so a
    /// repeat with different content is refused rather than silently answered.
    public var fingerprint: UInt64
    public var correlationId: String?
    public var causationId: String?
    /// Expected versions per stream, checked inside the write transaction.
    public var expectedVersions: [String: ExpectedVersion]
    /// Fail when an event with one of these tags was appended after `position`.
    public var tagCondition: TagCondition?
    /// An explicit time (import); nil means the batch's commit time.
    public var at: Int64?
    /// Appends the payload of event `i` to `out` (which it finds empty), called once per event in
    /// order, when set: then `events[i].data` is not used. The encoder hands in one buffer it keeps
    /// for every event, so making a payload allocates nothing of its own.
    /// It runs later, on the writer's encoder thread, while the rest of the batch is decided —
    /// encoding (and sealing) payloads is work the deciding thread need not wait for. A throw fails
    /// the whole batch, and the batch staged on top of it, with ``EventLogError/unavailable(_:)``:
    /// nothing of them is written. So it should not fail short of a broken machine (do what can fail
    /// before appending, as the command processor makes sure of the sealing keys).
    public var payloads: (@Sendable (_ i: Int, _ out: inout [UInt8]) throws -> Void)?

    public init(
        events: [EventToAppend], actor: String, commandId: String? = nil, fingerprint: UInt64 = 0,
        correlationId: String? = nil, causationId: String? = nil, expectedVersions: [String: ExpectedVersion] = [:],
        tagCondition: TagCondition? = nil, at: Int64? = nil,
        payloads: (@Sendable (_ i: Int, _ out: inout [UInt8]) throws -> Void)? = nil
    ) {
        self.events = events
        self.actor = actor
        self.commandId = commandId
        self.fingerprint = fingerprint
        self.correlationId = correlationId
        self.causationId = causationId
        self.expectedVersions = expectedVersions
        self.tagCondition = tagCondition
        self.at = at
        self.payloads = payloads
    }
}

/// "Fail if any event with one of these tags was appended after `position`."
public struct TagCondition: Sendable, Hashable {
    public var tags: [String]
    public var position: UInt64

    public init(tags: [String], after position: UInt64) {
        self.tags = tags
        self.position = position
    }
}

/// Where an appended event landed.
public struct AppendedEvent: Sendable, Hashable {
    public var position: UInt64
    public var stream: String
    public var version: UInt64
    public var type: String

    public init(position: UInt64, stream: String, version: UInt64, type: String) {
        self.position = position
        self.stream = stream
        self.version = version
        self.type = type
    }
}

/// The result of an append (or of the original append, for a repeated command id).
public struct AppendResult: Sendable, Hashable {
    /// The position of the last event written; for an append without events, the log's last
    /// position at that commit.
    public var position: UInt64
    public var events: [AppendedEvent]
    /// True when the command id was seen before: nothing new was written.
    public var duplicate: Bool
    /// The commit time of the events (milliseconds since the epoch).
    public var at: Int64

    public init(position: UInt64, events: [AppendedEvent], duplicate: Bool, at: Int64) {
        self.position = position
        self.events = events
        self.duplicate = duplicate
        self.at = at
    }
}
