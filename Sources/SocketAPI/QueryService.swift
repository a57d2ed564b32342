import Domain
import JSON

/// Answers `query` requests from view snapshots (CONTRACT §4). The projection engine conforms to it;
/// the server only checks the role table (`Authorization.mayQuery`) before calling it.
///
/// ```swift
/// let (position, result) = try await views.query(
///     view: "customer360", params: ["customerId": "C-1"], actor: actor, minPosition: 42, timeout: .seconds(5))
/// ```
public protocol QueryService: Sendable {
    /// Runs `view` with `params` as `actor` sees it.
    ///
    /// - Parameters:
    ///   - minPosition: when given, wait until the view has applied this position (read-your-writes),
    ///     at most `timeout`; then throw `timeout` with `details.checkpoint`.
    /// - Returns: the view's checkpoint the result reflects, and the result object.
    /// - Throws: ``DomainError`` with a contract code (`invalid_argument` for unknown params,
    ///   `not_found`, `forbidden` for a failed qualifier, `timeout`, …). Never waits on the log's writer.
    func query(view: String, params: JSONObject, actor: Actor, minPosition: UInt64?, timeout: Duration)
        async throws -> (position: UInt64, result: JSONObject)

    /// Runs `view` on the caller's thread against the views as they are now (no `minPosition`), or
    /// nil when this service only answers through ``query(view:params:actor:minPosition:timeout:)``.
    /// The server calls it on the connection's event loop as soon as it reads the request, so that a
    /// query is not queued behind the command replies the loop has to send; it must not block.
    func queryNow(view: String, params: JSONObject, actor: Actor) throws -> (position: UInt64, result: JSONObject)?

    /// Each view's checkpoint (the last position it applied), for the view-lag metric.
    func checkpoints() -> [String: UInt64]
}

extension QueryService {
    public func queryNow(view: String, params: JSONObject, actor: Actor) throws -> (position: UInt64, result: JSONObject)? {
        nil
    }

    public func checkpoints() -> [String: UInt64] { [:] }
}
