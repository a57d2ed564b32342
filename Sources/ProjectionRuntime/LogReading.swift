import Domain
import EventCoding
import EventLog
import JSON

/// An event read back from the log at query time, payload upcast to its newest schema — for view
/// fields kept by reference (personal data is never copied into `views/`, CONTRACT §8) and for
/// listings the log's own indexes already answer.
public struct LoggedEvent: Sendable {
    public var envelope: EventEnvelope
    public var data: JSONObject

    public var position: UInt64 { envelope.position }
    public var type: String { envelope.type }
}

/// Query-time reads from the log, never past a view's checkpoint (so an answer is exactly as of the
/// position it reports).
public enum LogReading {
    static func logged(_ event: RecordedEvent) -> LoggedEvent {
        let stored = (try? PayloadCodec.decode(event.data)) ?? JSONObject()
        let data = Upcasters.upcast(type: event.envelope.type, schema: event.envelope.schema, data: stored).data
        return LoggedEvent(envelope: event.envelope, data: data)
    }

    /// The events of `stream` up to `through`, oldest first (at most `limit`).
    public static func stream(_ log: EventLog, _ stream: String, through: UInt64, limit: Int = 10_000) throws
        -> [LoggedEvent]
    {
        var out: [LoggedEvent] = []
        var next: UInt64? = 1
        while let from = next, out.count < limit {
            let page = try log.readStream(stream, from: from, limit: min(1000, limit - out.count))
            for e in page.events {
                if e.position > through { return out }
                out.append(logged(e))
            }
            next = page.next
        }
        return out
    }

    /// The latest `limit` events carrying `tag` at or before `through`, newest first.
    public static func latest(_ log: EventLog, tag: String, through: UInt64, limit: Int) throws -> [EventEnvelope] {
        guard through > 0 else { return [] }
        let page = try log.read(
            from: through, limit: limit, backwards: true, filter: EventFilter(tags: [tag]))
        return page.events.map(\.envelope)
    }

    /// Events from `from` through `through` matching `filter`, oldest first, at most `limit`; and the
    /// position to continue from (nil when nothing is left up to `through`).
    public static func events(
        _ log: EventLog, from: UInt64, through: UInt64, filter: EventFilter, limit: Int
    ) throws -> (events: [LoggedEvent], next: UInt64?) {
        guard from <= through else { return ([], nil) }
        let page = try log.read(from: from, limit: limit, filter: filter)
        var out: [LoggedEvent] = []
        for e in page.events {
            if e.position > through { return (out, nil) }
            out.append(logged(e))
        }
        guard let next = page.next, next <= through else { return (out, nil) }
        return (out, next)
    }

    /// The event at `position`, upcast.
    public static func event(_ log: EventLog, at position: UInt64) throws -> LoggedEvent? {
        try log.event(at: position).map(logged)
    }

    /// ISO-8601 UTC with milliseconds.
    public static func iso(_ milliseconds: Int64) -> String { Timestamp(milliseconds: milliseconds).iso8601 }
}
