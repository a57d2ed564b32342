import EventLog
import Foundation
import LMDB
import Locking
import Synchronization

/// Keeps every projection of `<data>/views/` up to date with the log.
///
/// `start()` opens the views environment (or builds it from the log when it is missing, written by
/// another layout version, or does not belong to this log), then a follower thread applies each
/// new commit of the log in batches — each batch one transaction with the checkpoints. Queries read
/// ``currentStore()`` snapshots and never wait for the follower, except for a `minPosition`
/// (``waitUntil(_:reaches:timeout:)``). ``rebuild()`` builds a fresh environment beside the live one
/// while it keeps serving, then swaps them; ``replay(log:projections:until:into:parallelism:)``
/// builds views as of a past point into a scratch directory.
public final class ProjectionEngine: ViewSource, @unchecked Sendable {
    // Mutable fields are guarded: `runner` by `applyLock`, the rest by `shared` or `followerLock`.

    public struct Options: Sendable {
        /// Most events per live transaction.
        public var batchSize: Int
        /// While the log's writer is behind, how long a live commit of the views may wait after the
        /// previous one ended (0: never). Only a batch of at least ``spacedBatchEvents`` that reached
        /// the log's end waits, only when a live batch in the last second found at least
        /// ``spacedWhileWriterQueue`` work items waiting for the log's writer, and at most
        /// ``commitSpacingFactor`` times what the previous commit took.
        ///
        /// A live batch commits the rows its events changed, and LMDB writes every page a commit
        /// touched whole (4 KiB): new customers, leads and orders land all over their tables, so a
        /// commit of a few thousand events rewrites a page for nearly every row. Spaced commits each
        /// cover more events, whose rows share pages and are written once however often they changed.
        /// At 64 × 32 pipelined commands, 250 ms took the views' commit thread from ~6 to ~2.6 s of
        /// CPU per 15 s of load — CPU the log's writer gets instead — and the views then lag the log
        /// by up to about a second under that load (a `minPosition` query waits as long). The
        /// writer's queue is what tells that load from a steady one the views keep up with: without
        /// that condition, 50,000 events/s on a 10 M store had the views' lag p99 at over a second
        /// (65 ms unspaced), each spaced batch large enough to be spaced again.
        public var commitSpacing: Duration
        /// Batches of fewer events than this commit at once: a service that sends a command and
        /// reads its own write never waits for spacing.
        public var spacedBatchEvents: Int
        /// A spaced commit waits at most this many times as long as the previous commit took: under
        /// a moderate load commits are quick, and so are the waits (and the views' lag).
        public var commitSpacingFactor: Int
        /// Spacing applies only while the log's writer has had at least this many work items waiting
        /// (a writer fed one awaited batch at a time, as by `chronicle bench-views`, never has two).
        public var spacedWhileWriterQueue: Int
        public static let defaultCommitSpacing: Duration = .milliseconds(250)
        /// Records a projector keeps cached between live batches (per table).
        public var cacheLimit: Int
        /// Threads for a rebuild (projections are split across them).
        public var rebuildParallelism: Int
        /// At start, views further behind the log than this are rebuilt fresh instead of caught up.
        public var rebuildWhenBehind: UInt64
        /// How often the follower looks at the log when no commit wakes it (a log written by another process).
        public var pollInterval: Duration
        /// The priority of the live follower and its commit thread (see ``FollowerPriority``). A
        /// rebuild builds at normal priority whatever this says (its final catch-up and swap wait
        /// for the follower's batch in progress).
        public var followerPriority: FollowerPriority = .normal
        /// Tests only: how long the follower's commit thread waits before each commit, so that the
        /// next batch is surely applied while the previous one is in flight.
        var commitDelayForTesting: Duration?

        public init(
            batchSize: Int = 50_000, cacheLimit: Int = 500_000, rebuildParallelism: Int = 2,
            rebuildWhenBehind: UInt64 = 1_000_000, pollInterval: Duration = .milliseconds(50),
            commitSpacing: Duration = Options.defaultCommitSpacing, spacedBatchEvents: Int = 2_000,
            commitSpacingFactor: Int = 3, spacedWhileWriterQueue: Int = 2
        ) {
            self.spacedWhileWriterQueue = spacedWhileWriterQueue
            self.batchSize = batchSize
            self.commitSpacing = commitSpacing
            self.spacedBatchEvents = spacedBatchEvents
            self.commitSpacingFactor = commitSpacingFactor
            self.cacheLimit = cacheLimit
            self.rebuildParallelism = rebuildParallelism
            self.rebuildWhenBehind = rebuildWhenBehind
            self.pollInterval = pollInterval
        }
    }

