import Domain
import JSON
import Testing

/// Given/when/then over events, for domain tests.
///
/// ```swift
/// var s = Scenario()
/// s.given(.admin, "RegisterEmployee", ["employeeId": "E-1", "name": "Ann", "roles": ["sales"]])
/// let events = try s.when(s.actor("E-1"), "ClaimLead", ["leadId": "L-1"])
/// ```
/// `given` runs commands through the real deciders and applies their events, so every fixture is a
/// history the domain itself accepts. `when` decides without applying; `then` applies.
struct Scenario {
    var state = CompanyState()
    var now = Timestamp(iso8601: "2026-03-02T09:00:00.000Z")!
    var position: UInt64 = 0

    /// The actor for a registered employee (its current roles).
    func actor(_ id: String) -> Actor {
        if id == "admin" { return .admin }
        if id == "system" { return .system }
        return state.org.actor(for: id) ?? Actor(id: id, roles: [])
    }

    /// Decides `type` as `actor` and returns the events, without applying them.
    ///
    /// A command whose data can be read ahead (``CompanyState/prepare(_:)``, as the command processor
    /// does) is decided both ways, and the two must agree — events or rejection — in every test.
    func when(_ actor: Actor, _ type: String, _ data: JSONObject) throws -> [NewEvent] {
        let command = Command(type: CommandType(rawValue: type), data: .object(data))
        let context = CommandContext(actor: actor, now: now, nextPosition: position + 1)
        let whole = Result { try state.decide(command, context: context) }
        if let prepared = CompanyState.prepare(command) {
            let ahead = Result { try state.decide(command, context: context, prepared: prepared) }
            switch (whole, ahead) {
            case (.success(let a), .success(let b)): #expect(a == b, "\(type): read ahead, the events differ")
            case (.failure(let a), .failure(let b)):
                #expect(a as? DomainError == b as? DomainError, "\(type): read ahead, the rejection differs")
            default: Issue.record("\(type): decided as a whole \(whole), read ahead \(ahead)")
            }
        }
        return try whole.get()
    }

    /// Decides and applies; fails the test when the command is rejected.
    @discardableResult
    mutating func given(
        _ actor: Actor, _ type: String, _ data: JSONObject, sourceLocation: SourceLocation = #_sourceLocation
    ) -> [NewEvent] {
        do {
            let events = try when(actor, type, data)
            apply(events, actor: actor.id)
            return events
        } catch {
            Issue.record("given \(type) was rejected: \(error)", sourceLocation: sourceLocation)
            return []
        }
    }

    /// Decides, applies and returns the events (throws the rejection).
    @discardableResult
    mutating func then(_ actor: Actor, _ type: String, _ data: JSONObject) throws -> [NewEvent] {
        let events = try when(actor, type, data)
        apply(events, actor: actor.id)
        return events
    }

    mutating func apply(_ events: [NewEvent], actor: String) {
        for e in events {
            position += 1
            state.apply(
                DomainEvent(position: position, at: now, actor: actor, stream: e.stream, type: e.type, data: e.data))
        }
    }

    mutating func advance(days: Int) { now = now.adding(days: days) }

    /// The rejection code of a command, or nil when it is accepted.
    func rejection(_ actor: Actor, _ type: String, _ data: JSONObject) -> DomainError? {
        do {
            _ = try when(actor, type, data)
            return nil
        } catch let e as DomainError {
            return e
        } catch {
            Issue.record("unexpected error \(error)")
            return nil
        }
    }

    /// Registers an employee as admin.
    mutating func employee(_ id: String, roles: [String], manager: String? = nil) {
        var data: JSONObject = ["employeeId": .string(id), "name": .string("Name \(id)"), "roles": .array(roles.map(JSONValue.string))]
        if let manager { data["managerId"] = .string(manager) }
        given(.admin, "RegisterEmployee", data)
    }
}
