import JSON

/// A number written with its exact text (a ratio, a day count): ``JSONValueEncoder`` emits the text
/// as a JSON number; other encoders get a `Double`.
public protocol ExactNumber: Encodable {
    var numberText: String { get }
}

/// A JSON value carried inside an `Encodable` result as it is (a payload field in an audit trail).
public struct JSONFragment: Encodable, Sendable, Hashable {
    public var value: JSONValue

    public init(_ value: JSONValue) { self.value = value }

    private struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    public func encode(to encoder: any Encoder) throws {
        switch value {
        case .null:
            var c = encoder.singleValueContainer()
            try c.encodeNil()
        case .bool(let b):
            var c = encoder.singleValueContainer()
            try c.encode(b)
        case .number(let n):
            var c = encoder.singleValueContainer()
            if let i = n.int64Value { try c.encode(i) } else { try c.encode(Double(n.text) ?? 0) }
        case .string(let s):
            var c = encoder.singleValueContainer()
            try c.encode(s)
        case .array(let items):
            var c = encoder.unkeyedContainer()
            for item in items { try c.encode(JSONFragment(item)) }
        case .object(let o):
            var c = encoder.container(keyedBy: Key.self)
            for (k, v) in o { try c.encode(JSONFragment(v), forKey: Key(stringValue: k)) }
        }
    }
}

/// A result that builds its JSON form itself: the members, order and values ``JSONValueEncoder``
/// gives for its `Encodable` form, without the generic encoding machinery (half of a small query's
/// time on a busy server). Tests hold the two forms equal.
public protocol JSONObjectRepresentable: Encodable {
    var jsonObject: JSONObject { get }
}

extension JSONValue {
    /// An integer as the JSON number ``JSONValueEncoder`` writes for it.
    public static func integer(_ v: some BinaryInteger) -> JSONValue { .number(JSONNumber(unchecked: String(v))) }

    /// A string, or `null` for nil (as ``JSONValueEncoder`` writes a nil optional).
    public static func optional(_ v: String?) -> JSONValue { v.map { .string($0) } ?? .null }
}

/// Encodes `Encodable` results into ``JSONValue`` trees, member order as encoded (a struct's
/// declaration order), with `nil` optionals written as `null` — the wire form of every view result.
public struct JSONValueEncoder {
    public init() {}

    public func encode(_ value: some Encodable) throws -> JSONValue {
        let root = EncodingNode()
        try root.encodeValue(value)
        return root.materialize()
    }

    /// Encodes a value that must become an object.
    public func encodeObject(_ value: some Encodable) throws -> JSONObject {
        guard case .object(let o) = try encode(value) else {
            throw EncodingError.invalidValue(
                value, .init(codingPath: [], debugDescription: "a view result must encode as an object"))
        }
        return o
    }
}

/// One value under construction.
final class EncodingNode: Encoder {
    enum Content {
        case empty
        case value(JSONValue)
        case object(keys: [String], values: [EncodingNode])
        case array([EncodingNode])
    }

    var content = Content.empty
    var codingPath: [any CodingKey] = []
    var userInfo: [CodingUserInfoKey: Any] = [:]

    func materialize() -> JSONValue {
        switch content {
        case .empty: return .null
        case .value(let v): return v
        case .object(let keys, let values):
            var o = JSONObject()
            for (k, v) in zip(keys, values) { o[k] = v.materialize() }
            return .object(o)
        case .array(let items): return .array(items.map { $0.materialize() })
        }
    }

    func encodeValue(_ value: some Encodable) throws {
        if let fragment = value as? JSONFragment {
            content = .value(fragment.value)
            return
        }
        if let exact = value as? any ExactNumber {
            content = .value(.number(JSONNumber(unchecked: exact.numberText)))
            return
        }
        try value.encode(to: self)
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        if case .object = content {} else { content = .object(keys: [], values: []) }
        return KeyedEncodingContainer(ObjectContainer<Key>(node: self))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        if case .array = content {} else { content = .array([]) }
        return ArrayContainer(node: self)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer { SingleContainer(node: self) }

    func child(forKey key: String) -> EncodingNode {
        let child = EncodingNode()
        if case .object(var keys, var values) = content {
            if let i = keys.firstIndex(of: key) {
                values[i] = child
            } else {
                keys.append(key)
                values.append(child)
            }
            content = .object(keys: keys, values: values)
        }
        return child
    }

    func appendChild() -> EncodingNode {
        let child = EncodingNode()
        if case .array(var items) = content {
            items.append(child)
            content = .array(items)
        }
        return child
    }
}

private func number<T: BinaryInteger>(_ v: T) -> JSONValue { .number(JSONNumber(unchecked: String(v))) }

private func number(_ v: Double) -> JSONValue {
    if v.isFinite { return .number(JSONNumber(unchecked: "\(v)")) }
    return .null
}

private struct ObjectContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let node: EncodingNode
    var codingPath: [any CodingKey] { node.codingPath }

    func set(_ key: Key, _ value: JSONValue) { node.child(forKey: key.stringValue).content = .value(value) }

