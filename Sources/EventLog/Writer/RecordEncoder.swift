import CCryptoBoringSSL
import Foundation

/// The writer's encoder thread: encodes and chains the records of the requests the stager hands it,
/// a few dozen requests at a time, while the stager goes on deciding the rest of the batch.
///
/// A record needs its position, version and key ids, which only the stager knows, and the chain
/// hash before it, which only the records before it give; everything else — making the payloads a
/// request deferred (``AppendRequest/payloads``: a processor's sealing and encoding), encoding the
/// record, hashing it, publishing its index entries to readers — runs here, on the other core. Small chunks rather than whole batches keep
/// the requests in the cache between the two threads, and keep a batch's latency that of staging
/// it: the encoder is done a chunk after the stager.
///
/// The stager clears the chunks it gets back (``takeSpare()``), so everything a request holds is
/// freed on the thread that made it.
final class RecordEncoder: @unchecked Sendable {  // fields are guarded by `lock`; the encoding state (`chainHash`, the outputs, `currentAttempt`, `currentFailure`, `touchedChains`) belongs to whoever set `busy` under it
    /// Requests of one staging attempt (a batch), in order, with where each event lands.
    struct Chunk {
        /// The staging attempt it belongs to: a new one starts a new output.
        var attempt = 0
        /// The output (``output(_:)``) the attempt's records go to.
        var output = 0
        var format = EventRecord.format2
        /// The attempt's last chunk.
        var ends = false
        var requests: [AppendRequest] = []
        var events: [PendingRecord] = []
        var eventKeys: [(id: UInt32, new: Bool)] = []
        /// The stream, type and tag entries of the in-memory key index its events make.
        var keyEntries: [(run: UInt32, keyId: UInt32, position: UInt64)] = []
    }

    private let lock = NSCondition()
    private var queue: [Chunk] = []
    /// Chunks encoded, for the stager to clear and reuse.
    private var spares: [Chunk] = []
    private var busy = false
    /// Threads waiting for the encoder to be idle, for an attempt or for the thread to stop: the
    /// encoder thread itself waits for work, and a chunk the stager encodes itself need not wake it.
    private var waiters = 0
    private var stopping = false
    private var stopped = false
    /// The last attempt whose chunks are all encoded, and the failures of attempts that could not be.
    private var finishedAttempt = -1
    private var failures: [Int: Error] = [:]

    /// The chain hash of the last record encoded: the encoder thread's, but for ``resetChain(to:)``
    /// while it is idle.
    private var chainHash: [UInt8]
    /// Two outputs: one committing while the next batch's records are encoded into the other. An
    /// output is the encoder's from an attempt's first chunk until that batch's commit is done.
    private let outputs: [UnsafeMutablePointer<EncodedRecords>]
    // The attempt being encoded and whether it failed (the encoder thread's).
    private var currentAttempt = -1
    private var currentFailure: Error?

    private let registry: KeyRegistry
    /// Objects payload closures use unretained (``EventLog/keepAliveForPayloads(_:)``): held as long
    /// as this encoder, which is where those closures run (on its thread, or on the stager's).
    private var keptAlive: [AnyObject] = []
    /// A sum of index chain heads read ahead of their update (kept, so the loads are not optimised away).
    private var touchedChains = 0

    /// Holds `object` for as long as this encoder exists.
    func keepAlive(_ object: AnyObject) {
        lock.lock()
        keptAlive.append(object)
        lock.unlock()
    }

    init(chainHash: [UInt8], registry: KeyRegistry) {
        self.chainHash = chainHash
        self.registry = registry
        outputs = allocateCells(2) { EncodedRecords() }
    }

    deinit { freeCells(outputs) }

    func start() {
        NamedThread.start("log-encode", qualityOfService: .userInitiated) { [self] in self.run() }
    }

    /// Finishes what is queued, then ends the thread.
    func stop() {
        lock.lock()
        stopping = true
        lock.broadcast()
        waiters += 1
        while !stopped { lock.wait() }
        waiters -= 1
        lock.unlock()
    }

    // MARK: The stager's side

    /// Queues the chunk for the encoder thread — or, with `here` and the encoder idle, encodes it on
    /// the calling thread: for a batch of a few requests the hand-off to the encoder thread and back
    /// costs more than the encoding (a lone connection's command waited ~20 µs longer).
    /// - Returns: whether it was encoded here.
    @discardableResult
    func submit(_ chunk: consuming Chunk, here: Bool = false) -> Bool {
        lock.lock()
        guard here && !busy && queue.isEmpty else {
            queue.append(chunk)
            lock.broadcast()  // the encoder thread and the waiters counted in `waiters` share the condition
            lock.unlock()
            return false
        }
        busy = true  // the encoder's state is this thread's until `busy` is cleared
        lock.unlock()
        encode(chunk)
        lock.lock()
        if chunk.ends { finish(chunk.attempt) }
        spares.append(chunk)
        busy = false
        // Only a thread waiting for the encoder needs to know; its own thread has nothing to do (the
        // queue was empty, and only this thread adds to it). Waking it anyway cost the stager a
        // futex wake and an interrupt to the other core for every lone command.
        if waiters > 0 { lock.broadcast() }
        lock.unlock()
        return true
    }

