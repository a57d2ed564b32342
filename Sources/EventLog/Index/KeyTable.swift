#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import IdHashing
import LMDB
import Locking
import StringBytes

/// Names → key ids for the writer, which looks up a stream, a type and every tag of every event.
///
/// Open addressing with linear probing over 32-byte slots that hold a short name inline (up to 22
/// UTF-8 bytes: every stream, type and tag of the demo company). A lookup of a short name touches one
/// slot — one cache line — where Swift's `Dictionary` touches its occupancy bitmap, its key array and
/// its value array: on a table of 200,000 keys, most of the writer's time per event went to those
/// three cache misses. Longer names are compared against their entry in `names` (``KeyNames``: up to
/// 31 bytes inline, so one cache miss reads it) after the slot's hash matches.
///
/// A short name is hashed by two 64×64→128-bit multiply-folds of its slot words with a per-process
/// secret, a long one by the same kind of folds over 16 bytes at a time (``IdKey/hash(bytes:)``, the
/// domain's tables' hash, with its own secret), so collisions cannot be planned from outside the
/// process. (SipHash, through `Hasher`, was 2% of the writer's time for the load generator's names
/// of 27–34 bytes.)
///
/// One thread (the writer) changes the table and looks names up without locking. Readers on other
/// threads look up through ``sharedId(_:_:)``, under `lock`, which the writer holds for every
/// change — so the writer pays for the lock only when it adds a key, and there is no second map of
/// names for readers to keep up to date. The fields skip the run-time exclusivity checks: these
/// rules, not the checks, keep accesses apart.
final class KeyTable: @unchecked Sendable {
    /// Four words per slot: `tag << 32 | id` (0 = empty), then 24 bytes: kind, length (or 0xFF for a
    /// long name), the name's bytes zero-padded — or, for a long name, its whole hash in the third
    /// word.
    @exclusivity(unchecked) private var words: HugePageBuffer
    @exclusivity(unchecked) private var mask: Int
    /// While the table grows: the smaller table before it, whose slots from `migrated` on are yet
    /// to be copied — a few with every insert, so that no insert pays for the whole table (copying
    /// millions of slots at once stalled the writer for most of a second). Lookups try the current
    /// table, then this one.
    @exclusivity(unchecked) private var previous: HugePageBuffer?
    @exclusivity(unchecked) private var previousMask = 0
    @exclusivity(unchecked) private var migrated = 0
    /// The table to grow into, mapped at half full and populated ahead (see ``step()``).
    @exclusivity(unchecked) private var next: HugePageBuffer?
    /// Slots of the previous table copied per insert: the copy ends after a sixteenth as many
    /// inserts as the previous table has slots, long before the current one is half full.
    private static let migrationStep = 16
    /// Every key's kind and name, by id (ids are dense: the writer hands them out in order). The
    /// table adds a name there as it stores its id; readers of records share the same entries, so a
    /// name is held once, not as a `String` here as well (on a store of millions of keys, tens of
    /// MiB), and a long name's comparison reads one entry instead of an array element and a string.
    let names: KeyNames
    @exclusivity(unchecked) private(set) var count = 0

    /// A per-process secret mixed into every hash, so that names chosen by clients cannot be made to
    /// collide on purpose (the role SipHash's seed plays for `Hasher`).
    private let seed = (UInt64.random(in: .min ... .max), UInt64.random(in: .min ... .max))
    private static let inlineCapacity = 22
    /// Held by readers for a lookup and by the writer for a change.
    private let lock = Lock(())
    private static let longMarker: UInt8 = 0xFF

    init(names: KeyNames, minimumCapacity: Int = 1024) {
        self.names = names
        var capacity = 16
        while capacity < minimumCapacity * 2 { capacity <<= 1 }
        words = HugePageBuffer(count: capacity * 4)
        mask = capacity - 1
    }

    /// The id of `name`, or nil.
    func id(_ kind: KeyKind, _ name: String) -> UInt32? {
        return Bytes.withUTF8(of: name) { u in lookup(Probe(kind, u, seed), u).id }
    }