    /// The priority of the live follower and its commit thread.
    ///
    /// At the kernel's idle priority (``NamedThread/Priority/background``) they run only on a core
    /// no other thread wants, and give it up the moment one wakes: the log's writer and the
    /// server's event loops never wait for a core behind the views. Nothing is skipped — every event
    /// is applied, in order — but under a load that keeps the cores busy the views fall further
    /// behind (and a `minPosition` query waits longer), and they catch up once it eases.
    public enum FollowerPriority: Sendable, Equatable {
        /// Normal priority, always: the views share the cores equally with the writer.
        case normal
        /// Idle priority, always.
        case background
        /// Idle priority while the log's writer is behind — it had work waiting at a batch in the
        /// last second (as for commit spacing, ``Options/spacedWhileWriterQueue``) — and normal
        /// otherwise, so that the views keep their lag short under a load the writer keeps up with.
        /// Only where the process may bring a thread back to normal priority
        /// (``NamedThread/mayLeaveBackground``: root, `CAP_SYS_NICE` or `ulimit -e 20`); elsewhere
        /// normal, always.
        case backgroundWhileWriterIsBehind
    }

    public let log: EventLog
    /// The views directory (`<data>/views`).
    public let directory: String
    public let projections: [Projection]
    public let options: Options

    private struct Waiter {
        var projection: Int
        var position: UInt64
        var continuation: CheckedContinuation<Bool, Never>
    }

    private struct Shared {
        var store: ViewStore?
        var checkpoints: [UInt64]
        var waiters: [Int: Waiter] = [:]
        var nextWaiter = 0
        var lastError: String?
        var batches = 0
    }

    private let shared: Lock<Shared>
    private let applyLock = NSLock()
    private var runner: ProjectionRunner?
    /// Guards `stopping`, `followerDone` and `commitObservation`.
    private let followerLock = NSLock()
    /// Set by every nudge (a commit of this process's writer, or `stop`); the follower clears it
    /// when it looks at the log again.
    private let woken = Atomic<Bool>(false)
    /// Whether the follower is about to wait, or waits, for `nudges`.
    private let waiting = Atomic<Bool>(false)
    /// Signalled by a nudge while the follower waits (a futex wake: the nudging thread never waits
    /// for the follower, which may run at idle priority).
    private let nudges = DispatchSemaphore(value: 0)
    private var stopping = false
    private var followerDone: DispatchSemaphore?
    private var commitObservation: Int?
    private let observer = Lock<(@Sendable (UInt64) -> Void)?>(nil)

    public init(log: EventLog, directory: String, projections: [Projection], options: Options = Options()) {
        self.log = log
        self.directory = directory
        self.projections = projections
        self.options = options
        shared = Lock(Shared(checkpoints: [UInt64](repeating: 0, count: projections.count)))
    }

    deinit { stop() }

    // MARK: Starting and stopping

    /// Opens or builds the views, then follows the log until ``stop()``.
    public func start() throws {
        removeLeftovers()
        switch try openExisting() {
        case .success(let runner):
            install(runner)
            startNote.withLock { $0 = "opened" }
        case .failure(let why):
            try rebuildNow()
            startNote.withLock { $0 = "built from the log: \(why.reason)" }
        }
        startFollower()
    }

    /// How ``start()`` found the views: "opened", or "built from the log: <why>" (none yet, another
    /// layout, another log, too far behind, or torn by a machine restart).
    public var howStarted: String { startNote.withLock { $0 } }
    private let startNote = Lock("not started")

    private struct NotReusable: Error { var reason: String }

    /// Stops following the log (the views stay as they are; queries keep working).
    public func stop() {
        followerLock.lock()
        let done = followerDone
        stopping = true
        let observation = commitObservation
        commitObservation = nil
        followerLock.unlock()
        nudge()
        if let observation { log.stopObservingCommits(observation) }
        done?.wait()
        followerLock.lock()
        followerDone = nil
        followerLock.unlock()
        // The follower's last batch commits (and is published) before `stop` returns.
        applyLock.lock()
        runner?.stopPipeline()
        applyLock.unlock()
        let waiters = shared.withLock { s -> [Waiter] in
            defer { s.waiters = [:] }
            return Array(s.waiters.values)
        }
        for w in waiters { w.continuation.resume(returning: false) }
    }

