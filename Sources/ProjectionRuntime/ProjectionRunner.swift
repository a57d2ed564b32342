import Dispatch
import Foundation
import EventCoding
import EventLog
import LMDB
import Locking

/// Applies the log to a set of projections in one views environment. Confined to one thread at a
/// time (the engine's follower, or whoever rebuilds or replays); queries never touch it.
final class ProjectionRunner {
    /// When a live commit may wait after the previous one (see ``ProjectionEngine/Options/commitSpacing``).
    struct CommitSpacing {
        var interval: Duration
        var factor: Int
        var fromEvents: Int
        var whileWriterQueue: Int
        static let none = CommitSpacing(interval: .zero, factor: 0, fromEvents: .max, whileWriterQueue: .max)
    }
    /// Whether the log's writer is behind (see ``CommitSpacing``), looked at for every live batch.
    private var writerBacklog = WriterBacklog(threshold: .max)

    let store: ViewStore
    let projections: [Projection]
    private(set) var contexts: [ProjectorContext] = []
    @exclusivity(unchecked) private(set) var projectors: [any Projector] = []
    /// Committed checkpoints, one per projection (position 0: nothing applied yet).
    @exclusivity(unchecked) private(set) var checkpoints: [Checkpoint] {
        didSet { applied = checkpoints.map(\.position) }
    }
    /// How far each projection has been applied: its checkpoint, or further while a pipelined
    /// batch commits (``applyBatchPipelined(_:through:maxEvents:)``).
    @exclusivity(unchecked) private var applied: [UInt64] = []
    /// The commit thread of pipelined live batches, while they are used.
    private var pipeline: ViewCommitter?
    private let dispatch: TypeDispatch
    private var hashScratch = [UInt8](repeating: 0, count: 32)
    private let liveMembers = MemberIndex()

    init(store: ViewStore, projections: [Projection], fresh: Bool, cacheLimit: Int) throws {
        self.store = store
        self.projections = projections
        dispatch = TypeDispatch(projections)
        let stored = try store.checkpoints(projections.map(\.name))
        checkpoints = projections.map { stored[$0.name] ?? Checkpoint(position: 0, hash: [], version: $0.version) }
        applied = checkpoints.map(\.position)
        for projection in projections {
            let context = ProjectorContext(store: store, isFresh: fresh, cacheLimit: cacheLimit)
            contexts.append(context)
            projectors.append(try projection.makeProjector(context))
        }
    }

    deinit { stopPipeline() }

    var minCheckpoint: UInt64 { checkpoints.map(\.position).min() ?? 0 }

    /// Whether each stored checkpoint belongs to this layout and to this log (its hash matches the
    /// log's event at that position, which must exist).
    func checkpointsMatch(_ log: EventLog) throws -> Bool {
        try zip(projections, checkpoints).allSatisfy { projection, checkpoint in
            try checkpoint.belongs(to: log, version: projection.version)
        }
    }

    // MARK: Live batches

    /// Applies the events after the lowest checkpoint, at most `maxEvents` of them and none after
    /// `through`, in one write transaction that also moves every checkpoint. Returns how many
    /// positions it covered (0 when there was nothing to do).
    @discardableResult
    func applyBatch(_ log: EventLog, through: UInt64, maxEvents: Int) throws -> Int {
        let from = minCheckpoint + 1
        guard from <= through else { return 0 }
        let end = min(through, from + UInt64(max(maxEvents, 1)) - 1)
        var last: UInt64 = 0
        do {
            try store.env.write(onRetry: { for c in self.contexts { c.discardChanges() } }) { txn in
                last = try log.scanInPlace(from: from, through: end) { record in
                    try self.dispatchEvent(record, txn, only: nil, members: self.liveMembers, dispatch: self.dispatch)
                    if record.position == end { self.copyHash(record.hash) }
                    return true
                }
                guard last == end else { throw ProjectionError.logShorterThan(end) }
                for (i, context) in contexts.enumerated() where checkpoints[i].position < end {
                    try context.flush(txn)
                    try store.writeCheckpoint(
                        projections[i].name, Checkpoint(position: end, hash: hashScratch, version: projections[i].version),
                        txn)
                }
            }
        } catch {
            for c in contexts { c.discardChanges() }
            throw error
        }
        for (i, context) in contexts.enumerated() where checkpoints[i].position < end {
            context.didCommit()
            checkpoints[i] = Checkpoint(position: end, hash: hashScratch, version: projections[i].version)
        }
        return Int(end - from + 1)
    }

