import Domain
import EventLog
import JSON

/// What a view's query reads besides its databases: the store, the log (for fields kept by
/// reference), and the projection's checkpoint in the snapshot being read — log reads never look
/// past it, so an answer is exactly as of the position it reports.
public struct QueryContext: Sendable {
    public let store: ViewStore
    public let log: EventLog
    public let checkpoint: UInt64

    public init(store: ViewStore, log: EventLog, checkpoint: UInt64) {
        self.store = store
        self.log = log
        self.checkpoint = checkpoint
    }
}

/// A page request: `limit` (default 100, at most 1,000) and `after` (an opaque cursor).
public struct PageRequest: Sendable, Hashable {
    public var limit: Int
    public var after: String?

    public init(limit: Int = PageRequest.defaultLimit, after: String? = nil) {
        self.limit = limit
        self.after = after
    }

    public static let defaultLimit = 100
    public static let maximumLimit = 1000
}

/// A page of rows and the cursor for the next one (`null` on the last page).
public struct Page<Row: Encodable & Sendable>: Encodable, Sendable {
    public var rows: [Row]
    public var next: String?

    public init(rows: [Row], next: String?) {
        self.rows = rows
        self.next = next
    }
}

/// Reads a query's `params` strictly: every parameter is checked, and one the view does not know is
/// `invalid_argument` naming it in `details.field` (CONTRACT §2: a typo must not silently drop a filter).
public struct ParamReader {
    let params: JSONObject
    private var used: Set<String> = []

    public init(_ params: JSONObject) { self.params = params }

    /// A required id-like string.
    public mutating func string(_ name: String) throws -> String {
        guard let v = try optionalString(name) else {
            throw DomainError.invalid(name, "\(name) is required")
        }
        return v
    }

    /// An optional non-empty string (`null` counts as absent).
    public mutating func optionalString(_ name: String) throws -> String? {
        used.insert(name)
        guard let v = params[name], !v.isNull else { return nil }
        guard case .string(let s) = v else { throw DomainError.invalid(name, "\(name) must be a string") }
        guard !s.isEmpty, s.utf8.count <= 512 else { throw DomainError.invalid(name, "\(name) must be 1–512 bytes") }
        return s
    }

    /// An optional time: ISO-8601 UTC (`2026-11-22T08:15:30Z`) or a date (`2026-11-22`, midnight UTC).
    /// Returns milliseconds since the epoch.
    public mutating func optionalTime(_ name: String) throws -> Int64? {
        guard let s = try optionalString(name) else { return nil }
        guard let t = Timestamp(iso8601: s) else {
            throw DomainError.invalid(name, "\(name) must be an ISO-8601 UTC time or a YYYY-MM-DD date")
        }
        return t.milliseconds
    }

    /// `limit` and `after`.
    public mutating func page() throws -> PageRequest {
        used.insert("limit")
        var limit = PageRequest.defaultLimit
        if let v = params["limit"], !v.isNull {
            let n: Int?
            switch v {
            case .number(let number): n = number.intValue
            case .string(let s): n = Int(s)
            default: n = nil
            }
            guard let n, n >= 1, n <= PageRequest.maximumLimit else {
                throw DomainError.invalid("limit", "limit must be an integer from 1 to \(PageRequest.maximumLimit)")
            }
            limit = n
        }
        return PageRequest(limit: limit, after: try optionalString("after"))
    }

    /// Refuses any parameter that was not read.
    public func finish() throws {
        for (key, _) in params.members where !used.contains(key) {
            throw DomainError.invalid(key, "unknown parameter \(key)")
        }
    }
}

/// Cursors for pages ordered by log position: the last position returned, as text.
public enum PositionCursor {
    public static func encode(_ position: UInt64) -> String { "p" + String(position) }

    public static func decode(_ cursor: String?) throws -> UInt64 {
        guard let cursor else { return 0 }
        guard cursor.first == "p", let p = UInt64(cursor.dropFirst()) else {
            throw DomainError.invalid("after", "after is not a cursor this view returned")
        }
        return p
    }
}
