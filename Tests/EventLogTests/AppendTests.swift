import EventLog
import Foundation
import Testing

@Suite struct AppendTests {
    @Test func appendedEventsGetGapFreePositionsAndStreamVersions() async throws {
        let dir = TemporaryDirectory()
        let log = try openLog(dir)
        defer { log.close() }
        let r1 = try await log.append(AppendRequest(events: [event("a-1"), event("b-1")], actor: "E-1"))
        let r2 = try await log.append(AppendRequest(events: [event("a-1", tags: ["x:1"])], actor: "E-2"))
        #expect(r1.events.map(\.position) == [1, 2])
        #expect(r1.events.map(\.version) == [1, 1])
        #expect(r2.events.map(\.position) == [3])
        #expect(r2.events.map(\.version) == [2])
        #expect(r2.position == 3)
        #expect(log.lastPosition == 3)
        let e = try #require(try log.event(at: 3))
        #expect(e.envelope.stream == "a-1")
        #expect(e.envelope.actor == "E-2")
        #expect(e.envelope.tags == ["x:1"])
        #expect(e.envelope.commandId == nil)
        #expect(e.data == payload("{}"))
    }

    @Test func everyEnvelopeFieldRoundTrips() async throws {
        let dir = TemporaryDirectory()
        let clock = ManualClock()
        let log = try openLog(dir, clock: clock)
        defer { log.close() }
        let data = payload(#"{"leadId":"L-1","note":"héllo ✓"}"#)
        _ = try await log.append(AppendRequest(
            events: [EventToAppend(stream: "lead-L-1", type: "LeadCaptured", schema: 2, tags: ["lead:L-1", "rep:E-7"], data: data)],
            actor: "E-7", commandId: "cmd-1", fingerprint: 42, correlationId: "corr", causationId: "cause"))
        let e = try #require(try log.event(at: 1))
        #expect(e.envelope == EventEnvelope(
            position: 1, stream: "lead-L-1", version: 1, type: "LeadCaptured", schema: 2, at: clock.nowMilliseconds(),
            actor: "E-7", commandId: "cmd-1", correlationId: "corr", causationId: "cause", tags: ["lead:L-1", "rep:E-7"]))
        #expect(e.data == data)
    }

    @Test func expectedVersionsAreCheckedInsideTheWriteTransaction() async throws {
        let dir = TemporaryDirectory()
        let log = try openLog(dir)
        defer { log.close() }
        _ = try await log.append(AppendRequest(events: [event("s")], actor: "a", expectedVersions: ["s": .noStream]))
        await #expect(throws: EventLogError.wrongExpectedVersion(stream: "s", expected: .noStream, actual: 1)) {
            try await log.append(AppendRequest(events: [event("s")], actor: "a", expectedVersions: ["s": .noStream]))
        }
        await #expect(throws: EventLogError.wrongExpectedVersion(stream: "s", expected: .exact(5), actual: 1)) {
            try await log.append(AppendRequest(events: [event("s")], actor: "a", expectedVersions: ["s": .exact(5)]))
        }
        let ok = try await log.append(AppendRequest(events: [event("s")], actor: "a", expectedVersions: ["s": .exact(1)]))
        #expect(ok.events[0].version == 2)
        #expect(log.lastPosition == 2)  // failed appends wrote nothing
    }

    @Test func aTagConditionFailsWhenATaggedEventCameAfterThePosition() async throws {
        let dir = TemporaryDirectory()
        let log = try openLog(dir)
        defer { log.close() }
        _ = try await log.append(AppendRequest(events: [event("s1", tags: ["sku:A"])], actor: "a"))
        _ = try await log.append(AppendRequest(events: [event("s2", tags: ["sku:B"])], actor: "a"))
        // sku:A last at 1: a guard "after 1" passes, "after 0" fails.
        _ = try await log.append(AppendRequest(events: [event("s3")], actor: "a", tagCondition: TagCondition(tags: ["sku:A"], after: 1)))
        await #expect(throws: EventLogError.tagConditionFailed(tag: "sku:B", after: 1, lastPosition: 2)) {
            try await log.append(AppendRequest(events: [event("s4")], actor: "a", tagCondition: TagCondition(tags: ["sku:A", "sku:B"], after: 1)))
        }
    }

    @Test func aRepeatedCommandIdReturnsTheOriginalResultAndWritesNothing() async throws {
        let dir = TemporaryDirectory()
        let log = try openLog(dir)
        defer { log.close() }
        let first = try await log.append(AppendRequest(events: [event("s"), event("t")], actor: "a", commandId: "c-1", fingerprint: 7))
        _ = try await log.append(AppendRequest(events: [event("u")], actor: "a"))
        let again = try await log.append(AppendRequest(events: [event("s"), event("t")], actor: "a", commandId: "c-1", fingerprint: 7))
        #expect(again.duplicate)
        #expect(again.events == first.events)
        #expect(again.position == first.position)
        #expect(log.lastPosition == 3)
        await #expect(throws: EventLogError.commandIdConflict(commandId: "c-1")) {
            try await log.append(AppendRequest(events: [event("s")], actor: "a", commandId: "c-1", fingerprint: 8))
        }
    }

    /// A work item that looked a command id up and found nothing, then appended under it, finds
    /// it the next time: the writer's memory of the absent id ends with the append.
    @Test func aCommandIdLookedUpAsAbsentIsFoundAfterItsAppendInTheSameWorkItem() async throws {
        let dir = TemporaryDirectory()
        let log = try openLog(dir)
        defer { log.close() }
        let (absent, first, again, found) = try await log.write { w in
            let absent = try w.previousResult(commandId: "c-1") == nil
            let request = AppendRequest(events: [event("s")], actor: "a", commandId: "c-1", fingerprint: 7)
            let first = try w.append(request)
            let again = try w.append(request)
            let found = try w.previousResult(commandId: "c-1")?.result.position
            return (absent, first, again, found)
        }
        #expect(absent)
        #expect(!first.duplicate && again.duplicate && again.position == first.position)
        #expect(found == first.position)
        #expect(log.lastPosition == 1)
    }

    @Test func aCommandWithoutEventsIsRememberedWithTheLogPosition() async throws {
        let dir = TemporaryDirectory()
        let log = try openLog(dir)
        _ = try await log.append(AppendRequest(events: [event("s")], actor: "a"))
        let empty = try await log.append(AppendRequest(events: [], actor: "system", commandId: "recycle-2026-11-22"))
        #expect(empty.events.isEmpty)
        #expect(empty.position == 1)
        log.close()
        let reopened = try openLog(dir)
        defer { reopened.close() }
        let again = try await reopened.append(AppendRequest(events: [], actor: "system", commandId: "recycle-2026-11-22"))
        #expect(again.duplicate)
        #expect(again.position == 1)
    }

    @Test func commandIdsAreRememberedAcrossReopen() async throws {
        let dir = TemporaryDirectory()
        do {
            let log = try openLog(dir)
            for i in 0..<50 {
                _ = try await log.append(AppendRequest(events: [event("s-\(i % 7)")], actor: "a", commandId: "c-\(i)", fingerprint: UInt64(i)))
            }
            log.close()
        }
        let log = try openLog(dir)
        defer { log.close() }
        for i in 0..<50 {
            let r = try await log.append(AppendRequest(events: [event("s-\(i % 7)")], actor: "a", commandId: "c-\(i)", fingerprint: UInt64(i)))
            #expect(r.duplicate)
            #expect(r.position == UInt64(i + 1))
        }
        #expect(log.lastPosition == 50)
        let next = try await log.append(AppendRequest(events: [event("s-0")], actor: "a"))
        #expect(next.events[0].version == 9)  // s-0 had events 0,7,…,49 → 8 events
    }

    @Test func timeNeverDecreasesAndExplicitTimesMustNotGoBack() async throws {
        let dir = TemporaryDirectory()
        let clock = ManualClock()
        let log = try openLog(dir, clock: clock)
        defer { log.close() }
        let r1 = try await log.append(AppendRequest(events: [event("s")], actor: "a"))
        clock.advance(-10_000)  // the wall clock steps back
        let r2 = try await log.append(AppendRequest(events: [event("s")], actor: "a"))
        #expect(r2.at == r1.at)
        await #expect(throws: EventLogError.self) {
            try await log.append(AppendRequest(events: [event("s")], actor: "a", at: r1.at - 1))
        }
        let r3 = try await log.append(AppendRequest(events: [event("s")], actor: "a", at: r1.at + 5))
        #expect(r3.at == r1.at + 5)
    }

    @Test func manyConcurrentWritersProduceGapFreePositionsAndContiguousVersions() async throws {
        let dir = TemporaryDirectory()
        let log = try openLog(dir)
        defer { log.close() }
        let results = try await withThrowingTaskGroup(of: [AppendedEvent].self) { group in
            for writer in 0..<32 {
                group.addTask {
                    var mine: [AppendedEvent] = []
                    for i in 0..<25 {
                        let r = try await log.append(AppendRequest(
                            events: [event("stream-\((writer + i) % 10)"), event("w-\(writer)")], actor: "w\(writer)"))
                        mine += r.events
                    }
                    return mine
                }
            }
            var all: [AppendedEvent] = []
            for try await r in group { all += r }
            return all
        }
        #expect(results.count == 32 * 25 * 2)
        #expect(results.map(\.position).sorted() == Array(1...UInt64(results.count)))
        for (stream, events) in Dictionary(grouping: results, by: \.stream) {
            let byPosition = events.sorted { $0.position < $1.position }
            #expect(byPosition.map(\.version) == Array(1...UInt64(events.count)), "stream \(stream)")
        }
        // The two events of one append are consecutive.
        let stats = log.writerStats
        #expect(stats.batches < 32 * 25, "appends were grouped into fewer commits")
    }

    /// Names are measured in UTF-8 bytes, read in place (`StringBytes`): streams and tags 1–512,
    /// types 1–256, with strings of every form (small, large, literal, non-ASCII at the limit).
    @Test func namesAreCheckedAtTheirByteLimits() async throws {
        let dir = TemporaryDirectory()
        let log = try openLog(dir)
        defer { log.close() }
        func name(_ bytes: Int, ending: String = "") -> String {
            let filler = Array(repeating: UInt8(ascii: "s"), count: bytes - ending.utf8.count)
            return String(decoding: filler, as: UTF8.self) + ending
        }
        let accepted: [EventToAppend] = [
            event("s", "T", tags: ["t"]),
            event(name(512), "T"),
            event(name(512, ending: "é"), name(256, ending: "✓"), tags: [name(512, ending: "ü"), "lead:L-1"]),
            event("a literal stream name, long enough for the heap", "T", tags: ["a literal tag, long enough too"]),
        ]
        _ = try await log.append(AppendRequest(events: accepted, actor: "a"))
        let stored = try #require(try log.event(at: 3))
        #expect(stored.envelope.stream == name(512, ending: "é"))
        #expect(stored.envelope.type == name(256, ending: "✓"))
        #expect(stored.envelope.tags == [name(512, ending: "ü"), "lead:L-1"])

        let refused: [(EventToAppend, String)] = [
            (event("", "T"), "stream names are 1–512 bytes"),
            (event(name(513), "T"), "stream names are 1–512 bytes"),
            (event(name(513, ending: "é"), "T"), "stream names are 1–512 bytes"),  // 513 bytes, 512 characters
            (event("s", ""), "event types are 1–256 bytes"),
            (event("s", name(257)), "event types are 1–256 bytes"),
            (event("s", "T", tags: ["ok", ""]), "tags are 1–512 bytes"),
            (event("s", "T", tags: [name(513)]), "tags are 1–512 bytes"),
        ]
        for (e, message) in refused {
            await #expect(throws: EventLogError.invalidRequest(message)) {
                try await log.append(AppendRequest(events: [event("fine"), e], actor: "a"))
            }
        }
        #expect(log.lastPosition == 4)  // the refused requests wrote nothing
    }
}
