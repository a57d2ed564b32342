import EventCoding
import JSON

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

    init(type: String, schema: Int, currentSchema: Int, bytes: UnsafeRawBufferPointer) {
        if schema >= currentSchema {
            storage = .binary(JSONBinaryReader(bytes))
        } else {
            let stored = (try? PayloadCodec.decode(bytes)) ?? JSONObject()
            storage = .object(Upcasters.upcast(type: type, schema: schema, data: stored).data)
        }
    }

    public init(object: JSONObject) { storage = .object(object) }

    /// A string field.
    public func string(_ key: String) -> String? {
        switch storage {
        case .binary(let r): return (try? r.member(key)?.string()) ?? nil
        case .object(let o): return o[key]?.stringValue
        }
    }

    /// An integer field.
    public func int(_ key: String) -> Int? {
        switch storage {
        case .binary(let r):
            guard let v = (try? r.member(key)?.int64()) ?? nil else { return nil }
            return Int(exactly: v)
        case .object(let o): return o[key]?.intValue
        }
    }

    /// A money field (a decimal string, or a number read from its text) in ten-thousandths.
    public func money(_ key: String) -> Int64? {
        switch storage {
        case .binary(let r):
            guard let m = (try? r.member(key)) ?? nil else { return nil }
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
        case .binary(let r): return ((try? r.member(key)) ?? nil) != nil
        case .object(let o): return o[key] != nil
        }
    }

    /// A field as a JSON value (decoded).
    public func value(_ key: String) -> JSONValue? {
        switch storage {
        case .binary(let r): return (try? r.member(key)?.decode()) ?? nil
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
            guard let array = (try? r.member(key)) ?? nil, let n = (try? array.count()) ?? nil else { return }
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

    init(storage: Storage) { self.storage = storage }
}
