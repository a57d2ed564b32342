import Crypto
import Dispatch
import Foundation
import LMDB

/// A kept proof of the log's state: the position and the chain hash there (CONTRACT §7).
public struct Digest: Sendable, Hashable, CustomStringConvertible {
    public var position: UInt64
    public var hash: ChainHash

    public init(position: UInt64, hash: ChainHash) {
        self.position = position
        self.hash = hash
    }

    public var description: String { "\(position) \(hash.hex)" }
}

/// The outcome of ``EventLog/verify(through:digest:progress:)``.
public struct VerifyReport: Sendable, Hashable {
    /// Events checked.
    public var checked: UInt64
    /// The last position checked.
    public var lastPosition: UInt64
    /// The first position where the chain is broken, with the reason; nil when intact.
    public var firstBad: (position: UInt64, reason: String)?
    /// The chain hash at `lastPosition`.
    public var lastHash: ChainHash

    public var isIntact: Bool { firstBad == nil }

    public static func == (a: VerifyReport, b: VerifyReport) -> Bool {
        a.checked == b.checked && a.lastPosition == b.lastPosition && a.firstBad?.position == b.firstBad?.position
            && a.firstBad?.reason == b.firstBad?.reason && a.lastHash == b.lastHash
    }

    public func hash(into h: inout Hasher) {
        h.combine(checked)
        h.combine(lastPosition)
        h.combine(firstBad?.position)
    }
}

extension EventLog {
    /// The last position and its chain hash.
    public func digest() throws -> Digest {
        var result = Digest(position: 0, hash: .zero)
        try env.read { txn in
            try txn.withCursor(dbs.events) { c in
                guard let last = try c.last() else { return }
                let v = last.value
                guard v.count > EventRecord.hashLength else {
                    throw EventLogError.corrupt(position: Bytes.readBigEndianUInt64(last.key), "record too short")
                }
                result = Digest(
                    position: Bytes.readBigEndianUInt64(last.key),
                    hash: ChainHash(bytes: Array(v[(v.count - EventRecord.hashLength)...])))
            }
        }
        return result
    }

    /// Recomputes the hash chain from position 1 (through `through`, default the end of the snapshot)
    /// and reports the first position where it breaks: an edited record, a removed event (a gap), a
    /// reordered pair, an undecodable record, or a time that goes backwards. With `digest`, also
    /// checks that the chain hash at the digest's position is the kept one.
    ///
    /// Every record stores its own chain hash, so the log is split into `threads` ranges checked at
    /// once, each starting from the stored hash (and time) of the event before it; the report is the
    /// single-pass one: the first break of the earliest broken range.
    ///
    /// Runs on read snapshots, beside a writing server (positions never change once written).
    public func verify(through: UInt64? = nil, digest: Digest? = nil, threads: Int = 2,
                       progress: ((UInt64) -> Void)? = nil) throws -> VerifyReport {
        let last = try env.read { txn in
            try txn.withCursor(dbs.events) { c in try c.last().map { Bytes.readBigEndianUInt64($0.key) } ?? 0 }
        }
        let end = min(through ?? last, last)
        let parts = UInt64(max(1, min(threads, 64)))
        // Ranges of at least 4096 positions: small logs are checked in one pass.
        let count = end < 4096 * parts ? 1 : parts
        let starts = (0..<count).map { 1 + end / count * $0 }
        var report = try verifyRanges(starts: starts, end: end, progress: progress)
        if report.firstBad == nil, let digest {
            if report.lastPosition < digest.position {
                report.firstBad = (report.lastPosition + 1, "the log ends before the digest's position \(digest.position)")
            } else {
                // Position 0 is the empty log, whose hash is 32 zero bytes (CONTRACT §7).
                let kept = digest.position == 0 ? ChainHash.zero : try event(at: digest.position)?.hash
                if kept != digest.hash {
                    report.firstBad = (digest.position, "the chain hash at the digest's position differs from the kept digest")
                }
            }
        }
        return report
    }

