import CommandProcessing
import Domain
import EventLog
import Foundation
import JSON
import Locking
import PersonalData
import ProjectionRuntime
import Testing
import Views

final class TemporaryDirectory: Sendable {
    let path: String

    init() {
        path = NSTemporaryDirectory() + "chronicle-views-" + UUID().uuidString
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}

final class ManualClock: LogClock {
    let now = Lock<Int64>(Timestamp(iso8601: "2026-03-02T09:00:00Z")!.milliseconds)
    func nowMilliseconds() -> Int64 { now.withLock { $0 } }
    func advance(minutes: Int) { now.withLock { $0 += Int64(minutes) * 60_000 } }
    func advance(days: Int) { now.withLock { $0 += Int64(days) * 86_400_000 } }
    func set(_ ms: Int64) { now.withLock { $0 = max($0, ms) } }
    /// Moves the clock anywhere (before anything is written).
    func reset(to ms: Int64) { now.withLock { $0 = ms } }
}

/// A log, a processor and a projection engine in a temporary directory; commands run through the
/// real deciders, views are projected by hand (``project(maxEvents:)``) or by the engine's follower.
final class ViewHarness: @unchecked Sendable {  // used from one test task at a time
    let dir = TemporaryDirectory()
    let clock = ManualClock()
    var log: EventLog
    var processor: CommandProcessor
    var engine: ProjectionEngine
    var views: ViewService

    init(options: ProjectionEngine.Options = .init(rebuildParallelism: 2)) throws {
        log = try EventLog.open(directory: dir.path + "/log", options: .init(mapSize: 1 << 28, clock: clock))
        processor = try CommandProcessor(log: log)
        engine = ViewService.engine(log: log, dataDirectory: dir.path, options: options)
        views = ViewService(source: engine)
    }

    deinit {
        engine.close()
        log.close()
    }

    var viewsDirectory: String { dir.path + "/views" }

    @discardableResult
    func run(_ actor: String, _ type: String, _ data: JSONObject) async throws -> CommandReply {
        try await processor.execute(CommandRequest(type: type, data: .object(data), actorId: actor))
    }

    /// The rejection code, or nil when accepted.
    func code(_ actor: String, _ type: String, _ data: JSONObject) async -> String? {
        do {
            _ = try await run(actor, type, data)
            return nil
        } catch let e as DomainError {
            return e.code.rawValue
        } catch {
            return "unexpected: \(error)"
        }
    }

    func employee(_ id: String, _ roles: [String], manager: String? = nil) async throws {
        var data: JSONObject = [
            "employeeId": .string(id), "name": .string("N \(id)"), "roles": .array(roles.map(JSONValue.string)),
        ]
        if let manager { data["managerId"] = .string(manager) }
        try await run("admin", "RegisterEmployee", data)
    }

    /// Applies everything committed, `maxEvents` per transaction.
    func project(maxEvents: Int = 10_000) throws {
        while try engine.applyPending(maxEvents: maxEvents) > 0 {}
    }

    func actor(_ id: String) -> Actor {
        processor.resolveActor(id) ?? Actor(id: id, roles: [])
    }

    /// A query as `actor`, after projecting what is committed, with personal fields revealed as the
    /// server reveals them (views hold only the sealed form).
    func query(_ view: String, _ params: JSONObject, as actor: String = "admin") async throws -> JSONObject {
        try project()
        let result = try await views.query(
            view: view, params: params, actor: self.actor(actor), minPosition: nil, timeout: .seconds(1)
        ).result
        return processor.keys.reveal(result)
    }

    /// The error code a query is refused with, or nil.
    func queryCode(_ view: String, _ params: JSONObject, as actor: String = "admin") async -> String? {
        do {
            _ = try await query(view, params, as: actor)
            return nil
        } catch let e as DomainError {
            return e.code.rawValue
        } catch {
            return "unexpected: \(error)"
        }
    }
}

extension JSONValue {
    /// Compact JSON text (for readable failures).
    var text: String { jsonString }
}

extension JSONObject {
    var text: String { JSONValue.object(self).text }
}

/// Whether `actual` has every member of `expected` with an equal value (objects compared the same
/// way, recursively; arrays element by element with equal lengths) — "result (at least)".
func matches(_ actual: JSONValue, _ expected: JSONValue) -> Bool {
    switch (actual, expected) {
    case (.object(let a), .object(let e)):
        for (k, v) in e {
            guard let av = a[k], matches(av, v) else { return false }
        }
        return true
    case (.array(let a), .array(let e)):
        return a.count == e.count && zip(a, e).allSatisfy { matches($0, $1) }
    case (.number(let a), .number(let e)):
        return a.text == e.text || (Double(a.text) != nil && Double(a.text) == Double(e.text))
    default:
        return actual == expected
    }
}
