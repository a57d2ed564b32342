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
/// SipHash and growing the table rehashes nothing.
///
/// A large table is 64 dictionaries, chosen by the top bits of the kept hash. A `Dictionary`
/// doubles all at once, and the decision state grows on the log writer's thread, where a million
/// leads doubling meant hundreds of milliseconds in which no command was decided and the other core
/// waited too. Split, each part doubles on its own, a sixty-fourth of the table at a time. A table
/// stays one dictionary until it passes ``splitAt`` entries (the type tables looked up for every
/// command are a few dozen), then is split once, for good.
public struct IdMap<Value> {
    @usableFromInline var shards: ContiguousArray<[IdKey: Value]>
    /// 0 while the table is one dictionary, `shardCount - 1` once split.
    @usableFromInline var mask: Int

    /// Entries past which a table is split.
    public static var splitAt: Int { 1 << 14 }
    @usableFromInline static var shardCount: Int { 64 }

    @inlinable public init() {
        shards = [[:]]
        mask = 0
    }

    @inlinable @inline(__always)
    func shard(_ key: IdKey) -> Int { Int(truncatingIfNeeded: key.hash >> 58) & mask }

    @inlinable
    public subscript(id: String) -> Value? {
        get {
            let key = IdKey(id)
            return shards[shard(key)][key]
        }
        _modify {
            let key = IdKey(id)
            yield &shards[shard(key)][key]
            splitIfLarge()
        }
    }

    /// The value for `id`, made from `defaultValue` when there is none, changed in place.
    @inlinable
    public subscript(id: String, default defaultValue: @autoclosure () -> Value) -> Value {
        get {
            let key = IdKey(id)
            return shards[shard(key)][key, default: defaultValue()]
        }
        _modify {
            let key = IdKey(id)
            yield &shards[shard(key)][key, default: defaultValue()]
            splitIfLarge()
        }
    }

    /// Stores `value` under `id` unless one is there; true when it was stored.
    @inlinable @discardableResult
    public mutating func insertNew(_ id: String, _ value: Value) -> Bool {
        let key = IdKey(id)
        let s = shard(key)
        if shards[s].index(forKey: key) != nil { return false }
        shards[s][key] = value
        splitIfLarge()
        return true
    }

    @inlinable @inline(__always)
    mutating func splitIfLarge() {
        if mask == 0, shards[0].count > Self.splitAt { split() }
    }

    /// Moves the one dictionary's entries into ``shardCount`` (keys keep their hashes: nothing is
    /// rehashed but by the dictionaries' own seeds).
    @usableFromInline
    mutating func split() {
        let whole = shards[0]
        shards = ContiguousArray(repeating: [:], count: Self.shardCount)
        mask = Self.shardCount - 1
        let each = 2 * whole.count / Self.shardCount
        for s in shards.indices { shards[s].reserveCapacity(each) }
        for (key, value) in whole { shards[shard(key)][key] = value }
    }

    /// A position in the table: where one entry is, to read and change its value in place.
    public struct Index: Equatable {
        @usableFromInline let shard: Int
        @usableFromInline let base: Dictionary<IdKey, Value>.Index
        @inlinable init(shard: Int, base: Dictionary<IdKey, Value>.Index) {
            self.shard = shard
            self.base = base
        }
    }

    /// Where `id` is: to read and change a value in place with one look-up (``values``).
    @inlinable public func index(forKey id: String) -> Index? {
        let key = IdKey(id)
        let s = shard(key)
        return shards[s].index(forKey: key).map { Index(shard: s, base: $0) }
    }

    @inlinable @discardableResult
    public mutating func remove(at i: Index) -> (key: String, value: Value) {
        let (k, v) = shards[i.shard].remove(at: i.base)
        return (k.id, v)
    }

    @inlinable public var count: Int {
        if mask == 0 { return shards[0].count }
        return shards.reduce(0) { $0 + $1.count }
    }

    @inlinable public var isEmpty: Bool { shards.allSatisfy(\.isEmpty) }

    /// The ids, in no particular order.
    @inlinable public var keys: some Collection<String> { shards.lazy.flatMap(\.keys).map(\.id) }

    /// The values, in no particular order; read and changed in place at an ``index(forKey:)``.
    public struct Values: Sequence {
        @usableFromInline var shards: ContiguousArray<[IdKey: Value]>
        @inlinable init(_ shards: ContiguousArray<[IdKey: Value]>) { self.shards = shards }

        @inlinable
        public subscript(i: Index) -> Value {
            get { shards[i.shard].values[i.base] }
            _modify { yield &shards[i.shard].values[i.base] }
        }

