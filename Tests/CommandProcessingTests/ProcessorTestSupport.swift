import CommandProcessing
import Domain
import EventLog
import Foundation
import JSON
import Locking

final class TemporaryDirectory: Sendable {
    let path: String

    init() {
        path = NSTemporaryDirectory() + "chronicle-proc-" + UUID().uuidString
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}

final class ManualClock: LogClock {
    let now = Lock<Int64>(Timestamp(iso8601: "2026-03-02T09:00:00Z")!.milliseconds)
    func nowMilliseconds() -> Int64 { now.withLock { $0 } }
    func advance(days: Int) { now.withLock { $0 += Int64(days) * 86_400_000 } }
}

/// A processor on a real log in a temporary directory.
struct Harness {
    let dir = TemporaryDirectory()
    let clock = ManualClock()
    var log: EventLog
    var processor: CommandProcessor

    init() throws {
        log = try EventLog.open(directory: dir.path + "/log", options: .init(mapSize: 1 << 26, clock: clock))
        processor = try CommandProcessor(log: log)
    }

    /// Closes and reopens the log and processor (a restart).
    mutating func restart() throws {
        log.close()
        log = try EventLog.open(directory: dir.path + "/log", options: .init(mapSize: 1 << 26, clock: clock))
        processor = try CommandProcessor(log: log)
    }

    @discardableResult
    func run(_ actor: String, _ type: String, _ data: JSONObject, commandId: String? = nil,
             expectedVersion: UInt64? = nil) async throws -> CommandReply {
        try await processor.execute(CommandRequest(
            type: type, data: .object(data), actorId: actor, commandId: commandId, expectedVersion: expectedVersion))
    }

    /// The rejection code, or nil when accepted.
    func code(_ actor: String, _ type: String, _ data: JSONObject, commandId: String? = nil,
              expectedVersion: UInt64? = nil) async -> ErrorCode? {
        do {
            _ = try await run(actor, type, data, commandId: commandId, expectedVersion: expectedVersion)
            return nil
        } catch let e as DomainError {
            return e.code
        } catch {
            return ErrorCode(rawValue: "unexpected: \(error)")
        }
    }

    func employee(_ id: String, _ roles: [String], manager: String? = nil) async throws {
        var data: JSONObject = ["employeeId": .string(id), "name": .string("N \(id)"), "roles": .array(roles.map(JSONValue.string))]
        if let manager { data["managerId"] = .string(manager) }
        try await run("admin", "RegisterEmployee", data)
    }
}
