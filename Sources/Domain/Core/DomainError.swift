import JSON

/// A rejection: the contract's code, a human message, and `details` for machines.
///
/// Messages never contain personal data (names, phones, e-mails): only ids and codes.
public struct DomainError: Error, Sendable, Hashable, CustomStringConvertible {
    public var code: ErrorCode
    public var message: String
    public var details: JSONObject

    public init(_ code: ErrorCode, _ message: String, details: JSONObject = [:]) {
        self.code = code
        self.message = message
        self.details = details
    }

    public var description: String { "\(code.rawValue): \(message)" }

    /// `invalid_argument` naming the offending field in `details.field`.
    public static func invalid(_ field: String, _ message: String) -> DomainError {
        DomainError(.invalidArgument, message, details: ["field": .string(field)])
    }

    /// `not_found` with `details` `{kind, id}`.
    public static func notFound(_ kind: String, _ id: String) -> DomainError {
        DomainError(.notFound, "\(kind) \(id) does not exist", details: ["kind": .string(kind), "id": .string(id)])
    }

    public static func alreadyExists(_ kind: String, _ id: String) -> DomainError {
        DomainError(.alreadyExists, "\(kind) \(id) already exists", details: ["kind": .string(kind), "id": .string(id)])
    }

    public static func forbidden(_ message: String) -> DomainError { DomainError(.forbidden, message) }

    public static func reasonRequired(_ field: String = "reason") -> DomainError {
        DomainError(.reasonRequired, "a non-empty \(field) is required", details: ["field": .string(field)])
    }
}
