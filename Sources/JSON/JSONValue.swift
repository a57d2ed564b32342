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
public struct JSONObject: Sendable, Hashable, Sequence, ExpressibleByDictionaryLiteral {
    public typealias Element = (key: String, value: JSONValue)

    public private(set) var keys: [String]
    public private(set) var values: [JSONValue]

    public init() {
        keys = []
        values = []
    }

    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        keys = []
        values = []
        keys.reserveCapacity(elements.count)
        values.reserveCapacity(elements.count)
        var asciiKeys: UInt64 = 0  // bit i: keys[i] is ASCII (the first 64 keys)
        for (k, v) in elements {
            let ascii = k.utf8.allSatisfy { $0 < 0x80 }
            // A literal names each key once; a repeated one replaces the value, as assignment does.
            if let i = Self.index(of: k, ascii: ascii, in: keys, asciiKeys: asciiKeys) { values[i] = v } else {
                if ascii && keys.count < 64 { asciiKeys |= 1 << UInt64(keys.count) }
                keys.append(k)
                values.append(v)
            }
        }
    }

    /// `keys.firstIndex(of: key)`, skipping the comparison of two ASCII keys of different lengths:
    /// the keys of one literal mostly differ in length, and comparing unequal strings is not free.
    /// (Only for two ASCII keys: String equality is canonical equivalence, under which the Kelvin
    /// sign equals "K", and "é" written as one scalar or two is the same key.)
    private static func index(of key: String, ascii: Bool, in keys: [String], asciiKeys: UInt64) -> Int? {
        let count = key.utf8.count
        for i in keys.indices {
            if ascii && i < 64 && asciiKeys & (1 << UInt64(i)) != 0 && keys[i].utf8.count != count { continue }
            if keys[i] == key { return i }
        }
        return nil
    }

    public init<S: Sequence>(_ elements: S) where S.Element == (String, JSONValue) {
        self.init()
        for (k, v) in elements { self[k] = v }
    }

    public var count: Int { keys.count }
    public var isEmpty: Bool { keys.isEmpty }

    public subscript(key: String) -> JSONValue? {
        get {
            guard let i = keys.firstIndex(of: key) else { return nil }
            return values[i]
        }
        set {
            if let i = keys.firstIndex(of: key) {
                if let newValue { values[i] = newValue } else {
                    keys.remove(at: i)
                    values.remove(at: i)
                }
            } else if let newValue {
                keys.append(key)
                values.append(newValue)
            }
        }
    }

    /// Wraps parallel key and value arrays; the caller guarantees equal counts and unique keys.
    init(uncheckedKeys keys: [String], values: [JSONValue]) {
        self.keys = keys
        self.values = values
    }

    /// Appends a member without checking for a duplicate key (for decoders that already checked).
    public mutating func appendUnchecked(key: String, value: JSONValue) {
        keys.append(key)
        values.append(value)
    }

    public struct Iterator: IteratorProtocol {
        let keys: [String]
        let values: [JSONValue]
        var i = 0

        public mutating func next() -> Element? {
            guard i < keys.count else { return nil }
            defer { i += 1 }
            return (keys[i], values[i])
        }
    }

    public func makeIterator() -> Iterator { Iterator(keys: keys, values: values) }
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
        var o = JSONObject()
        for (k, v) in elements { o[k] = v }
        self = .object(o)
    }
}
