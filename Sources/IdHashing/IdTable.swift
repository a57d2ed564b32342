import CPrefetch

/// The storage of an ``IdMap``: an open-addressing hash table, probed linearly, whose slots hold
/// each entry whole — its key's hash, the id and the value side by side.
///
/// A look-up therefore reads one place in memory, and that place is known from the hash alone:
/// ``prefetch(_:)`` asks for it before the look-up is made, so a writer can ask for the entries of
/// the next commands while it decides this one. (`Dictionary` keeps its keys and its values in two
/// arrays apart, and says nowhere where a key will be.)
///
/// Slots are empty when their `tag` is 0. The tag is the key's hash, with a hash of 0 kept as 1:
/// a key's home slot is `tag & mask`, the same whenever it is computed. Removal shifts the entries
/// after the hole back (no tombstones), so a probe always ends at the first empty slot. The table
/// doubles before it is more than three quarters full; growing moves entries without hashing them.
@usableFromInline
final class IdTable<Value> {
    @usableFromInline
    struct Slot {
        @usableFromInline var tag: UInt64
        @usableFromInline var id: String
        @usableFromInline var value: Value

        @inlinable
        init(tag: UInt64, id: String, value: consuming Value) {
            self.tag = tag
            self.id = id
            self.value = value
        }
    }

    /// Slots: `mask + 1` of them, a power of two; only those with a nonzero tag are initialized
    /// beyond their tag.
    @usableFromInline let slots: UnsafeMutablePointer<Slot>
    @usableFromInline let mask: Int
    @usableFromInline var count = 0

    @inlinable
    init(capacity: Int) {
        precondition(capacity >= 8 && capacity & (capacity - 1) == 0, "a table's capacity is a power of two, at least 8")
        mask = capacity - 1
        slots = .allocate(capacity: capacity)
        for i in 0..<capacity {
            withUnsafeMutablePointer(to: &slots[i].tag) { $0.initialize(to: 0) }
        }
    }

    deinit {
        if count > 0 {
            for i in 0...mask where slots[i].tag != 0 {
                (slots + i).deinitialize(count: 1)
            }
        }
        slots.deallocate()
    }

    @inlinable @inline(__always)
    static func tag(_ hash: UInt64) -> UInt64 { hash == 0 ? 1 : hash }

    /// The most entries a table of `capacity` slots holds.
    @inlinable @inline(__always)
    static func limit(_ capacity: Int) -> Int { capacity - capacity / 4 }

    /// The slot holding `key`, or the empty slot where it would go.
    @inlinable
    func find(_ key: IdKey) -> (slot: Int, found: Bool) {
        let tag = Self.tag(key.hash)
        var i = Int(truncatingIfNeeded: tag) & mask
        while true {
            let t = slots[i].tag
            if t == 0 { return (i, false) }
            if t == tag && slots[i].id == key.id { return (i, true) }
            i = (i &+ 1) & mask
        }
    }

    /// Asks for the cache lines of `key`'s home slot: a hint, nothing changes.
    @inlinable
    func prefetch(_ key: IdKey) {
        let home = slots + (Int(truncatingIfNeeded: Self.tag(key.hash)) & mask)
        cprefetch_line(UnsafeRawPointer(home))
        if MemoryLayout<Slot>.stride > 64 { cprefetch_line(UnsafeRawPointer(home) + 64) }
    }

    /// Fills the empty slot `slot`, found by ``find(_:)`` for `key`. Call only with room left
    /// (``isFull`` false).
    @inlinable
    func insert(_ key: IdKey, _ value: consuming Value, at slot: Int) {
        (slots + slot).initialize(to: Slot(tag: Self.tag(key.hash), id: key.id, value: value))
        count += 1
    }

    @inlinable
    var isFull: Bool { count >= Self.limit(mask + 1) }

    /// Empties `slot` and moves the entries after it back, so that every probe still finds them.
    @inlinable
    func remove(at slot: Int) -> Slot {
        let removed = (slots + slot).move()
        vacate(slot)
        return removed
    }

    /// Marks `slot`, whose entry was moved out, empty, and moves the entries after it back.
    @inlinable
    func vacate(_ slot: Int) {
        var hole = slot
        var j = (slot &+ 1) & mask
        while slots[j].tag != 0 {
            let home = Int(truncatingIfNeeded: slots[j].tag) & mask
            // The entry at `j` may fill the hole unless its home lies after the hole (cyclically),
            // up to `j` itself: then a probe from its home would never pass the hole.
            if (j &- home) & mask >= (j &- hole) & mask {
                (slots + hole).moveInitialize(from: slots + j, count: 1)
                hole = j
            }
            j = (j &+ 1) & mask
        }
        withUnsafeMutablePointer(to: &slots[hole].tag) { $0.initialize(to: 0) }
        count -= 1
    }

    /// A table of `capacity` slots holding this one's entries: moved out of this one when
    /// `moving` (which is left empty), copied otherwise. A copy of the same capacity keeps every
    /// entry in its slot, so that an index into the one is an index into the other.
    @inlinable
    func resized(to capacity: Int, moving: Bool) -> IdTable {
        let new = IdTable(capacity: capacity)
        guard count > 0 else { return new }
        if !moving && capacity == mask + 1 {
            for i in 0...mask where slots[i].tag != 0 { (new.slots + i).initialize(to: slots[i]) }
            new.count = count
            return new
        }
        for i in 0...mask where slots[i].tag != 0 {
            var j = Int(truncatingIfNeeded: slots[i].tag) & new.mask
            while new.slots[j].tag != 0 { j = (j &+ 1) & new.mask }
            if moving {
                (new.slots + j).moveInitialize(from: slots + i, count: 1)
                withUnsafeMutablePointer(to: &slots[i].tag) { $0.initialize(to: 0) }
            } else {
                (new.slots + j).initialize(to: slots[i])
            }
        }
        new.count = count
        if moving { count = 0 }
        return new
    }

    /// The first occupied slot at or after `slot`, or `mask + 1`.
    @inlinable
    func occupied(from slot: Int) -> Int {
        var i = slot
        while i <= mask && slots[i].tag == 0 { i += 1 }
        return i
    }
}
