import Domain
import JSON
import PersonalData
import ProjectionRuntime
import SocketAPI
import Views

/// The socket server's `query` op, answered by the projection engine's views. Personal fields in
/// results are revealed with the subject keys (or read `[erased]`); the views themselves only ever
/// hold the sealed form.
struct ViewQueries: QueryService {
    let views: ViewService
    let engine: ProjectionEngine
    let keys: SubjectKeyStore

    func query(view: String, params: JSONObject, actor: Actor, minPosition: UInt64?, timeout: Duration)
        async throws -> (position: UInt64, result: JSONObject)
    {
        let (position, result) = try await views.query(
            view: view, params: params, actor: actor, minPosition: minPosition, timeout: timeout)
        return (position, keys.reveal(result))
    }

    func queryNow(view: String, params: JSONObject, actor: Actor) throws -> (position: UInt64, result: JSONObject)? {
        let (position, result) = try views.queryNow(view: view, params: params, actor: actor)
        return (position, keys.reveal(result))
    }

    func checkpoints() -> [String: UInt64] {
        var out: [String: UInt64] = [:]
        for status in engine.status() {
            for view in status.views { out[view] = status.checkpoint }
        }
        return out
    }
}