    // MARK: Pipelined live batches

    /// Applies the events after the furthest applied position — at most `maxEvents`, none after
    /// `through` — on the caller's thread, and hands their view writes and checkpoints to the commit
    /// thread, which writes and commits them while the caller goes on to the next batch. Cache misses
    /// read a snapshot that may lack the batch still committing, but every record that batch changed
    /// is in the cache (caches are trimmed only with nothing in flight).
    ///
    /// `onCommitted` gets every projection's committed position after each commit, on the commit
    /// thread. When a commit fails, the next call throws its error after forgetting every change
    /// applied since the last commit; the call after that starts again from the store's checkpoints.
    /// Call ``stopPipeline()`` before using the runner any other way.
    /// - Returns: how many positions it covered (0 when there was nothing to do).
    @discardableResult
    func applyBatchPipelined(
        _ log: EventLog, through: UInt64, maxEvents: Int, commitDelay: Duration? = nil,
        spacing: CommitSpacing = .none,
        onCommitted: @escaping @Sendable ([UInt64]) -> Void
    ) throws -> Int {
        let committer = pipeline ?? {
            let c = ViewCommitter(
                store: store, names: projections.map(\.name), committed: checkpoints, delay: commitDelay,
                spacing: spacing.interval, spacingFactor: spacing.factor, onCommitted: onCommitted)
            pipeline = c
            return c
        }()
        let from = (applied.min() ?? 0) + 1
        guard from <= through else { return 0 }
        let end = min(through, from + UInt64(max(maxEvents, 1)) - 1)
        do {
            let last = try store.read { txn in
                try log.scanInPlace(from: from, through: end) { record in
                    try self.dispatchEvent(record, txn, only: nil, members: self.liveMembers, dispatch: self.dispatch)
                    if record.position == end { self.copyHash(record.hash) }
                    return true
                }
            }
            guard last == end else { throw ProjectionError.logShorterThan(end) }
        } catch {
            discardPipelined(committer.waitUntilIdle().committed)
            throw error
        }
        var writes: [any DetachedWrites] = []
        for context in contexts { context.detachChanges(into: &writes) }
        var moved: [(projection: Int, checkpoint: Checkpoint)] = []
        for i in projections.indices where applied[i] < end {
            moved.append((i, Checkpoint(position: end, hash: hashScratch, version: projections[i].version)))
        }
        let (failure, committed) = committer.waitUntilIdle()
        if let failure {
            discardPipelined(committed)
            throw failure
        }
        commitCheckpoints(committed)
        committer.submit(.init(
            writes: writes, checkpoints: moved, spaced: isSpaced(log, from: from, end: end, through: through, spacing),
            background: NamedThread.currentThreadIsBackground))
        for (i, _) in moved { applied[i] = end }
        // A cache past its limit is dropped only once nothing it changed is in flight.
        if contexts.contains(where: \.isOverCacheLimit) {
            let (failure, committed) = committer.waitUntilIdle()
            if let failure {
                discardPipelined(committed)
                throw failure
            }
            commitCheckpoints(committed)
            for c in contexts { c.trimCaches() }
        }
        return Int(end - from + 1)
    }