    /// An encoded chunk to refill (the encoder thread freed its requests; one the stager encoded
    /// itself still holds them until the caller clears it), or nil.
    func takeSpare() -> Chunk? {
        lock.lock()
        defer { lock.unlock() }
        return spares.popLast()
    }

    /// Frees what the spare chunks' requests hold, on the calling thread (the stager, going idle).
    func clearSpares() {
        var taken: [Chunk] = []
        lock.lock()
        swap(&taken, &spares)
        lock.unlock()
        guard !taken.isEmpty else { return }
        for i in taken.indices { taken[i].clear() }
        lock.lock()
        spares.append(contentsOf: taken)
        taken.removeAll()
        lock.unlock()
    }

    /// Blocks until every chunk submitted is encoded.
    func waitUntilIdle() {
        lock.lock()
        waiters += 1
        while busy || !queue.isEmpty { lock.wait() }
        waiters -= 1
        lock.unlock()
    }

    /// Sets the hash the next record chains on (after a reload from the store). Call once
    /// ``waitUntilIdle()`` returned, before submitting anything else.
    func resetChain(to hash: [UInt8]) {
        lock.lock()
        chainHash = hash
        currentAttempt = -1
        lock.unlock()
    }

    // MARK: The committer's side

    /// Blocks until the attempt is encoded; returns why it could not be, or nil.
    func waitUntilEncoded(_ attempt: Int) -> Error? {
        lock.lock()
        defer { lock.unlock() }
        waiters += 1
        while finishedAttempt < attempt { lock.wait() }
        waiters -= 1
        guard !failures.isEmpty else { return nil }
        let failure = failures[attempt]
        // Failures of earlier attempts nobody asked for (superseded batches) go too.
        failures = failures.filter { $0.key > attempt }
        return failure
    }

    /// An output's records: read them only between ``waitUntilEncoded(_:)`` of its attempt and the end
    /// of that batch's commit.
    func output(_ i: Int) -> UnsafeMutablePointer<EncodedRecords> { outputs[i] }

    // MARK: The encoder thread

    private func run() {
        var work: [Chunk] = []
        while true {
            lock.lock()
            // `busy` here: the stager is encoding a chunk itself (see ``submit(_:here:)``).
            while busy || (queue.isEmpty && !stopping) { lock.wait() }
            if queue.isEmpty {
                stopped = true
                lock.broadcast()
                lock.unlock()
                return
            }
            swap(&work, &queue)
            busy = true
            lock.unlock()

            for i in work.indices {
                encode(work[i])
                // The requests (their payloads, personal data included) are freed here, as soon as
                // they are encoded, not by the stager when it reuses the chunk: the stager's time
                // goes to deciding. (jemalloc, which every Chronicle program links, frees on one
                // thread what another allocated without the lock contention glibc's arenas had.)
                work[i].requests.removeAll(keepingCapacity: true)
                if work[i].ends {
                    lock.lock()
                    finish(work[i].attempt)
                    lock.broadcast()
                    lock.unlock()
                }
            }

            lock.lock()
            spares.append(contentsOf: work)
            // Emptied before the stager can take a spare, so the spares' arrays are uniquely
            // referenced and it refills them in place.
            work.removeAll(keepingCapacity: true)
            busy = false
            lock.broadcast()
            lock.unlock()
        }
    }

    /// Marks the attempt encoded, with its failure if any. Call with `lock` held.
    private func finish(_ attempt: Int) {
        finishedAttempt = attempt
        if let currentFailure { failures[attempt] = currentFailure }
    }

    private func encode(_ chunk: borrowing Chunk) {
        let out = outputs[chunk.output]
        if chunk.attempt != currentAttempt {
            currentAttempt = chunk.attempt
            currentFailure = nil
            out.pointee.reset()
        }
        // Before the batch is committed (the committer waits for the encoder), as readers need.
        publish(chunk.keyEntries)
        // A failed attempt fails as a whole: the rest of it is not encoded.
        guard currentFailure == nil else { return }
        do {
            try encodeRecords(chunk, into: &out.pointee)
        } catch {
            currentFailure = error
        }
    }

    /// Hands index entries to readers, under one lock (new key names reach them through the writer's
    /// ``KeyTable`` as they are made). Before the commit is fine: readers use only entries at
    /// positions their snapshot holds. A batch that then fails is undone by the writer's reload,
    /// which reloads the registry too (once the encoder is idle, so nothing is published after it).
    private func publish(_ keyEntries: [(run: UInt32, keyId: UInt32, position: UInt64)]) {
        guard !keyEntries.isEmpty else { return }
        registry.state.withLock { r in
            keyEntries.withUnsafeBufferPointer { entries in
                var i = 0
                while i < entries.count {
                    // A batch's entries share a run but for the batch that crosses into the next one.
                    let run = entries[i].run
                    var end = i
                    while end < entries.count && entries[end].run == run { end += 1 }
                    var table = r.memtables.removeValue(forKey: run) ?? Memtable(reservingFor: registry.runs)
                    touchedChains &+= table.add(UnsafeBufferPointer(rebasing: entries[i..<end]))
                    r.memtables[run] = table
                    i = end
                }
            }
        }
    }

