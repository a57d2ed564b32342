import Domain
import EventLog
import JSON
import LMDB
import ProjectionRuntime

extension AuditTrail {
    /// What to follow: exactly one of a stream, an actor or a tag.
    public enum Subject: Sendable, Hashable {
        case stream(String)
        case actor(String)
        case tag(String)
    }

    /// One of `stream`, `actor`, `tag`; optional `from` (inclusive) and `to` (exclusive); `limit`, `after`.
    public struct Params: Sendable, Hashable {
        public var subject: Subject
        public var from: Int64?
        public var to: Int64?
        public var page: PageRequest

        public init(subject: Subject, from: Int64? = nil, to: Int64? = nil, page: PageRequest = PageRequest()) {
            self.subject = subject
            self.from = from
            self.to = to
            self.page = page
        }

        public init(_ params: JSONObject) throws {
            var r = ParamReader(params)
            let stream = try r.optionalString("stream")
            let actor = try r.optionalString("actor")
            let tag = try r.optionalString("tag")
            from = try r.optionalTime("from")
            to = try r.optionalTime("to")
            page = try r.page()
            try r.finish()
            switch (stream, actor, tag) {
            case (let s?, nil, nil): subject = .stream(s)
            case (nil, let a?, nil): subject = .actor(a)
            case (nil, nil, let t?): subject = .tag(t)
            case (nil, nil, nil): throw DomainError.invalid("stream", "one of stream, actor and tag is required")
            default:
                throw DomainError.invalid(
                    stream != nil ? (actor != nil ? "actor" : "tag") : "tag", "give only one of stream, actor and tag")
            }
        }
    }

    /// A field an event changed: its last value in the stream before the event (null when it had
    /// none) and the event's value.
    public struct Change: Encodable, Sendable {
        public var field: String
        public var before: JSONFragment
        public var after: JSONFragment
    }

    /// One event of the trail, oldest first.
    public struct Entry: Encodable, Sendable {
        public var position: UInt64
        public var at: String
        public var stream: String
        public var version: UInt64
        public var type: String
        public var actor: String
        public var commandId: String?
        public var correlationId: String?
        public var causationId: String?
        public var changes: [Change]
    }

    public static func query(_ params: Params, _ txn: borrowing Transaction, _ context: QueryContext) throws
        -> Page<Entry>
    {
        let log = context.log
        let after = try PositionCursor.decode(params.page.after)
        var first = after &+ 1
        var last = context.checkpoint
        if let from = params.from {
            first = max(first, try ProjectionEngine.lastPosition(in: log, atOrBefore: from - 1, last: last) + 1)
        }
        if let to = params.to {
            last = min(last, try ProjectionEngine.lastPosition(in: log, atOrBefore: to - 1, last: last))
        }
        let limit = params.page.limit
        guard first <= last else { return Page(rows: [], next: nil) }

        var events: [LoggedEvent] = []
        var more = false
        switch params.subject {
        case .actor(let actor):
            var positions: [UInt64] = []
            try BlockList.read(try context.store.database(actors), txn, prefix: actor, positions: first...last) { p, _ in
                positions.append(p)
                return positions.count <= limit
            }
            more = positions.count > limit
            for p in positions.prefix(limit) {
                if let e = try LogReading.event(log, at: p) { events.append(e) }
            }
        case .tag(let tag):
            let page = try LogReading.events(log, from: first, through: last, filter: EventFilter(tags: [tag]), limit: limit + 1)
            events = page.events
            more = events.count > limit
            if more { events.removeLast() }
        case .stream(let stream):
            let all = try LogReading.stream(log, stream, through: last, limit: .max)
            events = all.filter { $0.position >= first }
            more = events.count > limit
            if more { events.removeLast(events.count - limit) }
        }

        let changes = try self.changes(of: events, log: log)
        let rows = events.map { e in
            Entry(
                position: e.position, at: LogReading.iso(e.envelope.at), stream: e.envelope.stream,
                version: e.envelope.version, type: e.type, actor: e.envelope.actor, commandId: e.envelope.commandId,
                correlationId: e.envelope.correlationId, causationId: e.envelope.causationId,
                changes: changes[e.position] ?? [])
        }
        return Page(rows: rows, next: more ? rows.last.map { PositionCursor.encode($0.position) } : nil)
    }

    /// The changed fields of each event: each stream is folded from its start up to its last event
    /// in `events`, remembering every field's latest value.
    static func changes(of events: [LoggedEvent], log: EventLog) throws -> [UInt64: [Change]] {
        var wanted: [String: UInt64] = [:]
        for e in events { wanted[e.envelope.stream] = max(wanted[e.envelope.stream] ?? 0, e.position) }
        let positions = Set(events.map(\.position))
        var out: [UInt64: [Change]] = [:]
        for (stream, through) in wanted {
            var state: [String: JSONValue] = [:]
            for e in try LogReading.stream(log, stream, through: through, limit: .max) {
                var changed: [Change] = []
                let record = positions.contains(e.position)
                for (field, value) in e.data {
                    let before = state[field] ?? .null
                    if record && before != value {
                        changed.append(Change(field: field, before: JSONFragment(before), after: JSONFragment(value)))
                    }
                    state[field] = value
                }
                if record { out[e.position] = changed }
            }
        }
        return out
    }
}
