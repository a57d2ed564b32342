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
    private var tails: [String: Block] = [:]
    private var sealed: [(prefix: String, block: Block)] = []
    private var dirtyTails: [String] = []
    private var complete: Bool
    private var lastKey: [UInt8]?
    private let maxEntries: Int
    private let maxBytes: Int
    private let cacheLimit: Int
    private var rowWriter = RecordWriter(capacity: 256)

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
        var index = tails.index(forKey: prefix)
        if index == nil {
            if let block = try loadTail(prefix, txn) { tails[prefix] = block }
            index = tails.index(forKey: prefix)
        }
        if let i = index {
            let t = tails.values[i]
            if t.count >= maxEntries || t.bytes.count + rowWriter.bytes.count + 12 > maxBytes {
                if t.dirty { sealed.append((prefix, t)) }
                tails.remove(at: i)
                index = nil
            }
        }
        if index == nil {
            tails[prefix] = Block(first: position, last: position, count: 0, bytes: [], dirty: false)
            index = tails.index(forKey: prefix)
        }
        let i = index!
        let delta = position - (tails.values[i].count == 0 ? tails.values[i].first : tails.values[i].last)
        BlockList.appendVarint(delta, to: &tails.values[i].bytes)
        BlockList.appendVarint(UInt64(rowWriter.bytes.count), to: &tails.values[i].bytes)
        tails.values[i].bytes.append(contentsOf: rowWriter.bytes)
        tails.values[i].last = position
        tails.values[i].count += 1
        if !tails.values[i].dirty {
            tails.values[i].dirty = true
            dirtyTails.append(prefix)
        }
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

    public func flush(_ txn: borrowing Transaction) throws {
        guard !sealed.isEmpty || !dirtyTails.isEmpty else { return }
        var blocks = sealed.map { ($0.prefix, $0.block) }
        for prefix in dirtyTails { if let t = tails[prefix], t.dirty { blocks.append((prefix, t)) } }
        var arena = KeyArena(capacity: blocks.count)
        for (prefix, block) in blocks { arena.add(KeyOrdered(prefix, block.first)) }
        var last = lastKey
        for i in arena.sortedOrder() {
            try arena.withKey(i) { key in
                let appending = last.map { previous in previous.withUnsafeBytes { ViewKeys.less($0, key) } } ?? true
                try blocks[i].1.bytes.withUnsafeBytes { v in
                    try txn.put(database, key: key, value: v, flags: appending ? .append : [])
                }
                if appending { last = Array(key) }
            }
        }
        lastKey = last
    }

    public func didCommit() {
        sealed.removeAll()
        for prefix in dirtyTails {
            if let i = tails.index(forKey: prefix) { tails.values[i].dirty = false }
        }
        dirtyTails.removeAll(keepingCapacity: true)
        if tails.count > cacheLimit {
            tails.removeAll()
            complete = false
        }
    }

    public func discardChanges() {
        sealed.removeAll()
        tails.removeAll()
        dirtyTails.removeAll()
        complete = false
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
