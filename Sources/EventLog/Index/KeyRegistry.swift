import Locking

/// Names → dense key ids for streams, tags and types, plus the in-memory part of the key index
/// (the runs not yet flushed to `keyRuns`). Shared by the writer and in-process readers.
///
/// The writer adds entries before it commits the transaction that makes them visible; readers only
/// use entries at positions their snapshot includes, so an uncommitted entry is never seen.
final class KeyRegistry: Sendable {
    struct State {
        /// The writer's table of names → ids (readers look up with `sharedId`); set, and replaced,
        /// when the writer loads its state.
        var ids: KeyTable?
        /// run → its in-memory index, for runs not yet flushed (or just flushed).
        var memtables: [UInt32: Memtable] = [:]
    }

    let state = Lock(State())
    let runs: IndexRuns

    init(runs: IndexRuns) { self.runs = runs }

    func id(_ kind: KeyKind, _ name: String) -> UInt32? {
        state.withLock { $0.ids }?.sharedId(kind, name)
    }

    /// Positions of `keyId` in run `run` in `lo...limit`, or nil when that run's memtable is gone.
    func memtablePositions(run: UInt32, keyId: UInt32, from lo: UInt64, through limit: UInt64) -> [UInt64]? {
        state.withLock { s in
            guard let table = s.memtables[run] else { return nil }
            return table.positions(of: keyId, from: lo, through: limit)
        }
    }

    func hasMemtable(run: UInt32) -> Bool { state.withLock { $0.memtables[run] != nil } }
}

/// One run's in-memory key index: every (key, position) entry in append order, each linked to the
/// previous entry of the same key, so adding an entry is three array appends and a store — no
/// per-key allocation, no hashing — and a key's positions are a walk down its chain.
///
/// Key ids are dense (0, 1, 2, …), so the chain heads are a flat array indexed by key id.
struct Memtable: Sendable {
    /// Entry i's key and position; positions never decrease along entries.
    private var entryKeys: [UInt32] = []
    private var entryPositions: [UInt64] = []
    /// Entry i's predecessor of the same key, or -1. (`Int`, not `Int32`: a run of 2^30 positions
    /// with two entries each would pass `Int32.max`.)
    private var previous: [Int] = []
    /// Key id → its last entry, or -1 (sized past the highest key id seen).
    private var lastEntry: [Int] = []

    init() {}

    /// An empty table with room for `runs`' positions at six entries each (a stream, a type and a
    /// few tags), so that filling a run does not copy the entries each time the arrays double; the
    /// room is address space only until entries are written. (Beyond it, the arrays grow as usual.)
    init(reservingFor runs: IndexRuns) {
        let entries = (1 << Int(min(runs.shift, 24))) * 6
        entryKeys.reserveCapacity(entries)
        entryPositions.reserveCapacity(entries)
        previous.reserveCapacity(entries)
    }

    /// Adds an entry. Callers add a key at most once per position (the writer deduplicates tags),
    /// and positions in ascending order.
    mutating func add(keyId: UInt32, position: UInt64) {
        let k = Int(keyId)
        if k >= lastEntry.count {
            lastEntry.append(contentsOf: repeatElement(-1, count: max(k + 1 - lastEntry.count, lastEntry.count / 2)))
        }
        let before = lastEntry[k]
        lastEntry[k] = entryPositions.count
        entryKeys.append(keyId)
        entryPositions.append(position)
        previous.append(before)
    }

    /// Adds `entries` (run, key, position) in order, as ``add(keyId:position:)`` does, after a pass
    /// that only reads the keys' chain heads: keys that recur rarely miss the cache, and in a loop of
    /// their own those misses overlap.
    mutating func add(_ entries: UnsafeBufferPointer<(run: UInt32, keyId: UInt32, position: UInt64)>) -> Int {
        var touched = 0
        lastEntry.withUnsafeBufferPointer { last in
            for e in entries where Int(e.keyId) < last.count { touched &+= last[Int(e.keyId)] }
        }
        for e in entries { add(keyId: e.keyId, position: e.position) }
        return touched
    }

    /// The key's positions in `lo...limit`, ascending. The walk goes down the chain from the key's
    /// last entry and stops below `lo`, so a read near the end of the run touches only what it needs.
    func positions(of keyId: UInt32, from lo: UInt64 = 0, through limit: UInt64 = .max) -> [UInt64] {
        let k = Int(keyId)
        guard k < lastEntry.count else { return [] }
        var out: [UInt64] = []
        var i = lastEntry[k]
        while i >= 0 {
            let p = entryPositions[i]
            if p < lo { break }
            if p <= limit { out.append(p) }
            i = previous[i]
        }
        out.reverse()
        return out
    }

    /// Every entry grouped by key — keys ascending, each key's positions ascending — by a stable
    /// counting sort over the dense key ids: two sequential passes, no comparisons.
    func groupedByKey() -> KeyGroups {
        var counts = [Int](repeating: 0, count: lastEntry.count + 1)
        for k in entryKeys { counts[Int(k)] += 1 }
        var groups = KeyGroups()
        var next = [Int](repeating: 0, count: counts.count)
        var total = 0
        for id in counts.indices where counts[id] > 0 {
            groups.keys.append(UInt32(id))
            next[id] = total
            total += counts[id]
            groups.ends.append(total)
        }
        groups.positions = [UInt64](repeating: 0, count: total)
        groups.positions.withUnsafeMutableBufferPointer { out in
            next.withUnsafeMutableBufferPointer { next in
                for i in entryKeys.indices {
                    let k = Int(entryKeys[i])
                    out[next[k]] = entryPositions[i]
                    next[k] += 1
                }
            }
        }
        return groups
    }
}

/// A sealed run's index entries grouped by key, in the order `keyRuns` stores them.
struct KeyGroups: Sendable {
    /// Key ids, ascending.
    var keys: [UInt32] = []
    /// `ends[i]` is one past key i's last position in `positions`.
    var ends: [Int] = []
    var positions: [UInt64] = []

    /// Key i's positions, ascending.
    func positions(ofKeyAt i: Int) -> ArraySlice<UInt64> {
        positions[(i == 0 ? 0 : ends[i - 1])..<ends[i]]
    }
}

/// Runs of the key index: fixed ranges of 2^shift positions (2^20 by default, kept in `meta`).
struct IndexRuns: Sendable {
    let shift: UInt64

    /// The run that holds `position` (≥ 1).
    @inline(__always) func of(_ position: UInt64) -> UInt32 { UInt32(truncatingIfNeeded: (position - 1) >> shift) }
    /// The first position of `run`.
    @inline(__always) func firstPosition(_ run: UInt32) -> UInt64 { (UInt64(run) << shift) + 1 }
    /// The last position of `run`.
    @inline(__always) func lastPosition(_ run: UInt32) -> UInt64 { (UInt64(run) + 1) << shift }
}