    /// Whether the batch `from...end` may wait after the previous commit: a large batch that reached
    /// the end of the log (one that stopped at `maxEvents` is catching up, and commits at once), while
    /// the log's writer is behind (``WriterBacklog``).
    private func isSpaced(_ log: EventLog, from: UInt64, end: UInt64, through: UInt64, _ spacing: CommitSpacing) -> Bool {
        guard spacing.interval > .zero else { return false }
        if writerBacklog.threshold != spacing.whileWriterQueue {
            writerBacklog = WriterBacklog(threshold: spacing.whileWriterQueue)
        }
        return writerBacklog.isBehind(log) && end == through && Int(end - from + 1) >= spacing.fromEvents
    }

    /// Finishes the pipelined batch in flight, if any, and ends the commit thread. The runner's
    /// checkpoints are then the store's; after a failed commit its caches are forgotten too.
    func stopPipeline() {
        guard let committer = pipeline else { return }
        pipeline = nil
        let (failure, committed) = committer.stop()
        if failure != nil {
            discardPipelined(committed)
        } else {
            commitCheckpoints(committed)
        }
    }

    /// A pipelined commit failed (or applying did, with nothing in flight now): forget every change
    /// not in the store, and go on from the store's checkpoints.
    private func discardPipelined(_ committed: [Checkpoint]) {
        for c in contexts { c.discardChanges() }
        checkpoints = committed
    }

    private func commitCheckpoints(_ committed: [Checkpoint]) {
        let furthest = applied
        checkpoints = committed
        applied = zip(furthest, committed).map { max($0, $1.position) }
    }

    private func copyHash(_ hash: UnsafeRawBufferPointer) {
        hashScratch.withUnsafeMutableBytes { $0.copyMemory(from: hash) }
    }

    @inline(__always)
    private func dispatchEvent(
        _ record: EventRecordView, _ txn: borrowing Transaction, only group: [Bool]?, members: MemberIndex,
        dispatch: borrowing TypeDispatch
    ) throws {
        members.reset()
        if let t = dispatch.lookup(record.type) {
            let readers = dispatch.readers[t]
            if readers.isEmpty { return }
            let event = ProjectedEvent(
                record: record, type: dispatch.name(t), currentSchema: dispatch.currentSchema(t), members: members)
            for p in readers where record.position > applied[p] && (group?[p] ?? true) {
                try projectors[p].apply(event, txn)
            }
        } else if !dispatch.everyEvent.isEmpty {
            let type = String(decoding: record.type, as: UTF8.self)
            let event = ProjectedEvent(
                record: record, type: type, currentSchema: Upcasters.currentSchema(of: type), members: members)
            for p in dispatch.everyEvent where record.position > applied[p] && (group?[p] ?? true) {
                try projectors[p].apply(event, txn)
            }
        }
    }

    // MARK: Rebuilds

    private func apply(
        _ batch: [EventRecordView], _ txn: borrowing Transaction, only group: [Bool], members: MemberIndex,
        dispatch: borrowing TypeDispatch
    ) throws {
        for record in batch { try dispatchEvent(record, txn, only: group, members: members, dispatch: dispatch) }
    }

