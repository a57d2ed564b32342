import JSON

/// Reads a command's `data` object field by field, validating shape and values, and refuses fields it
/// was not asked for (`finish()`), so a typo never silently drops an optional field (CONTRACT §2).
///
/// ```swift
/// var r = try DataReader(command.data)
/// let leadId = try r.id("leadId")
/// let note = try r.optionalText("note")
/// try r.finish()
/// ```
/// `null` counts as absent for optional fields. Every failure is `invalid_argument` with `details.field`.
public struct DataReader {
    public let object: JSONObject
    /// Which of the object's members were read, by index in `object.members` (a bit each; beyond 64
    /// members, a set): cheaper than a set of names, and absent fields need no entry at all.
    private var consumed: UInt64 = 0
    private var consumedBeyond64: Set<Int> = []
    /// Prefix for nested fields in error details, e.g. `lines[2].`.
    private let path: String

    public init(_ data: JSONValue, path: String = "") throws {
        guard case .object(let o) = data else {
            throw DomainError.invalid(path.isEmpty ? "data" : String(path.dropLast()), "expected a JSON object")
        }
        self.object = o
        self.path = path
    }

    public init(object: JSONObject, path: String = "") {
        self.object = object
        self.path = path
    }

    private func name(_ field: String) -> String { path + field }

    /// The raw value of a field, `nil` when absent or `null`.
    public mutating func value(_ field: String) -> JSONValue? {
        guard let i = object.index(forKey: field) else { return nil }
        if i < 64 { consumed |= 1 << UInt64(i) } else { consumedBeyond64.insert(i) }
        let v = object.members[i].value
        if v.isNull { return nil }  // (not `v.isNull ? nil : v`: that `nil` would be `JSONValue.null`)
        return v
    }

    public func has(_ field: String) -> Bool {
        guard let v = object[field] else { return false }
        return !v.isNull
    }

    // MARK: Strings and ids

    public mutating func optionalString(_ field: String) throws -> String? {
        guard let v = value(field) else { return nil }
        guard case .string(let s) = v else { throw DomainError.invalid(name(field), "\(name(field)) must be a string") }
        return s
    }

    public mutating func string(_ field: String) throws -> String {
        guard let s = try optionalString(field) else { throw missing(field) }
        return s
    }

    public mutating func optionalId(_ field: String) throws -> String? {
        guard let s = try optionalString(field) else { return nil }
        guard Identifier.isValid(s) else {
            throw DomainError.invalid(name(field), "\(name(field)) must be 1–64 characters of A–Z a–z 0–9 . _ : -")
        }
        return s
    }

    public mutating func id(_ field: String) throws -> String {
        guard let s = try optionalId(field) else { throw missing(field) }
        return s
    }

    /// Free text of at most 4,096 characters; blank text is accepted (use `reason` for required reasons).
    public mutating func optionalText(_ field: String) throws -> String? {
        guard let s = try optionalString(field) else { return nil }
        guard FreeText.isValid(s) else {
            throw DomainError.invalid(name(field), "\(name(field)) is longer than \(FreeText.maximumLength) characters")
        }
        return s
    }

    /// Required, non-blank free text.
    public mutating func text(_ field: String) throws -> String {
        guard let s = try optionalText(field) else { throw missing(field) }
        guard !FreeText.isBlank(s) else { throw DomainError.invalid(name(field), "\(name(field)) must not be blank") }
        return s
    }

    /// A reason: missing or blank is `reason_required`; too long is `invalid_argument`.
    public mutating func reason(_ field: String = "reason") throws -> String {
        guard let s = try optionalText(field), !FreeText.isBlank(s) else { throw DomainError.reasonRequired(name(field)) }
        return s
    }

    /// An optional reason (blank counts as absent).
    public mutating func optionalReason(_ field: String = "reason") throws -> String? {
        guard let s = try optionalText(field), !FreeText.isBlank(s) else { return nil }
        return s
    }

    /// One of a fixed set of words.
    public mutating func choice(_ field: String, in allowed: [String]) throws -> String {
        let s = try string(field)
        guard allowed.contains(s) else {
            throw DomainError.invalid(name(field), "\(name(field)) must be one of \(allowed.joined(separator: ", "))")
        }
        return s
    }

    public mutating func optionalChoice(_ field: String, in allowed: [String]) throws -> String? {
        guard has(field) else {
            _ = value(field)  // a `null` counts as read
            return nil
        }
        return try choice(field, in: allowed)
    }

    // MARK: Numbers

    /// Money from a decimal string or a JSON number's text (never through floating point).
    public mutating func optionalMoney(_ field: String, maxFractionDigits: Int = 2, allowZero: Bool = false)
        throws -> Money?
    {
        guard let v = value(field) else { return nil }
        let text: String
        switch v {
        case .string(let s): text = s
        case .number(let n): text = n.text
        default: throw DomainError.invalid(name(field), "\(name(field)) must be a decimal string or number")
        }
        guard let m = Money(parsing: text, maxFractionDigits: maxFractionDigits) else {
            throw DomainError.invalid(name(field), "\(name(field)) \(Self.moneyProblem(text, maxFractionDigits))")
        }
        if allowZero {
            guard m.units >= 0 else { throw DomainError.invalid(name(field), "\(name(field)) must not be negative") }
        } else {
            guard m.units > 0 else { throw DomainError.invalid(name(field), "\(name(field)) must be greater than 0") }
        }
        guard m <= Money.maximumAmount else {
            throw DomainError.invalid(name(field), "\(name(field)) must be at most 999999999999.99")
        }
        return m
    }