        public typealias Iterator = FlattenSequence<LazyMapSequence<ContiguousArray<[IdKey: Value]>, Dictionary<IdKey, Value>.Values>>.Iterator
        @inlinable public func makeIterator() -> Iterator { shards.lazy.map(\.values).joined().makeIterator() }
        @inlinable public var underestimatedCount: Int { shards.reduce(0) { $0 + $1.count } }
    }

    @inlinable public var values: Values {
        get { Values(shards) }
        _modify {
            // Moved out and back, so that the dictionaries stay uniquely referenced while changed.
            var view = Values(shards)
            shards = []
            defer { shards = view.shards }
            yield &view
        }
    }

    @inlinable @discardableResult
    public mutating func removeValue(forKey id: String) -> Value? {
        let key = IdKey(id)
        return shards[shard(key)].removeValue(forKey: key)
    }
}

extension IdMap: Sequence {
    public typealias Element = (key: String, value: Value)

    public struct Iterator: IteratorProtocol {
        @usableFromInline let shards: ContiguousArray<[IdKey: Value]>
        @usableFromInline var nextShard: Int
        @usableFromInline var base: Dictionary<IdKey, Value>.Iterator

        @inlinable init(_ shards: ContiguousArray<[IdKey: Value]>) {
            self.shards = shards
            nextShard = 1
            base = shards[0].makeIterator()
        }

        @inlinable
        public mutating func next() -> (key: String, value: Value)? {
            while true {
                if let (k, v) = base.next() { return (k.id, v) }
                guard nextShard < shards.count else { return nil }
                base = shards[nextShard].makeIterator()
                nextShard += 1
            }
        }
    }

    @inlinable public func makeIterator() -> Iterator { Iterator(shards) }
    @inlinable public var underestimatedCount: Int { count }
}

extension IdMap: ExpressibleByDictionaryLiteral {
    @inlinable
    public init(dictionaryLiteral elements: (String, Value)...) {
        self.init()
        for (id, value) in elements { self[id] = value }
    }
}

/// Equal when they hold the same entries, however each is split.
extension IdMap: Equatable where Value: Equatable {
    @inlinable
    public static func == (a: IdMap, b: IdMap) -> Bool {
        guard a.count == b.count else { return false }
        for (key, value) in a.shards.joined() {
            guard let other = b.shards[b.shard(key)][key], other == value else { return false }
        }
        return true
    }
}

/// Hashed as `Dictionary` is: the entries' own hashes combined in no order.
extension IdMap: Hashable where Value: Hashable {
    @inlinable
    public func hash(into hasher: inout Hasher) {
        var combined = 0
        for (key, value) in shards.joined() {
            var entry = Hasher()
            entry.combine(key)
            entry.combine(value)
            combined ^= entry.finalize()
        }
        hasher.combine(count)
        hasher.combine(combined)
    }
}

extension IdMap: Sendable where Value: Sendable {}
extension IdMap.Index: Sendable where Value: Sendable {}
extension IdMap.Values: Sendable where Value: Sendable {}
extension IdMap.Iterator: Sendable where Value: Sendable {}

/// A set of ids, hashed and split as ``IdMap``'s keys are: for the sets that grow with the company's
/// history (each rep's leads, the ids of receipts and returns).
public struct IdSet {
    /// Nothing but presence.
    @usableFromInline struct Member: Hashable, Sendable {
        @inlinable init() {}
    }

    @usableFromInline var members: IdMap<Member>

    @inlinable public init() { members = IdMap() }

    @inlinable public func contains(_ id: String) -> Bool { members.index(forKey: id) != nil }

    @inlinable @discardableResult
    public mutating func insert(_ id: String) -> Bool { members.insertNew(id, Member()) }

    @inlinable @discardableResult
    public mutating func remove(_ id: String) -> String? {
        guard let i = members.index(forKey: id) else { return nil }
        return members.remove(at: i).key
    }

    @inlinable public var count: Int { members.count }
    @inlinable public var isEmpty: Bool { members.isEmpty }
}

extension IdSet: Sequence {
    public struct Iterator: IteratorProtocol {
        @usableFromInline var base: IdMap<Member>.Iterator
        @inlinable init(_ base: IdMap<Member>.Iterator) { self.base = base }
        @inlinable public mutating func next() -> String? { base.next()?.key }
    }

    /// The ids, in no particular order.
    @inlinable public func makeIterator() -> Iterator { Iterator(members.makeIterator()) }
    @inlinable public var underestimatedCount: Int { members.underestimatedCount }
}

extension IdSet: ExpressibleByArrayLiteral {
    @inlinable
    public init(arrayLiteral ids: String...) {
        self.init()
        for id in ids { insert(id) }
    }
}

extension IdSet: Sendable, Hashable {}
extension IdSet.Iterator: Sendable {}
