/// Which events a read, subscription or export wants: any of `types` (when given) and carrying any of
/// `tags` (when given).
public struct EventFilter: Sendable, Hashable {
    public var types: Set<String>?
    public var tags: Set<String>?

    public init(types: Set<String>? = nil, tags: Set<String>? = nil) {
        self.types = types.flatMap { $0.isEmpty ? nil : $0 }
        self.tags = tags.flatMap { $0.isEmpty ? nil : $0 }
    }

    public static let all = EventFilter()

    public var isAll: Bool { types == nil && tags == nil }

    public func matches(type: String, tags eventTags: [String]) -> Bool {
        if let types, !types.contains(type) { return false }
        if let tags, !eventTags.contains(where: tags.contains) { return false }
        return true
    }

    public func matches(_ e: EventEnvelope) -> Bool { matches(type: e.type, tags: e.tags) }

    /// ``matches(_:)-(EventEnvelope)`` on a record read in place, comparing bytes (no `String` per field).
    public func matches(_ record: EventRecordView) -> Bool {
        if let types, !types.contains(where: { $0.utf8.elementsEqual(record.type) }) { return false }
        if let tags {
            var found = false
            record.forEachTag { t in
                found = tags.contains { $0.utf8.elementsEqual(t) }
                return !found
            }
            return found
        }
        return true
    }
}

/// A page of events and where to continue.
public struct ReadPage: Sendable, Hashable {
    public var events: [RecordedEvent]
    /// The position (or stream version, for stream reads) to pass to continue in the same direction;
    /// nil when nothing was left at the time of the read.
    public var next: UInt64?

    public init(events: [RecordedEvent], next: UInt64?) {
        self.events = events
        self.next = next
    }
}
