import CommandProcessing
import Domain
import EventCoding
import EventLog
import Foundation
import JSON

/// A hand-checked scenario of `Fixtures/Scenarios/*.json` (the format is in `Fixtures/README.md`).
struct Scenario {
    struct Step {
        var actor: String
        var type: String
        var data: JSONValue
        var at: Timestamp
        var commandId: String?
        var expect: Expectation
    }

    enum Expectation {
        /// Accepted; `events` (when given) are the exact event types in order, `data` partial payloads.
        case accepted(events: [String]?, data: [JSONValue?])
        case rejected(code: String, details: JSONValue?)
    }

    var name: String
    var description: String
    var steps: [Step]

    static let defaultStart = Timestamp(iso8601: "2026-01-05T09:00:00Z")!

    init(file: URL) throws {
        let bytes = [UInt8](try Data(contentsOf: file))
        let root = try bytes.withUnsafeBytes { try JSONValue.parse($0) }
        guard let name = root["name"]?.stringValue, let description = root["description"]?.stringValue,
            let steps = root["steps"]?.arrayValue, root["expectedViews"]?.objectValue != nil
        else { throw ScenarioError("\(file.lastPathComponent): needs name, description, steps and expectedViews") }
        self.name = name
        self.description = description
        var at = try root["start"]?.stringValue.map(Self.time) ?? Self.defaultStart
        self.steps = []
        for (i, step) in steps.enumerated() {
            guard let actor = step["actor"]?.stringValue, let type = step["type"]?.stringValue, let data = step["data"]
            else { throw ScenarioError("\(name) step \(i + 1): needs actor, type and data") }
            if let text = step["at"]?.stringValue {
                at = try Self.time(text)
            } else if i > 0 {
                at = at.adding(milliseconds: 1000)
            }
            self.steps.append(
                Step(
                    actor: actor, type: type, data: data, at: at, commandId: step["commandId"]?.stringValue,
                    expect: try Self.expectation(step["expect"], step: i + 1, scenario: name)))
        }
    }

    private static func time(_ text: String) throws -> Timestamp {
        guard let t = Timestamp(iso8601: text) else { throw ScenarioError("bad time \(text)") }
        return t
    }

    private static func expectation(_ value: JSONValue?, step: Int, scenario: String) throws -> Expectation {
        guard let value else { return .accepted(events: nil, data: []) }
        if let code = value["rejected"]?.stringValue { return .rejected(code: code, details: value["details"]) }
        let events = value["events"]?.arrayValue?.compactMap(\.stringValue)
        switch value["data"] {
        case nil: return .accepted(events: events, data: [])
        case .object(let o)?: return .accepted(events: events, data: [.object(o)])
        case .array(let items)?: return .accepted(events: events, data: items.map { $0.isNull ? nil : $0 })
        default: throw ScenarioError("\(scenario) step \(step): expect.data must be an object or an array")
        }
    }

    /// Runs every step through the processor and returns what did not match (empty: all did).
    func run(on store: FixtureStore) async throws -> [String] {
        var failures: [String] = []
        for (i, step) in steps.enumerated() {
            let label = "\(name) step \(i + 1) (\(step.type) by \(step.actor))"
            let request = CommandRequest(
                type: step.type, data: step.data, actorId: step.actor, commandId: step.commandId, at: step.at)
            let outcome: Result<CommandReply, DomainError>
            do {
                outcome = .success(try await store.processor.execute(request))
            } catch let e as DomainError {
                outcome = .failure(e)
            }
            switch (step.expect, outcome) {
            case (.rejected(let code, _), .success):
                failures.append("\(label): accepted, expected \(code)")
            case (.rejected(let code, let details), .failure(let e)):
                if e.code.rawValue != code {
                    failures.append("\(label): \(e.code.rawValue) (\(e.message)), expected \(code)")
                } else if let details, let why = Self.mismatch(details, .object(e.details), "details") {
                    failures.append("\(label): \(why)")
                }
            case (.accepted, .failure(let e)):
                failures.append("\(label): rejected with \(e.code.rawValue): \(e.message)")
            case (.accepted(let types, let data), .success(let reply)):
                if let types, reply.events.map(\.type) != types {
                    failures.append("\(label): events \(reply.events.map(\.type)), expected \(types)")
                    continue
                }
                for (k, expected) in data.enumerated() {
                    guard let expected else { continue }
                    guard k < reply.events.count else {
                        failures.append("\(label): no event \(k + 1) to check data against")
                        continue
                    }
                    guard let stored = try store.log.event(at: reply.events[k].position) else {
                        failures.append("\(label): event \(k + 1) not found in the log")
                        continue
                    }
                    let actual = try EventJSON.object(stored)["data"]
                    if let why = Self.mismatch(expected, actual, "event \(k + 1) (\(stored.type)) data") {
                        failures.append("\(label): \(why)")
                    }
                }
            }
        }
        return failures
    }

    /// Where `actual` fails to match `expected`: objects match when every expected member matches
    /// (others may exist), arrays element by element with the same length, other values exactly.
    static func mismatch(_ expected: JSONValue, _ actual: JSONValue?, _ path: String) -> String? {
        guard let actual else { return "\(path) is missing, expected \(text(expected))" }
        switch (expected, actual) {
        case (.object(let e), .object(let a)):
            for (key, value) in e {
                if let why = mismatch(value, a[key], path + "." + key) { return why }
            }
            return nil
        case (.array(let e), .array(let a)):
            guard e.count == a.count else {
                return "\(path) has \(a.count) elements, expected \(e.count): \(text(actual))"
            }
            for (k, pair) in zip(e, a).enumerated() {
                if let why = mismatch(pair.0, pair.1, "\(path)[\(k)]") { return why }
            }
            return nil
        default:
            return expected == actual ? nil : "\(path) is \(text(actual)), expected \(text(expected))"
        }
    }

    static func text(_ value: JSONValue) -> String {
        var bytes: [UInt8] = []
        JSONWriter.append(value, into: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }
}

struct ScenarioError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
