import Foundation
import LMDB
import Synchronization

/// The single writer: drains submissions from many tasks, runs a batch of them, commits it once
/// (durably), then answers every caller.
///
/// Three dedicated threads, so that fsync never blocks Swift's cooperative pool, the CPU work of one
/// batch overlaps the disk wait of the one before it, and a batch's CPU work is shared by two cores:
/// - the **stager** runs a batch's work items against the in-memory ``WriterState`` (conditions,
///   command ids, key ids, positions, versions, the index) into a ``StagedWrites``, handing the
///   requests to the encoder in chunks (``Limits/encoderChunk``);
/// - the **encoder** (``RecordEncoder``) makes their payloads, encodes their records and chains
///   their hashes, a chunk behind the stager;
/// - the **committer** writes a staged and encoded batch in one LMDB write transaction, commits it
///   (two syncs), then publishes the new last position, answers the batch's callers, and only then
///   wakes the commit's observers and waiters (the views follower, subscriptions).
///
/// At most one batch is committing while the next one is staged: staging reads the state the batch
/// in flight left behind, so it sees every event before it, committed or not, and nothing is
/// answered before its own commit is durable. When a batch fails (its commit, or making its
/// payloads), the batch staged on top of it is failed too (its conditions were checked against
/// events that are not in the store), and the stager rebuilds its state from the store once nothing
/// is in flight.
final class BatchWriter: @unchecked Sendable {  // queue fields are guarded by `condition`, pipeline fields by `pipe`; the rest is stager-only
    struct Limits: Sendable {
        var maxBatchItems: Int
        var maxQueuedItems: Int
        /// Requests per chunk handed to the encoder: enough that hand-overs (each may wake the
        /// encoder's thread) cost little — 256 made a third of the context switches 32 did, at the
        /// same throughput — and few enough that the encoder stays close behind the stager.
        var encoderChunk = 256
    }

    /// A staged batch handed to the committer.
    private struct Staged {
        var buffer: UnsafeMutablePointer<StagedWrites>
        var items: [WorkItem]
        /// ``failures`` when staging began: a commit that failed since then fails this batch too.
        var generation: Int
        var lastPosition: UInt64
        /// Its staging attempt (see ``RecordEncoder/Chunk/attempt``), and the encoder output holding its records.
        var attempt: Int
        var output: Int
        /// The sealed index run this batch finishes moving to `keyRuns`, whose memtable goes after the commit.
        var completesRun: UInt32?
    }

    private let condition = NSCondition()
    private var queue: [WorkItem] = []
    /// `queue.count`, readable without `condition` (``queuedCount``), which submitters and the
    /// stager take: the views' follower reads it for every batch, and may run at idle priority.
    private let queueLength = Atomic<Int>(0)
    private var closing = false
    private var finished = false
    private let limits: Limits

    // The pipeline between the two threads, guarded by `pipe`.
    private let pipe = NSCondition()
    private var ready: Staged?
    private var committing = false
    /// Threads (the stager) waiting for no batch to be committing or ready: a commit's end wakes only
    /// them, not the committer thread, which waits for a ready batch.
    private var idleWaiters = 0
    /// Failed commits so far; a batch staged before the latest one is failed without writing.
    private var failures = 0
    private var lastFailure: Error = EventLogError.unavailable("an earlier batch could not commit")
    /// A commit failed: `state` is ahead of the store until the stager reloads it.
    private var needsReload = false
    private var stopCommitter = false
    private var committerDone = false

    private let env: Environment
    private let dbs: LogDatabases
    private let registry: KeyRegistry
    private let names: KeyNames
    private let notifier: CommitNotifier
    private let clock: any LogClock
    private var state: WriterState
    /// The last reload from the store failed: `state` may hold a failed batch's changes, so nothing is
    /// written until a reload succeeds (a write on it could leave a gap or break the chain).
    private var stateIsStale = false
    /// Two staging buffers, used in turn: one is staged while the other commits.
    private let buffers: [UnsafeMutablePointer<StagedWrites>]
    private var nextBuffer = 0
    private let encoder: RecordEncoder
    /// Staging attempts so far: every batch staged is one, and so is one that failed while staged.
    private var attempts = 0
    /// The first command sequence of the batch in flight (its commands stay findable until it is done).
    private var inFlightFirstCommand: UInt64 = 0
    /// A batch of at most this many requests is encoded on the stager when the encoder is idle.
    static let encodeHereRequests = 8
    /// The staging attempt of the last chunk handed to the encoder.
    private var lastHandedOver = -1
    /// Tests only: runs on the committer inside each write transaction, before its puts, with the
    /// batch's last position; a throw fails the commit as a storage failure would. While it is set,
    /// no batch is committed on the stager.
    var commitHook: (@Sendable (UInt64) throws -> Void)?
    /// Called on the writer thread when a batch failed and state was reloaded from the store.
    var onReload: (@Sendable () -> Void)?
    private var _stats = (batches: 0, items: 0, events: 0)
    /// Statistics for metrics: batches committed, work items and events in them.
    var stats: (batches: Int, items: Int, events: Int) {
        condition.lock()
        defer { condition.unlock() }
        return _stats
    }

