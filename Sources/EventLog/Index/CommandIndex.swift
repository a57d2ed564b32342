import LMDB

/// The writer's map from a command id's hash to the command's sequence in `commands`, for finding
/// a repeated command id (``LogWriter/previousResult(commandId:)``). Two ids whose whole hashes are
/// equal are the caller's to keep apart (``WriterState/commandOverflow``).
///
/// Open addressing over pairs of words — the hash (0 marks an empty slot, so the hash 0 is kept
/// beside the table) and the sequence —
/// at most three quarters full (half, when the populator keeps up), in memory mapped lazily
/// (``HugePageBuffer``), growing as ``KeyTable`` does: the doubled table starts empty and the
/// previous one is copied a few slots with every insert, while lookups try both. `Dictionary`, which it replaces, rehashed every entry at once when it doubled,
/// and the writer stalled with it: 92 ms at 1.6 million commands, 418 ms at 6.3 million, 2 s at 12.6
/// million (measured on this machine with a `[Int: UInt64]` of string hashes).
///
/// Confined to the writer thread, like the rest of ``WriterState``.
final class CommandIndex {
    @exclusivity(unchecked) private var table: HugePageBuffer
    @exclusivity(unchecked) private var mask: Int
    /// While growing: the table before, whose slots from `migrated` on are yet to be copied.
    @exclusivity(unchecked) private var previous: HugePageBuffer?
    @exclusivity(unchecked) private var previousMask = 0
    @exclusivity(unchecked) private var migrated = 0
    /// The table to grow into, mapped at half full and populated ahead (see ``grow()``).
    @exclusivity(unchecked) private var next: HugePageBuffer?
    @exclusivity(unchecked) private(set) var count = 0
    /// The sequence stored under the hash 0, which the table cannot hold (0 marks its empty slots).
    @exclusivity(unchecked) private var zero: UInt64?
    /// Slots of the previous table copied per insert: the copy ends after a sixteenth as many
    /// inserts as it has slots, long before the new table is half full.
    static let migrationStep = 16

    init(minimumCapacity: Int = 1024) {
        var slots = 16
        while slots < minimumCapacity * 2 { slots <<= 1 }
        table = HugePageBuffer(count: slots * 2)
        mask = slots - 1
    }

    /// The sequence stored under `hash`, or nil.
    func sequence(forHash hash: Int) -> UInt64? {
        if hash == 0 { return zero }
        let k = Self.key(hash)
        if let v = Self.find(k, in: table, mask: mask) { return v }
        if let p = previous { return Self.find(k, in: p, mask: previousMask) }
        return nil
    }

    /// Stores `sequence` under `hash`; false, changing nothing, when `hash` is there already.
    /// Starts loading the slot where `hash` is looked up: a batch's next command ids are asked for
    /// ahead, so their cache misses overlap the commands decided meanwhile instead of stalling each.
    @inline(__always)
    func prefetch(hash: Int) {
        guard hash != 0 else { return }
        prefetchCacheLine(table.base + 2 &* Self.slot(Self.key(hash), mask))
    }

    @discardableResult
    func insert(hash: Int, sequence: UInt64) -> Bool {
        if self.sequence(forHash: hash) != nil { return false }
        if hash == 0 {
            zero = sequence
            count += 1
            return true
        }
        if (count + 1) * 2 > mask + 1 { grow() }
        Self.place(Self.key(hash), sequence, in: table, mask: mask)
        count += 1
        migrateSome()
        return true
    }

    /// Whether a previous table is still being copied (for tests).
    var isGrowing: Bool { previous != nil }

    @inline(__always)
    private static func key(_ hash: Int) -> UInt64 { UInt64(bitPattern: Int64(hash)) }  // never 0 here

    @inline(__always)
    private static func slot(_ key: UInt64, _ mask: Int) -> Int {
        Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> 32) & mask
    }

    private static func find(_ key: UInt64, in t: HugePageBuffer, mask: Int) -> UInt64? {
        var i = slot(key, mask)
        while true {
            let stored = t.base[2 &* i]
            if stored == 0 { return nil }
            if stored == key { return t.base[2 &* i &+ 1] }
            i = (i &+ 1) & mask
        }
    }

    private static func place(_ key: UInt64, _ value: UInt64, in t: HugePageBuffer, mask: Int) {
        var i = slot(key, mask)
        while t.base[2 &* i] != 0 { i = (i &+ 1) & mask }
        t.base[2 &* i] = key
        t.base[2 &* i &+ 1] = value
    }

    /// Grows as ``HugePageBuffer/tableToGrowInto(next:count:slots:wordsPerSlot:)`` says, once the
    /// previous copy is done (long before three quarters, by the arithmetic of ``migrationStep``).
    private func grow() {
        guard previous == nil,
              let larger = HugePageBuffer.tableToGrowInto(next: &next, count: count + 1, slots: mask + 1, wordsPerSlot: 2)
        else { return }
        previous = table
        previousMask = mask
        migrated = 0
        table = larger
        mask = larger.count / 2 - 1
    }

    /// Copies the next slots of the previous table; a key is in exactly one of the two tables, so
    /// each is placed without a lookup.
    private func migrateSome() {
        guard let p = previous else { return }
        let end = min(migrated + Self.migrationStep, previousMask + 1)
        for i in migrated..<end {
            let k = p.base[2 &* i]
            if k != 0 { Self.place(k, p.base[2 &* i &+ 1], in: table, mask: mask) }
        }
        migrated = end
        if migrated > previousMask { previous = nil }
    }
}
