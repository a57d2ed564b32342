import Dispatch
import Domain
import EventLog
import JSON
import PersonalData

/// A batch of commands made ready for the writer (``CommandProcessor/prepare(_:)``): each request's
/// own checks, fingerprint, presealed personal fields and data read for its decider
/// (``CompanyState/prepare(_:)``) — work that needs no state, so it can run on any thread, before
/// the batch takes its place in the writer's order.
public struct PreparedBatch: Sendable {
    public let requests: [CommandRequest]
    let refused: [DomainError?]
    let fingerprints: [UInt64]
    /// Each command id's hash in the log's index (``LogWriter/commandHash(_:)``), 0 without one.
    let commandHashes: [Int]
    /// The presealed fields and what was prepared for each request's decider (the writer frees them).
    let ahead: PreparedAhead
    /// Whether a request is a `ForgetSubject` (whose key is destroyed once it is durable).
    let forgets: Bool
}

/// What a batch's requests had made for them ahead of the writer: their personal fields presealed,
/// and their data read for the decider (``CompanyState/prepare(_:)``). The writer drops each
/// request's as soon as it has run it, so they are freed by the threads that read them last.
final class PreparedAhead: @unchecked Sendable {  // changed only by the writer, once the batch is submitted
    var presealed: [PresealedFields?]
    var decisions: [PreparedCommand?]

    init(presealed: [PresealedFields?], decisions: [PreparedCommand?]) {
        self.presealed = presealed
        self.decisions = decisions
    }
}

extension CommandProcessor {
    /// Runs many commands in order inside one write transaction (import, the demo company): one
    /// durable commit for all of them. Each command is decided against the state that includes the
    /// ones before it; a rejected command writes nothing and does not stop the others.
    ///
    /// Throws only when the batch as a whole cannot commit (for example the disk is full); then none
    /// of its commands was written.
    ///
    /// The batch is the processor's from here: a caller that hands it over (`consume`, or an array
    /// made for the call) lets each request's data be freed as soon as its decider has read it,
    /// while it is still in the cache, instead of after the commit. (A caller that keeps using its
    /// array is not affected but for the cost: the processor's first change copies the array.)
    public func executeBatch(_ requests: consuming [CommandRequest]) async throws -> [Result<CommandReply, DomainError>] {
        let prepared = prepare(requests, droppingReadData: true)
        return try await withCheckedThrowingContinuation { continuation in
            submit(prepared) { continuation.resume(with: $0) }
        }
    }

    /// Checks, fingerprints and preseals the batch's requests (see ``PreparedBatch``), in one pass
    /// that reads each request in place (a pass per array, with `zip` and `map`, copied every
    /// request several times, a retain of each of its buffers each time).
    public func prepare(_ requests: [CommandRequest]) -> PreparedBatch {
        prepare(requests, droppingReadData: false)
    }

    /// With `droppingReadData`, a request whose data its decider read ahead has the data dropped
    /// right after (the decider needs it no more; a `ForgetSubject` keeps its own for the key's
    /// destruction after the commit). Only for a batch the caller handed over: on one it still
    /// holds, that first change would copy the whole array.
    func prepare(_ requests: consuming [CommandRequest], droppingReadData: Bool) -> PreparedBatch {
        var requests = requests
        let n = requests.count
        var refused: [DomainError?] = []
        var fingerprints: [UInt64] = []
        var commandHashes: [Int] = []
        var presealed: [PresealedFields?] = []
        var decisions: [PreparedCommand?] = []
        refused.reserveCapacity(n)
        fingerprints.reserveCapacity(n)
        commandHashes.reserveCapacity(n)
        presealed.reserveCapacity(n)
        decisions.reserveCapacity(n)
        var forgets = false
        // The requests of a batch mostly share their actor: it is resolved once for them (under
        // the organisation's lock, which the tasks preparing on both cores otherwise took for each).
        var lastActor: (id: String, actor: Actor?)?
        for i in requests.indices {
            // The fields are taken once and passed on: each `requests[i]` handed to a function was a
            // copy of the whole request (through its generic copy), and each `requests[i].data` a
            // retain of the data the event loop parsed, on another core.
            let type = requests[i].type
            let data = requests[i].data
            let actorId = requests[i].actorId
            let commandId = requests[i].commandId
            // A request with bad ids is refused alone; the others of the batch still run.
            let refusal = Self.refusal(
                commandId: commandId, correlationId: requests[i].correlationId, causationId: requests[i].causationId)
            refused.append(refusal)
            fingerprints.append(Fingerprint.of(actor: actorId, type: type, data: data))
            commandHashes.append(commandId.map(LogWriter.commandHash) ?? 0)
            presealed.append(presealing(type: type, data: data, actorId: actorId) { id in
                if let last = lastActor, last.id == id { return last.actor }
                let actor = resolveActor(id)
                lastActor = (id, actor)
                return actor
            })
            let decision = refusal == nil
                ? CompanyState.prepare(Command(type: CommandType(rawValue: type), data: data))
                : nil
            let forget = type == "ForgetSubject"
            if forget { forgets = true }
            if droppingReadData && decision != nil && !forget { requests[i].data = .null }
            decisions.append(decision)
        }
        return PreparedBatch(
            requests: requests, refused: refused, fingerprints: fingerprints, commandHashes: commandHashes,
            ahead: PreparedAhead(presealed: presealed, decisions: decisions), forgets: forgets)
    }