    /// Stops and closes the environment (tests, shutdown). No query may be running.
    public func close() {
        stop()
        applyLock.lock()
        runner = nil
        applyLock.unlock()
        let store = shared.withLock { s -> ViewStore? in
            defer { s.store = nil }
            return s.store
        }
        store?.close()
    }

    private func openExisting() throws -> Result<ProjectionRunner, NotReusable> {
        guard FileManager.default.fileExists(atPath: directory + "/data.mdb") else {
            return .failure(NotReusable(reason: "there were none"))
        }
        let store: ViewStore
        let runner: ProjectionRunner
        do {
            store = try ViewStore.open(directory: directory, projections: projections)
            runner = try ProjectionRunner(
                store: store, projections: projections, fresh: false, cacheLimit: options.cacheLimit)
        } catch {
            return .failure(NotReusable(reason: "\(error)"))
        }
        let last = log.lastPosition
        guard (try? runner.checkpointsMatch(log)) ?? false else {
            store.close()
            return .failure(NotReusable(reason: "they were written by another layout or for another log"))
        }
        let behind = last - min(last, runner.minCheckpoint)
        guard behind <= options.rebuildWhenBehind else {
            store.close()
            return .failure(NotReusable(reason: "they were \(behind) events behind"))
        }
        return .success(runner)
    }

    private func install(_ runner: ProjectionRunner) {
        applyLock.lock()
        self.runner?.stopPipeline()
        self.runner = runner
        applyLock.unlock()
        publish(runner, store: runner.store)
    }

    private func removeLeftovers() {
        let parent = (directory as NSString).deletingLastPathComponent
        let base = (directory as NSString).lastPathComponent
        let fm = FileManager.default
        for name in (try? fm.contentsOfDirectory(atPath: parent.isEmpty ? "." : parent)) ?? []
        where name.hasPrefix(base + ".rebuild-") || name.hasPrefix(base + ".old-") {
            try? fm.removeItem(atPath: (parent.isEmpty ? "." : parent) + "/" + name)
        }
    }

    // MARK: Following the log

    private func startFollower() {
        // The hand-off thread is made here, at normal priority, before any views thread may go to
        // the background (see ``NamedThread``).
        NamedThread.handOff {}
        followerLock.lock()
        stopping = false
        let done = DispatchSemaphore(value: 0)
        followerDone = done
        followerLock.unlock()
        let followerStartsAt: NamedThread.Priority = options.followerPriority == .background ? .background : .normal
        NamedThread.start("views-follow", priority: followerStartsAt) { [self] in
            self.follow()
            done.signal()
        }
        // Each commit of this process's writer wakes the follower at once, from the writer's thread
        // (a log written by another process is found by polling).
        let observation = log.observeCommits { [weak self] _ in self?.nudge() }
        followerLock.lock()
        commitObservation = observation
        followerLock.unlock()
    }

    /// Wakes the follower if it waits, without a lock: the log's commit thread calls this after
    /// every commit, and a lock the follower held when it was preempted at idle priority would stall
    /// the log's commits until a core went idle.
    private func nudge() {
        woken.store(true, ordering: .sequentiallyConsistent)
        if waiting.exchange(false, ordering: .sequentiallyConsistent) { nudges.signal() }
    }

    /// What the follower runs at: ``FollowerPriority`` resolved for this process.
    public var followerRunsAt: String {
        switch options.followerPriority {
        case .normal: "normal priority"
        case .background: "idle priority"
        case .backgroundWhileWriterIsBehind:
            NamedThread.mayLeaveBackground
                ? "idle priority while the writer is behind, normal otherwise"
                : "normal priority (the process may not bring a thread back from idle priority)"
        }
    }