    /// The chain check of positions `starts[0]...end` (`starts[0]` is 1), split into ranges beginning at
    /// `starts` (ascending), each on its own thread.
    func verifyRanges(starts: [UInt64], end: UInt64, progress: ((UInt64) -> Void)? = nil) throws -> VerifyReport {
        let ranges = starts.indices.map { k in
            (lo: starts[k], hi: k + 1 < starts.count ? starts[k + 1] - 1 : end)
        }.filter { $0.lo <= $0.hi }
        guard !ranges.isEmpty else {
            return VerifyReport(checked: 0, lastPosition: 0, firstBad: nil, lastHash: .zero)
        }
        let shared = VerifyThreads(ranges: ranges.count, progress: progress)
        let check: @Sendable (Int) -> Void = { k in
            let outcome = Result {
                try self.verifyRange(lo: ranges[k].lo, hi: ranges[k].hi) { n in shared.advance(n) }
            }
            shared.finish(k, outcome)
        }
        if ranges.count == 1 {
            check(0)
        } else {
            DispatchQueue.concurrentPerform(iterations: ranges.count, execute: check)
        }
        let outcomes = shared.outcomes
        // Key ids handed out before the range being looked at (format 2): none before position 1, not
        // known before a range that starts elsewhere.
        var nextKeyId: UInt64? = ranges[0].lo == 1 ? 0 : nil
        for k in ranges.indices {
            guard let outcome = outcomes[k] else { throw EventLogError.unavailable("a verify range did not run") }
            switch outcome {
            case .failure(let error): throw error
            case .success(let r):
                // A range that starts mid-log learns where key ids stand only from the ranges before it.
                var candidates = r.firstBad.map { [$0] } ?? []
                if let next = nextKeyId, let first = r.firstDefinition, first.id != next {
                    candidates.append((first.position, "defines key id \(first.id) where key id \(next) comes next"))
                }
                if let next = nextKeyId, let early = r.highestEarlyReference, early.id >= next {
                    candidates.append((early.position, "refers to key id \(early.id) before any event defines it"))
                }
                nextKeyId = r.nextKeyId ?? nextKeyId
                guard let bad = candidates.min(by: { $0.position < $1.position }) else { continue }
                // Everything before `bad.position` is intact: report as the single pass does.
                let before = bad.position - 1
                let hash = try before == 0 ? ChainHash.zero : storedHash(at: before) ?? .zero
                return VerifyReport(checked: before, lastPosition: before, firstBad: bad, lastHash: hash)
            }
        }
        if ranges[0].lo == 1, let nextKeyId, let why = try keysBeyondTheLog(definedThrough: end, count: nextKeyId) {
            return VerifyReport(checked: end, lastPosition: end, firstBad: (end + 1, why), lastHash: try storedHash(at: end) ?? .zero)
        }
        return VerifyReport(checked: end, lastPosition: end, firstBad: nil, lastHash: try storedHash(at: end) ?? .zero)
    }

    /// On a store of layout 3 verified through its last event: `keys` must hold exactly the ids the
    /// log defines (one it does not define — a stream renamed or added there — would reach readers and
    /// the writer without any event's hash covering it). Nil when so, or when events were appended
    /// after `end` meanwhile (their keys cannot be told apart without reading them: the next verify
    /// checks them).
    private func keysBeyondTheLog(definedThrough end: UInt64, count: UInt64) throws -> String? {
        try env.read { txn in
            let layout = try txn.get(dbs.meta, key: Array(LogMeta.layoutVersion.utf8))
            guard let layout, layout.count == 1, layout[0] >= 3 else { return nil }
            let last = try txn.withCursor(dbs.events) { c in try c.last().map { Bytes.readBigEndianUInt64($0.key) } ?? 0 }
            guard last == end else { return nil }
            let held = UInt64(try txn.stat(dbs.keys).entries)
            guard held != count else { return nil }
            return "the keys database holds \(held) keys where the log defines \(count)"
        }
    }

