import Domain
import JSON

/// Reads old payload schemas as the newest one without rewriting the log (CONTRACT §9).
///
/// Shipped schemas never change: a new shape is a new schema number plus a step here that turns
/// schema N into N + 1. Every reader (`read`, views, exports) goes through ``upcast(type:schema:data:)``;
/// `export --raw` skips it.
public enum Upcasters {
    public typealias Step = @Sendable (JSONObject) -> JSONObject

    /// The newest schema of each event type (1 when absent).
    public static let current: [String: Int] = [
        "LeadCaptured": LeadCapturedV2.schema
    ]

    /// `type` → steps, where `steps[i]` upcasts schema `i + 1` to `i + 2`.
    static let steps: [String: [Step]] = [
        // LeadCaptured v2 adds `domain`, the e-mail's domain (lower-cased), or null; derived from v1's email.
        "LeadCaptured": [
            { v1 in
                var v2 = v1
                v2["domain"] = LeadCapturedV2.domain(ofEmail: v1["email"]?.stringValue).map(JSONValue.string) ?? .null
                return v2
            }
        ]
    ]

    /// The newest schema for `type`. (A handful of entries: comparing names beats hashing `type`,
    /// and the command processor asks for every event it decides.)
    public static func currentSchema(of type: String) -> Int {
        for (name, schema) in current where name == type { return schema }
        return 1
    }

    /// Whether ``upcast(type:schema:data:)`` changes a payload of `type` (its UTF-8 bytes, read in place)
    /// written at `schema`.
    public static func upcasts(type: UnsafeRawBufferPointer, schema: Int) -> Bool {
        steps.contains { name, chain in schema >= 1 && schema <= chain.count && name.utf8.elementsEqual(type) }
    }

    /// `data` of `type` written at `schema`, as the newest schema.
    public static func upcast(type: String, schema: Int, data: JSONObject) -> (schema: Int, data: JSONObject) {
        guard let chain = steps[type], schema >= 1 else { return (schema, data) }
        var data = data
        var s = schema
        while s - 1 < chain.count {
            data = chain[s - 1](data)
            s += 1
        }
        return (s, data)
    }
}