    private func follow() {
        var backoff = 0.001
        let yields = options.followerPriority == .backgroundWhileWriterIsBehind && NamedThread.mayLeaveBackground
        var yielding = false
        var backlog = WriterBacklog(threshold: options.spacedWhileWriterQueue)
        while true {
            if yields {
                // The commit thread follows: each batch handed to it says which priority to run at.
                let behind = backlog.isBehind(log)
                if behind != yielding && NamedThread.setCurrentThreadPriority(behind ? .background : .normal) {
                    yielding = behind
                }
            }
            followerLock.lock()
            if stopping {
                followerLock.unlock()
                return
            }
            followerLock.unlock()
            var progressed = false
            applyLock.lock()
            if let runner {
                do {
                    // The batch commits on the runner's commit thread, which publishes it, while
                    // this thread applies the next one.
                    let covered = try runner.applyBatchPipelined(
                        log, through: log.lastPosition, maxEvents: options.batchSize,
                        commitDelay: options.commitDelayForTesting,
                        spacing: .init(
                            interval: options.commitSpacing, factor: options.commitSpacingFactor,
                            fromEvents: options.spacedBatchEvents, whileWriterQueue: options.spacedWhileWriterQueue),
                        onCommitted: { [weak self] positions in self?.publish(positions, store: nil) })
                    if covered > 0 {
                        progressed = true
                        backoff = 0.001
                    }
                } catch {
                    shared.withLock { $0.lastError = String(describing: error) }
                    applyLock.unlock()
                    Thread.sleep(forTimeInterval: backoff)
                    backoff = min(backoff * 2, 1)
                    continue
                }
            }
            applyLock.unlock()
            if progressed { continue }
            // Waits for a nudge or the poll interval. Either this sees `woken` set, or the nudge
            // sees `waiting` set and signals (at worst once too often: one more look at the log).
            waiting.store(true, ordering: .sequentiallyConsistent)
            if !woken.load(ordering: .sequentiallyConsistent) {
                let (seconds, attoseconds) = options.pollInterval.components
                let nanoseconds = Int(min(max(seconds, 0), 86_400)) * 1_000_000_000 + Int(attoseconds / 1_000_000_000)
                _ = nudges.wait(timeout: .now() + .nanoseconds(nanoseconds))
            }
            waiting.store(false, ordering: .sequentiallyConsistent)
            woken.store(false, ordering: .sequentiallyConsistent)
        }
    }

    /// Publishes the runner's checkpoints (and a new store) and wakes the waiters they satisfy.
    private func publish(_ runner: ProjectionRunner, store: ViewStore?) {
        publish(runner.checkpoints.map(\.position), store: store)
    }

    /// Publishes committed positions, one per projection (and a new store), and wakes the waiters
    /// they satisfy. Positions never move back: a runner's commit thread may publish after its
    /// follower has published.
    private func publish(_ committed: [UInt64], store: ViewStore?) {
        // Short, and allocating nothing without waiters: every query takes this lock, and the
        // commit thread may hold it at idle priority.
        let (ready, positions) = shared.withLock { s -> ([CheckedContinuation<Bool, Never>], [UInt64]) in
            if let store {
                s.store = store
                s.checkpoints = committed
            } else {
                for i in s.checkpoints.indices where i < committed.count {
                    s.checkpoints[i] = max(s.checkpoints[i], committed[i])
                }
            }
            let positions = s.checkpoints
            s.batches += 1
            guard !s.waiters.isEmpty else { return ([], positions) }
            let due = s.waiters.filter { positions[$0.value.projection] >= $0.value.position }
            for id in due.keys { s.waiters[id] = nil }
            return (due.values.map(\.continuation), positions)
        }
        let observer = self.observer.withLock { $0 }
        guard !ready.isEmpty || observer != nil else { return }
        let deliver: @Sendable () -> Void = {
            for c in ready { c.resume(returning: true) }
            if let observer { observer(positions.min() ?? 0) }
        }
        // From views threads that may run at idle priority, on a thread of normal priority: a
        // resumed task may make Swift concurrency's pool start a thread, which inherits its
        // starter's priority (see ``NamedThread``). Always through it then, so that batches are
        // delivered in order whichever priority their commit ran at.
        if options.followerPriority == .normal { deliver() } else { NamedThread.handOff(deliver) }
    }

    /// Calls `body` after each committed batch with the lowest checkpoint (benchmarks measure lag with it).
    public func setBatchObserver(_ body: (@Sendable (UInt64) -> Void)?) { observer.withLock { $0 = body } }

    // MARK: Queries

    public func currentStore() throws -> ViewStore {
        guard let store = shared.withLock({ $0.store }) else { throw ProjectionError.stopped }
        return store
    }