    /// The id of `name`, or nil, for a thread other than the writer's. Under `names`' lock too: a
    /// table the registry handed out before a failed batch may compare a long name with an entry
    /// of that batch's, which the writer's next keys rewrite once `names` has forgotten it.
    func sharedId(_ kind: KeyKind, _ name: String) -> UInt32? {
        lock.withLock { _ in names.withEntriesLocked { id(kind, name) } }
    }

    /// The id of `name`, or the id `newId()` returns, stored for it (the writer only).
    /// - Returns: the id and whether it is new.
    func id(_ kind: KeyKind, _ name: String, orInsert newId: () -> UInt32) -> (id: UInt32, inserted: Bool) {
        Bytes.withUTF8(of: name) { u in id(Probe(kind, u, seed), u, orInsert: newId) }
    }

    /// The probe of `name` (its hash and inline form), with the cache line of its first slot
    /// requested from memory (the writer only). Probing every key of a request first and then
    /// looking each up (``id(_:_:orInsert:)-(Probe,_,_)``) lets the cache misses of their slots
    /// overlap, where one look-up after another waited for each in turn.
    @inline(__always)
    func probe(_ kind: KeyKind, _ name: String) -> Probe {
        Bytes.withUTF8(of: name) { u in probe(kind, u) }
    }

    /// ``probe(_:_:)`` for the name stored at `name`, read in place (see ``Swift/String/withUTF8(at:_:)``).
    @inline(__always)
    func probe(_ kind: KeyKind, at name: UnsafePointer<String>) -> Probe {
        String.withUTF8(at: name) { u in probe(kind, u) }
    }

    @inline(__always)
    private func probe(_ kind: KeyKind, _ u: UnsafeBufferPointer<UInt8>) -> Probe {
        let p = Probe(kind, u, seed)
        prefetchCacheLine(words.base + (p.hash & mask) &* 4)
        if let previous { prefetchCacheLine(previous.base + (p.hash & previousMask) &* 4) }
        return p
    }

    /// For a long name probed with ``probe(_:_:)``, once its slot is in the cache: requests the
    /// name's entry in `names` that the look-up will compare it with, when its first slot holds a
    /// name of the same hash (almost always the one looked up).
    @inline(__always)
    func prefetchName(_ p: Probe) {
        guard p.isLong else { return }
        let w = words.base + (p.hash & mask) &* 4
        let w0 = w[0]
        guard w0 & 0xFFFF_FFFF_0000_0000 == p.tag, w[1] == p.w1, w[2] == p.w2 else { return }
        let id = UInt32(truncatingIfNeeded: w0)
        if Int(id) < names.count { names.prefetch(id) }
    }

    /// ``id(_:_:orInsert:)`` for a name probed with ``probe(_:_:)`` (by this table, since any
    /// change: a probe is the name's hash and bytes, whatever table looks it up).
    func id(_ probe: Probe, _ name: String, orInsert newId: () -> UInt32) -> (id: UInt32, inserted: Bool) {
        Bytes.withUTF8(of: name) { u in id(probe, u, orInsert: newId) }
    }

    /// ``id(_:_:orInsert:)`` for the name stored at `name`, read in place.
    func id(
        _ probe: Probe, at name: UnsafePointer<String>, orInsert newId: () -> UInt32
    ) -> (id: UInt32, inserted: Bool) {
        String.withUTF8(at: name) { u in id(probe, u, orInsert: newId) }
    }

    @inline(__always)
    private func id(_ probe: Probe, _ u: UnsafeBufferPointer<UInt8>, orInsert newId: () -> UInt32) -> (id: UInt32, inserted: Bool) {
        let (slot, known) = lookup(probe, u)
        if let known { return (known, false) }
        let id = newId()
        lock.withLock { _ in
            assert(names.count == Int(id), "key id \(id) is not the next of the log's names (\(names.count))")
            names.append(id: id, kind: probe.kind.rawValue, name: u)
            store(probe, id: id, at: slot)
            count += 1
            step()
        }
        return (id, true)
    }

