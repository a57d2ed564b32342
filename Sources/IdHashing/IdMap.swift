/// An id as a dictionary key, hashed once when it is made by a few multiplies over its UTF-8 bytes
/// (as wyhash does), with the hash kept beside it.
///
/// A `String` key is hashed with SipHash on every look-up, and every key again each time the
/// dictionary doubles: the company's largest tables (leads, orders, expenses) double while the
/// writer waits, and most of the writer's hashing went there. With the hash kept in the key, growing
/// touches no string at all.
///
/// Two keys are equal when their bytes are (their hashes first, then the strings): ids are ASCII
/// (the domain's `Identifier` rule), where a string's equality is its bytes'. A string canonically
/// equivalent to an id but spelled with other bytes (the Kelvin sign for "K") is another key: an
/// actor id so spelled names no employee.
///
/// Its own module, so that the domain's state and the key store of personal data (whose subjects
/// grow with the leads) share it.
public struct IdKey: Hashable, Sendable {
    public let id: String
    @usableFromInline let hash: UInt64

    @inlinable
    public init(_ id: String) {
        self.id = id
        self.hash = Self.hash(id)
    }

    @inlinable
    public static func == (a: IdKey, b: IdKey) -> Bool { a.hash == b.hash && a.id == b.id }

    @inlinable
    public func hash(into hasher: inout Hasher) { hasher.combine(hash) }

    /// The dictionary's per-table seed folded into the kept hash: no SipHash.
    @inlinable
    public func _rawHashValue(seed: Int) -> Int {
        Int(truncatingIfNeeded: Self.fold(hash ^ UInt64(bitPattern: Int64(seed)), 0x9E37_79B9_7F4A_7C15))
    }

    /// A per-process secret, so that ids chosen by clients cannot be made to collide on purpose (the
    /// role SipHash's seed plays for `Hasher`). Only where keys land depends on it, never a decision.
    @usableFromInline
    static let secret: (UInt64, UInt64) = (UInt64.random(in: .min ... .max), UInt64.random(in: .min ... .max))

    @inlinable @inline(__always)
    static func fold(_ a: UInt64, _ b: UInt64) -> UInt64 {
        let p = a.multipliedFullWidth(by: b)
        return p.high ^ p.low
    }

    @inlinable
    static func hash(_ id: String) -> UInt64 {
        if let h = id.utf8.withContiguousStorageIfAvailable({ hash(UnsafeRawBufferPointer($0)) }) { return h }
        var contiguous = id  // (a bridged string, never on Linux: made contiguous first)
        return contiguous.withUTF8 { hash(UnsafeRawBufferPointer($0)) }
    }

    /// The hash of any bytes, with the same per-process secret: for other tables of names (the
    /// log's key table hashes its long names with it).
    @inlinable
    public static func hash(bytes: UnsafeRawBufferPointer) -> UInt64 { hash(bytes) }

    /// 16 bytes per round, the tail zero-padded; the length is mixed in first.
    @inlinable
    static func hash(_ b: UnsafeRawBufferPointer) -> UInt64 {
        let (s0, s1) = secret
        var h = s0 ^ UInt64(b.count)
        var i = 0
        while b.count - i >= 16 {
            h = fold(b.loadUnaligned(fromByteOffset: i, as: UInt64.self) ^ s1 ^ h,
                     b.loadUnaligned(fromByteOffset: i + 8, as: UInt64.self) ^ s0)
            i += 16
        }
        var tail = (UInt64(0), UInt64(0))
        withUnsafeMutableBytes(of: &tail) { t in
            t.copyMemory(from: UnsafeRawBufferPointer(rebasing: b[i...]))
        }
        return fold(fold(tail.0 ^ s1 ^ h, tail.1 ^ s0), s1 ^ 0x9E37_79B9_7F4A_7C15)
    }
}

/// A table of values by id, used for the company's tables that grow with its history (leads,
/// customers, opportunities, orders, expenses, employees). It reads like `[String: Value]`;
/// underneath, every key keeps its hash (``IdKey``), so a look-up hashes the id once without
/// SipHash, growing the table rehashes nothing, and an entry's place is known before it is looked
/// up (``prefetch(_:)``; see ``IdTable``).
///
/// A value, as a dictionary is: copies share one table until one of them changes.
public struct IdMap<Value> {
    /// nil while empty and never written (a literal `[:]` allocates nothing).
    @usableFromInline var table: IdTable<Value>?

