import EventLog
import JSON

/// How event payloads are stored in the log: the compact binary form of a JSON object
/// (see `JSONBinary` in the JSON module for the exact bytes).
public enum PayloadCodec {
    public static func encode(_ data: JSONObject) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(128)
        encode(data, into: &out)
        return out
    }

    /// Appends the stored bytes of `data` to `out`.
    public static func encode(_ data: JSONObject, into out: inout [UInt8]) {
        JSONValue.object(data).encodeBinary(into: &out)
    }

    /// Decodes stored payload bytes; a payload that is not an object decodes as `{"value": …}`.
    public static func decode(_ bytes: UnsafeRawBufferPointer) throws -> JSONObject {
        let value = try JSONValue.decodeBinary(bytes)
        if case .object(let o) = value { return o }
        return ["value": value]
    }

    public static func decode(_ bytes: [UInt8]) throws -> JSONObject {
        try bytes.withUnsafeBytes { try decode($0) }
    }

    /// Appends stored payload bytes as JSON text — the bytes of `JSONValue.object(decode(bytes)).write(into:)`,
    /// a non-object as `{"value": …}` too — without building values (see `JSONBinary.appendText`).
    public static func appendText(
        _ bytes: UnsafeRawBufferPointer, into out: inout [UInt8],
        replacingString: (UnsafeRawBufferPointer) -> String? = { _ in nil }
    ) throws {
        if JSONBinaryReader(bytes).type == .object {
            return try JSONBinary.appendText(bytes, into: &out, replacingString: replacingString)
        }
        let mark = out.count
        out.append(literal: #"{"value":"#)
        do {
            try JSONBinary.appendText(bytes, into: &out, replacingString: replacingString)
        } catch {
            out.removeSubrange(mark...)
            throw error
        }
        out.append(UInt8(ascii: "}"))
    }
}