    /// Why `text` is not an amount, as the end of a sentence about the field.
    static func moneyProblem(_ text: String, _ maxFractionDigits: Int) -> String {
        let digits = text.hasPrefix("-") ? Substring(text.dropFirst()) : Substring(text)
        let parts = digits.split(separator: ".", omittingEmptySubsequences: false)
        let plain = !digits.isEmpty && parts.count <= 2 && parts.allSatisfy { !$0.isEmpty && $0.allSatisfy { ("0"..."9").contains($0) } }
        guard plain else {
            if digits.contains(where: { $0 == "e" || $0 == "E" }) {
                return "must be a plain decimal such as \"1000.00\" (no exponent)"
            }
            return "must be a decimal such as \"12.50\""
        }
        if parts.count == 2 && parts[1].count > maxFractionDigits {
            return "must have at most \(maxFractionDigits) fraction digits"
        }
        return "must be at most 999999999999.99"
    }

    public mutating func money(_ field: String, maxFractionDigits: Int = 2, allowZero: Bool = false) throws -> Money {
        guard let m = try optionalMoney(field, maxFractionDigits: maxFractionDigits, allowZero: allowZero) else {
            throw missing(field)
        }
        return m
    }

    /// An integer within `range`.
    public mutating func optionalInt(_ field: String, in range: ClosedRange<Int> = 1...Int(Int32.max)) throws -> Int? {
        guard let v = value(field) else { return nil }
        guard case .number(let n) = v, let i = n.intValue else {
            throw DomainError.invalid(name(field), "\(name(field)) must be an integer")
        }
        guard range.contains(i) else {
            throw DomainError.invalid(
                name(field), "\(name(field)) must be between \(range.lowerBound) and \(range.upperBound)")
        }
        return i
    }

    public mutating func int(_ field: String, in range: ClosedRange<Int> = 1...Int(Int32.max)) throws -> Int {
        guard let i = try optionalInt(field, in: range) else { throw missing(field) }
        return i
    }

    /// A quantity: an integer > 0 (or ≥ 0 with `allowZero`).
    public mutating func quantity(_ field: String, allowZero: Bool = false) throws -> Int {
        try int(field, in: (allowZero ? 0 : 1)...1_000_000_000)
    }

    // MARK: Times

    public mutating func optionalTimestamp(_ field: String) throws -> Timestamp? {
        guard let s = try optionalString(field) else { return nil }
        guard let t = Timestamp(iso8601: s) else {
            throw DomainError.invalid(name(field), "\(name(field)) must be an ISO-8601 UTC time")
        }
        return t
    }

    public mutating func optionalDate(_ field: String) throws -> CivilDate? {
        guard let s = try optionalString(field) else { return nil }
        guard let d = CivilDate(s) else { throw DomainError.invalid(name(field), "\(name(field)) must be YYYY-MM-DD") }
        return d
    }

    // MARK: Collections

    public mutating func stringArray(_ field: String) throws -> [String] {
        guard let v = value(field) else { throw missing(field) }
        guard case .array(let items) = v else { throw DomainError.invalid(name(field), "\(name(field)) must be an array") }
        return try items.enumerated().map { i, item in
            guard case .string(let s) = item else {
                throw DomainError.invalid("\(name(field))[\(i)]", "\(name(field))[\(i)] must be a string")
            }
            return s
        }
    }

    public mutating func optionalStringArray(_ field: String) throws -> [String]? {
        guard has(field) else {
            _ = value(field)  // a `null` counts as read
            return nil
        }
        return try stringArray(field)
    }

    /// An array of objects, each handed to `body` as its own reader (whose `finish()` is called after).
    public mutating func objects<T>(_ field: String, _ body: (inout DataReader) throws -> T) throws -> [T] {
        guard let v = value(field) else { throw missing(field) }
        guard case .array(let items) = v else { throw DomainError.invalid(name(field), "\(name(field)) must be an array") }
        return try items.enumerated().map { i, item in
            var r = try DataReader(item, path: "\(name(field))[\(i)].")
            let t = try body(&r)
            try r.finish()
            return t
        }
    }

    /// A nested object as a raw `JSONObject` (for maps such as `exemptions`).
    public mutating func optionalObject(_ field: String) throws -> JSONObject? {
        guard let v = value(field) else { return nil }
        guard case .object(let o) = v else { throw DomainError.invalid(name(field), "\(name(field)) must be an object") }
        return o
    }

    // MARK: Finishing

    /// Refuses any field that was not read: `invalid_argument` naming it.
    public func finish() throws {
        for (i, (key, _)) in object.members.enumerated() {
            let read = i < 64 ? consumed & (1 << UInt64(i)) != 0 : consumedBeyond64.contains(i)
            if !read { throw DomainError.invalid(name(key), "unknown field \(name(key))") }
        }
    }

    private func missing(_ field: String) -> DomainError {
        DomainError.invalid(name(field), "\(name(field)) is required")
    }
}