    @inlinable public init() { table = nil }

    @inlinable
    public subscript(id: String) -> Value? {
        get { self[IdKey(id)] }
        _modify { yield &self[IdKey(id)] }
    }

    /// The value for a key hashed beforehand.
    @inlinable
    public subscript(key: IdKey) -> Value? {
        get {
            guard let table else { return nil }
            let (slot, found) = table.find(key)
            return found ? table.slots[slot].value : nil
        }
        _modify {
            let t = uniqueTable(reserving: 1)  // (room for the entry the caller may add)
            let (slot, found) = t.find(key)
            if found {
                // The entry is moved out while the caller changes its value, so that the value is
                // unshared (changed in place), then put back — or its slot vacated, if set to nil.
                let entry = (t.slots + slot).move()
                var value: Value? = entry.value
                defer {
                    if let value {
                        (t.slots + slot).initialize(to: .init(tag: entry.tag, id: entry.id, value: value))
                    } else {
                        t.vacate(slot)
                    }
                }
                yield &value
            } else {
                var value: Value? = nil
                defer { if let value { t.insert(key, value, at: slot) } }
                yield &value
            }
        }
    }

    /// The value for `id`, made from `defaultValue` when there is none, changed in place.
    @inlinable
    public subscript(id: String, default defaultValue: @autoclosure () -> Value) -> Value {
        get { self[IdKey(id)] ?? defaultValue() }
        _modify {
            let key = IdKey(id)
            let t = uniqueTable(reserving: 1)
            var (slot, found) = t.find(key)
            if !found {
                t.insert(key, defaultValue(), at: slot)
                found = true
            }
            yield &t.slots[slot].value
        }
    }

    /// Where an entry is: an index stays valid until the map is next changed (other than through
    /// ``values``).
    public struct Index: Hashable, Sendable {
        @usableFromInline let slot: Int
        @inlinable init(_ slot: Int) { self.slot = slot }
    }

    /// Where `id` is: to read and change a value in place with one look-up (``values``).
    @inlinable public func index(forKey id: String) -> Index? {
        guard let table else { return nil }
        let (slot, found) = table.find(IdKey(id))
        return found ? Index(slot) : nil
    }

    @inlinable @discardableResult
    public mutating func remove(at i: Index) -> (key: String, value: Value) {
        let removed = uniqueTable(reserving: 0).remove(at: i.slot)
        return (removed.id, removed.value)
    }

    @inlinable public var count: Int { table?.count ?? 0 }
    @inlinable public var isEmpty: Bool { count == 0 }

    /// The ids, in no particular order.
    @inlinable public var keys: [String] { map(\.key) }

    /// The values, in no particular order; changed in place through an ``index(forKey:)``.
    @inlinable public var values: Values {
        get { Values(table: table) }
        _modify {
            // The table is lent to the view alone, so that it is unshared while the view changes it.
            _ = uniqueTable(reserving: 0)
            var view = Values(table: table)
            table = nil
            defer { table = view.table }
            yield &view
        }
    }

    /// The values of an ``IdMap``, read by index or in turn.
    public struct Values: Sequence {
        @usableFromInline var table: IdTable<Value>?

        @inlinable init(table: IdTable<Value>?) { self.table = table }

        @inlinable
        public subscript(i: Index) -> Value {
            get { table.unsafelyUnwrapped.slots[i.slot].value }
            _modify {
                if !isKnownUniquelyReferenced(&table) { table = table.unsafelyUnwrapped.resized(to: table.unsafelyUnwrapped.mask + 1, moving: false) }
                yield &table.unsafelyUnwrapped.slots[i.slot].value
            }
        }

        public struct Iterator: IteratorProtocol {
            @usableFromInline var base: IdMap.Iterator
            @inlinable init(_ base: IdMap.Iterator) { self.base = base }
            @inlinable public mutating func next() -> Value? { base.next()?.value }
        }

        @inlinable public func makeIterator() -> Iterator { Iterator(IdMap.Iterator(table)) }
        @inlinable public var underestimatedCount: Int { table?.count ?? 0 }
    }

    @inlinable @discardableResult
    public mutating func removeValue(forKey id: String) -> Value? {
        guard let index = index(forKey: id) else { return nil }
        return remove(at: index).value
    }

    @inlinable
    public mutating func reserveCapacity(_ n: Int) { _ = uniqueTable(reserving: n - count) }