    init(env: Environment, dbs: LogDatabases, registry: KeyRegistry, names: KeyNames, notifier: CommitNotifier,
         clock: any LogClock, state: WriterState, limits: Limits) {
        self.env = env
        self.names = names
        self.dbs = dbs
        self.registry = registry
        self.notifier = notifier
        self.clock = clock
        self.state = state
        self.limits = limits
        encoder = RecordEncoder(chainHash: state.lastHash, registry: registry)
        buffers = allocateCells(2) { StagedWrites() }
    }

    deinit { freeCells(buffers) }

    func start() {
        encoder.start()
        // Not kept: a thread keeps its closure, which holds this writer — a writer that kept its
        // threads stayed alive (its state, key table and buffers) after the log was closed and let
        // go. Each thread lets go of the writer once its loop has ended, after ``close()``.
        NamedThread.start("log-stage", qualityOfService: .userInitiated) { [self] in self.stageLoop() }
        NamedThread.start("log-commit", qualityOfService: .userInitiated) { [self] in self.commitLoop() }
    }

    /// See ``EventLog/keepAliveForPayloads(_:)``.
    func keepAliveForPayloads(_ object: AnyObject) { encoder.keepAlive(object) }

    /// Queues a work item; throws `overloaded` when the queue is full and `closed` after `close()`.
    func submit(_ item: WorkItem) throws {
        condition.lock()
        defer { condition.unlock() }
        guard !closing else { throw EventLogError.closed }
        guard queue.count < limits.maxQueuedItems else { throw EventLogError.overloaded }
        queue.append(item)
        queueLength.store(queue.count, ordering: .relaxed)
        condition.signal()
    }

    var queuedCount: Int { queueLength.load(ordering: .relaxed) }

    /// Stops accepting work, finishes what is queued and in flight, and waits for both threads to end.
    func close() {
        condition.lock()
        closing = true
        condition.broadcast()
        while !finished { condition.wait() }
        condition.unlock()
    }

    // MARK: The stager

    private func stageLoop() {
        while true {
            condition.lock()
            if queue.isEmpty && !closing {
                // Going idle: what the last requests held (personal data among it) is freed now,
                // not whenever the next burst reuses their chunks. The encoder is let finish the
                // last of them first (a chunk at most).
                condition.unlock()
                encoder.waitUntilIdle()
                encoder.clearSpares()
                condition.lock()
            }
            while queue.isEmpty && !closing { condition.wait() }
            if queue.isEmpty && closing {
                condition.unlock()
                pipe.lock()
                stopCommitter = true
                pipe.broadcast()
                while !committerDone { pipe.wait() }
                pipe.unlock()
                encoder.stop()
                condition.lock()
                finished = true
                condition.broadcast()
                condition.unlock()
                return
            }
            let n = min(queue.count, limits.maxBatchItems)
            let batch = Array(queue.prefix(n))
            queue.removeFirst(n)
            queueLength.store(queue.count, ordering: .relaxed)
            condition.unlock()
            stage(batch)
        }
    }

    /// For a work item: blocks the stager until the batch handed over before is done (nothing is
    /// waiting to commit while a batch is staged, so that is all that is in flight).
    private func waitForBatchInFlight() {
        pipe.lock()
        waitUntilIdleLocked()
        pipe.unlock()
    }

    /// Blocks until no batch is committing or waiting to commit. Call with `pipe` locked.
    private func waitUntilIdleLocked() {
        idleWaiters += 1
        while committing || ready != nil { pipe.wait() }
        idleWaiters -= 1
    }

