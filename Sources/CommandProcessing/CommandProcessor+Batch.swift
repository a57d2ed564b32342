import Domain
import EventLog
import JSON

extension CommandProcessor {
    /// Runs many commands in order inside one write transaction (import, the demo company): one
    /// durable commit for all of them. Each command is decided against the state that includes the
    /// ones before it; a rejected command writes nothing and does not stop the others.
    ///
    /// Throws only when the batch as a whole cannot commit (for example the disk is full); then none
    /// of its commands was written.
    public func executeBatch(_ requests: [CommandRequest]) async throws -> [Result<CommandReply, DomainError>] {
        // A request with bad ids is refused alone; the others of the batch still run.
        let refused: [DomainError?] = requests.map { r in
            do {
                try Self.precheck(r)
                return nil
            } catch let e as DomainError {
                return e
            } catch {
                return DomainError(.badRequest, String(describing: error))
            }
        }
        let fingerprints = requests.map { Fingerprint.of(actor: $0.actorId, type: $0.type, data: $0.data) }
        let presealed = requests.map { presealing($0) }
        let box = self.box
        let log = self.log
        let results: [Result<CommandReply, DomainError>]
        do {
            results = try await log.write { w in
                var results: [Result<CommandReply, DomainError>] = []
                results.reserveCapacity(requests.count)
                for i in requests.indices {
                    if let refusal = refused[i] {
                        results.append(.failure(refusal))
                        continue
                    }
                    do {
                        results.append(.success(try box.run(
                            requests[i], fingerprint: fingerprints[i], presealed: presealed[i], log: log, &w)))
                    } catch let e as DomainError {
                        results.append(.failure(e))
                    } catch let e as EventLogError {
                        results.append(.failure(Self.domainError(e)))
                    } catch {
                        results.append(.failure(DomainError(.internal, String(describing: error))))
                    }
                }
                return results
            }
        } catch let e as EventLogError {
            throw Self.domainError(e)
        }
        for (request, result) in zip(requests, results) {
            if case .success = result { try forgetIfNeeded(request) }
        }
        return results
    }
}

/// One line of an import file: `{"type","data","actor","at"?,"commandId"?,"correlationId"?,"causationId"?}`.
public enum ImportLine {
    public static func parse(_ bytes: UnsafeRawBufferPointer) throws -> CommandRequest {
        let value: JSONValue
        do {
            value = try JSONValue.parse(bytes)
        } catch {
            throw DomainError(.badRequest, "not a JSON object: \(error)")
        }
        guard case .object(let o) = value else { throw DomainError(.badRequest, "a line must be a JSON object") }
        let allowed: Set<String> = ["type", "data", "actor", "at", "commandId", "correlationId", "causationId"]
        if let unknown = o.members.first(where: { !allowed.contains($0.key) })?.key {
            throw DomainError(.badRequest, "unknown field \(unknown)", details: ["field": .string(unknown)])
        }
        guard let type = o["type"]?.stringValue else { throw field("type", "a string") }
        guard let actor = o["actor"]?.stringValue, !actor.isEmpty else { throw field("actor", "an employee id") }
        guard let data = o["data"], case .object = data else { throw field("data", "an object") }
        var at: Timestamp?
        if let t = o["at"], !t.isNull {
            guard let s = t.stringValue, let parsed = Timestamp(iso8601: s) else { throw field("at", "an ISO-8601 UTC time") }
            at = parsed
        }
        func optional(_ name: String) throws -> String? {
            guard let v = o[name], !v.isNull else { return nil }
            guard let s = v.stringValue else { throw field(name, "a string") }
            return s
        }
        return CommandRequest(
            type: type, data: data, actorId: actor, commandId: try optional("commandId"),
            correlationId: try optional("correlationId"), causationId: try optional("causationId"), at: at)
    }

    private static func field(_ name: String, _ what: String) -> DomainError {
        DomainError(.badRequest, "\(name) must be \(what)", details: ["field": .string(name)])
    }
}
