import CommandProcessing
import Domain
import EventLog
import Foundation
import JSON
import LMDB
import Locking
import ProjectionRuntime
import Testing
import Views

/// Serialized: two tests look at the priority of every thread named `views-follow` in the process.
@Suite(.serialized) struct EngineTests {
    func company(_ h: ViewHarness) async throws {
        try await h.employee("E-1", ["sales"])
        try await h.run("E-1", "RegisterCustomer", ["customerId": "C-1", "name": "Acme"])
    }

    @Test func aQueryWithMinPositionWaitsForTheFollowerToApplyIt() async throws {
        let h = try ViewHarness(options: .init(pollInterval: .milliseconds(500)))
        try await company(h)
        try h.engine.start()
        let reply = try await h.run("E-1", "OpenOpportunity", ["opportunityId": "O-1", "customerId": "C-1", "title": "t", "amount": "10"])
        let (position, result) = try await h.views.query(
            view: "customer360", params: ["customerId": "C-1"], actor: h.actor("E-1"), minPosition: reply.position,
            timeout: .seconds(5))
        #expect(position >= reply.position)
        #expect(result["opportunities"]?.arrayValue?.count == 1)
        let status = h.engine.status()
        #expect(status.map(\.name) == ViewService.projections.map(\.name))
        #expect(status.allSatisfy { $0.checkpoint == h.log.lastPosition && $0.lagEvents == 0 })
    }

