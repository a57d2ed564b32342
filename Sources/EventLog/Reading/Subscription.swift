/// Events in position order from a starting point, then live as they commit — no gap, no duplicate.
///
/// The subscription holds at most one page of events: it reads the log itself (catch-up) and, once
/// caught up, waits for the next commit and reads again. A consumer that falls behind simply reads
/// further back in the log; it never makes memory grow.
///
/// ```swift
/// for try await event in log.subscribe(from: 1, filter: EventFilter(tags: ["lead:L-1"])) { … }
/// ```
public struct EventSubscription: AsyncSequence, Sendable {
    public typealias Element = RecordedEvent

    let log: EventLog
    let start: UInt64
    let filter: EventFilter
    let pageSize: Int

    public func makeAsyncIterator() -> Iterator {
        Iterator(log: log, next: start, filter: filter, pageSize: pageSize)
    }

    public struct Iterator: AsyncIteratorProtocol {
        let log: EventLog
        /// The first position not yet examined.
        var next: UInt64
        let filter: EventFilter
        let pageSize: Int
        var buffer: [RecordedEvent] = []
        var index = 0

        /// The position up to which the log has been examined (the last event delivered or skipped).
        public var examinedThrough: UInt64 { next - 1 }

        public mutating func next() async throws -> RecordedEvent? {
            while true {
                if index < buffer.count {
                    defer { index += 1 }
                    return buffer[index]
                }
                try Task.checkCancellation()
                let committed = log.lastPosition
                if next <= committed {
                    let page = try log.read(from: next, limit: pageSize, filter: filter)
                    buffer = page.events
                    index = 0
                    // Everything up to the page's continuation (or the end we saw) has been examined.
                    next = page.next ?? (committed + 1)
                    if let last = buffer.last { next = Swift.max(next, last.position + 1) }
                    continue
                }
                if log.notifier.isClosed { return nil }
                await log.waitForCommit(after: next - 1)
            }
        }
    }
}

extension EventLog {
    /// Subscribes from `position` (inclusive; 1 = from the start). Use `lastPosition + 1` for "from the end".
    public func subscribe(from position: UInt64, filter: EventFilter = .all, pageSize: Int = 512) -> EventSubscription {
        EventSubscription(log: self, start: max(position, 1), filter: filter, pageSize: max(1, pageSize))
    }
}