    struct RangeOutcome: Sendable {
        var firstBad: (position: UInt64, reason: String)?
        /// Format 2, for a range that starts mid-log: its first key definition, the highest key id it
        /// referred to before that, and one past the last id defined by the end of the range — checked
        /// against the ranges before it once they are done.
        var firstDefinition: (id: UInt64, position: UInt64)?
        var highestEarlyReference: (id: UInt64, position: UInt64)?
        var nextKeyId: UInt64?
    }

    /// The stored chain hash of the record at `position`, or nil when missing or too short.
    func storedHash(at position: UInt64) throws -> ChainHash? {
        try env.read { txn in
            try txn.withValue(dbs.events, key: Bytes.key(position)) { v in
                guard let v, v.count > EventRecord.hashLength else { return nil }
                return ChainHash(bytes: Array(v[(v.count - EventRecord.hashLength)...]))
            }
        }
    }

    /// Checks positions `lo...hi` from the stored hash and time of `lo - 1` (zero and 0 for `lo == 1`).
    /// When that record is missing or broken, an earlier range reports it, so any start does.
    private func verifyRange(lo: UInt64, hi: UInt64, progress: (UInt64) -> Void) throws -> RangeOutcome {
        try env.read { txn in
            var previous = ChainHash.zero.bytes
            var lastAt: Int64 = 0
            if lo > 1 {
                try txn.withValue(dbs.events, key: Bytes.key(lo - 1)) { v in
                    guard let v, v.count > EventRecord.hashLength else { return }
                    previous.withUnsafeMutableBytes { $0.copyMemory(from: UnsafeRawBufferPointer(rebasing: v[(v.count - EventRecord.hashLength)...])) }
                    lastAt = (try? EventRecord.decodeAt(v)) ?? 0
                }
            }
            var expected = lo
            var sinceProgress: UInt64 = 0
            var outcome = RangeOutcome()
            var keys = KeyCheck(nextId: lo == 1 ? 0 : nil)
            try txn.withCursor(dbs.events) { c in
                var entry = try c.seek(atLeast: Bytes.key(lo))
                while expected <= hi {
                    guard let e = entry else {
                        outcome.firstBad = (expected, "event \(expected) is missing (it is past the last stored position)")
                        return
                    }
                    let position = Bytes.readBigEndianUInt64(e.key)
                    if position != expected {
                        outcome.firstBad = (expected, "event \(expected) is missing (next stored position is \(position))")
                        return
                    }
                    let value = e.value
                    guard value.count > EventRecord.hashLength else {
                        outcome.firstBad = (position, "record too short")
                        return
                    }
                    let bodyCount = value.count - EventRecord.hashLength
                    var hasher = SHA256()
                    previous.withUnsafeBytes { hasher.update(bufferPointer: $0) }
                    withUnsafeBytes(of: position.bigEndian) { hasher.update(bufferPointer: $0) }
                    hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: value[0..<bodyCount]))
                    let computed = hasher.finalize()
                    let stored = UnsafeRawBufferPointer(rebasing: value[bodyCount...])
                    let same = computed.withUnsafeBytes { $0.elementsEqual(stored) }
                    if !same {
                        outcome.firstBad = (position, "hash mismatch: the record or its predecessor's hash was altered")
                        return
                    }
                    guard let at = try? EventRecord.decodeAt(value) else {
                        outcome.firstBad = (position, "undecodable record")
                        return
                    }
                    if at < lastAt {
                        outcome.firstBad = (position, "time goes backwards")
                        return
                    }
                    if value[0] == EventRecord.format2, let why = try keys.check(position, value, txn, dbs.keys, names) {
                        outcome.firstBad = (position, why)
                        return
                    }
                    lastAt = at
                    previous.withUnsafeMutableBytes { $0.copyMemory(from: stored) }
                    expected = position + 1
                    sinceProgress += 1
                    if sinceProgress == 0x10000 {
                        progress(sinceProgress)
                        sinceProgress = 0
                    }
                    if expected <= hi { entry = try c.next() }
                }
            }
            if sinceProgress > 0 { progress(sinceProgress) }
            outcome.firstDefinition = keys.firstDefinition
            outcome.highestEarlyReference = keys.highestEarlyReference
            outcome.nextKeyId = keys.nextId
            return outcome
        }
    }
}

