import EventCoding
import JSON

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// An event's payload as a projector reads it: one field at a time, always in the newest schema.
///
/// Payloads stored at the newest schema (everything the processor writes) are read in place with
/// ``JSONBinaryReader`` — no tree is built. An older schema is decoded and upcast first (CONTRACT §9),
/// so every read goes through ``Upcasters``. A field that is absent, null, of another type or not
/// decodable reads as nil: projectors are total and skip what they cannot apply.
public struct Payload {
    enum Storage {
        case binary(JSONBinaryReader)
        case object(JSONObject)
    }

    let storage: Storage
    /// The top-level members of a binary payload, remembered as lookups walk past them and shared by
    /// every projector that reads this event (nil: look each member up from the start).
    let members: MemberIndex?

    init(type: String, schema: Int, currentSchema: Int, bytes: UnsafeRawBufferPointer, members: MemberIndex? = nil) {
        self.members = members
        if schema >= currentSchema {
            storage = .binary(JSONBinaryReader(bytes))
        } else {
            let stored = (try? PayloadCodec.decode(bytes)) ?? JSONObject()
            storage = .object(Upcasters.upcast(type: type, schema: schema, data: stored).data)
        }
    }

    public init(object: JSONObject) {
        storage = .object(object)
        members = nil
    }

    /// The member named `key` of the binary payload `r`.
    @inline(__always)
    func member(_ r: JSONBinaryReader, _ key: String) -> JSONBinaryReader? {
        if let members { return members.member(key, of: r) }
        return (try? r.member(key)) ?? nil
    }

    /// A string field.
    public func string(_ key: String) -> String? {
        switch storage {
        case .binary(let r): return (try? member(r, key)?.string()) ?? nil
        case .object(let o): return o[key]?.stringValue
        }
    }

    /// An integer field.
    public func int(_ key: String) -> Int? {
        switch storage {
        case .binary(let r):
            guard let v = (try? member(r, key)?.int64()) ?? nil else { return nil }
            return Int(exactly: v)
        case .object(let o): return o[key]?.intValue
        }
    }

    /// A money field (a decimal string, or a number read from its text) in ten-thousandths.
    public func money(_ key: String) -> Int64? {
        switch storage {
        case .binary(let r):
            guard let m = member(r, key) else { return nil }
            if let bytes = (try? m.stringBytes()) ?? nil { return MoneyText.parse(bytes) }
            if let text = (try? m.numberText()) ?? nil { return MoneyText.parse(text) }
            return nil
        case .object(let o):
            switch o[key] {
            case .string(let s): return MoneyText.parse(s)
            case .number(let n): return MoneyText.parse(n.text)
            default: return nil
            }
        }
    }

    /// Whether the field is present (null included).
    public func has(_ key: String) -> Bool {
        switch storage {
        case .binary(let r): return member(r, key) != nil
        case .object(let o): return o[key] != nil
        }
    }

    /// A field as a JSON value (decoded).
    public func value(_ key: String) -> JSONValue? {
        switch storage {
        case .binary(let r): return (try? member(r, key)?.decode()) ?? nil
        case .object(let o): return o[key]
        }
    }

    /// The whole payload as an object.
    public func object() -> JSONObject {
        switch storage {
        case .binary(let r):
            if case .object(let o) = (try? r.decode()) ?? .null { return o }
            return JSONObject()
        case .object(let o): return o
        }
    }

    /// Calls `body` with each element of an array field, as a payload of its own.
    public func forEach(_ key: String, _ body: (Payload) throws -> Void) rethrows {
        switch storage {
        case .binary(let r):
            guard let array = member(r, key), let n = (try? array.count()) ?? nil else { return }
            for i in 0..<n {
                guard let element = (try? array.element(at: i)) ?? nil else { continue }
                try body(Payload(storage: .binary(element)))
            }
        case .object(let o):
            for element in o[key]?.arrayValue ?? [] {
                if case .object(let e) = element { try body(Payload(storage: .object(e))) }
            }
        }
    }

    init(storage: Storage) {
        self.storage = storage
        members = nil
    }
}

/// The top-level members of the event being applied, remembered as lookups walk past them:
/// projectors read three to six members of an event, and several projectors read the same event,
/// so each member is walked over once per event instead of once per lookup. A lookup checks the
/// members already walked, then walks on until it finds its key (or the end). Owned by one
/// applying thread; the runner calls ``reset()`` before each event.
final class MemberIndex {
    // One thread, no overlapping access: no run-time exclusivity checks (see ``ViewTable``).
    @exclusivity(unchecked) private var keys: [UnsafeBufferPointer<UInt8>] = []
    @exclusivity(unchecked) private var values: [JSONBinaryReader] = []
    /// Where the walk stopped (nil: it reached the last member, or the payload is not an object).
    @exclusivity(unchecked) private var cursor: JSONBinaryReader.MemberCursor?
    @exclusivity(unchecked) private var started = false
    /// The walk met damage: look members up from the start, as without an index.
    @exclusivity(unchecked) private var damaged = false

    init() {
        keys.reserveCapacity(16)
        values.reserveCapacity(16)
    }

    func reset() {
        started = false
        damaged = false
        cursor = nil
        keys.removeAll(keepingCapacity: true)
        values.removeAll(keepingCapacity: true)
    }

    func member(_ key: String, of r: JSONBinaryReader) -> JSONBinaryReader? {
        if !started {
            started = true
            do {
                cursor = try r.members()
            } catch {
                damaged = true
            }
        }
        if damaged { return (try? r.member(key)) ?? nil }
        var utf8 = key
        return utf8.withUTF8 { k in
            for i in keys.indices where Self.same(keys[i], k) { return values[i] }
            guard cursor != nil else { return nil }
            do {
                while let (name, value) = try cursor!.next() {
                    keys.append(name)
                    values.append(value)
                    if Self.same(name, k) { return value }
                }
                cursor = nil
                return nil
            } catch {
                damaged = true
                return (try? r.member(key)) ?? nil
            }
        }
    }

    @inline(__always)
    private static func same(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Bool {
        a.count == b.count && (a.count == 0 || memcmp(a.baseAddress!, b.baseAddress!, a.count) == 0)
    }
}