    /// Stores `name` under `id` (replacing the id a name already had).
    func insert(_ kind: KeyKind, _ name: String, id: UInt32) {
        lock.withLock { _ in
            Bytes.withUTF8(of: name) { u in
                let probe = Probe(kind, u, seed)
                let (slot, known) = lookup(probe, u)
                // A name of the previous table is stored anew in the current one, which the copy
                // then leaves alone.
                names.append(id: id, kind: kind.rawValue, name: u)  // (nothing when it has the id already)
                store(probe, id: id, at: slot)
                if known == nil { count += 1 }
            }
            step()
        }
    }

    // MARK: Internals

    /// A name's hash tag and its inline form.
    struct Probe {
        var hash: Int
        var tag: UInt64
        var w1: UInt64 = 0
        var w2: UInt64 = 0
        var w3: UInt64 = 0
        var isLong: Bool
        var kind: KeyKind

        init(_ kind: KeyKind, _ u: UnsafeBufferPointer<UInt8>, _ seed: (UInt64, UInt64)) {
            self.kind = kind
            let long = u.count > KeyTable.inlineCapacity
            var inline = (UInt64(0), UInt64(0), UInt64(0))
            withUnsafeMutableBytes(of: &inline) { b in
                b[0] = kind.rawValue
                b[1] = long ? KeyTable.longMarker : UInt8(u.count)
                if !long { UnsafeMutableRawBufferPointer(rebasing: b[2...]).copyMemory(from: UnsafeRawBufferPointer(u)) }
            }
            isLong = long
            (w1, w2, w3) = inline
            if long {
                let bytes = IdKey.hash(bytes: UnsafeRawBufferPointer(u))
                hash = Int(bitPattern: UInt(truncatingIfNeeded: Self.fold(bytes ^ seed.0, (UInt64(kind.rawValue) << 56 | 1) ^ seed.1)))
                // A long name's slot keeps its whole hash where a short name's bytes would be, so
                // that growing rehashes it without its string.
                w2 = UInt64(bitPattern: Int64(hash))
            } else {
                hash = Self.inlineHash(inline, seed)
            }
            tag = Self.tag(hash)
        }

        /// The probe of a name from its slot's words (a short name's bytes, or a long name's hash):
        /// no string is touched.
        init(slot: (UInt64, UInt64, UInt64), _ seed: (UInt64, UInt64)) {
            (w1, w2, w3) = slot
            let kindByte = UInt8(truncatingIfNeeded: slot.0)
            assert(KeyKind(rawValue: kindByte) != nil, "a stored slot's first name byte is its kind")
            kind = KeyKind(rawValue: kindByte) ?? .stream
            isLong = UInt8(truncatingIfNeeded: slot.0 >> 8) == KeyTable.longMarker
            hash = isLong ? Int(Int64(bitPattern: slot.1)) : Self.inlineHash(slot, seed)
            tag = Self.tag(hash)
        }

        /// The inline words hold kind, length and name: two 64×64→128-bit multiply-folds of them
        /// with the secret (as wyhash does) — a few cycles, where SipHash took ~30 ns.
        @inline(__always)
        private static func inlineHash(_ w: (UInt64, UInt64, UInt64), _ seed: (UInt64, UInt64)) -> Int {
            let a = fold(w.0 ^ seed.0, w.1 ^ seed.1)
            return Int(bitPattern: UInt(truncatingIfNeeded: fold(a ^ w.2, seed.0 ^ 0x9E37_79B9_7F4A_7C15)))
        }

        /// Nonzero by construction, so 0 can mean "empty".
        @inline(__always)
        private static func tag(_ hash: Int) -> UInt64 {
            (UInt64(UInt32(truncatingIfNeeded: UInt64(bitPattern: Int64(hash)) >> 32)) | 1) << 32
        }

        @inline(__always)
        private static func fold(_ a: UInt64, _ b: UInt64) -> UInt64 {
            let p = a.multipliedFullWidth(by: b)
            return p.high ^ p.low
        }
    }

    /// The name's slot in the current table (where it is, or the empty slot where it would go), and
    /// its id in either table.
    private func lookup(_ p: Probe, _ u: UnsafeBufferPointer<UInt8>) -> (slot: Int, id: UInt32?) {
        let (slot, found) = find(p, u, in: words.base, mask: mask)
        if found { return (slot, UInt32(truncatingIfNeeded: words.base[slot * 4])) }
        if let previous {
            let (old, inPrevious) = find(p, u, in: previous.base, mask: previousMask)
            if inPrevious { return (slot, UInt32(truncatingIfNeeded: previous.base[old * 4])) }
        }
        return (slot, nil)
    }