    private func stage(_ batch: [WorkItem]) {
        pipe.lock()
        if needsReload { waitUntilIdleLocked() }
        let reload = needsReload
        needsReload = false
        let generation = failures
        pipe.unlock()
        if reload || stateIsStale { reloadAfterFailure() }
        if stateIsStale {
            let failure = EventLogError.unavailable("the writer could not reload its state from the store")
            for item in batch { item.finish(failure) }
            return
        }

        let buffer = buffers[nextBuffer]
        buffer.pointee.reset()
        // Commands of the batch in flight stay findable until it is durable; older ones are in the store.
        state.forgetRecentCommands(before: inFlightFirstCommand)
        let firstCommand = state.nextCommandSeq
        let attempt = attempts
        attempts += 1
        let at = max(clock.nowMilliseconds(), state.lastAt)
        var completesRun: UInt32?
        let waitForBatchInFlight = self.waitForBatchInFlight  // one closure per batch, not per item
        do {
            completesRun = try stageFlushSlice(into: buffer)
            for item in batch {
                var writer = LogWriter(
                    state: state, registry: registry, names: names, env: env, dbs: dbs, staged: buffer,
                    batchAt: at, waitForBatchInFlight: waitForBatchInFlight)
                item.run(&writer)
                if buffer.pointee.requests.count >= limits.encoderChunk { handOver(buffer, attempt: attempt, ends: false) }
            }
            for hook in buffer.pointee.beforeCommit { try hook() }
        } catch {
            // `state` holds this batch's changes, which will not be written: rebuild it once the
            // batch in flight is done (chunks of this one the encoder has are encoded for nothing).
            // The reload also covers a failure of that batch: it need not be done again.
            pipe.lock()
            waitUntilIdleLocked()
            needsReload = false
            pipe.unlock()
            reloadAfterFailure()
            let failure = Self.failure(error)
            for item in batch { item.finish(failure) }
            return
        }
        let encodedHere = handOver(buffer, attempt: attempt, ends: true)

        // A small batch the stager encoded itself (8 requests at most), with nothing queued behind
        // it, is committed here too, even when it has to wait for the batch before it: handing it
        // to the committer thread and waking it cost more than the commit's own CPU, and staging a
        // batch that small overlaps little of the disk's wait. Work that arrives during that commit
        // is staged after it; a larger batch, or one with work queued behind it, goes to the
        // committer, so staging overlaps the disk's wait under load. With 8 connections sending one
        // command at a time this gave 6,925–8,603 commands/s and p50 0.90–1.12 ms, against
        // 5,446–5,932 and 1.31–1.44 ms when it committed here only with no batch in flight.
        // (With a `commitHook` — tests that hold a commit open to stage behind it — every batch goes
        // to the committer.)
        let commitHere = encodedHere && commitHook == nil && condition.withLock { queue.isEmpty }

        pipe.lock()
        waitUntilIdleLocked()
        let job = Staged(
            buffer: buffer, items: batch, generation: generation, lastPosition: state.lastPosition,
            attempt: attempt, output: nextBuffer, completesRun: completesRun)
        inFlightFirstCommand = firstCommand
        nextBuffer = 1 - nextBuffer
        if commitHere {
            commit(job)
        } else {
            ready = job
            pipe.broadcast()
            pipe.unlock()
        }
    }

    /// Hands the requests staged since the last hand-over to the encoder; true when they were
    /// encoded on this thread, before returning.
    @discardableResult
    private func handOver(_ buffer: UnsafeMutablePointer<StagedWrites>, attempt: Int, ends: Bool) -> Bool {
        var chunk = encoder.takeSpare() ?? RecordEncoder.Chunk()
        chunk.clear()  // (the requests of a chunk the stager encoded itself are freed here)
        swap(&chunk.requests, &buffer.pointee.requests)
        swap(&chunk.events, &buffer.pointee.events)
        swap(&chunk.eventKeys, &buffer.pointee.eventKeys)
        swap(&chunk.keyEntries, &buffer.pointee.keyEntries)
        chunk.attempt = attempt
        chunk.output = nextBuffer
        chunk.format = state.recordFormat
        chunk.ends = ends
        // A small batch handed over in one piece is encoded here when the encoder is idle.
        let small = ends && attempt != lastHandedOver && chunk.requests.count <= Self.encodeHereRequests
        lastHandedOver = attempt
        return encoder.submit(chunk, here: small)
    }

    // MARK: The committer

    private func commitLoop() {
        while true {
            pipe.lock()
            while ready == nil && !stopCommitter { pipe.wait() }
            guard let job = ready else {
                committerDone = true
                pipe.broadcast()
                pipe.unlock()
                return
            }
            ready = nil
            commit(job)
        }
    }

