@testable import EventLog
import Foundation
import Synchronization
import Testing

/// The writer stages a batch while the one before it commits (`BatchWriter`): conditions and
/// command ids must see the batch in flight, and a commit that fails must take the batch staged on
/// top of it down with it.
@Suite struct PipelinedCommitTests {
    @Test func conditionsAndCommandIdsSeeTheBatchStillCommitting() async throws {
        let dir = TemporaryDirectory()
        let log = try openLog(dir)
        defer { log.close() }
        for round in 0..<200 {
            let stream = "s-\(round)"
            // Submitted without waiting for each other: the second and third are staged while the
            // first (the larger, so its commit is the longer) may still be committing.
            let events = (0..<(50 + round % 7)).map { _ in event(stream, tags: ["t:\(round)"]) }
            let first = AppendRequest(events: events, actor: "a", commandId: "c-\(round)")
            async let a = log.append(first)
            async let b = log.append(AppendRequest(
                events: [event(stream)], actor: "a", expectedVersions: [stream: .exact(UInt64(events.count))]))
            async let c = log.append(first)
            let (ra, rb, rc) = try await (a, b, c)
            #expect(!ra.duplicate && ra.events.count == events.count)
            #expect(rb.events.first?.version == UInt64(events.count + 1), "b sees a's events")
            #expect(rc.duplicate && rc.events == ra.events && rc.position == ra.position, "the repeat gets a's result")
        }
        // Everything is there once, in order, with a whole chain.
        let all = try log.read(from: 1, limit: 1_000_000).events
        #expect(all.map(\.position) == Array(1...UInt64(all.count)))
        #expect(UInt64(all.count) == log.lastPosition)
        #expect(try log.verify().isIntact)
    }

    @Test func aFailedCommitFailsTheBatchStagedOnItAndTheLogGoesOnGapFree() async throws {
        let dir = TemporaryDirectory()
        let log = try openLog(dir)
        _ = try await log.append(AppendRequest(events: [event("s"), event("s")], actor: "a"))
        let gate = Gate()
        // The next commit waits until the test lets it go, then fails like a full disk.
        log.writer?.commitHook = { _ in
            if gate.take() { throw EventLogError.unavailable("injected: the disk is full") }
        }
        async let doomed = outcome { try await log.append(AppendRequest(events: [event("s")], actor: "a", commandId: "x")) }
        try await Task.sleep(for: .milliseconds(50))
        // Staged on top of the doomed batch: version 3 exists only if that batch commits.
        async let dependent = outcome {
            try await log.append(AppendRequest(events: [event("s")], actor: "a", expectedVersions: ["s": .exact(3)]))
        }
        try await Task.sleep(for: .milliseconds(50))
        gate.open()
        let (d, e) = await (doomed, dependent)
        #expect(throws: EventLogError.self) { try d.get() }
        switch e {
        case .success(let r): Issue.record("a batch counting on a failed commit was acknowledged: \(r)")
        case .failure(let error):
            // Failed with the commit it counted on, or (if staged after the reload) by its condition.
            let ok: Bool
            switch error as? EventLogError {
            case .unavailable?, .wrongExpectedVersion?: ok = true
            default: ok = false
            }
            #expect(ok, "\(error)")
        }
        // The writer reloaded: the next append continues from the last durable event, and the
        // failed command id is free again.
        let next = try await log.append(AppendRequest(events: [event("s")], actor: "a", commandId: "x"))
        #expect(!next.duplicate && next.position == 3 && next.events.first?.version == 3)
        log.close()
        let reopened = try openLog(dir)
        defer { reopened.close() }
        #expect(reopened.lastPosition == 3)
        #expect(try reopened.verify().isIntact)
    }
}

private func outcome<T>(_ body: () async throws -> T) async -> Result<T, Error> {
    do { return .success(try await body()) } catch { return .failure(error) }
}

/// Holds the first caller of `take()` until `open()`, then lets it through once with `true`.
private final class Gate: @unchecked Sendable {
    private let condition = NSCondition()
    private var isOpen = false
    private var taken = false

    func take() -> Bool {
        condition.lock()
        defer { condition.unlock() }
        guard !taken else { return false }
        taken = true
        while !isOpen { condition.wait() }
        return true
    }

    func open() {
        condition.lock()
        isOpen = true
        condition.broadcast()
        condition.unlock()
    }
}