    /// Builds every projection from the start of the log through `through`, in memory, then writes it
    /// in one transaction (keys appended in order). Only for a fresh environment. Projections are
    /// split into `parallelism` groups of similar measured cost, one thread each: group 0's thread
    /// scans the log and hands every batch of records to the others (``BatchPipe``); then two threads
    /// sort, encode and write the tables (``writeBuilt(through:hash:helpers:)``). `progress` gets the
    /// position the slowest group has reached, one call at a time.
    func build(
        _ log: EventLog, through: UInt64, parallelism: Int, progress: ((UInt64) -> Void)? = nil,
        phases: ((RebuildPhases) -> Void)? = nil
    ) throws {
        guard through > 0, !projections.isEmpty else {
            try writeEmptyCheckpoints()
            return
        }
        let groups = Self.groups(projections, parallelism)
        let clock = ContinuousClock()
        let start = clock.now
        let marks = Lock(RebuildPhases(groups: groups.map { $0.map { projections[$0].name } }))
        let failures = Lock<[any Error]>([])
        let shared = UncheckedBox(self)
        let reached = GroupProgress(groups: groups.count, report: progress)
        // Group 0 scans the log and hands each batch of records to the other groups: the log is
        // read and parsed once, and every group applies the same records on its own thread.
        let pipe = BatchPipe(consumers: groups.count - 1)
        DispatchQueue.concurrentPerform(iterations: groups.count) { g in
            let runner = shared.value
            var mask = [Bool](repeating: false, count: runner.projections.count)
            for p in groups[g] { mask[p] = true }
            let members = MemberIndex()
            // The group's own type table: each event retains its type's name and reader list, and
            // with one table shared by the threads their reference counts bounced between cores.
            let dispatch = TypeDispatch(runner.projections)
            var failed = false
            do {
                _ = try runner.store.read { txn in
                    if g == 0 {
                        try log.scanInPlaceBatches(
                            from: 1, through: through, batchSize: Self.batchSize,
                            { batch in
                                guard pipe.publish(batch) else { throw BatchPipe.Stopped() }
                                try runner.apply(batch, txn, only: mask, members: members, dispatch: dispatch)
                                reached.advance(group: g, to: batch[batch.count - 1].position)
                            }, finish: { pipe.close(failed: failed) })
                    } else {
                        while let batch = pipe.next(g - 1) {
                            try runner.apply(batch, txn, only: mask, members: members, dispatch: dispatch)
                            reached.advance(group: g, to: batch[batch.count - 1].position)
                            pipe.done(g - 1)
                        }
                    }
                }
            } catch {
                failed = true
                failures.withLock { $0.append(error) }
            }
            let applied = clock.now - start
            marks.withLock { $0.applied[g] = applied }
            if g == 0 {
                pipe.close(failed: failed)  // again, for a failure before the scan began
            } else {
                pipe.exit(g - 1, failed: failed)  // done with the scanner's records
            }
        }
        // A group stopped because another failed reports nothing of its own.
        if let error = failures.withLock({ f in f.first { !($0 is BatchPipe.Stopped) } ?? f.first }) { throw error }
        guard let hash = try log.withRecord(at: through, { $0.map { Array($0.hash) } }) else {
            throw ProjectionError.logShorterThan(through)
        }
        try writeBuilt(through: through, hash: hash, helpers: parallelism > 1)
        let written = clock.now - start
        for (i, context) in contexts.enumerated() {
            context.didCommit()
            checkpoints[i] = Checkpoint(position: through, hash: hash, version: projections[i].version)
        }
        if let phases {
            var m = marks.withLock { $0 }
            m.written = written
            m.done = clock.now - start
            phases(m)
        }
    }

