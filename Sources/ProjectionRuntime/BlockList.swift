import LMDB

/// Append-only lists of position-ordered entries, one list per prefix (an actor's events, a stock
/// position's movements), stored in blocks: key `prefix ‖ 0 ‖ first position (8 bytes BE)`, value
/// the entries one after another, each `varint(position − previous position) ‖ varint(length) ‖
/// row bytes` (the first entry's delta is from the block's first position, so 0).
///
/// Blocks keep writes cheap: a rebuild writes one LMDB entry per block instead of one per event, and
/// a live batch rewrites only each touched list's last block.
public final class BlockList: FlushableTable {
    struct Block {
        var first: UInt64
        var last: UInt64
        var count: Int
        var bytes: [UInt8]
        var dirty: Bool
    }

    public let database: Database
    // Each prefix's tail block sits in `tails` at the slot `slots` maps it to (a ``SlotIndex`` over
    // `prefixes`), and is appended to in
    // place; the dirty list holds slot numbers. One thread at a time, no overlapping access (`row`
    // never uses the list): no run-time exclusivity checks, as in ``ViewTable``.
    @exclusivity(unchecked) private var slots = SlotIndex()
    @exclusivity(unchecked) private var prefixes: [String] = []
    @exclusivity(unchecked) private var tails: [Block] = []
    @exclusivity(unchecked) private var sealed: [(prefix: String, block: Block)] = []
    @exclusivity(unchecked) private var dirtySlots: [Int] = []
    private var complete: Bool
    private var lastKey: [UInt8]?
    private let maxEntries: Int
    private let maxBytes: Int
    private let cacheLimit: Int
    @exclusivity(unchecked) private var rowWriter = RecordWriter(capacity: 256)
    /// The next flush's block keys and their ascending order (nil: not prepared, or changed since).
    @exclusivity(unchecked) private var staged: (keys: KeyArena, order: [Int])?

    init(database: Database, complete: Bool, lastKey: [UInt8]?, maxEntries: Int, maxBytes: Int, cacheLimit: Int) {
        self.database = database
        self.complete = complete
        self.lastKey = lastKey
        self.maxEntries = maxEntries
        self.maxBytes = maxBytes
        self.cacheLimit = cacheLimit
    }

    /// Appends an entry at `position` (greater than every position already in the list) to `prefix`'s list.
    public func append(
        _ prefix: String, position: UInt64, _ txn: borrowing Transaction, row: (inout RecordWriter) -> Void = { _ in }
    ) throws {
        rowWriter.removeAll()
        row(&rowWriter)
        if staged != nil { staged = nil }
        let slot: Int
        let hash = prefix.slotHash
        let found = slots.find(prefix, hash: hash, in: prefixes)
        if let existing = found.slot {
            slot = existing
        } else {
            slot = tails.count
            tails.append(
                try loadTail(prefix, txn)
                    ?? Block(first: position, last: position, count: 0, bytes: newBlockBytes(), dirty: false))
            slots.insert(hash: hash, slot: slot, at: found.bucket)
            prefixes.append(prefix)
        }
        if tails[slot].count > 0
            && (tails[slot].count >= maxEntries || tails[slot].bytes.count + rowWriter.bytes.count + 12 > maxBytes)
        {
            // The full block is kept for the flush (when it changed); a fresh one takes its place,
            // dirty already when the full one was (its slot is in the dirty list then).
            let wasDirty = tails[slot].dirty
            if wasDirty { sealed.append((prefix, tails[slot])) }
            tails[slot] = Block(first: position, last: position, count: 0, bytes: newBlockBytes(), dirty: wasDirty)
        }
        let delta = position - (tails[slot].count == 0 ? tails[slot].first : tails[slot].last)
        BlockList.appendVarint(delta, to: &tails[slot].bytes)
        BlockList.appendVarint(UInt64(rowWriter.bytes.count), to: &tails[slot].bytes)
        tails[slot].bytes.append(contentsOf: rowWriter.bytes)
        tails[slot].last = position
        tails[slot].count += 1
        if !tails[slot].dirty {
            tails[slot].dirty = true
            dirtySlots.append(slot)
        }
    }

