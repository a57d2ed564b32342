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
/// SipHash and growing the table rehashes nothing.
public struct IdMap<Value> {
    @usableFromInline var table: [IdKey: Value]

    @inlinable public init() { table = [:] }

    @inlinable
    public subscript(id: String) -> Value? {
        get { table[IdKey(id)] }
        _modify { yield &table[IdKey(id)] }
    }

    /// The value for `id`, made from `defaultValue` when there is none, changed in place.
    @inlinable
    public subscript(id: String, default defaultValue: @autoclosure () -> Value) -> Value {
        get { table[IdKey(id), default: defaultValue()] }
        _modify { yield &table[IdKey(id), default: defaultValue()] }
    }

    public typealias Index = Dictionary<IdKey, Value>.Index

    /// Where `id` is: to read and change a value in place with one look-up (``values``).
    @inlinable public func index(forKey id: String) -> Index? { table.index(forKey: IdKey(id)) }

    @inlinable @discardableResult
    public mutating func remove(at i: Index) -> (key: String, value: Value) {
        let (k, v) = table.remove(at: i)
        return (k.id, v)
    }

    @inlinable public var count: Int { table.count }
    @inlinable public var isEmpty: Bool { table.isEmpty }

    /// The ids, in no particular order.
    @inlinable public var keys: some Collection<String> { table.keys.lazy.map(\.id) }

    /// The values, in no particular order; changed in place through an ``index(forKey:)``.
    @inlinable public var values: Dictionary<IdKey, Value>.Values {
        get { table.values }
        _modify { yield &table.values }
    }

    @inlinable @discardableResult
    public mutating func removeValue(forKey id: String) -> Value? { table.removeValue(forKey: IdKey(id)) }

    @inlinable
    public mutating func reserveCapacity(_ n: Int) { table.reserveCapacity(n) }
}

extension IdMap: Sequence {
    public typealias Element = (key: String, value: Value)

    public struct Iterator: IteratorProtocol {
        @usableFromInline var base: Dictionary<IdKey, Value>.Iterator
        @inlinable init(_ base: Dictionary<IdKey, Value>.Iterator) { self.base = base }
        @inlinable
        public mutating func next() -> (key: String, value: Value)? {
            guard let (k, v) = base.next() else { return nil }
            return (k.id, v)
        }
    }

    @inlinable public func makeIterator() -> Iterator { Iterator(table.makeIterator()) }
    @inlinable public var underestimatedCount: Int { table.count }
}

extension IdMap: ExpressibleByDictionaryLiteral {
    @inlinable
    public init(dictionaryLiteral elements: (String, Value)...) {
        table = Dictionary(elements.map { (IdKey($0.0), $0.1) }, uniquingKeysWith: { _, last in last })
    }
}

extension IdMap: Sendable where Value: Sendable {}
extension IdMap.Iterator: Sendable where Value: Sendable {}
extension IdMap: Equatable where Value: Equatable {}
extension IdMap: Hashable where Value: Hashable {}

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