    /// The error that refuses a request with these ids before anything else is read, or nil.
    static func refusal(commandId: String?, correlationId: String?, causationId: String?) -> DomainError? {
        do {
            try precheck(commandId: commandId, correlationId: correlationId, causationId: causationId)
            return nil
        } catch let e as DomainError {
            return e
        } catch {
            return DomainError(.badRequest, String(describing: error))
        }
    }

    /// Queues a prepared batch for the writer before returning — batches submitted one after the
    /// other from one thread run in that order — and calls `answer` once it is durable: with each
    /// command's result, or with the error that kept the whole batch from committing (then none of
    /// it was written). `answer` runs on one of the log's writer threads (or, after a
    /// `ForgetSubject`, whose key is destroyed first, on the processor's forget queue): it must be
    /// quick and must not block.
    public func submit(
        _ batch: PreparedBatch,
        answer: @escaping @Sendable (Result<[Result<CommandReply, DomainError>], DomainError>) -> Void
    ) {
        let box = self.box
        let log = self.log
        log.submit({ (w: inout LogWriter) -> [Result<CommandReply, DomainError>] in
            var results: [Result<CommandReply, DomainError>] = []
            results.reserveCapacity(batch.requests.count)
            // Each request and what was prepared for it is lent to `run` as a pointer into the
            // batch: reading them by index copied each (a retain of every buffer it holds, on
            // objects made on another core) for every command, and so did passing an element of a
            // buffer pointer (the callee might write through the pointer, so it gets a copy).
            batch.requests.withUnsafeBufferPointer { requests in
                batch.ahead.presealed.withUnsafeMutableBufferPointer { presealed in
                    batch.ahead.decisions.withUnsafeMutableBufferPointer { decisions in
                        // The command ids a few commands ahead are asked for while these are
                        // decided: their look-ups then hit the cache.
                        let ahead = 3
                        for i in 0..<min(ahead, requests.count) { w.prefetchCommand(hash: batch.commandHashes[i]) }
                        for i in requests.indices {
                            if i + ahead < requests.count { w.prefetchCommand(hash: batch.commandHashes[i + ahead]) }
                            if let refusal = batch.refused[i] {
                                results.append(.failure(refusal))
                                continue
                            }
                            do {
                                results.append(.success(try box.run(
                                    requests.baseAddress.unsafelyUnwrapped + i, fingerprint: batch.fingerprints[i],
                                    commandHash: batch.commandHashes[i],
                                    presealed: presealed.baseAddress.unsafelyUnwrapped + i,
                                    prepared: decisions.baseAddress.unsafelyUnwrapped + i, log: log, &w)))
                            } catch let e as DomainError {
                                results.append(.failure(e))
                            } catch let e as EventLogError {
                                results.append(.failure(Self.domainError(e)))
                            } catch {
                                results.append(.failure(DomainError(.internal, String(describing: error))))
                            }
                            // Dropped here, where they were just read: freed on the submitting task
                            // after the commit, every object of them was a cache miss. (The
                            // presealed fields live on in the payloads the encoder makes, which
                            // frees them after reading them in turn.)
                            decisions[i] = nil
                            presealed[i] = nil
                        }
                    }
                }
            }
            return results
        }, answer: { outcome in
            let results: [Result<CommandReply, DomainError>]
            switch outcome {
            case .success(let r): results = r
            case .failure(let e as EventLogError): return answer(.failure(Self.domainError(e)))
            case .failure(let e as DomainError): return answer(.failure(e))
            case .failure(let e): return answer(.failure(DomainError(.internal, String(describing: e))))
            }
            // Destroying a forgotten subject's key is a durable write: not on the commit thread, and
            // on a queue of its own that `finishPendingForgets()` waits for before the keys close.
            guard batch.forgets else { return answer(.success(results)) }
            self.forgetQueue.async {
                do {
                    for (request, result) in zip(batch.requests, results) {
                        if case .success = result { try self.forgetIfNeeded(request) }
                    }
                    answer(.success(results))
                } catch let e as DomainError {
                    answer(.failure(e))
                } catch {
                    answer(.failure(DomainError(.internal, String(describing: error))))
                }
            }
        })
    }

    /// Returns once every key destruction of a committed `ForgetSubject` has run (call before
    /// closing the key store: one still queued would write to a closed environment).
    public func finishPendingForgets() {
        forgetQueue.sync {}
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
