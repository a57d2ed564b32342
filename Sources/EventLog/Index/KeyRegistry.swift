import Synchronization

/// Names → dense key ids for streams, tags and types, plus the in-memory part of the key index
/// (the runs not yet flushed to `keyIndex`). Shared by the writer and in-process readers.
///
/// The writer adds entries before it commits the transaction that makes them visible; readers only
/// use entries at positions their snapshot includes, so an uncommitted entry is never seen.
final class KeyRegistry: Sendable {
    struct State {
        var ids: [KeyKindName: UInt32] = [:]
        var names: [UInt32: KeyKindName] = [:]
        /// run → key id → positions (ascending), for runs not yet flushed (or just flushed).
        var memtables: [UInt32: [UInt32: [UInt64]]] = [:]
    }

    struct KeyKindName: Hashable, Sendable {
        var kind: KeyKind
        var name: String
    }

    let state = Mutex(State())
    let runs: IndexRuns

    init(runs: IndexRuns) { self.runs = runs }

    func id(_ kind: KeyKind, _ name: String) -> UInt32? {
        state.withLock { $0.ids[KeyKindName(kind: kind, name: name)] }
    }

    func name(of id: UInt32) -> KeyKindName? {
        state.withLock { $0.names[id] }
    }

    /// Positions of `keyId` in run `run` that are ≤ `limit`, or nil when that run's memtable is gone.
    func memtablePositions(run: UInt32, keyId: UInt32, through limit: UInt64) -> [UInt64]? {
        state.withLock { s in
            guard let table = s.memtables[run] else { return nil }
            guard let positions = table[keyId] else { return [] }
            if let last = positions.last, last <= limit { return positions }
            return positions.filter { $0 <= limit }
        }
    }

    func hasMemtable(run: UInt32) -> Bool { state.withLock { $0.memtables[run] != nil } }
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