    /// Writes every table built in memory, and the checkpoints, in one transaction. Sorting and
    /// encoding a table's writes needs no transaction, so with `helpers` another thread takes
    /// tables — the largest first — and hands each in pieces of ``flushPiece`` records as it encodes
    /// them (``FlushableTable/detachChanges(inPiecesOf:_:)``), while this one encodes and writes the
    /// others and writes the helper's pieces as they come. Without pieces, the writer waited for the
    /// whole of the largest table (customer360's 770 k orders of the 10 M demo: over a second).
    private func writeBuilt(through: UInt64, hash: [UInt8], helpers: Bool) throws {
        let tables = contexts.flatMap(\.tables).sorted { $0.pendingChanges > $1.pendingChanges }
        let claims = TableClaims(count: tables.count)
        let helperDone = DispatchSemaphore(value: 0)
        if helpers && tables.count > 1 {
            let shared = UncheckedBox(tables)
            let first = claims.claimNext(byHelper: true)  // the largest table is the helper's
            DispatchQueue.global().async {
                var claimed = first
                while let i = claimed {
                    shared.value[i].detachChanges(inPiecesOf: Self.flushPiece) { claims.hand(i, $0) }
                    claims.handedAll(i)
                    claimed = claims.claimNext(byHelper: true)
                }
                helperDone.signal()
            }
        } else {
            helperDone.signal()
        }
        defer {
            claims.stop()
            helperDone.wait()  // no table is touched by the helper once this returns
        }
        // Every write taken out of a table, in the order written: when the map fills, LMDB's write
        // runs the body again in a grown map, and the tables no longer hold what they handed over.
        // Writes taken from the queue are kept before any of them is written, so that a failure in
        // the middle of several loses none.
        var written: [any DetachedWrites] = []
        func write(_ writes: [any DetachedWrites], _ txn: borrowing Transaction) throws {
            written.append(contentsOf: writes)
            for w in writes { try w.write(txn) }
        }
        try store.env.write { txn in
            for w in written { try w.write(txn) }  // a retry: again what the first attempt took
            while let i = claims.claimNext(byHelper: false) {
                if let w = tables[i].detachChanges() { try write([w], txn) }
                for h in claims.helpersTables() { try write(claims.take(h, wait: false), txn) }
            }
            for h in claims.helpersTables() {
                while true {
                    let pieces = claims.take(h, wait: true)
                    if pieces.isEmpty { break }
                    try write(pieces, txn)
                }
            }
            for projection in projections {
                try store.writeCheckpoint(
                    projection.name, Checkpoint(position: through, hash: hash, version: projection.version), txn)
            }
        }
    }

    /// Records per piece a rebuild's helper thread hands the writer (``writeBuilt(through:hash:helpers:)``).
    static let flushPiece = 65_536

    /// Records that nothing is applied yet (a new environment for an empty log).
    func writeEmptyCheckpoints() throws {
        try store.env.write { txn in
            for (i, projection) in projections.enumerated() where checkpoints[i].position == 0 {
                try store.writeCheckpoint(
                    projection.name, Checkpoint(position: 0, hash: [], version: projection.version), txn)
            }
        }
    }

    /// Records per batch a rebuild's scanning group hands to the others.
    static let batchSize = 1024

    /// What reading and parsing the log weighs, in ``Projection/rebuildWeight``'s unit: group 0 pays it,
    /// with handing every batch to the other groups. Measured, not guessed: with 4, the scanning
    /// thread of a 10 M-event rebuild was busy throughout while the other idled 30 % of the time
    /// (`perf record` per thread); with 10 both stay busy, and the rebuild went from 858-893 k to
    /// 975-1,017 k events/s (`chronicle bench-views --events 0 --rebuild-only`, runs alternated).
    static let scanWeight = 10

    /// Splits projections into at most `n` groups of similar cost; group 0, which also scans the
    /// log, starts with the scan's weight.
    static func groups(_ projections: [Projection], _ n: Int) -> [[Int]] {
        let n = max(1, min(n, projections.count))
        var groups = [[Int]](repeating: [], count: n)
        var load = [Int](repeating: 0, count: n)
        if n > 1 { load[0] = scanWeight }
        let weighted = projections.enumerated().map { ($0.offset, $0.element.rebuildWeight) }.sorted { $0.1 > $1.1 }
        for (p, w) in weighted {
            let g = load.indices.min { load[$0] < load[$1] }!
            groups[g].append(p)
            load[g] += w
        }
        // Light projections may all go to other groups while the scan's weight keeps group 0 empty:
        // the scanning thread then takes the lightest projection of the fullest group, so that a
        // build of two projections still runs on two threads.
        if n > 1, groups[0].isEmpty, let fullest = groups.indices.max(by: { groups[$0].count < groups[$1].count }),
            groups[fullest].count > 1
        {
            groups[0].append(groups[fullest].removeLast())
        }
        return groups.filter { !$0.isEmpty }
    }
}

/// When each phase of a rebuild ended, from its start: per group of projections (one thread each),
/// applying the log; then sorting, encoding and writing every table in the one write transaction;
/// then letting the caches go.
public struct RebuildPhases: Sendable, CustomStringConvertible {
    public var groups: [[String]]
    public var applied: [Duration]
    /// When the one write transaction committed (every table sorted, encoded and written).
    public var written: Duration = .zero
    public var done: Duration = .zero

