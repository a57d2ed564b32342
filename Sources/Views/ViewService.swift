import ApprovalQueues
import AuditTrail
import Customer360
import Domain
import EventLog
import Foundation
import Inventory
import JSON
import LMDB
import ProjectionRuntime
import SalesFunnel

/// The query API of CONTRACT §4 over every view — what the socket server's `query` op and the CLI call.
///
/// ```swift
/// let engine = ProjectionEngine(log: log, directory: "data/views", projections: ViewService.projections)
/// try engine.start()
/// let views = ViewService(source: engine)
/// let (position, result) = try await views.query(
///     view: "customer360", params: ["customerId": "C-1"], actor: actor, minPosition: 42, timeout: .seconds(5))
/// ```
///
/// Errors are ``DomainError``s with the contract's codes, checked in this order: an unknown view is
/// `invalid_argument` (`details.field` = `"view"`); the role table (`forbidden`); the params
/// (`invalid_argument`, `details.field` naming the parameter — unknown ones included); waiting for
/// `minPosition` (`timeout`, `details.checkpoint`); what the params name (`not_found`); the
/// qualifiers "they own", "for themselves", "their reports" (`forbidden`).
public final class ViewService: Sendable {
    public let source: any ViewSource

    /// Every projection, in the order their views are listed.
    public static let projections: [Projection] = [
        Customer360.projection, SalesFunnel.projection, ApprovalQueues.projection, Inventory.projection,
        AuditTrail.projection,
    ]

    /// The view names this service answers.
    public static let viewNames: [String] = projections.flatMap(\.views)

    public init(source: any ViewSource) { self.source = source }

    /// The engine that keeps `<dataDirectory>/views` up to date with `log`.
    public static func engine(
        log: EventLog, dataDirectory: String, options: ProjectionEngine.Options = .init()
    ) -> ProjectionEngine {
        ProjectionEngine(log: log, directory: dataDirectory + "/views", projections: projections, options: options)
    }

    /// Answers one query: the view's checkpoint when it was read, and the result object.
    public func query(
        view: String, params: JSONObject, actor: Actor, minPosition: UInt64?, timeout: Duration
    ) async throws -> (position: UInt64, result: JSONObject) {
        let (projection, run) = try Self.prepare(view: view, params: params, actor: actor)
        if let minPosition, minPosition > 0 {
            guard await source.waitUntil(projection.name, reaches: minPosition, timeout: timeout) else {
                let checkpoint = try? currentCheckpoint(projection.name)
                throw DomainError(
                    .timeout, "\(view) has not applied position \(minPosition) yet",
                    details: ["checkpoint": .number(JSONNumber(checkpoint ?? 0))])
            }
        }
        return try execute(view, projection, run)
    }

    /// Runs `view` on the caller's thread against the views as they are now: ``query(view:params:actor:minPosition:timeout:)``
    /// without a `minPosition`, for a caller that must not suspend (the socket server answers such
    /// a query on the connection's event loop as soon as it reads it).
    public func queryNow(view: String, params: JSONObject, actor: Actor) throws -> (position: UInt64, result: JSONObject) {
        let (projection, run) = try Self.prepare(view: view, params: params, actor: actor)
        return try execute(view, projection, run)
    }

    private static func prepare(view: String, params: JSONObject, actor: Actor) throws -> (Projection, Run) {
        guard let projection = Self.projections.first(where: { $0.views.contains(view) }) else {
            throw DomainError(
                .invalidArgument, "unknown view \(view)",
                details: ["field": "view", "views": .array(Self.viewNames.map(JSONValue.string))])
        }
        let access = try ViewAccess.of(view, actor: actor)
        return (projection, try Self.prepare(view: view, params: params, actor: actor, access: access))
    }

    private func execute(_ view: String, _ projection: Projection, _ run: Run) throws -> (position: UInt64, result: JSONObject) {
        let store: ViewStore
        do {
            store = try source.currentStore()
        } catch {
            throw DomainError(.unavailable, "the views are not available yet")
        }
        let log = source.log
        return try store.read { txn in
            guard let checkpoint = try store.checkpoint(projection.name, txn) else {
                throw DomainError(.unavailable, "\(view) has not been built yet")
            }
            let context = QueryContext(store: store, log: log, checkpoint: checkpoint.position)
            let value = try run(txn, context)
            return (checkpoint.position, value)
        }
    }

    private func currentCheckpoint(_ projection: String) throws -> UInt64 {
        let store = try source.currentStore()
        return try store.read { txn in try store.checkpoint(projection, txn)?.position ?? 0 }
    }

    typealias Run = (borrowing Transaction, QueryContext) throws -> JSONObject

    /// Reads the params (and checks the qualifiers that need no data), returning what runs in the snapshot.
    static func prepare(view: String, params: JSONObject, actor: Actor, access: ViewAccess) throws -> Run {
        let encoder = JSONValueEncoder()
        switch view {
        case "customer360":
            let p = try Customer360.Params(params)
            return { txn, context in
                let result = try Customer360.query(p, txn, context)
                if !access.unrestricted && !(access.ownOnly && result.ownerId == actor.id) {
                    throw ViewAccess.denied(actor, "customer \(p.customerId)")
                }
                return result.jsonObject
            }
        case "salesFunnel":
            let p = try SalesFunnel.Params(params)
            if !access.unrestricted && !(access.ownOnly && p.repId == actor.id) {
                throw ViewAccess.denied(actor, "the sales funnel of anyone but themselves (pass repId=\(actor.id))")
            }
            return { txn, context in try encoder.encodeObject(SalesFunnel.query(p, txn, context)) }
        case "approvalQueue":
            let p = try ApprovalQueues.QueueParams(params)
            if !access.unrestricted && !(access.selfOnly && p.approverId == actor.id) {
                throw ViewAccess.denied(actor, "the approval queue of \(p.approverId)")
            }
            return { txn, context in try encoder.encodeObject(ApprovalQueues.queue(p, txn, context)) }
        case "myExpenses":
            let p = try ApprovalQueues.ExpensesParams(params)
            return { txn, context in
                if !access.unrestricted && !(access.selfOnly && p.requesterId == actor.id) {
                    let report = try access.reports && ApprovalQueues.isReport(p.requesterId, of: actor.id, txn, context)
                    if !report { throw ViewAccess.denied(actor, "the expenses of \(p.requesterId)") }
                }
                return try encoder.encodeObject(ApprovalQueues.myExpenses(p, txn, context))
            }
        case "auditTrail":
            let p = try AuditTrail.Params(params)
            return { txn, context in try encoder.encodeObject(AuditTrail.query(p, txn, context)) }
        case "inventory":
            let p = try Inventory.LevelsParams(params)
            return { txn, context in try encoder.encodeObject(Inventory.levels(p, txn, context)) }
        case "stockLedger":
            let p = try Inventory.LedgerParams(params)
            return { txn, context in try encoder.encodeObject(Inventory.ledger(p, txn, context)) }
        default:
            throw DomainError.invalid("view", "unknown view \(view)")
        }
    }
}
