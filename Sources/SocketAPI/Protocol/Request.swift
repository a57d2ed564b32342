import Domain
import JSON

/// A request's `id`, echoed in its reply exactly as sent: a string, or a number's exact text.
public enum RequestID: Sendable, Hashable {
    case string(String)
    case number(String)
}

/// One parsed request line: its id, its op and the whole object (for the op's fields).
struct Request: Sendable {
    let id: RequestID
    let op: String
    let body: JSONObject

    /// A line that is not a request: the id to answer with (nil when there is none) and why.
    struct Rejection: Error {
        let id: RequestID?
        let error: DomainError
    }

    /// Parses one line (without its `\n`) in the order of checks of CONTRACT §2: a JSON object with
    /// a usable `id` (else `bad_request` with `"id":null`), then an `op` string (else `bad_request`
    /// with the id). Unknown top-level fields are ignored.
    static func parse(_ line: UnsafeRawBufferPointer, maxDepth: Int) throws(Rejection) -> Request {
        let value: JSONValue
        do {
            value = try JSONValue.parse(line, limits: JSONParser.Limits(maxDepth: maxDepth))
        } catch {
            throw Rejection(id: nil, error: DomainError(.badRequest, "the line is not a JSON object: \(error)"))
        }
        guard case .object(let body) = value else {
            throw Rejection(id: nil, error: DomainError(.badRequest, "a request must be a JSON object"))
        }
        let id: RequestID
        switch body["id"] {
        case .string(let s): id = .string(s)
        case .number(let n): id = .number(n.text)
        default:
            throw Rejection(
                id: nil, error: DomainError(.badRequest, "a request needs an id (a string or a number)",
                                            details: ["field": "id"]))
        }
        guard case .string(let op) = body["op"] else {
            throw Rejection(id: id, error: .field("op", "a request needs an op (a string)"))
        }
        return Request(id: id, op: op, body: body)
    }
}

extension DomainError {
    /// `bad_request` naming a top-level request field.
    static func field(_ name: String, _ message: String) -> DomainError {
        DomainError(.badRequest, message, details: ["field": .string(name)])
    }
}

/// Typed access to a request's top-level fields; a field of the wrong type is `bad_request` with
/// `details.field`, an absent or `null` field is nil.
extension JSONObject {
    func optionalString(_ name: String) throws(DomainError) -> String? {
        switch self[name] {
        case nil, .null?: return nil
        case .string(let s)?: return s
        default: throw .field(name, "\(name) must be a string")
        }
    }

    func requiredString(_ name: String) throws(DomainError) -> String {
        guard let s = try optionalString(name) else { throw .field(name, "\(name) is required (a string)") }
        return s
    }

    /// A string, or an integer given as a number (kept as its text): `causationId` may be a position.
    func optionalIdentifier(_ name: String) throws(DomainError) -> String? {
        switch self[name] {
        case nil, .null?: return nil
        case .string(let s)?: return s
        case .number(let n)? where n.uint64Value != nil: return n.text
        default: throw .field(name, "\(name) must be a string or a non-negative integer")
        }
    }

    func optionalUInt64(_ name: String) throws(DomainError) -> UInt64? {
        switch self[name] {
        case nil, .null?: return nil
        case .number(let n)?:
            guard let v = n.uint64Value else { throw .field(name, "\(name) must be a non-negative integer") }
            return v
        default: throw .field(name, "\(name) must be a non-negative integer")
        }
    }

    func optionalBool(_ name: String) throws(DomainError) -> Bool? {
        switch self[name] {
        case nil, .null?: return nil
        case .bool(let b)?: return b
        default: throw .field(name, "\(name) must be true or false")
        }
    }

    func optionalObject(_ name: String) throws(DomainError) -> JSONObject? {
        switch self[name] {
        case nil, .null?: return nil
        case .object(let o)?: return o
        default: throw .field(name, "\(name) must be a JSON object")
        }
    }

    func optionalStringSet(_ name: String) throws(DomainError) -> Set<String>? {
        switch self[name] {
        case nil, .null?: return nil
        case .array(let items)?:
            var out = Set<String>()
            for item in items {
                guard case .string(let s) = item else { throw .field(name, "\(name) must be an array of strings") }
                out.insert(s)
            }
            return out
        default: throw .field(name, "\(name) must be an array of strings")
        }
    }
}
