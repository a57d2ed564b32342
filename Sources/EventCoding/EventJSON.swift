import Domain
import EventLog
import JSON
import PersonalData

/// Events in their public JSON form (CONTRACT §1), for the wire, exports and audit trails.
public enum EventJSON {
    /// The §1 object: position, stream, version, type, schema, at, actor, commandId, correlationId,
    /// causationId, tags, data, hash. `data` is upcast to the newest schema unless `raw`; with `keys`,
    /// personal fields are decrypted (or read `[erased]`), without them they stay sealed.
    public static func object(_ event: RecordedEvent, raw: Bool = false, keys: SubjectKeyStore? = nil) throws -> JSONObject {
        let stored = try PayloadCodec.decode(event.data)
        let e = event.envelope
        var (schema, data) = raw ? (e.schema, stored) : Upcasters.upcast(type: e.type, schema: e.schema, data: stored)
        if let keys { data = keys.reveal(data) }
        return object(e, schema: schema, data: data, hash: event.hash)
    }

    public static func object(_ e: EventEnvelope, schema: Int, data: JSONObject, hash: ChainHash) -> JSONObject {
        var o = JSONObject()
        o.appendUnchecked(key: "position", value: .number(JSONNumber(e.position)))
        o.appendUnchecked(key: "stream", value: .string(e.stream))
        o.appendUnchecked(key: "version", value: .number(JSONNumber(e.version)))
        o.appendUnchecked(key: "type", value: .string(e.type))
        o.appendUnchecked(key: "schema", value: .number(JSONNumber(schema)))
        o.appendUnchecked(key: "at", value: .string(Timestamp(milliseconds: e.at).iso8601))
        o.appendUnchecked(key: "actor", value: .string(e.actor))
        o.appendUnchecked(key: "commandId", value: e.commandId.map(JSONValue.string) ?? .null)
        o.appendUnchecked(key: "correlationId", value: e.correlationId.map(JSONValue.string) ?? .null)
        o.appendUnchecked(key: "causationId", value: e.causationId.map(JSONValue.string) ?? .null)
        o.appendUnchecked(key: "tags", value: .array(e.tags.map(JSONValue.string)))
        o.appendUnchecked(key: "data", value: .object(data))
        o.appendUnchecked(key: "hash", value: .string(hash.hex))
        return o
    }

    /// The event as the domain's state evolves on it (payload upcast to the newest schema).
    public static func domainEvent(_ e: EventEnvelope, payload: UnsafeRawBufferPointer) throws -> DomainEvent {
        let stored = try PayloadCodec.decode(payload)
        let data = Upcasters.upcast(type: e.type, schema: e.schema, data: stored).data
        return DomainEvent(
            position: e.position, at: Timestamp(milliseconds: e.at), actor: e.actor, stream: e.stream,
            type: EventType(rawValue: e.type), data: data)
    }
}