    /// Writes a staged batch durably and answers its items (with the failure, when it did not
    /// commit). Called with `pipe` locked and no batch committing; returns with `pipe` unlocked.
    /// Runs on the committer, or on the stager for a lone small batch (see ``stage(_:)``).
    private func commit(_ job: Staged) {
        committing = true
        let superseded = job.generation != failures
        let earlier = lastFailure
        pipe.unlock()

        var failure: Error?
        var wakeups: CommitNotifier.Wakeups?
        // Waited for even when the batch is not written: its payloads (a processor's sealing)
        // have then run before anyone is answered, as they did when the stager made them.
        let encodingFailure = encoder.waitUntilEncoded(job.attempt)
        if superseded {
            failure = earlier
        } else if let encodingFailure {
            // Every command of the batch fails with it, whatever the one that failed said: the
            // others can be retried as they are.
            failure = EventLogError.unavailable("a payload of the batch could not be made: \(encodingFailure)")
        } else {
            do {
                try env.write { txn in
                    try commitHook?(job.lastPosition)
                    try writeStaged(job.buffer.pointee, records: encoder.output(job.output), txn)
                }
            } catch {
                failure = Self.failure(error)
            }
        }
        if failure == nil {
            if let run = job.completesRun {
                registry.state.withLock { s in s.memtables[run] = nil }
            }
            condition.lock()
            _stats.batches += 1
            _stats.items += job.items.count
            _stats.events += encoder.output(job.output).pointee.records.count
            condition.unlock()
            wakeups = notifier.advance(to: job.lastPosition)
        }
        pipe.lock()
        if let failure, !superseded {
            failures += 1
            lastFailure = failure
            needsReload = true
        }
        committing = false
        // Only a thread waiting for the pipeline to drain needs to know (the committer thread waits
        // for a ready batch): a lone batch the stager committed itself wakes nobody.
        if idleWaiters > 0 { pipe.broadcast() }
        pipe.unlock()
        for item in job.items { item.finish(failure) }
        wakeups?.run()
    }

    private static func failure(_ error: Error) -> Error {
        if let e = error as? LMDBError, e.isStorageFailure { return EventLogError.unavailable(e.description) }
        if let e = error as? EventLogError { return e }
        return EventLogError.unavailable(String(describing: error))
    }

    /// Rebuilds the in-memory state from the store after a batch did not commit. When the store
    /// cannot be read either, the writer refuses batches (``stateIsStale``) until a reload succeeds.
    /// Runs on the stager with nothing in flight.
    private func reloadAfterFailure() {
        // The staged batches are of the old state: none may answer a lookup any more.
        for b in buffers { b.pointee.reset() }
        // Whatever the encoder still has is of batches that will not be written.
        encoder.waitUntilIdle()
        do {
            state = try WriterState.load(env: env, dbs: dbs, registry: registry, names: names)
            encoder.resetChain(to: state.lastHash)
            stateIsStale = false
        } catch {
            stateIsStale = true
        }
        onReload?()
    }

