import Crypto
import JSON
import Locking
import Synchronization

/// The tokens the server accepts in `hello`: the admin token (`--admin-token`,
/// `CHRONICLE_ADMIN_TOKEN`) and the tokens file (`--tokens FILE`, `{"<token>": "<employeeId>"}`),
/// which `SIGHUP` replaces without dropping connections.
///
/// Tokens are kept only as SHA-256 digests and looked up by digest, so no stored token is ever
/// compared byte by byte with a guess: response time does not tell how much of a guess was right.
/// The admin digest is compared in constant time. Tokens never appear in logs or errors.
public final class TokenTable: Sendable {
    /// A token's SHA-256 digest.
    public struct Digest: Hashable, Sendable {
        let bytes: [UInt8]

        init(_ token: String) { bytes = Array(SHA256.hash(data: Array(token.utf8))) }

        /// Equality that looks at every byte whatever the first difference.
        func constantTimeEquals(_ other: Digest) -> Bool {
            guard bytes.count == other.bytes.count else { return false }
            var diff: UInt8 = 0
            for i in bytes.indices { diff |= bytes[i] ^ other.bytes[i] }
            return diff == 0
        }
    }

    private struct State {
        var admin: Digest?
        var employees: [Digest: String] = [:]
    }

    private let state: Lock<State>
    /// Bumped on every reload, so open sessions re-check their token.
    private let generationCounter = Atomic<Int>(0)

    public init(adminToken: String?, employeeTokens: [String: String] = [:]) {
        var s = State()
        if let adminToken, !adminToken.isEmpty { s.admin = Digest(adminToken) }
        for (token, employee) in employeeTokens { s.employees[Digest(token)] = employee }
        state = Lock(s)
    }

    /// Replaces the tokens-file entries (the admin token stays). Open sessions whose token is gone
    /// become unauthenticated at their next request.
    public func replaceEmployeeTokens(_ tokens: [String: String]) {
        var table: [Digest: String] = [:]
        for (token, employee) in tokens { table[Digest(token)] = employee }
        state.withLock { $0.employees = table }
        generationCounter.add(1, ordering: .releasing)
    }

    /// How many tokens the file gave (for logs; never the tokens).
    public var employeeTokenCount: Int { state.withLock { $0.employees.count } }

    /// Whether any token can authenticate at all.
    public var isEmpty: Bool { state.withLock { $0.admin == nil && $0.employees.isEmpty } }

    var generation: Int { generationCounter.load(ordering: .acquiring) }

    /// The principal a token stands for: `admin`, an employee id, or nil for an unknown token.
    public func principal(for token: String) -> (principal: String, digest: Digest)? {
        let digest = Digest(token)
        return principal(for: digest).map { ($0, digest) }
    }

    func principal(for digest: Digest) -> String? {
        state.withLock { s in
            let isAdmin = s.admin.map { $0.constantTimeEquals(digest) } ?? false
            if isAdmin { return "admin" }
            return s.employees[digest]
        }
    }

    /// Parses a tokens file: one JSON object of non-empty token strings to employee ids.
    /// `system` is refused: it is the server's own timers.
    public static func parseFile(_ bytes: [UInt8]) throws -> [String: String] {
        let value: JSONValue
        do {
            value = try JSONValue.parse(bytes)
        } catch {
            throw TokenFileError(message: "not valid JSON (\(error))")
        }
        guard case .object(let o) = value else {
            throw TokenFileError(message: "must be a JSON object {\"<token>\": \"<employeeId>\"}")
        }
        var out: [String: String] = [:]
        for (index, (token, employee)) in o.enumerated() {
            guard !token.isEmpty, let id = employee.stringValue, !id.isEmpty, id != "system" else {
                throw TokenFileError(message: "entry \(index + 1) must map a non-empty token to an employee id")
            }
            out[token] = id
        }
        return out
    }
}

/// A tokens file that cannot be used; the message never quotes a token.
public struct TokenFileError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { "tokens file: \(message)" }
}