/// The key fields of format-2 records against the `keys` database. Key ids are dense and handed out
/// in order of first use, and the event that uses a key first defines it (a stream's first event
/// carries its new id): so each definition must have the next id, in order, and be what `keys`
/// holds for that id — a key renamed in `keys`, which no record's hash covers, is caught at the
/// event that defines it — and each reference must name a key defined before it, of the right kind.
/// A range that starts mid-log does not know the next id until its first definition: what it saw
/// before is checked once the ranges before it are done (``EventLog/RangeOutcome``).
private struct KeyCheck {
    /// One past the last id defined so far (nil: not known yet, in a range that starts mid-log).
    var nextId: UInt64?
    var firstDefinition: (id: UInt64, position: UInt64)?
    var highestEarlyReference: (id: UInt64, position: UInt64)?
    private var fields: [(id: UInt32, kind: KeyKind, name: UnsafeRawBufferPointer?)] = []

    init(nextId: UInt64?) { self.nextId = nextId }

    /// Nil when the record's key fields are sound, else why not.
    mutating func check(_ position: UInt64, _ value: UnsafeRawBufferPointer, _ txn: borrowing Transaction,
                        _ keysDB: Database, _ names: KeyNames) throws -> String? {
        fields.removeAll(keepingCapacity: true)
        do {
            try EventRecord.keyDefinitions(value) { id, kind, name throws(RecordError) in fields.append((id, kind, name)) }
        } catch {
            return "undecodable record: \(error)"
        }
        for (id, kind, name) in fields {
            guard let name else {
                if let next = nextId {
                    guard UInt64(id) < next else { return "refers to key id \(id) before any event defines it" }
                } else if UInt64(id) > highestEarlyReference?.id ?? 0 || highestEarlyReference == nil {
                    highestEarlyReference = (UInt64(id), position)
                }
                guard (try? names.ensure(id)) != nil else { return "refers to key id \(id), which the keys database does not hold" }
                guard names.kind(id) == kind.rawValue else { return "refers to key id \(id) as a \(kind), which it is not" }
                continue
            }
            if let next = nextId {
                guard UInt64(id) == next else { return "defines key id \(id) where key id \(next) comes next" }
            } else {
                firstDefinition = (UInt64(id), position)
            }
            nextId = UInt64(id) + 1
            let stored = try withUnsafeBytes(of: id.bigEndian) { k in
                try txn.withValue(keysDB, key: k) { v in v.map { Array($0) } }
            }
            guard let stored else { return "defines key id \(id), which is missing from the keys database" }
            guard stored.first == kind.rawValue, stored.dropFirst().elementsEqual(name) else {
                return "defines key id \(id) differently from the keys database (which names it \""
                    + String(decoding: stored.dropFirst(), as: UTF8.self) + "\")"
            }
        }
        return nil
    }
}

/// What the verifying threads share: their outcomes and the caller's progress callback, which is
/// called one call at a time with the events checked so far.
private final class VerifyThreads: @unchecked Sendable {  // every field is behind `lock`
    private let lock = NSLock()
    private let progress: ((UInt64) -> Void)?
    private var done: UInt64 = 0
    private var results: [Result<EventLog.RangeOutcome, any Error>?]

    init(ranges: Int, progress: ((UInt64) -> Void)?) {
        self.progress = progress
        results = Array(repeating: nil, count: ranges)
    }

    func advance(_ n: UInt64) {
        lock.lock()
        defer { lock.unlock() }
        done += n
        progress?(done)
    }

    func finish(_ k: Int, _ outcome: Result<EventLog.RangeOutcome, any Error>) {
        lock.lock()
        defer { lock.unlock() }
        results[k] = outcome
    }

    var outcomes: [Result<EventLog.RangeOutcome, any Error>?] {
        lock.lock()
        defer { lock.unlock() }
        return results
    }
}
