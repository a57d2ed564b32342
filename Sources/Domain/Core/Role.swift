/// An employee role (CONTRACT §2). An open set so roles read from disk always decode; only the
/// listed ones are accepted by `RegisterEmployee` / `UpdateEmployee`.
public struct Role: RawRepresentable, Sendable, Hashable, Comparable, ExpressibleByStringLiteral {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { self.rawValue = value }
    public static func < (a: Role, b: Role) -> Bool { a.rawValue < b.rawValue }

    public static let admin: Role = "admin"
    public static let sales: Role = "sales"
    public static let manager: Role = "manager"
    public static let finance: Role = "finance"
    public static let ceo: Role = "ceo"
    public static let warehouse: Role = "warehouse"
    public static let auditor: Role = "auditor"
    public static let analyst: Role = "analyst"
    public static let integration: Role = "integration"

    /// The roles an employee may be given.
    public static let known: Set<Role> = [
        .admin, .sales, .manager, .finance, .ceo, .warehouse, .auditor, .analyst, .integration,
    ]
}

/// Who issues a command: an employee with roles, `admin` (the admin token) or `system` (timers).
public struct Actor: Sendable, Hashable {
    public var id: String
    public var roles: Set<Role>

    public init(id: String, roles: Set<Role>) {
        self.id = id
        self.roles = roles
    }

    public static let admin = Actor(id: "admin", roles: [.admin])
    /// The server's own timers (the daily lead recycle). Acts with admin rights.
    public static let system = Actor(id: "system", roles: [.admin])
    /// The ids of the actors above, which no employee may take: an employee `admin` would share the
    /// admin token's actor, and deactivating it would leave that actor's rights untouched.
    public static let reservedIds: Set<String> = [admin.id, system.id]

    public var isAdmin: Bool { roles.contains(.admin) }
    public func has(_ role: Role) -> Bool { roles.contains(role) }

    /// Part of `everyone` (CONTRACT §2): every active employee except one whose only role is `integration`.
    /// (Not `roles == [.integration]`, which built a set to compare with on every command.)
    public var isEveryone: Bool { !(roles.count == 1 && roles.contains(.integration)) }
}
