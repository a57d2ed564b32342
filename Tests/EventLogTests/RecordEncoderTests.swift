@testable import EventLog
import Foundation
import Locking
import Testing

/// The writer's encoder thread makes deferred payloads and encodes and chains records a chunk behind
/// the stager (`RecordEncoder`): what it writes must be what was asked, in order, chained; a payload
/// that cannot be made fails its batch (`unavailable`, nothing of it written), and the log goes on.
@Suite struct RecordEncoderTests {
    private struct Refused: Error {}

    private func deferred(_ stream: String, _ texts: [String], commandId: String? = nil) -> AppendRequest {
        AppendRequest(
            events: texts.map { _ in EventToAppend(stream: stream, type: "Happened", data: []) }, actor: "a",
            commandId: commandId, payloads: { i, out in out += payload(texts[i]) })
    }

    @Test func deferredPayloadsAreWhatTheRecordsCarry() async throws {
        let dir = TemporaryDirectory()
        let log = try openLog(dir)
        defer { log.close() }
        // Many concurrent appends, deferred and plain mixed, so batches hold many chunks.
        let results = try await withThrowingTaskGroup(of: (Int, AppendResult).self) { group in
            for i in 0..<300 {
                group.addTask {
                    let texts = (0..<(1 + i % 3)).map { #"{"n":\#(i),"k":\#($0)}"# }
                    let request = i % 2 == 0
                        ? deferred("s-\(i)", texts)
                        : AppendRequest(events: texts.map { event("s-\(i)", "Happened", $0) }, actor: "a")
                    return (i, try await log.append(request))
                }
            }
            return try await group.reduce(into: [:]) { $0[$1.0] = $1.1 }
        }
        #expect(log.lastPosition == UInt64((0..<300).reduce(0) { $0 + 1 + $1 % 3 }))
        for (i, result) in results {
            let read = try log.readStream("s-\(i)", limit: 10)
            #expect(read.events.map(\.position) == result.events.map(\.position))
            #expect(read.events.map { String(decoding: $0.data, as: UTF8.self) } == (0..<(1 + i % 3)).map { #"{"n":\#(i),"k":\#($0)}"# })
        }
        #expect(try log.verify().isIntact)
    }

    private final class Prefix: Sendable {
        let text: String
        init(_ text: String) { self.text = text }
    }

    /// An object handed to `keepAliveForPayloads` outlives every other reference to it, so payload
    /// closures may use it unretained (as the command processor's do with its key store); it is let
    /// go with the log's writer, which a closed log lets go.
    @Test func anObjectKeptForPayloadsLivesAsLongAsTheLog() async throws {
        let dir = TemporaryDirectory()
        var log: EventLog? = try openLog(dir)
        weak var kept: Prefix?
        do {
            let prefix = Prefix("kept-")
            kept = prefix
            log?.keepAliveForPayloads(prefix)
        }
        let unretained = Unmanaged.passUnretained(try #require(kept))
        for i in 0..<20 {
            _ = try await log?.append(AppendRequest(
                events: [EventToAppend(stream: "s", type: "Happened", data: [])], actor: "a",
                payloads: { _, out in
                    unretained._withUnsafeGuaranteedRef { out += payload(#"{"p":"\#($0.text)\#(i)"}"#) }
                }))
        }
        let read = try #require(log).readStream("s", limit: 30)
        #expect(read.events.map { String(decoding: $0.data, as: UTF8.self) } == (0..<20).map { #"{"p":"kept-\#($0)"}"# })
        #expect(kept != nil)
        weak let writer = log?.writer
        log?.close()
        log = nil
        // (The writer's threads let go of it as they end, just after `close` returns. Before, each
        // held the writer for good: a closed log's writer, its state and key table, stayed.)
        for _ in 0..<200 where kept != nil || writer != nil { try await Task.sleep(for: .milliseconds(5)) }
        #expect(writer == nil)
        #expect(kept == nil)
    }

    @Test func aPayloadThatCannotBeMadeFailsItsBatchAndTheLogGoesOn() async throws {
        let dir = TemporaryDirectory()
        let log = try openLog(dir)
        _ = try await log.append(AppendRequest(events: [event("s")], actor: "a"))
        // One work item, so both requests are in one batch: a good one, then one whose payload throws.
        await #expect(throws: EventLogError.unavailable("a payload of the batch could not be made: Refused()")) {
            try await log.write { w in
                _ = try w.append(deferred("s", ["{}"], commandId: "good"))
                _ = try w.append(AppendRequest(
                    events: [EventToAppend(stream: "s", type: "Happened", data: [])], actor: "a",
                    payloads: { _, _ in throw Refused() }))
            }
        }
        #expect(log.lastPosition == 1, "nothing of the failed batch is written")
        // The writer reloaded: the chain goes on from the last durable record, the command id is free.
        let next = try await log.append(deferred("s", ["{\"after\":true}"], commandId: "good"))
        #expect(!next.duplicate && next.position == 2 && next.events.first?.version == 2)
        log.close()
        let reopened = try openLog(dir)
        defer { reopened.close() }
        #expect(try reopened.verify().isIntact)
        #expect(try reopened.read(from: 2, limit: 1).events.first.map { String(decoding: $0.data, as: UTF8.self) } == "{\"after\":true}")
    }

    @Test func eachPayloadIsAskedForInOrderIntoAnEmptyBuffer() async throws {
        let dir = TemporaryDirectory()
        let log = try openLog(dir)
        defer { log.close() }
        let asked = Lock<[(Int, Int)]>([])
        let texts = [#"{"first":"a much longer payload than the others, to leave bytes behind"}"#, "{}", #"{"n":3}"#]
        let request = AppendRequest(
            events: texts.map { _ in EventToAppend(stream: "s", type: "Happened", data: []) }, actor: "a",
            payloads: { i, out in
                asked.withLock { $0.append((i, out.count)) }
                out += payload(texts[i])
            })
        _ = try await log.append(request)
        #expect(asked.withLock { $0.map(\.0) } == [0, 1, 2])
        #expect(asked.withLock { $0.map(\.1) } == [0, 0, 0], "every payload starts from an empty buffer")
        #expect(try log.readStream("s", limit: 10).events.map { String(decoding: $0.data, as: UTF8.self) } == texts)
        #expect(try log.verify().isIntact)
    }

    @Test func aRepeatIsAnsweredFromTheBatchInFlightAndFromItsOwnBatch() async throws {
        let dir = TemporaryDirectory()
        let log = try openLog(dir)
        defer { log.close() }
        let gate = CommitGate()
        log.writer?.commitHook = { _ in gate.pass() }
        let first = Task { try await log.append(deferred("s", ["{}", "{}"], commandId: "c")) }
        await gate.waitUntilHolding()
        // In one work item: the original is in flight, and a repeat within the item's own batch too.
        let repeats = Task {
            try await log.write { w in
                let a = try w.append(deferred("s", ["{}", "{}"], commandId: "c"))
                let b = try w.append(deferred("t", ["{}"], commandId: "d"))
                let c = try w.append(deferred("t", ["{}"], commandId: "d"))
                return (a, b, c)
            }
        }
        try await waitUntilStaged(log)
        gate.open()
        let original = try await first.value
        let (a, b, c) = try await repeats.value
        #expect(a.duplicate && a.events == original.events && a.position == original.position)
        #expect(!b.duplicate && c.duplicate && c.events == b.events)
        log.writer?.commitHook = nil
        #expect(log.lastPosition == 3)
    }
}
