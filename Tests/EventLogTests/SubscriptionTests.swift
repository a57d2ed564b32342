@testable import EventLog
import Foundation
import Locking
import Testing

@Suite struct SubscriptionTests {
    @Test(arguments: [1, 2, 17, 40, 61])
    func aSubscriptionFromAnyPointDeliversEveryLaterEventOnceInOrderWhileWritesContinue(start: UInt64) async throws {
        let dir = TemporaryDirectory()
        let log = try openLog(dir, runShift: 4)
        defer { log.close() }
        for i in 0..<40 { _ = try await log.append(AppendRequest(events: [event("s-\(i % 3)")], actor: "a")) }
        let total: UInt64 = 120
        let writer = Task {
            for i in 40..<Int(total) {
                _ = try await log.append(AppendRequest(events: [event("s-\(i % 3)")], actor: "a"))
                if i % 10 == 0 { try await Task.sleep(for: .milliseconds(2)) }
            }
        }
        var received: [UInt64] = []
        for try await e in log.subscribe(from: start, pageSize: 7) {
            received.append(e.position)
            if e.position == total { break }
        }
        try await writer.value
        #expect(received == Array(start...total))
    }

    @Test func aFilteredSubscriptionSkipsOthersWithoutGaps() async throws {
        let dir = TemporaryDirectory()
        let log = try openLog(dir)
        defer { log.close() }
        let writer = Task {
            for i in 0..<90 {
                _ = try await log.append(AppendRequest(events: [event("s", tags: ["k:\(i % 3)"])], actor: "a"))
            }
        }
        var received: [UInt64] = []
        for try await e in log.subscribe(from: 1, filter: EventFilter(tags: ["k:1"]), pageSize: 4) {
            received.append(e.position)
            if received.count == 30 { break }
        }
        try await writer.value
        let expected: [UInt64] = (0..<90).filter { (i: Int) -> Bool in i % 3 == 1 }.map { UInt64($0 + 1) }
        #expect(received == expected)
    }

    @Test func aSubscriptionEndsWhenItsTaskIsCancelled() async throws {
        let dir = TemporaryDirectory()
        let log = try openLog(dir)
        defer { log.close() }
        let task = Task {
            var n = 0
            for try await _ in log.subscribe(from: 1) { n += 1 }
            return n
        }
        try await Task.sleep(for: .milliseconds(50))
        task.cancel()
        _ = await task.result  // returns rather than hanging
    }

    @Test func commitObserversHearEveryCommitJustAfterTheAppenderIsAnsweredUntilTheyStop() async throws {
        let dir = TemporaryDirectory()
        let log = try openLog(dir)
        defer { log.close() }
        let heard = Lock<[UInt64]>([])
        let token = log.observeCommits { position in heard.withLock { $0.append(position) } }
        for i in 0..<5 {
            let result = try await log.append(AppendRequest(events: [event("s-\(i)"), event("t-\(i)")], actor: "a"))
            #expect(log.lastPosition == result.events.last?.position)
            // Called on the writer's thread just after the append is answered.
            let deadline = ContinuousClock.now + .seconds(5)
            while heard.withLock({ $0.last }) != result.events.last?.position && ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(1))
            }
            #expect(heard.withLock { $0.last } == result.events.last?.position)
        }
        #expect(heard.withLock { $0 } == [2, 4, 6, 8, 10])
        log.stopObservingCommits(token)
        _ = try await log.append(AppendRequest(events: [event("u")], actor: "a"))
        #expect(heard.withLock { $0.count } == 5)
    }

    /// A commit answers its appenders before it wakes anyone else: the threads an observer starts
    /// (the views follower) never stand between a command and its reply. The work item's answer and
    /// the observer both run on the commit thread, so their order is what the test sees, whatever
    /// the task pool is doing.
    @Test func appendersAreAnsweredBeforeCommitObserversRun() async throws {
        let dir = TemporaryDirectory()
        let log = try openLog(dir)
        defer { log.close() }
        let order = Lock<[String]>([])
        let token = log.observeCommits { _ in order.withLock { $0.append("observer") } }
        let writer = try #require(log.writer)
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            do {
                try writer.submit(WorkItem(
                    body: { w in _ = try? w.append(AppendRequest(events: [event("s")], actor: "a")) },
                    answer: { error in
                        order.withLock { $0.append(error == nil ? "answer" : "failure") }
                        done.resume()
                    }))
            } catch {
                order.withLock { $0.append("refused") }
                done.resume()
            }
        }
        let deadline = ContinuousClock.now + .seconds(10)
        while order.withLock({ $0.count }) < 2 && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(1)) }
        #expect(order.withLock { $0 } == ["answer", "observer"])
        log.stopObservingCommits(token)
    }
}