    public func waitUntil(_ projection: String, reaches position: UInt64, timeout: Duration) async -> Bool {
        guard let index = projections.firstIndex(where: { $0.name == projection }) else { return false }
        let id = shared.withLock { s -> Int in
            s.nextWaiter += 1
            return s.nextWaiter
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (c: CheckedContinuation<Bool, Never>) in
                let now = shared.withLock { s -> Bool in
                    if s.checkpoints[index] >= position { return true }
                    s.waiters[id] = Waiter(projection: index, position: position, continuation: c)
                    return false
                }
                if now {
                    c.resume(returning: true)
                    return
                }
                Task { [weak self] in
                    try? await Task.sleep(for: timeout)
                    self?.expire(id)
                }
            }
        } onCancel: {
            expire(id)
        }
    }

    private func expire(_ id: Int) {
        let c = shared.withLock { $0.waiters.removeValue(forKey: id)?.continuation }
        c?.resume(returning: false)
    }

    /// The checkpoint (last applied position) of each projection, as published.
    public func checkpoint(of projection: String) -> UInt64? {
        guard let i = projections.firstIndex(where: { $0.name == projection }) else { return nil }
        return shared.withLock { $0.checkpoints[i] }
    }

    /// Checkpoint and lag of every projection.
    public func status() -> [ProjectionStatus] {
        let (checkpoints, error) = shared.withLock { ($0.checkpoints, $0.lastError) }
        let last = log.lastPosition
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        return zip(projections, checkpoints).map { projection, checkpoint in
            var lagMs: Int64 = 0
            if checkpoint < last {
                let oldest = (try? log.withRecord(at: checkpoint + 1) { $0?.at }) ?? nil
                lagMs = oldest.map { max(0, now - $0) } ?? 0
            }
            return ProjectionStatus(
                name: projection.name, views: projection.views, checkpoint: checkpoint, logPosition: last,
                lagEvents: last - min(last, checkpoint), lagMilliseconds: lagMs, lastError: error)
        }
    }

    // MARK: Rebuilding

    /// Builds every projection from the log into a fresh environment beside the live one — which
    /// keeps serving and following — then swaps it in. Returns the position it was built through.
    @discardableResult
    public func rebuild() async throws -> UInt64 {
        try await withCheckedThrowingContinuation { (c: CheckedContinuation<UInt64, any Error>) in
            NamedThread.start("views-rebuild") { [self] in
                c.resume(with: Result { try self.rebuildNow() })
            }
        }
    }

    @discardableResult
    private func rebuildNow() throws -> UInt64 {
        let fresh = directory + ".rebuild-\(UInt32.random(in: 0...UInt32.max))"
        defer { try? FileManager.default.removeItem(atPath: fresh) }
        let store = try ViewStore.open(directory: fresh, projections: projections)
        let runner = try ProjectionRunner(
            store: store, projections: projections, fresh: true, cacheLimit: options.cacheLimit)
        let through = log.lastPosition
        try runner.build(log, through: through, parallelism: options.rebuildParallelism)
        // Catch up outside the lock first, then briefly inside it for the swap.
        while runner.minCheckpoint + UInt64(options.batchSize) < log.lastPosition {
            try runner.applyBatch(log, through: log.lastPosition, maxEvents: options.batchSize * 2)
        }
        applyLock.lock()
        defer { applyLock.unlock() }
        while runner.minCheckpoint < log.lastPosition {
            try runner.applyBatch(log, through: log.lastPosition, maxEvents: options.batchSize * 2)
        }
        try store.sync()
        try swapDirectories(fresh)
        // Nothing of the old runner may commit or publish after the swap.
        self.runner?.stopPipeline()
        let old = self.runner?.store
        self.runner = runner
        publish(runner, store: store)
        _ = old  // closed when the last query holding it ends (Environment closes on deinit)
        return through
    }

    /// Puts `fresh` in place of the views directory; the previous one moves to `fresh`'s name (and is
    /// removed by the caller). Open environments keep working: LMDB holds its files open.
    private func swapDirectories(_ fresh: String) throws {
        if FileManager.default.fileExists(atPath: directory) {
            if Self.exchange(fresh, directory) { return }
            let old = directory + ".old-\(UInt32.random(in: 0...UInt32.max))"
            try FileManager.default.moveItem(atPath: directory, toPath: old)
            try FileManager.default.moveItem(atPath: fresh, toPath: directory)
            try? FileManager.default.moveItem(atPath: old, toPath: fresh)
        } else {
            try FileManager.default.moveItem(atPath: fresh, toPath: directory)
        }
    }

    private typealias RenameAt2 = @convention(c) (Int32, UnsafePointer<CChar>, Int32, UnsafePointer<CChar>, UInt32) -> Int32

    /// Linux `renameat2(…, RENAME_EXCHANGE)`: swaps two paths atomically, so a crash never leaves the
    /// views directory missing. Looked up at run time (Glibc's module map does not export it).
    private static func exchange(_ a: String, _ b: String) -> Bool {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "renameat2") else { return false }
        let renameat2 = unsafeBitCast(symbol, to: RenameAt2.self)
        let atFdcwd: Int32 = -100
        let renameExchange: UInt32 = 2
        return renameat2(atFdcwd, a, atFdcwd, b, renameExchange) == 0
    }

    // MARK: As-of replay

    /// Where an as-of replay stops: a position, or the last event at or before a time (ms since the epoch).
    public enum ReplayPoint: Sendable, Hashable {
        case position(UInt64)
        case time(Int64)
    }

    /// Builds `projections` from the log as of `until` (the whole log when nil) into a new views
    /// environment in `directory`, which must not hold one yet. Returns the position built through.
    ///
    /// `progress` is called one call at a time, from the building threads, with the position every
    /// projection has reached and the position the replay goes through.
    @discardableResult
    public static func replay(
        log: EventLog, projections: [Projection], until: ReplayPoint? = nil, into directory: String,
        parallelism: Int = 2, phases: ((RebuildPhases) -> Void)? = nil,
        progress: ((_ position: UInt64, _ through: UInt64) -> Void)? = nil
    ) throws -> UInt64 {
        let last = log.lastPosition
        let through: UInt64
        switch until {
        case nil: through = last
        case .position(let p): through = min(p, last)
        case .time(let t): through = try lastPosition(in: log, atOrBefore: t, last: last)
        }
        // Refused before opening: a store another process writes (the server's own views) is not
        // touched at all.
        guard !FileManager.default.fileExists(atPath: directory + "/data.mdb") else {
            throw ProjectionError.notEmpty(directory)
        }
        let store = try ViewStore.open(directory: directory, projections: projections)
        defer { store.close() }
        let runner = try ProjectionRunner(store: store, projections: projections, fresh: true, cacheLimit: .max)
        guard runner.minCheckpoint == 0 else { throw ProjectionError.notEmpty(directory) }
        let reached = progress.map { report in { (position: UInt64) in report(position, through) } }
        try runner.build(log, through: through, parallelism: parallelism, progress: reached, phases: phases)
        try store.sync()
        // Freeing millions of records in memory takes the better part of a second: another thread
        // does it (and a process that exits meanwhile skips it).
        releaseInBackground(consume runner)
        return through
    }

    /// Creates a views environment in `directory` in which nothing is applied yet, so that an engine
    /// opening it catches up batch by batch instead of building fresh (tests, crash drills).
    public static func createEmpty(directory: String, projections: [Projection]) throws {
        let store = try ViewStore.open(directory: directory, projections: projections)
        defer { store.close() }
        let runner = try ProjectionRunner(store: store, projections: projections, fresh: true, cacheLimit: 0)
        try runner.writeEmptyCheckpoints()
        try store.sync()
    }

    /// The last position whose time is ≤ `time` (0 when none); times never decrease along positions.
    public static func lastPosition(in log: EventLog, atOrBefore time: Int64, last: UInt64) throws -> UInt64 {
        var lo: UInt64 = 0
        var hi = last
        while lo < hi {
            let mid = lo + (hi - lo + 1) / 2
            let at = try log.withRecord(at: mid) { $0?.at } ?? .max
            if at <= time { lo = mid } else { hi = mid - 1 }
        }
        return lo
    }

    // MARK: Tests

    /// Applies at most `maxEvents` pending events in one batch, on the caller's thread (tests drive
    /// the engine by hand with this instead of ``start()``'s follower). Returns positions covered.
    @discardableResult
    public func applyPending(maxEvents: Int) throws -> Int {
        applyLock.lock()
        defer { applyLock.unlock() }
        runner?.stopPipeline()
        if runner == nil {
            removeLeftovers()
            if case .success(let existing) = try openExisting() {
                runner = existing
            } else {
                applyLock.unlock()
                try rebuildNow()
                applyLock.lock()
                publish(runner!, store: nil)
                return 0
            }
            publish(runner!, store: runner!.store)
        }
        let covered = try runner!.applyBatch(log, through: log.lastPosition, maxEvents: maxEvents)
        if covered > 0 { publish(runner!, store: nil) }
        return covered
    }
}

/// One projection's progress.
public struct ProjectionStatus: Sendable, Hashable, Codable {
    public var name: String
    public var views: [String]
    /// The last position applied.
    public var checkpoint: UInt64
    /// The log's last committed position.
    public var logPosition: UInt64
    public var lagEvents: UInt64
    /// How long the oldest event not yet applied has been committed (0 when caught up).
    public var lagMilliseconds: Int64
    public var lastError: String?
}