    /// The slot of `w` holding the name, or the empty slot where it would go.
    private func find(
        _ p: Probe, _ u: UnsafeBufferPointer<UInt8>, in w: UnsafeMutablePointer<UInt64>, mask: Int
    ) -> (slot: Int, found: Bool) {
        var i = p.hash & mask
        while true {
            let w0 = w[i * 4]
            if w0 == 0 { return (i, false) }
            if w0 & 0xFFFF_FFFF_0000_0000 == p.tag && w[i * 4 + 1] == p.w1 && w[i * 4 + 2] == p.w2 && w[i * 4 + 3] == p.w3 {
                // (The kind is in the slot's first name word, which matched.)
                if !p.isLong || sameName(UInt32(truncatingIfNeeded: w0), UnsafeRawBufferPointer(u)) { return (i, true) }
            }
            i = (i + 1) & mask
        }
    }

    private func store(_ p: Probe, id: UInt32, at slot: Int) {
        words.base[slot * 4] = p.tag | UInt64(id)
        words.base[slot * 4 + 1] = p.w1
        words.base[slot * 4 + 2] = p.w2
        words.base[slot * 4 + 3] = p.w3
    }

    /// Whether key `id` is named `name`. An id `names` does not hold (a failed batch's, forgotten
    /// since: its entry may be reused) names nothing.
    @inline(__always)
    private func sameName(_ id: UInt32, _ name: UnsafeRawBufferPointer) -> Bool {
        guard Int(id) < names.count else { return false }
        let stored = names.name(id)
        return stored.count == name.count && (name.isEmpty || memcmp(stored.baseAddress!, name.baseAddress!, name.count) == 0)
    }

    /// After an insert (under `lock`): copies the next slots of the previous table, or grows as
    /// ``HugePageBuffer/tableToGrowInto(next:count:slots:wordsPerSlot:)`` says.
    private func step() {
        if previous != nil {
            migrate(Self.migrationStep)
        } else if let larger = HugePageBuffer.tableToGrowInto(next: &next, count: count, slots: mask + 1, wordsPerSlot: 4) {
            previous = words
            previousMask = mask
            migrated = 0
            words = larger
            mask = larger.count / 4 - 1
            migrate(Self.migrationStep)
        }
    }

    /// Copies up to `n` slots of the previous table into the current one; drops it after the last.
    private func migrate(_ n: Int) {
        guard let old = previous else { return }
        let o = old.base
        let end = min(previousMask + 1, migrated + n)
        while migrated < end {
            let s = migrated
            migrated += 1
            let w0 = o[s * 4]
            guard w0 != 0 else { continue }
            let probe = Probe(slot: (o[s * 4 + 1], o[s * 4 + 2], o[s * 4 + 3]), seed)
            let id = UInt32(truncatingIfNeeded: w0)
            if let slot = emptySlotUnlessStored(probe, id: id) { store(probe, id: id, at: slot) }
        }
        if migrated > previousMask { previous = nil }
    }

    /// The empty slot of the current table for a name of the previous one (known by its slot's
    /// words and its id there), or nil when the current table holds the name already — stored
    /// anew, with a newer id, since the table began to grow.
    private func emptySlotUnlessStored(_ p: Probe, id: UInt32) -> Int? {
        let w = words.base
        var i = p.hash & mask
        while true {
            let w0 = w[i * 4]
            if w0 == 0 { return i }
            if w0 & 0xFFFF_FFFF_0000_0000 == p.tag && w[i * 4 + 1] == p.w1 && w[i * 4 + 2] == p.w2 && w[i * 4 + 3] == p.w3 {
                // A short name's words are the name; a long name's hold its hash, so compare the names.
                if !p.isLong { return nil }
                if Int(id) < names.count && sameName(UInt32(truncatingIfNeeded: w0), names.name(id)) { return nil }
            }
            i = (i + 1) & mask
        }
    }
}
