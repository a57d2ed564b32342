/// A JSON value that keeps numbers as their exact source text.
///
/// Chronicle never reads money through binary floating point: a number such as `10000.10` stays the
/// text `"10000.10"` until a domain type (``JSONNumber``'s consumers) parses it exactly.
///
/// ```swift
/// let v = try JSONValue.parse(Array(#"{"amount": 12.50, "tags": ["a"]}"#.utf8))
/// v["amount"]?.numberText   // "12.50"
/// ```
public enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    /// A number, kept as its exact JSON text (for example `-12.50`, `1e3`).
    case number(JSONNumber)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)
}

/// The exact text of a JSON number, as it appeared on the wire or as Chronicle wrote it.
public struct JSONNumber: Sendable, Hashable, CustomStringConvertible {
    public let text: String

    /// Wraps number text; the caller guarantees it is a valid JSON number.
    public init(unchecked text: String) { self.text = text }

    public init(_ value: Int) { self.text = String(value) }
    public init(_ value: Int64) { self.text = String(value) }
    public init(_ value: UInt64) { self.text = String(value) }

    /// The value as an integer, when the text is a plain integer that fits.
    public var intValue: Int? { Int(text) }
    public var int64Value: Int64? { Int64(text) }
    public var uint64Value: UInt64? { UInt64(text) }
    public var description: String { text }
}

/// A JSON object whose members keep their order. Keys are unique: setting a key that exists replaces
/// its value in place.
///
/// The members live in one array of key–value pairs: an object costs one allocation, and a copy
/// retains one buffer.
public struct JSONObject: Sendable, Hashable, Sequence, ExpressibleByDictionaryLiteral {
    public typealias Element = (key: String, value: JSONValue)

    /// The members, in order.
    public private(set) var members: [Element]

    /// The keys, in order (a new array: loops should walk ``members``).
    public var keys: [String] { members.map(\.key) }
    /// The values, in order (a new array: loops should walk ``members``).
    public var values: [JSONValue] { members.map(\.value) }

    public init() {
        members = []
    }

    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self.init(members: elements)
    }

    /// The members of a literal, in order; a repeated key replaces the earlier value.
    ///
    /// A literal without a repeated key (every one the code writes) keeps the literal's own array as
    /// its members: a tuple's labels are not part of its layout, so `(String, JSONValue)` and
    /// `(key: String, value: JSONValue)` elements are stored alike, and building the object costs
    /// one allocation instead of two (events are built this way, several per command).
    init(members elements: [(String, JSONValue)]) {
        guard Self.repeatsAKey(elements) else {
            members = unsafeBitCast(elements, to: [Element].self)
            return
        }
        members = []
        members.reserveCapacity(elements.count)
        for (k, v) in elements {
            if let i = members.firstIndex(where: { $0.key == k }) { members[i].value = v } else { members.append((k, v)) }
        }
    }

    /// Whether two of the keys are equal. Two ASCII keys of at most 16 bytes are compared as their
    /// length and bytes packed into two words — every key the code writes in a literal — and only
    /// other pairs as strings: comparing unequal strings is not free, and literals are built for
    /// every event. (Only ASCII keys: String equality is canonical equivalence, under which the
    /// Kelvin sign equals "K", and "é" written as one scalar or two is the same key.)
    private static func repeatsAKey(_ elements: [(String, JSONValue)]) -> Bool {
        guard elements.count > 1 else { return false }
        return withUnsafeTemporaryAllocation(of: PackedKey.self, capacity: elements.count) { keys in
            for i in elements.indices {
                let key = PackedKey(elements[i].0)
                for j in 0..<i {
                    if case .short(let a, let a0, let a1) = key, case .short(let b, let b0, let b1) = keys[j] {
                        if a == b && a0 == b0 && a1 == b1 { return true }
                    } else if elements[j].0 == elements[i].0 {
                        return true
                    }
                }
                keys.initializeElement(at: i, to: key)
            }
            return false
        }
    }

    /// A key as ``repeatsAKey(_:)`` compares it.
    private enum PackedKey {
        /// An ASCII key of at most 16 bytes: its length, and its bytes zero-padded.
        case short(Int, UInt64, UInt64)
        case other

        @inline(__always)
        init(_ key: String) {
            self = key.utf8.withContiguousStorageIfAvailable { b -> PackedKey in
                guard b.count <= 16, b.isEmpty || JSONGrammar.isASCII(b.baseAddress.unsafelyUnwrapped, count: b.count) else {
                    return .other
                }
                var words = (UInt64(0), UInt64(0))
                withUnsafeMutableBytes(of: &words) { $0.copyMemory(from: UnsafeRawBufferPointer(b)) }
                return .short(b.count, words.0, words.1)
            } ?? .other
        }
    }

    public init<S: Sequence>(_ elements: S) where S.Element == (String, JSONValue) {
        self.init()
        for (k, v) in elements { self[k] = v }
    }

    /// Wraps members whose keys the caller guarantees are unique (decoders that already checked).
    init(uncheckedMembers members: [Element]) {
        self.members = members
    }

    public var count: Int { members.count }
    public var isEmpty: Bool { members.isEmpty }

    /// Makes room for `n` members, so adding up to that many does not reallocate.
    public mutating func reserveCapacity(_ n: Int) {
        members.reserveCapacity(n)
    }

    /// The index of the member named `key`.
    public func index(forKey key: String) -> Int? {
        members.firstIndex { $0.key == key }
    }

    public subscript(key: String) -> JSONValue? {
        get {
            guard let i = index(forKey: key) else { return nil }
            return members[i].value
        }
        set {
            if let i = index(forKey: key) {
                if let newValue { members[i].value = newValue } else { members.remove(at: i) }
            } else if let newValue {
                members.append((key, newValue))
            }
        }
    }

    /// Appends a member without checking for a duplicate key (for decoders that already checked).
    public mutating func appendUnchecked(key: String, value: JSONValue) {
        members.append((key, value))
    }

    public func makeIterator() -> IndexingIterator<[Element]> { members.makeIterator() }

    public static func == (a: JSONObject, b: JSONObject) -> Bool {
        a.members.count == b.members.count
            && zip(a.members, b.members).allSatisfy { $0.key == $1.key && $0.value == $1.value }
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(members.count)
        for m in members {
            hasher.combine(m.key)
            hasher.combine(m.value)
        }
    }
}

extension JSONValue {
    public subscript(key: String) -> JSONValue? {
        if case .object(let o) = self { return o[key] }
        return nil
    }

    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    public var objectValue: JSONObject? {
        if case .object(let o) = self { return o }
        return nil
    }

    public var arrayValue: [JSONValue]? {
        if case .array(let a) = self { return a }
        return nil
    }

    public var boolValue: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }

    public var numberText: String? {
        if case .number(let n) = self { return n.text }
        return nil
    }

    public var intValue: Int? {
        if case .number(let n) = self { return n.intValue }
        return nil
    }

    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// The JSON type name used in error messages: `null`, `boolean`, `number`, `string`, `array`, `object`.
    public var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "boolean"
        case .number: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }
}

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByArrayLiteral, ExpressibleByNilLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .number(JSONNumber(value)) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    public init(nilLiteral: ()) { self = .null }
}

extension JSONValue: ExpressibleByDictionaryLiteral {
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(JSONObject(members: elements))
    }
}