    mutating func encodeNil(forKey key: Key) throws { set(key, .null) }
    mutating func encode(_ value: Bool, forKey key: Key) throws { set(key, .bool(value)) }
    mutating func encode(_ value: String, forKey key: Key) throws { set(key, .string(value)) }
    mutating func encode(_ value: Double, forKey key: Key) throws { set(key, number(value)) }
    mutating func encode(_ value: Float, forKey key: Key) throws { set(key, number(Double(value))) }
    mutating func encode(_ value: Int, forKey key: Key) throws { set(key, number(value)) }
    mutating func encode(_ value: Int8, forKey key: Key) throws { set(key, number(value)) }
    mutating func encode(_ value: Int16, forKey key: Key) throws { set(key, number(value)) }
    mutating func encode(_ value: Int32, forKey key: Key) throws { set(key, number(value)) }
    mutating func encode(_ value: Int64, forKey key: Key) throws { set(key, number(value)) }
    mutating func encode(_ value: UInt, forKey key: Key) throws { set(key, number(value)) }
    mutating func encode(_ value: UInt8, forKey key: Key) throws { set(key, number(value)) }
    mutating func encode(_ value: UInt16, forKey key: Key) throws { set(key, number(value)) }
    mutating func encode(_ value: UInt32, forKey key: Key) throws { set(key, number(value)) }
    mutating func encode(_ value: UInt64, forKey key: Key) throws { set(key, number(value)) }
    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        try node.child(forKey: key.stringValue).encodeValue(value)
    }

    // Optionals are written as null, never left out: the wire form always has every field.
    mutating func encodeIfPresent(_ value: Bool?, forKey key: Key) throws { set(key, value.map { .bool($0) } ?? .null) }
    mutating func encodeIfPresent(_ value: String?, forKey key: Key) throws {
        set(key, value.map { .string($0) } ?? .null)
    }
    mutating func encodeIfPresent(_ value: Double?, forKey key: Key) throws { set(key, value.map(number) ?? .null) }
    mutating func encodeIfPresent(_ value: Int?, forKey key: Key) throws { set(key, value.map { number($0) } ?? .null) }
    mutating func encodeIfPresent(_ value: Int64?, forKey key: Key) throws {
        set(key, value.map { number($0) } ?? .null)
    }
    mutating func encodeIfPresent(_ value: UInt64?, forKey key: Key) throws {
        set(key, value.map { number($0) } ?? .null)
    }
    mutating func encodeIfPresent<T: Encodable>(_ value: T?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else { set(key, .null) }
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key)
        -> KeyedEncodingContainer<NestedKey>
    {
        node.child(forKey: key.stringValue).container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        node.child(forKey: key.stringValue).unkeyedContainer()
    }

    mutating func superEncoder() -> any Encoder { node.child(forKey: "super") }
    mutating func superEncoder(forKey key: Key) -> any Encoder { node.child(forKey: key.stringValue) }
}

private struct ArrayContainer: UnkeyedEncodingContainer {
    let node: EncodingNode
    var codingPath: [any CodingKey] { node.codingPath }
    var count: Int {
        if case .array(let items) = node.content { return items.count }
        return 0
    }

    func add(_ value: JSONValue) { node.appendChild().content = .value(value) }

    mutating func encodeNil() throws { add(.null) }
    mutating func encode(_ value: Bool) throws { add(.bool(value)) }
    mutating func encode(_ value: String) throws { add(.string(value)) }
    mutating func encode(_ value: Double) throws { add(number(value)) }
    mutating func encode(_ value: Float) throws { add(number(Double(value))) }
    mutating func encode(_ value: Int) throws { add(number(value)) }
    mutating func encode(_ value: Int8) throws { add(number(value)) }
    mutating func encode(_ value: Int16) throws { add(number(value)) }
    mutating func encode(_ value: Int32) throws { add(number(value)) }
    mutating func encode(_ value: Int64) throws { add(number(value)) }
    mutating func encode(_ value: UInt) throws { add(number(value)) }
    mutating func encode(_ value: UInt8) throws { add(number(value)) }
    mutating func encode(_ value: UInt16) throws { add(number(value)) }
    mutating func encode(_ value: UInt32) throws { add(number(value)) }
    mutating func encode(_ value: UInt64) throws { add(number(value)) }
    mutating func encode<T: Encodable>(_ value: T) throws { try node.appendChild().encodeValue(value) }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type)
        -> KeyedEncodingContainer<NestedKey>
    {
        node.appendChild().container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer { node.appendChild().unkeyedContainer() }
    mutating func superEncoder() -> any Encoder { node.appendChild() }
}

private struct SingleContainer: SingleValueEncodingContainer {
    let node: EncodingNode
    var codingPath: [any CodingKey] { node.codingPath }

    func set(_ value: JSONValue) { node.content = .value(value) }

    mutating func encodeNil() throws { set(.null) }
    mutating func encode(_ value: Bool) throws { set(.bool(value)) }
    mutating func encode(_ value: String) throws { set(.string(value)) }
    mutating func encode(_ value: Double) throws { set(number(value)) }
    mutating func encode(_ value: Float) throws { set(number(Double(value))) }
    mutating func encode(_ value: Int) throws { set(number(value)) }
    mutating func encode(_ value: Int8) throws { set(number(value)) }
    mutating func encode(_ value: Int16) throws { set(number(value)) }
    mutating func encode(_ value: Int32) throws { set(number(value)) }
    mutating func encode(_ value: Int64) throws { set(number(value)) }
    mutating func encode(_ value: UInt) throws { set(number(value)) }
    mutating func encode(_ value: UInt8) throws { set(number(value)) }
    mutating func encode(_ value: UInt16) throws { set(number(value)) }
    mutating func encode(_ value: UInt32) throws { set(number(value)) }
    mutating func encode(_ value: UInt64) throws { set(number(value)) }
    mutating func encode<T: Encodable>(_ value: T) throws { try node.encodeValue(value) }
}