    init(groups: [[String]]) {
        self.groups = groups
        applied = Array(repeating: .zero, count: groups.count)
    }

    public var description: String {
        func s(_ d: Duration) -> String {
            let ms = d.components.seconds * 1000 + d.components.attoseconds / 1_000_000_000_000_000
            return String(ms / 1000) + "." + String(1000 + ms % 1000).dropFirst(1) + " s"
        }
        let each = groups.indices.map { g in
            "[\(groups[g].joined(separator: ", "))] applied at \(s(applied[g]))"
        }
        return each.joined(separator: "; ") + "; written at \(s(written)), done at \(s(done))"
    }
}

/// Which thread writes which table in ``ProjectionRunner/writeBuilt(through:hash:helpers:)``: each
/// claims the largest table left; the helper hands its tables' writes in pieces, which the writer
/// takes in order.
private final class TableClaims: @unchecked Sendable {  // every field is guarded by `condition`
    private let condition = NSCondition()
    private var next = 0
    private let count: Int
    private var byHelper: [Int] = []
    /// Per table: pieces the helper handed and the writer has not taken yet.
    private var pieces: [[any DetachedWrites]]
    private var handedAll: [Bool]
    private var stopped = false

    init(count: Int) {
        self.count = count
        pieces = Array(repeating: [], count: count)
        handedAll = Array(repeating: false, count: count)
    }

    /// The next unclaimed table (the largest left), now claimed; nil when none is left.
    func claimNext(byHelper helper: Bool) -> Int? {
        condition.lock()
        defer { condition.unlock() }
        guard !stopped, next < count else { return nil }
        next += 1
        if helper { byHelper.append(next - 1) }
        return next - 1
    }

    /// The helper hands the next piece of table `i`.
    func hand(_ i: Int, _ piece: any DetachedWrites) {
        condition.lock()
        pieces[i].append(piece)
        condition.broadcast()
        condition.unlock()
    }

    /// The helper has handed every piece of table `i`.
    func handedAll(_ i: Int) {
        condition.lock()
        handedAll[i] = true
        condition.broadcast()
        condition.unlock()
    }

    /// The tables the helper claimed so far.
    func helpersTables() -> [Int] {
        condition.lock()
        defer { condition.unlock() }
        return byHelper
    }

    /// Takes the pieces of table `i` handed since the last call, in order. With `wait`, waits for
    /// at least one unless every piece was handed: empty then means the table is all taken.
    func take(_ i: Int, wait: Bool) -> [any DetachedWrites] {
        condition.lock()
        defer { condition.unlock() }
        while wait && pieces[i].isEmpty && !handedAll[i] { condition.wait() }
        let taken = pieces[i]
        pieces[i] = []
        return taken
    }

    /// No more claims (the transaction failed, or everything is written).
    func stop() {
        condition.lock()
        stopped = true
        condition.unlock()
    }
}

/// Where each rebuild group's scan is, reporting the slowest to the caller's progress callback one
/// call at a time.
private final class GroupProgress: @unchecked Sendable {  // `report` is only called inside `positions`' lock
    private let report: ((UInt64) -> Void)?
    private let positions: Lock<[UInt64]>

    init(groups: Int, report: ((UInt64) -> Void)?) {
        self.report = report
        positions = Lock(Array(repeating: 0, count: groups))
    }

    func advance(group: Int, to position: UInt64) {
        guard let report else { return }
        positions.withLock { positions in
            positions[group] = position
            report(positions.min() ?? position)
        }
    }
}

/// Lends a non-`Sendable` value to worker threads that each touch a disjoint part of it (the
/// rebuild's projector groups).
struct UncheckedBox<T>: @unchecked Sendable {  // callers guarantee disjoint access per thread
    let value: T
    init(_ value: T) { self.value = value }
}
