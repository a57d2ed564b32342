import EventLog
import Foundation
import Testing

@Suite struct ReadTests {
    /// 200 events over 7 streams, 3 types, tags `t:<i % 5>` and `all`, with 16-position index runs so
    /// reads cross flushed runs, the in-memory tail and run boundaries.
    func populated(_ dir: TemporaryDirectory) async throws -> EventLog {
        let log = try openLog(dir, runShift: 4)
        for i in 0..<200 {
            _ = try await log.append(AppendRequest(
                events: [event("s-\(i % 7)", "T\(i % 3)", tags: ["t:\(i % 5)", "all"], "{\"i\":\(i)}")], actor: "a"))
        }
        return log
    }

    @Test func theWholeLogReadsForwardAndBackwardInPages() async throws {
        let dir = TemporaryDirectory()
        let log = try await populated(dir)
        defer { log.close() }
        var seen: [UInt64] = []
        var next: UInt64? = 1
        while let from = next {
            let page = try log.read(from: from, limit: 37)
            seen += page.events.map(\.position)
            next = page.next
        }
        #expect(seen == Array(1...200))
        let back = try log.read(limit: 3, backwards: true)
        #expect(back.events.map(\.position) == [200, 199, 198])
        #expect(back.next == 197)
        let tail = try log.read(from: 2, limit: 5, backwards: true)
        #expect(tail.events.map(\.position) == [2, 1])
        #expect(tail.next == nil)
    }

    @Test func streamsReadByVersionInBothDirections() async throws {
        let dir = TemporaryDirectory()
        let log = try await populated(dir)
        defer { log.close() }
        let expected: [UInt64] = (0..<200).filter { (i: Int) -> Bool in i % 7 == 3 }.map { UInt64($0 + 1) }
        let all = try log.readStream("s-3", limit: 1000)
        #expect(all.events.map(\.position) == expected)
        #expect(all.events.map(\.envelope.version) == Array(1...UInt64(expected.count)))
        #expect(all.next == nil)
        let middle = try log.readStream("s-3", from: 5, limit: 3)
        #expect(middle.events.map(\.envelope.version) == [5, 6, 7])
        #expect(middle.next == 8)
        let back = try log.readStream("s-3", limit: 2, backwards: true)
        #expect(back.events.map(\.envelope.version) == [UInt64(expected.count), UInt64(expected.count - 1)])
        // Backwards from past the end starts at the last version, whatever the version asked for.
        for past in [UInt64(expected.count + 1), 99, .max] {
            let fromPast = try log.readStream("s-3", from: past, limit: 2, backwards: true)
            #expect(fromPast.events.map(\.envelope.version) == back.events.map(\.envelope.version))
            #expect(fromPast.next == UInt64(expected.count - 2))
        }
        #expect(try log.readStream("nope", limit: 10).events.isEmpty)
        #expect(try log.streamVersion("s-3") == UInt64(expected.count))
    }

    @Test func filtersNeverReturnAShortPageWhileMatchesRemain() async throws {
        let dir = TemporaryDirectory()
        let log = try await populated(dir)
        defer { log.close() }
        let byTag: [UInt64] = (0..<200).filter { (i: Int) -> Bool in i % 5 == 2 }.map { UInt64($0 + 1) }
        var got: [UInt64] = []
        var next: UInt64? = 1
        while let from = next {
            let page = try log.read(from: from, limit: 6, filter: EventFilter(tags: ["t:2"]))
            #expect(page.events.count == 6 || page.next == nil)
            got += page.events.map(\.position)
            next = page.next
        }
        #expect(got == byTag)
        let both: [UInt64] = (0..<200).filter { (i: Int) -> Bool in i % 5 == 2 && i % 3 == 1 }.map { UInt64($0 + 1) }
        let page = try log.read(from: 1, limit: 1000, filter: EventFilter(types: ["T1"], tags: ["t:2"]))
        #expect(page.events.map(\.position) == both)
        let types = try log.read(from: 1, limit: 1000, filter: EventFilter(types: ["T0", "T2"]))
        let notT1: [UInt64] = (0..<200).filter { (i: Int) -> Bool in i % 3 != 1 }.map { UInt64($0 + 1) }
        #expect(types.events.map(\.position) == notT1)
        let backwards = try log.read(limit: 4, backwards: true, filter: EventFilter(tags: ["t:2"]))
        #expect(backwards.events.map(\.position) == Array(byTag.suffix(4).reversed()))
    }

    @Test func indexesSurviveReopenAndAReaderInAnotherOpenSeesLaterAppends() async throws {
        let dir = TemporaryDirectory()
        let log = try await populated(dir)
        log.close()
        let writer = try openLog(dir, runShift: 4)
        defer { writer.close() }
        let reader = try openLog(dir, readOnly: true)
        defer { reader.close() }
        for i in 200..<260 {
            _ = try await writer.append(AppendRequest(
                events: [event("s-\(i % 7)", "T\(i % 3)", tags: ["t:\(i % 5)", "all", "new:\(i % 2)"])], actor: "a"))
        }
        let expected: [UInt64] = (0..<260).filter { (i: Int) -> Bool in i % 7 == 3 }.map { UInt64($0 + 1) }
        #expect(try writer.readStream("s-3", limit: 1000).events.map(\.position) == expected)
        #expect(try reader.readStream("s-3", limit: 1000).events.map(\.position) == expected)
        let newTag: [UInt64] = (200..<260).filter { (i: Int) -> Bool in i % 2 == 1 }.map { UInt64($0 + 1) }
        #expect(try reader.read(from: 1, limit: 1000, filter: EventFilter(tags: ["new:1"])).events.map(\.position) == newTag)
        #expect(try reader.read(from: 1, limit: 1000, filter: EventFilter(types: ["T1"])).events.count == 87)
        #expect(try writer.streamVersion("s-3") == UInt64(expected.count))
    }

    @Test func aScanHandsOutEnvelopesAndPayloadsInOrder() async throws {
        let dir = TemporaryDirectory()
        let log = try await populated(dir)
        defer { log.close() }
        var positions: [UInt64] = []
        var lastPayload = ""
        let last = try log.scan(from: 190) { envelope, data in
            positions.append(envelope.position)
            lastPayload = String(decoding: data, as: UTF8.self)
            return true
        }
        #expect(positions == Array(190...200))
        #expect(last == 200)
        #expect(lastPayload == #"{"i":199}"#)
    }
}
