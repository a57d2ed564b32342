import Foundation
import LMDB

/// The single writer: drains submissions from many tasks, runs a batch of them in one write
/// transaction, commits once (durably), then answers every caller.
///
/// Runs on a dedicated thread so that fsync never blocks Swift's cooperative pool.
final class BatchWriter: @unchecked Sendable {  // queue fields are guarded by `condition`; the rest is writer-thread only
    struct Limits: Sendable {
        var maxBatchItems: Int
        var maxQueuedItems: Int
    }

    private let condition = NSCondition()
    private var queue: [WorkItem] = []
    private var closing = false
    private var finished = false
    private let limits: Limits

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
    private var staged = UnsafeMutablePointer<StagedWrites>.allocate(capacity: 1)
    private var thread: Thread?
    /// Called on the writer thread when a batch failed and state was reloaded from the store.
    var onReload: (@Sendable () -> Void)?
    private var _stats = (batches: 0, items: 0, events: 0)
    /// A sum of index chain heads read ahead of their update (kept, so the loads are not optimised away).
    private var touchedChains = 0
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
        staged.initialize(to: StagedWrites())
    }

    deinit {
        staged.deinitialize(count: 1)
        staged.deallocate()
    }

    func start() {
        let t = Thread { [self] in self.loop() }
        t.name = "chronicle-log-writer"
        t.qualityOfService = .userInitiated
        thread = t
        t.start()
    }

    /// Queues a work item; throws `overloaded` when the queue is full and `closed` after `close()`.
    func submit(_ item: WorkItem) throws {
        condition.lock()
        defer { condition.unlock() }
        guard !closing else { throw EventLogError.closed }
        guard queue.count < limits.maxQueuedItems else { throw EventLogError.overloaded }
        queue.append(item)
        condition.signal()
    }

    var queuedCount: Int {
        condition.lock()
        defer { condition.unlock() }
        return queue.count
    }

    /// Stops accepting work, finishes what is queued, and waits for the thread to end.
    func close() {
        condition.lock()
        closing = true
        condition.broadcast()
        while !finished { condition.wait() }
        condition.unlock()
    }

    private func loop() {
        while true {
            condition.lock()
            while queue.isEmpty && !closing { condition.wait() }
            if queue.isEmpty && closing {
                finished = true
                condition.broadcast()
                condition.unlock()
                return
            }
            let n = min(queue.count, limits.maxBatchItems)
            let batch = Array(queue.prefix(n))
            queue.removeFirst(n)
            condition.unlock()
            process(batch)
        }
    }

    private func process(_ batch: [WorkItem]) {
        if stateIsStale { reloadAfterFailure() }
        let at = max(clock.nowMilliseconds(), state.lastAt)
        var flushedNow: UInt32?
        do {
            try env.write(onRetry: { self.reloadAfterFailure() }) { txn in
                if stateIsStale {
                    throw EventLogError.unavailable("the writer could not reload its state from the store")
                }
                staged.pointee.reset()
                state.pendingCommands.removeAll(keepingCapacity: true)
                flushedNow = try flushSlice(txn)
                for item in batch {
                    var writer = LogWriter(
                        state: state, registry: registry, names: names, env: env, dbs: dbs, staged: staged,
                        batchAt: at)
                    item.run(&writer)
                }
                for hook in staged.pointee.beforeCommit { try hook() }
                publishToRegistry()
                try writeStaged(txn)
            }
        } catch {
            reloadAfterFailure()
            let failure: Error
            if let e = error as? LMDBError, e.isStorageFailure {
                failure = EventLogError.unavailable(e.description)
            } else if let e = error as? EventLogError {
                failure = e
            } else {
                failure = EventLogError.unavailable(String(describing: error))
            }
            for item in batch { item.finish(failure) }
            return
        }
        state.pendingCommands.removeAll(keepingCapacity: true)
        if let run = flushedNow {
            state.flushedRun = Int64(run)
            state.flushing = nil
            registry.state.withLock { s in s.memtables[run] = nil }
        }
        condition.lock()
        _stats.batches += 1
        _stats.items += batch.count
        _stats.events += staged.pointee.records.count
        condition.unlock()
        notifier.publish(state.lastPosition)
        for item in batch { item.finish(nil) }
    }

    /// Rebuilds the in-memory state from the store after a batch did not commit. When the store
    /// cannot be read either, the writer refuses batches (``stateIsStale``) until a reload succeeds.
    private func reloadAfterFailure() {
        do {
            state = try WriterState.load(env: env, dbs: dbs, registry: registry, names: names)
            stateIsStale = false
        } catch {
            stateIsStale = true
        }
        onReload?()
    }

    /// Hands the batch's index entries to readers, under one lock (new key names reach them through
    /// the writer's ``KeyTable`` as they are made). Before the commit is fine: readers use only
    /// entries at positions their snapshot holds. A batch that then
    /// fails to commit is undone by ``reloadAfterFailure()``, which reloads the registry too.
    private func publishToRegistry() {
        let s = staged.pointee
        guard !s.keyEntries.isEmpty else { return }
        registry.state.withLock { r in
            s.keyEntries.withUnsafeBufferPointer { entries in
                var i = 0
                while i < entries.count {
                    // A batch's entries share a run but for the batch that crosses into the next one.
                    let run = entries[i].run
                    var end = i
                    while end < entries.count && entries[end].run == run { end += 1 }
                    var table = r.memtables.removeValue(forKey: run) ?? Memtable()
                    touchedChains &+= table.add(UnsafeBufferPointer(rebasing: entries[i..<end]))
                    r.memtables[run] = table
                    i = end
                }
            }
        }
    }

    private func writeStaged(_ txn: borrowing Transaction) throws {
        let s = staged.pointee
        try s.recordBytes.withUnsafeBytes { all in
            for (position, range) in s.records {
                try withUnsafeBytes(of: position.bigEndian) { k in
                    try txn.put(dbs.events, key: k, value: UnsafeRawBufferPointer(rebasing: all[range]), flags: .append)
                }
            }
        }
        for (id, kind, name) in s.newKeys {
            var value: [UInt8] = [kind.rawValue]
            value.append(contentsOf: name.utf8)
            try withUnsafeBytes(of: id.bigEndian) { k in
                try value.withUnsafeBytes { v in try txn.put(dbs.keys, key: k, value: v, flags: .append) }
            }
        }
        for (seq, bytes) in s.commands {
            try withUnsafeBytes(of: seq.bigEndian) { k in
                try bytes.withUnsafeBytes { v in try txn.put(dbs.commands, key: k, value: v, flags: .append) }
            }
        }
    }

    /// Moves part of a sealed run of the in-memory key index to `keyRuns`, with the heads of the
    /// keys it moves. Returns the run when this slice completed it.
    private func flushSlice(_ txn: borrowing Transaction) throws -> UInt32? {
        let currentRun = registry.runs.of(state.lastPosition + 1)
        let nextToFlush = UInt32(state.flushedRun + 1)
        guard nextToFlush < currentRun else { return nil }
        if state.flushing?.run != nextToFlush {
            // The run is sealed: nothing adds to its memtable any more, so a copy taken under the
            // lock (copy-on-write: no bytes are copied) can be sorted outside it.
            let table = registry.state.withLock { s in s.memtables[nextToFlush] } ?? Memtable()
            state.flushing = (nextToFlush, table.groupedByKey(), 0)
        }
        guard var flushing = state.flushing else { return nil }
        let sliceEnd = min(flushing.groups.keys.count, flushing.done + 4096)
        guard let keyRuns = dbs.keyRuns else { throw EventLogError.unavailable("the log was opened read-only") }
        var key = [UInt8](repeating: 0, count: 8)
        var value: [UInt8] = []
        let runStart = registry.runs.firstPosition(nextToFlush)
        for i in flushing.done..<sliceEnd {
            let keyId = flushing.groups.keys[i]
            withUnsafeBytes(of: nextToFlush.bigEndian) { key.replaceSubrange(0..<4, with: $0) }
            withUnsafeBytes(of: keyId.bigEndian) { key.replaceSubrange(4..<8, with: $0) }
            value.removeAll(keepingCapacity: true)
            KeyRun.encode(flushing.groups.positions(ofKeyAt: i), runStart: runStart, into: &value)
            // A put over an entry flushed before a crash writes the same bytes again.
            try txn.put(keyRuns, key: key, value: value)
            let head = state.head(keyId)
            value.removeAll(keepingCapacity: true)
            Bytes.appendBigEndian(head.count, to: &value)
            Bytes.appendBigEndian(head.lastPosition, to: &value)
            try withUnsafeBytes(of: keyId.bigEndian) { k in
                try value.withUnsafeBytes { v in try txn.put(dbs.heads, key: k, value: v) }
            }
        }
        flushing.done = sliceEnd
        state.flushing = flushing
        guard sliceEnd == flushing.groups.keys.count else { return nil }
        var runValue: [UInt8] = []
        Bytes.appendBigEndian(nextToFlush, to: &runValue)
        try txn.put(dbs.meta, key: Array(LogMeta.keyRunsFlushed.utf8), value: runValue)
        return nextToFlush
    }
}