    /// Encodes the chunk's records and chains them on from ``chainHash``: each record is hashed over
    /// the previous hash, its position and its body, and ends in that hash.
    private func encodeRecords(_ chunk: borrowing Chunk, into out: inout EncodedRecords) throws {
        var next = 0
        let format = chunk.format
        // Every payload of the chunk is made in this one buffer (see ``AppendRequest/payloads``).
        var payload: [UInt8] = []
        payload.reserveCapacity(1024)
        try chunk.requests.withUnsafeBufferPointer { requests in
            try chunk.eventKeys.withUnsafeBufferPointer { keys in
                try chunk.events.withUnsafeBufferPointer { pendingEvents in
                    for r in requests.indices {
                        // Fields are read in place through the pointers: a copy would retain each of them.
                        let request = requests.baseAddress.unsafelyUnwrapped + r
                        let payloads = request.pointee.payloads
                        try request.pointee.events.withUnsafeBufferPointer { events in
                            for i in events.indices {
                                let pending = pendingEvents[next]
                                next += 1
                                guard pending.request == Int32(r), pending.event == Int32(i) else {
                                    throw EventLogError.unavailable("staged events out of order at position \(pending.position)")
                                }
                                let e = events.baseAddress.unsafelyUnwrapped + i
                                let start = Int(pending.keysStart)
                                let eventKeys = UnsafeBufferPointer(rebasing: keys[start..<(start + 2 + e.pointee.tags.count)])
                                if let payloads {
                                    payload.removeAll(keepingCapacity: true)
                                    try payloads(i, &payload)
                                    payload.withUnsafeBytes { data in
                                        encodeRecord(e, pending, keys: eventKeys, data: data, request: request, format: format, into: &out)
                                    }
                                } else {
                                    e.pointee.data.withUnsafeBytes { data in
                                        encodeRecord(e, pending, keys: eventKeys, data: data, request: request, format: format, into: &out)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    private func encodeRecord(
        _ e: UnsafePointer<EventToAppend>, _ pending: PendingRecord, keys: UnsafeBufferPointer<(id: UInt32, new: Bool)>,
        data: UnsafeRawBufferPointer, request: UnsafePointer<AppendRequest>, format: UInt8, into out: inout EncodedRecords
    ) {
        // The chain input — previous hash ‖ position ‖ record body — is laid out back to back so it
        // is hashed in one pass; the record written is the body followed by the new hash.
        let chainStart = out.bytes.count
        out.bytes.append(contentsOf: chainHash)
        Bytes.appendBigEndian(pending.position, to: &out.bytes)
        let start = out.bytes.count
        if format == EventRecord.format2 {
            EventRecord.encodeBody2(
                version: pending.version, at: pending.at, actor: request.pointer(to: \.actor)!,
                commandId: request.pointee.commandId,
                correlationId: request.pointee.correlationId, causationId: request.pointee.causationId, event: e,
                keys: keys, data: data, into: &out.bytes)
        } else {
            EventRecord.encodeBody(
                version: pending.version, at: pending.at, actor: request.pointer(to: \.actor)!,
                commandId: request.pointee.commandId,
                correlationId: request.pointee.correlationId, causationId: request.pointee.causationId, event: e,
                data: data, into: &out.bytes)
        }
        // SHA-256 straight from BoringSSL (the one swift-crypto links): its `SHA256()` wrapper cost
        // as much again as hashing itself, per event. The chain's verifier (``HashChain``) hashes
        // through swift-crypto, so every verification test also checks that the two agree.
        let end = out.bytes.count
        out.bytes.append(contentsOf: repeatElement(0, count: EventRecord.hashLength))
        out.bytes.withUnsafeMutableBytes { all in
            let input = UnsafeRawBufferPointer(rebasing: all[chainStart..<end])
            let digest = all.baseAddress! + end
            _ = CCryptoBoringSSL_SHA256(input.baseAddress!.assumingMemoryBound(to: UInt8.self), input.count,
                                        digest.assumingMemoryBound(to: UInt8.self))
            chainHash.withUnsafeMutableBytes { $0.copyMemory(from: UnsafeRawBufferPointer(start: digest, count: EventRecord.hashLength)) }
        }
        out.records.append((pending.position, start..<out.bytes.count))
    }
}

extension RecordEncoder.Chunk {
    /// Empties the chunk, keeping its capacity (frees what its requests held, on the calling thread).
    mutating func clear() {
        requests.removeAll(keepingCapacity: true)
        events.removeAll(keepingCapacity: true)
        eventKeys.removeAll(keepingCapacity: true)
        keyEntries.removeAll(keepingCapacity: true)
    }
}