    /// A new block's buffer, with room for a full block: grown from empty, it was reallocated and
    /// copied seven times on its way to `maxBytes`, and ended with a quarter of its capacity unused.
    private func newBlockBytes() -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(maxBytes)
        return bytes
    }

    private func loadTail(_ prefix: String, _ txn: borrowing Transaction) throws -> Block? {
        if complete { return nil }
        let start = ViewKeys.prefix(prefix)
        var probe = start
        probe.append(contentsOf: [UInt8](repeating: 0xff, count: 8))
        return try txn.withCursor(database) { c in
            guard let e = try c.seek(atMost: probe), ViewKeys.hasPrefix(e.key, start),
                e.key.count == start.count + 8
            else { return nil }
            let first = ViewKeys.trailingNumber(e.key)
            var count = 0
            var last = first
            _ = try BlockList.forEachEntry(e.value, first: first) { p, _ in
                count += 1
                last = p
                return true
            }
            return Block(first: first, last: last, count: count, bytes: Array(e.value), dirty: false)
        }
    }

    func prepareFlush() {
        guard staged == nil, !sealed.isEmpty || !dirtySlots.isEmpty else { return }
        var arena = KeyArena(capacity: sealed.count + dirtySlots.count)
        for (prefix, block) in sealed { arena.add(KeyOrdered(prefix, block.first)) }
        for slot in dirtySlots { arena.add(KeyOrdered(prefixes[slot], tails[slot].first)) }
        staged = (arena, arena.sortedOrder())
    }

    public func flush(_ txn: borrowing Transaction) throws {
        // The changes are clean from here on; a transaction that then fails is followed by
        // `discardChanges`, which forgets the whole cache.
        try detachChanges()?.write(txn)
    }

    public func didCommit() {
        staged = nil
        markClean()
        trimCache()
    }

    private func markClean() {
        sealed.removeAll()
        for slot in dirtySlots { tails[slot].dirty = false }
        dirtySlots.removeAll(keepingCapacity: true)
    }

    public var isOverCacheLimit: Bool { tails.count > cacheLimit }

    public var pendingChanges: Int { sealed.count + dirtySlots.count }

    public func trimCache() {
        if tails.count > cacheLimit {
            forgetAll()
            complete = false
        }
    }

    public func detachChanges() -> (any DetachedWrites)? {
        guard !sealed.isEmpty || !dirtySlots.isEmpty else { return nil }
        prepareFlush()
        guard let (arena, order) = staged else { return nil }
        // The blocks as they are now (the tails go on growing: copy on write keeps these).
        var blocks = sealed.map(\.block.bytes)
        blocks.reserveCapacity(sealed.count + dirtySlots.count)
        for slot in dirtySlots { blocks.append(tails[slot].bytes) }
        staged = nil
        markClean()
        return DetachedBlocks(list: self, keys: arena, order: order, blocks: blocks)
    }

    /// A detached batch of this list's block writes: block i of `blocks` goes under key i of `keys`.
    final class DetachedBlocks: DetachedWrites {
        let list: BlockList
        let keys: KeyArena
        let order: [Int]
        let blocks: [[UInt8]]

        init(list: BlockList, keys: KeyArena, order: [Int], blocks: [[UInt8]]) {
            self.list = list
            self.keys = keys
            self.order = order
            self.blocks = blocks
        }

        func write(_ txn: borrowing Transaction) throws {
            var append = AppendOrder(after: list.lastKey)
            for i in order {
                try keys.withKey(i) { key in
                    let flags: PutFlags = append.mayAppend(i, key, in: keys) ? .append : []
                    try blocks[i].withUnsafeBytes { v in try txn.put(list.database, key: key, value: v, flags: flags) }
                }
            }
            list.lastKey = append.greatest(in: keys)
        }
    }

    public func discardChanges() {
        sealed.removeAll()
        forgetAll()
        complete = false
    }

    private func forgetAll() {
        let old = (slots, prefixes, tails)
        staged = nil
        slots = SlotIndex()
        prefixes = []
        tails = []
        dirtySlots = []
        releaseInBackground(old)  // see ViewTable.forgetAll
    }

    @inline(__always)
    static func appendVarint(_ value: UInt64, to bytes: inout [UInt8]) {
        var v = value
        while v >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v &>>= 7
        }
        bytes.append(UInt8(truncatingIfNeeded: v))
    }

    // MARK: Reading

    /// Calls `body` with each entry of a stored block value: its position and row bytes.
    public static func forEachEntry(
        _ value: UnsafeRawBufferPointer, first: UInt64, _ body: (UInt64, UnsafeRawBufferPointer) throws -> Bool
    ) throws -> Bool {
        var r = RecordReader(value)
        var position = first
        while !r.isAtEnd {
            position += try r.varint()
            let n = Int(try r.varint())
            guard n <= value.count - r.offset else { throw RecordDecodingError() }
            let row = UnsafeRawBufferPointer(rebasing: value[r.offset..<(r.offset + n)])
            r = RecordReader(value, offset: r.offset + n)
            if try !body(position, row) { return false }
        }
        return true
    }

    /// Calls `body` with the entries of `prefix`'s list whose positions are in `range`, in order, until
    /// it returns false. Returns false when `body` stopped it.
    @discardableResult
    public static func read(
        _ database: Database, _ txn: borrowing Transaction, prefix: String, positions range: ClosedRange<UInt64>,
        _ body: (UInt64, UnsafeRawBufferPointer) throws -> Bool
    ) throws -> Bool {
        let start = ViewKeys.prefix(prefix)
        var probe = start
        withUnsafeBytes(of: range.lowerBound.bigEndian) { probe.append(contentsOf: $0) }
        return try txn.withCursor(database) { c in
            // The block holding `lowerBound` may start before it.
            var entry = try c.seek(atMost: probe)
            if let e = entry, !(ViewKeys.hasPrefix(e.key, start) && e.key.count == start.count + 8) {
                entry = try c.seek(atLeast: probe)
            } else if entry == nil {
                entry = try c.seek(atLeast: probe)
            }
            while let e = entry, ViewKeys.hasPrefix(e.key, start), e.key.count == start.count + 8 {
                let first = ViewKeys.trailingNumber(e.key)
                if first > range.upperBound { return true }
                var stopped = false
                _ = try forEachEntry(e.value, first: first) { (p, row) throws -> Bool in
                    if p < range.lowerBound { return true }
                    if p > range.upperBound {
                        stopped = false
                        return false
                    }
                    if try !body(p, row) {
                        stopped = true
                        return false
                    }
                    return true
                }
                if stopped { return false }
                entry = try c.next()
            }
            return true
        }
    }
}
