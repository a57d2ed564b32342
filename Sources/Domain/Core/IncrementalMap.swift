/// A hash map that grows a little at a time instead of all at once.
///
/// A Swift `Dictionary` that fills up doubles on the next insert, rehashing every entry there and
/// then: the decision state's largest tables (leads, orders) held the writer for 70–150 ms when
/// they doubled, and every command of the batch waited (a `perf record` of `CommandBench`, cut into
/// 100 ms windows, found those windows). This map starts a table twice as large instead, and copies
/// the old table's entries into it a few per insert (``growthStep``), while reads look in the new
/// table, then the old. The old table is never changed while it is copied, so the copy's position
/// in it stays valid; a key written meanwhile is written to the new table only, and the copy skips
/// keys the new table already holds (or that were removed since, ``removedWhileGrowing``).
///
/// It has `Dictionary`'s value semantics (both tables are dictionaries) and the part of its
/// interface the domain uses: subscript (get, set, in-place modify), `count`, `isEmpty`, `keys`,
/// `values` and iteration (in no particular order).
public struct IncrementalMap<Key: Hashable & Sendable, Value: Sendable>: @unchecked Sendable {
    // (`@unchecked`: only for `cursor`, an index into `previous`, which is a value like the rest.)
    private var current: [Key: Value] = [:]
    /// While growing: the table before `current`; its entries from `cursor` on are yet to be copied.
    private var previous: [Key: Value]?
    private var cursor: Dictionary<Key, Value>.Index
    /// Keys removed while growing that `previous` still holds (the copy must not bring them back).
    private var removedWhileGrowing: Set<Key> = []
    /// How many keys the map holds.
    public private(set) var count = 0

    /// Entries of the old table copied per insert: the copy ends after a quarter as many inserts as
    /// the old table held, when the new table (twice the old one's capacity) is at most 5/8 full.
    static var growthStep: Int { 4 }

    public init() {
        cursor = current.startIndex
    }

    public var isEmpty: Bool { count == 0 }

    /// Whether the map is copying an old table (tests only).
    var isGrowing: Bool { previous != nil }

    public subscript(key: Key) -> Value? {
        get {
            if let value = current[key] { return value }
            guard let previous, removedWhileGrowing.isEmpty || !removedWhileGrowing.contains(key) else { return nil }
            return previous[key]
        }
        set {
            if let newValue {
                let isNew = prepareSlot(for: key)
                current[key] = newValue
                if isNew { count += 1 }
            } else {
                remove(key)
            }
        }
        _modify {
            // The value, if any, is moved to `current` first and modified there in place.
            let existed = !prepareSlot(for: key)
            defer {
                let exists = current.index(forKey: key) != nil
                if exists && !existed { count += 1 }
                if !exists && existed {
                    count -= 1
                    if let previous, previous.index(forKey: key) != nil { removedWhileGrowing.insert(key) }
                }
            }
            yield &current[key]
        }
    }

    /// Makes room for `key` in `current` without `current` ever resizing itself: moves the key's
    /// value there from the old table, and starts growing (or copies a few entries more) when a new
    /// key could land in a full table. Returns whether the key is new to the map.
    private mutating func prepareSlot(for key: Key) -> Bool {
        if current.index(forKey: key) != nil { return false }
        var isNew = true
        if let previous, removedWhileGrowing.isEmpty || !removedWhileGrowing.contains(key),
           let old = previous[key]
        {
            current[key] = old  // room: `current` is at most 5/8 full while growing
            isNew = false
        }
        if isNew {
            if current.count >= current.capacity {
                if previous != nil { copyOld(Int.max) }  // not reached with the step above; kept safe
                startGrowing()
            }
            copyOld(Self.growthStep)
        }
        return isNew
    }

    private mutating func startGrowing() {
        let full = current
        current = Dictionary(minimumCapacity: Swift.max(16, full.capacity * 2))
        cursor = full.startIndex
        previous = full
        removedWhileGrowing = []
    }

    /// Copies up to `n` entries of the old table that `current` does not hold; drops the old table
    /// after its last.
    private mutating func copyOld(_ n: Int) {
        guard let old = previous else { return }
        var i = cursor
        var copied = 0
        while copied < n && i != old.endIndex {
            let (key, value) = old[i]
            if current.index(forKey: key) == nil && (removedWhileGrowing.isEmpty || !removedWhileGrowing.contains(key)) {
                current[key] = value
            }
            old.formIndex(after: &i)
            copied += 1
        }
        cursor = i
        if i == old.endIndex {
            previous = nil
            removedWhileGrowing = []
            cursor = current.startIndex
        }
    }

    /// Changes the value of `key` in place, if the map holds it, and returns what `body` returns.
    @discardableResult
    public mutating func update<R>(_ key: Key, _ body: (inout Value) throws -> R) rethrows -> R? {
        if previous != nil && current.index(forKey: key) == nil { _ = prepareSlot(for: key) }
        guard let i = current.index(forKey: key) else { return nil }
        return try body(&current.values[i])
    }

    /// Removes `key`, returning its value.
    @discardableResult
    public mutating func removeValue(forKey key: Key) -> Value? {
        let value = self[key]
        if value != nil { remove(key) }
        return value
    }

    private mutating func remove(_ key: Key) {
        var removed = current.removeValue(forKey: key) != nil
        if let previous, previous.index(forKey: key) != nil,
           removedWhileGrowing.isEmpty || !removedWhileGrowing.contains(key)
        {
            removedWhileGrowing.insert(key)
            removed = true
        }
        if removed { count -= 1 }
    }
}

extension IncrementalMap: Sequence {
    public struct Iterator: IteratorProtocol {
        var currentEntries: Dictionary<Key, Value>.Iterator
        var previousEntries: Dictionary<Key, Value>.Iterator?
        let map: IncrementalMap

        public mutating func next() -> (key: Key, value: Value)? {
            if let entry = currentEntries.next() { return entry }
            while let entry = previousEntries?.next() {
                // Keys the new table holds were given there; removed ones are gone.
                if map.current.index(forKey: entry.key) != nil { continue }
                if map.removedWhileGrowing.contains(entry.key) { continue }
                return entry
            }
            return nil
        }
    }

    public func makeIterator() -> Iterator {
        Iterator(currentEntries: current.makeIterator(), previousEntries: previous?.makeIterator(), map: self)
    }

    public var underestimatedCount: Int { count }

    /// The keys, in no particular order.
    public var keys: LazyMapSequence<IncrementalMap, Key> { lazy.map(\.key) }
    /// The values, in no particular order.
    public var values: LazyMapSequence<IncrementalMap, Value> { lazy.map(\.value) }
}

extension IncrementalMap: ExpressibleByDictionaryLiteral {
    public init(dictionaryLiteral elements: (Key, Value)...) {
        self.init()
        for (key, value) in elements { self[key] = value }
    }
}