    /// The scheduling policy of each of this process's threads named `name` (`/proc/self/task`;
    /// 0 normal, 5 idle).
    static func policies(ofThreadsNamed name: String) -> [Int] {
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")) ?? []
        return tasks.compactMap { tid in
            guard (try? String(contentsOfFile: "/proc/self/task/\(tid)/comm", encoding: .utf8))?
                    .trimmingCharacters(in: .whitespacesAndNewlines) == name,
                  let stat = try? String(contentsOfFile: "/proc/self/task/\(tid)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { return nil }
            return Int(stat[stat.index(after: close)...].split(separator: " ")[41 - 3])
        }
    }

    @Test func aBackgroundFollowerAppliesEveryCommitAndResumesWaitersAtNormalPriority() async throws {
        var options = ProjectionEngine.Options(rebuildParallelism: 2, pollInterval: .milliseconds(500))
        options.followerPriority = .background
        let h = try ViewHarness(options: options)
        try await company(h)
        // The batch observer runs where waiters are resumed: it records whether that thread was
        // at idle priority.
        let deliveredInBackground = Lock(false)
        let delivered = Lock(0)
        h.engine.setBatchObserver { _ in
            if NamedThread.currentThreadIsBackground { deliveredInBackground.withLock { $0 = true } }
            delivered.withLock { $0 += 1 }
        }
        try h.engine.start()
        var last: UInt64 = 0
        for i in 0..<20 {
            last = try await h.run(
                "E-1", "OpenOpportunity", ["opportunityId": .string("O-\(i)"), "customerId": "C-1", "title": "t", "amount": "10"]
            ).position
        }
        let (position, result) = try await h.views.query(
            view: "customer360", params: ["customerId": "C-1"], actor: h.actor("E-1"), minPosition: last,
            timeout: .seconds(10))
        #expect(position >= last)
        #expect(result["opportunities"]?.arrayValue?.count == 20)
        #expect(delivered.withLock { $0 } > 0)
        #expect(!deliveredInBackground.withLock { $0 }, "batches are delivered on a thread of normal priority")
        #expect(!NamedThread.currentThreadIsBackground)
        #expect(Self.policies(ofThreadsNamed: "views-follow").contains(5))
        #expect(Self.policies(ofThreadsNamed: "views-commit").contains(5))
    }

    /// `.backgroundWhileWriterIsBehind`: idle priority while the writer had work waiting in the
    /// last second (two items or more), normal again a second after it last had.
    @Test(.enabled(if: NamedThread.mayLeaveBackground, "needs root, CAP_SYS_NICE or ulimit -e 20"))
    func aFollowerYieldsWhileTheWriterIsBehindAndReturnsAfter() async throws {
        var options = ProjectionEngine.Options(rebuildParallelism: 2, pollInterval: .milliseconds(20))
        options.followerPriority = .backgroundWhileWriterIsBehind
        // (The default: a lone command, as at the end, never makes the writer's queue this long.)
        options.spacedWhileWriterQueue = 2
        let h = try ViewHarness(options: options)
        try await company(h)
        try h.engine.start()
        #expect(h.engine.followerRunsAt == "idle priority while the writer is behind, normal otherwise")
        // Bursts of commands from many tasks, until the follower has looked while the writer had
        // a queue (it looks once per batch).
        var last: UInt64 = 0
        var yielded = false
        let deadline = ContinuousClock.now + .seconds(20)
        var burst = 0
        while !yielded && ContinuousClock.now < deadline {
            burst += 1
            let round = burst
            last = try await withThrowingTaskGroup(of: UInt64.self) { group in
                for i in 0..<200 {
                    group.addTask {
                        try await h.run(
                            "E-1", "OpenOpportunity",
                            ["opportunityId": .string("O-\(round)-\(i)"), "customerId": "C-1", "title": "t", "amount": "10"]
                        ).position
                    }
                }
                return try await group.reduce(0) { max($0, $1) }
            }
            yielded = Self.policies(ofThreadsNamed: "views-follow").contains(5)
        }
        #expect(yielded, "the follower went to idle priority while the writer was behind")
        #expect(await h.engine.waitUntil("customer360", reaches: last, timeout: .seconds(10)))
        // A second after the writer's last queue, back to normal, the commit thread with the next batch.
        try await Task.sleep(for: .milliseconds(1_500))
        let after = try await h.run("E-1", "OpenOpportunity", ["opportunityId": "O-last", "customerId": "C-1", "title": "t", "amount": "10"])
        #expect(await h.engine.waitUntil("customer360", reaches: after.position, timeout: .seconds(10)))
        #expect(!Self.policies(ofThreadsNamed: "views-follow").contains(5))
        #expect(!Self.policies(ofThreadsNamed: "views-commit").contains(5))
    }

    /// A started engine whose large batches (40 events or more) may be spaced by `spacing`, at most
    /// `factor` times the previous commit, while `whileWriterQueue` items wait for the writer.
    func spacedHarness(
        _ spacing: Duration, factor: Int = 1_000_000, whileWriterQueue: Int = 0
    ) async throws -> ViewHarness {
        var options = ProjectionEngine.Options(rebuildParallelism: 2)
        options.commitSpacing = spacing
        options.commitSpacingFactor = factor
        options.spacedBatchEvents = 40
        options.spacedWhileWriterQueue = whileWriterQueue
        let h = try ViewHarness(options: options)
        try await company(h)
        try h.engine.start()
        return h
    }

    /// Sixty commands in one durable commit (one batch of the follower); the last position.
    func burst(_ h: ViewHarness, _ name: String) async throws -> UInt64 {
        let requests = (0..<60).map { i in
            CommandRequest(
                type: "OpenOpportunity",
                data: .object(["opportunityId": .string("\(name)-\(i)"), "customerId": "C-1", "title": "t", "amount": "10"]),
                actorId: "E-1")
        }
        return try await h.processor.executeBatch(requests).map { try $0.get().position }.max() ?? 0
    }

    /// When the views first cover `position`.
    func visible(_ h: ViewHarness, _ position: UInt64) async -> ContinuousClock.Instant {
        #expect(await h.engine.waitUntil("customer360", reaches: position, timeout: .seconds(10)))
        return ContinuousClock.now
    }

    @Test func largeLiveBatchesAreSpacedButASmallOneCommitsAtOnce() async throws {
        // The wait is the spacing however quick the commit; this test's writer never has a queue.
        let h = try await spacedHarness(.seconds(2))
        _ = await visible(h, h.log.lastPosition)
        try await Task.sleep(for: .milliseconds(2_100))  // past any spacing of the commits so far
        // The first large batch commits at once (what came before was spaced out above); the next one
        // commits no sooner than the spacing after the first commit ended — which was before the
        // first batch became visible.
        var start = ContinuousClock.now
        let first = await visible(h, try await burst(h, "O-1"))
        #expect(first - start < .milliseconds(1_500))
        let second = await visible(h, try await burst(h, "O-2"))
        #expect(second - first > .milliseconds(1_000))
        // A small batch right after is not spaced: a service reading its own write does not wait.
        start = ContinuousClock.now
        let reply = try await h.run("E-1", "OpenOpportunity", ["opportunityId": "O-small", "customerId": "C-1", "title": "t", "amount": "10"])
        #expect(await visible(h, reply.position) - start < .milliseconds(1_500))
        let opportunities = try await h.query("customer360", ["customerId": "C-1"])["opportunities"]?.arrayValue
        #expect(opportunities?.count == 121)
    }

    @Test func aSpacedCommitWaitsAtMostItsFactorTimesWhatThePreviousCommitTook() async throws {
        let h = try await spacedHarness(.seconds(30), factor: 3)
        for round in 0..<3 {
            let position = try await burst(h, "O-\(round)")
            // Commits of sixty events take milliseconds: three times that, not 30 s.
            let start = ContinuousClock.now
            #expect(await visible(h, position) - start < .seconds(5))
        }
    }

    @Test func noCommitIsSpacedWhileTheWritersQueueIsShort() async throws {
        let h = try await spacedHarness(.seconds(30), whileWriterQueue: 1_000)  // the writer keeps up here
        for round in 0..<3 {
            let position = try await burst(h, "Q-\(round)")
            let start = ContinuousClock.now
            #expect(await visible(h, position) - start < .seconds(5))
        }
    }

    @Test func closingDoesNotWaitOutACommitsSpacing() async throws {
        let h = try await spacedHarness(.seconds(30))
        _ = try await burst(h, "W-0")
        let last = try await burst(h, "W-1")
        // The second batch is applied and waits out its 30 s of spacing, unless closing hurries it.
        try await Task.sleep(for: .milliseconds(500))
        #expect(h.engine.status().allSatisfy { $0.checkpoint < last })
        let start = ContinuousClock.now
        h.engine.close()
        #expect(ContinuousClock.now - start < .seconds(10))
        let reopened = ViewService.engine(log: h.log, dataDirectory: h.dir.path, options: .init(rebuildParallelism: 2))
        try reopened.start()
        defer { reopened.close() }
        #expect(await reopened.waitUntil("customer360", reaches: last, timeout: .seconds(10)))
    }

    @Test func aMinPositionNotReachedInTimeIsATimeoutWithTheCheckpoint() async throws {
        let h = try ViewHarness()
        try await company(h)
        try h.project()
        let last = h.log.lastPosition
        do {
            _ = try await h.views.query(
                view: "customer360", params: ["customerId": "C-1"], actor: .admin, minPosition: last + 5,
                timeout: .milliseconds(50))
            Issue.record("no timeout")
        } catch let e as DomainError {
            #expect(e.code == .timeout)
            #expect(e.details["checkpoint"] == .number(JSONNumber(last)))
        }
    }

    @Test func aRebuildSwapsInFreshViewsWhileQueriesKeepAnswering() async throws {
        let h = try ViewHarness()
        try await company(h)
        try h.engine.start()
        for i in 0..<50 {
            try await h.run("E-1", "OpenOpportunity", ["opportunityId": .string("O-\(i)"), "customerId": "C-1", "title": "t", "amount": "10"])
        }
        let before = try await h.query("customer360", ["customerId": "C-1"])
        let oldStore = try h.engine.currentStore()
        // Queries keep reading the old store (even after the swap) while the rebuild runs.
        async let rebuilt = h.engine.rebuild()
        var answered = 0
        for _ in 0..<20 {
            _ = try await h.views.query(view: "customer360", params: ["customerId": "C-1"], actor: .admin, minPosition: nil, timeout: .seconds(1))
            answered += 1
        }
        let through = try await rebuilt
        #expect(answered == 20 && through >= 52)
        let newStore = try h.engine.currentStore()
        #expect(newStore !== oldStore)
        let after = try await h.views.query(
            view: "customer360", params: ["customerId": "C-1"], actor: .admin, minPosition: h.log.lastPosition, timeout: .seconds(5))
        #expect(after.result == before)
        // The swapped-in environment lives at views/, and no leftovers remain beside it.
        let siblings = try FileManager.default.contentsOfDirectory(atPath: h.dir.path).filter { $0.hasPrefix("views") }
        #expect(siblings == ["views"])
        try await h.run("E-1", "OpenOpportunity", ["opportunityId": "O-new", "customerId": "C-1", "title": "t", "amount": "10"])
        let live = try await h.views.query(
            view: "customer360", params: ["customerId": "C-1"], actor: .admin, minPosition: h.log.lastPosition, timeout: .seconds(5))
        #expect(live.result["opportunities"]?.arrayValue?.count == 51)
    }

    @Test func deletedViewsAreRebuiltFromTheLogOnStart() async throws {
        let h = try ViewHarness()
        try await company(h)
        let before = try await h.query("customer360", ["customerId": "C-1"])
        h.engine.close()
        try FileManager.default.removeItem(atPath: h.viewsDirectory)
        h.engine = ViewService.engine(log: h.log, dataDirectory: h.dir.path)
        h.views = ViewService(source: h.engine)
        try h.engine.start()
        let after = try await h.views.query(
            view: "customer360", params: ["customerId": "C-1"], actor: .admin, minPosition: nil, timeout: .seconds(1))
        #expect(after.result == before)
        #expect(after.position == h.log.lastPosition)
    }

    /// Views are written without syncs. A process that dies leaves them whole (the page cache has
    /// every commit); a machine that stops may leave them torn, which no checkpoint can reveal — here
    /// a customer's record is made to vanish while the checkpoints stay valid.
    @Test func viewsWrittenWhenTheMachineStoppedAreRebuiltUnreadButAProcessCrashKeepsThem() async throws {
        let h = try ViewHarness()
        try await company(h)
        let before = try await h.query("customer360", ["customerId": "C-1"])
        let boot = ViewStore.bootIdentifier()
        /// The markers' boot and pid (`unsynced.<boot>.<pid>.<serial>`).
        func markers() throws -> [String] {
            try FileManager.default.contentsOfDirectory(atPath: h.viewsDirectory)
                .filter { $0.hasPrefix(ViewStore.unsyncedMarkerPrefix) }
                .map { String($0[..<$0.lastIndex(of: ".")!]) }.sorted()
        }
        let mine = String(ViewStore.markerName(boot: boot, pid: getpid()).dropLast(2))
        #expect(try markers() == [mine])
        h.engine.close()
        #expect(try markers().isEmpty, "a clean close syncs and removes the marker")

        func tear(markedBy boot: String) throws {
            let store = try ViewStore.open(directory: h.viewsDirectory, projections: ViewService.projections)
            let customers = try store.database("customer360.customers")
            try store.env.write { txn in try txn.empty(customers) }
            store.close()
            // A process of `boot` that is gone (pid_max is at most 2^22 on Linux).
            let marker = h.viewsDirectory + "/" + ViewStore.markerName(boot: boot, pid: 1 << 23)
            #expect(FileManager.default.createFile(atPath: marker, contents: nil))
        }
        func restart() throws {
            h.engine = ViewService.engine(log: h.log, dataDirectory: h.dir.path)
            h.views = ViewService(source: h.engine)
            try h.engine.start()
        }

        // The same boot (the process was killed): the store is trusted and reopened as it is, and
        // the dead process's marker is cleared.
        try tear(markedBy: boot)
        try restart()
        #expect(h.engine.howStarted == "opened")
        #expect(await h.queryCode("customer360", ["customerId": "C-1"]) == "not_found")
        #expect(try markers() == [mine])
        h.engine.close()

        // An earlier boot: a read-only reader refuses the store, and the engine rebuilds it from the log.
        try tear(markedBy: "an-earlier-boot")
        #expect(throws: ProjectionError.self) {
            try ViewStore.open(directory: h.viewsDirectory, projections: ViewService.projections, readOnly: true)
        }
        try restart()
        #expect(h.engine.howStarted.hasPrefix("built from the log: the views in \(h.viewsDirectory) were being written"))
        let after = try await h.views.query(
            view: "customer360", params: ["customerId": "C-1"], actor: .admin, minPosition: nil, timeout: .seconds(1))
        #expect(after.result == before)
        #expect(try markers() == [mine])

        // Another writer of the same store (a refused replay, a second process) leaves this
        // process's marker alone.
        #expect(throws: ProjectionError.self) {
            try ProjectionEngine.replay(log: h.log, projections: ViewService.projections, into: h.viewsDirectory)
        }
        let second = try ViewStore.open(directory: h.viewsDirectory, projections: ViewService.projections)
        second.close()
        #expect(try markers() == [mine])
    }

    @Test func viewsOfAnotherLayoutVersionOrAnotherLogAreRebuilt() async throws {
        let h = try ViewHarness()
        try await company(h)
        _ = try await h.query("customer360", ["customerId": "C-1"])
        h.engine.close()
        // A new layout version of one projection: the whole store is rebuilt on start.
        var projections = ViewService.projections
        projections[0].version += 1
        let bumped = ProjectionEngine(log: h.log, directory: h.viewsDirectory, projections: projections)
        try bumped.start()
        let store = try bumped.currentStore()
        let checkpoint = try store.read { txn in try store.checkpoint(projections[0].name, txn) }
        #expect(checkpoint?.version == projections[0].version)
        #expect(checkpoint?.position == h.log.lastPosition)
        bumped.close()

        // Views built from another log (a different history at the same positions) are not trusted.
        let other = try ViewHarness()
        try await other.employee("E-9", ["sales"])
        try await other.employee("E-8", ["sales"])
        try await other.run("E-9", "RegisterCustomer", ["customerId": "C-9", "name": "Other"])
        other.engine.close()
        try? FileManager.default.removeItem(atPath: other.viewsDirectory)
        try FileManager.default.copyItem(atPath: h.viewsDirectory, toPath: other.viewsDirectory)
        other.engine = ViewService.engine(log: other.log, dataDirectory: other.dir.path)
        other.views = ViewService(source: other.engine)
        try other.engine.start()
        #expect(await other.queryCode("customer360", ["customerId": "C-1"]) == "not_found")
        #expect(await other.queryCode("customer360", ["customerId": "C-9"]) == nil)
    }

    @Test func projectorsThatNeedOnlyEnvelopesNeverDecodeAPayload() async throws {
        // auditTrail reads every event: corrupt payloads must not matter to it.
        let dir = TemporaryDirectory()
        let log = try EventLog.open(directory: dir.path + "/log", options: .init(mapSize: 1 << 24))
        defer { log.close() }
        _ = try await log.append(AppendRequest(
            events: [EventToAppend(stream: "x-1", type: "Mystery", tags: [], data: [0xff, 0xfe])], actor: "E-1"))
        _ = try await log.append(AppendRequest(
            events: [EventToAppend(stream: "x-2", type: "Mystery", tags: [], data: [0x07])], actor: "E-2"))
        try ProjectionEngine.replay(log: log, projections: ViewService.projections, into: dir.path + "/views")
        let store = try ViewStore.open(directory: dir.path + "/views", projections: ViewService.projections, readOnly: true)
        defer { store.close() }
        let checkpoints = try store.checkpoints(ViewService.projections.map(\.name))
        #expect(checkpoints.values.allSatisfy { $0.position == 2 })
    }
}