    /// Asks the CPU for the memory where `key`'s entry is or would go, so that a look-up made soon
    /// after finds it in the cache. A hint: nothing changes, and a key that is not there costs as
    /// little.
    @inlinable
    public func prefetch(_ key: IdKey) { table?.prefetch(key) }

    /// The table, unshared and with room for `extra` more entries.
    @inlinable
    mutating func uniqueTable(reserving extra: Int) -> IdTable<Value> {
        if table == nil {
            var capacity = 8
            while IdTable<Value>.limit(capacity) < extra { capacity *= 2 }
            let new = IdTable<Value>(capacity: capacity)
            table = new
            return new
        }
        let unique = isKnownUniquelyReferenced(&table)  // (before anything else holds the table)
        let t = table.unsafelyUnwrapped
        var capacity = t.mask + 1
        while IdTable<Value>.limit(capacity) < t.count + extra { capacity *= 2 }
        if unique && capacity == t.mask + 1 { return t }
        let new = t.resized(to: capacity, moving: unique)
        table = new
        return new
    }
}

extension IdMap: Sequence {
    public typealias Element = (key: String, value: Value)

    public struct Iterator: IteratorProtocol {
        @usableFromInline let table: IdTable<Value>?
        @usableFromInline var slot = 0
        @inlinable init(_ table: IdTable<Value>?) { self.table = table }
        @inlinable
        public mutating func next() -> (key: String, value: Value)? {
            guard let table else { return nil }
            slot = table.occupied(from: slot)
            guard slot <= table.mask else { return nil }
            defer { slot += 1 }
            return (table.slots[slot].id, table.slots[slot].value)
        }
    }

    @inlinable public func makeIterator() -> Iterator { Iterator(table) }
    @inlinable public var underestimatedCount: Int { count }
}

extension IdMap: ExpressibleByDictionaryLiteral {
    @inlinable
    public init(dictionaryLiteral elements: (String, Value)...) {
        self.init()
        for (id, value) in elements { self[id] = value }
    }
}

extension IdMap: @unchecked Sendable where Value: Sendable {}  // the table is only ever changed unshared (copy on write)
extension IdMap.Iterator: @unchecked Sendable where Value: Sendable {}
extension IdMap.Values: @unchecked Sendable where Value: Sendable {}

extension IdMap: Equatable where Value: Equatable {
    public static func == (a: IdMap, b: IdMap) -> Bool {
        guard a.count == b.count else { return false }
        if a.table === b.table { return true }
        for (id, value) in a where b[id] != value { return false }
        return true
    }
}

extension IdMap: Hashable where Value: Hashable {
    /// In no order: the entries' own hashes are combined as a sum, as `Dictionary` does.
    public func hash(into hasher: inout Hasher) {
        var sum = 0
        for (id, value) in self {
            var h = Hasher()
            h.combine(id)
            h.combine(value)
            sum &+= h.finalize()
        }
        hasher.combine(count)
        hasher.combine(sum)
    }
}

/// A set of ids, hashed as ``IdMap``'s keys are: for the sets that grow with the company's history
/// (each rep's leads, the ids of receipts and returns).
public struct IdSet {
    @usableFromInline var members: Set<IdKey>

    @inlinable public init() { members = [] }

    @inlinable public func contains(_ id: String) -> Bool { members.contains(IdKey(id)) }

    @inlinable @discardableResult
    public mutating func insert(_ id: String) -> Bool { members.insert(IdKey(id)).inserted }

    @inlinable @discardableResult
    public mutating func remove(_ id: String) -> String? { members.remove(IdKey(id))?.id }

    @inlinable public var count: Int { members.count }
    @inlinable public var isEmpty: Bool { members.isEmpty }
}

extension IdSet: Sequence {
    public struct Iterator: IteratorProtocol {
        @usableFromInline var base: Set<IdKey>.Iterator
        @inlinable init(_ base: Set<IdKey>.Iterator) { self.base = base }
        @inlinable public mutating func next() -> String? { base.next()?.id }
    }

    /// The ids, in no particular order.
    @inlinable public func makeIterator() -> Iterator { Iterator(members.makeIterator()) }
    @inlinable public var underestimatedCount: Int { members.count }
}

extension IdSet: ExpressibleByArrayLiteral {
    @inlinable public init(arrayLiteral ids: String...) { members = Set(ids.map(IdKey.init)) }
}

extension IdSet: Sendable, Hashable {}
extension IdSet.Iterator: Sendable {}