    /// The committer's whole transaction: puts of bytes staged and encoded before it began.
    private func writeStaged(_ s: StagedWrites, records: UnsafeMutablePointer<EncodedRecords>, _ txn: borrowing Transaction) throws {
        guard let keyRuns = dbs.keyRuns else { throw EventLogError.unavailable("the log was opened read-only") }
        // Every put goes through a cursor of its database, whose keys here come in ascending order:
        // the cursor stays on its leaf while the next key belongs there, where a put of its own
        // (`mdb_put`) walked down from the root again, looking each page of the path up in the
        // transaction's dirty list.
        var key = [UInt8](repeating: 0, count: 8)
        try s.keyRunValues.withUnsafeBytes { values in
            try txn.withCursor(keyRuns) { c in
                var start = 0
                for (i, k) in s.keyRunKeys.enumerated() {
                    withUnsafeBytes(of: k.run.bigEndian) { key.replaceSubrange(0..<4, with: $0) }
                    withUnsafeBytes(of: k.keyId.bigEndian) { key.replaceSubrange(4..<8, with: $0) }
                    // A put over an entry flushed before a crash writes the same bytes again.
                    try key.withUnsafeBytes { k in
                        try c.put(key: k, value: UnsafeRawBufferPointer(rebasing: values[start..<s.keyRunEnds[i]]))
                    }
                    start = s.keyRunEnds[i]
                }
            }
        }
        var head: [UInt8] = []
        try txn.withCursor(dbs.heads) { c in
            for (keyId, h) in s.heads {
                head.removeAll(keepingCapacity: true)
                Bytes.appendBigEndian(h.count, to: &head)
                Bytes.appendBigEndian(h.lastPosition, to: &head)
                try withUnsafeBytes(of: keyId.bigEndian) { k in
                    try head.withUnsafeBytes { v in try c.put(key: k, value: v) }
                }
            }
        }
        if let run = s.flushedRun {
            var runValue: [UInt8] = []
            Bytes.appendBigEndian(run, to: &runValue)
            try txn.put(dbs.meta, key: Array(LogMeta.keyRunsFlushed.utf8), value: runValue)
        }
        // Appends, through a cursor too: it stays on the last leaf.
        try records.pointee.bytes.withUnsafeBytes { all in
            try txn.withCursor(dbs.events) { c in
                for (position, range) in records.pointee.records {
                    try withUnsafeBytes(of: position.bigEndian) { k in
                        try c.put(key: k, value: UnsafeRawBufferPointer(rebasing: all[range]), flags: .append)
                    }
                }
            }
        }
        // One buffer for every key's and command's value: an array each was an allocation per put.
        var value: [UInt8] = []
        value.reserveCapacity(256)
        try txn.withCursor(dbs.keys) { c in
            // The names from `names`, where the key table stored them: the batch in flight keeps
            // its ids there (only a reload after a failure, with nothing in flight, truncates).
            for (id, kind) in s.newKeys {
                value.removeAll(keepingCapacity: true)
                value.append(kind.rawValue)
                value.append(contentsOf: names.name(id))
                try withUnsafeBytes(of: id.bigEndian) { k in
                    try value.withUnsafeBytes { v in try c.put(key: k, value: v, flags: .append) }
                }
            }
        }
        try txn.withCursor(dbs.commands) { c in
            for (seq, record) in s.commands {
                value.removeAll(keepingCapacity: true)
                record.encode(into: &value)
                try withUnsafeBytes(of: seq.bigEndian) { k in
                    try value.withUnsafeBytes { v in try c.put(key: k, value: v, flags: .append) }
                }
            }
        }
    }

    /// Stages the move of part of a sealed run of the in-memory key index to `keyRuns`, with the
    /// heads of the keys it moves (as of the batch before this one: the puts are written in this
    /// batch's transaction, after that batch's). Returns the run when this slice completes it; the
    /// writer state counts it flushed from now on (a failed commit reloads the state).
    private func stageFlushSlice(into staged: UnsafeMutablePointer<StagedWrites>) throws -> UInt32? {
        let currentRun = registry.runs.of(state.lastPosition + 1)
        let nextToFlush = UInt32(state.flushedRun + 1)
        guard nextToFlush < currentRun else { return nil }
        if state.flushing?.run != nextToFlush {
            // The run is sealed: nothing adds to its memtable any more, so a copy taken under the
            // lock (copy-on-write: no bytes are copied) is grouped by key on another thread; the
            // flush starts with a later batch, once that is done. (A reload after a failed commit
            // makes a new state, which forgets a grouping of what that batch staged.)
            guard let grouping = state.grouping, grouping.run == nextToFlush else {
                // The encoder publishes index entries: once it is idle, the sealed run has all of its.
                encoder.waitUntilIdle()
                let table = registry.state.withLock { s in s.memtables[nextToFlush] } ?? Memtable()
                state.grouping = RunGrouping(run: nextToFlush, table: table)
                return nil
            }
            guard let groups = grouping.groups else { return nil }
            state.grouping = nil
            state.flushing = (nextToFlush, groups, 0)
        }
        guard var flushing = state.flushing else { return nil }
        guard dbs.keyRuns != nil else { throw EventLogError.unavailable("the log was opened read-only") }
        let sliceEnd = min(flushing.groups.keys.count, flushing.done + 4096)
        let runStart = registry.runs.firstPosition(nextToFlush)
        for i in flushing.done..<sliceEnd {
            let keyId = flushing.groups.keys[i]
            staged.pointee.keyRunKeys.append((nextToFlush, keyId))
            KeyRun.encode(flushing.groups.positions(ofKeyAt: i), runStart: runStart, into: &staged.pointee.keyRunValues)
            staged.pointee.keyRunEnds.append(staged.pointee.keyRunValues.count)
            staged.pointee.heads.append((keyId, state.head(keyId)))
        }
        flushing.done = sliceEnd
        guard sliceEnd == flushing.groups.keys.count else {
            state.flushing = flushing
            return nil
        }
        staged.pointee.flushedRun = nextToFlush
        state.flushedRun = Int64(nextToFlush)
        state.flushing = nil
        return nextToFlush
    }
}
