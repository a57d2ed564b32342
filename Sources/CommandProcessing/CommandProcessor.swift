import Domain
import EventCoding
import EventLog
import Foundation
import JSON
import Locking
import PersonalData

/// Runs commands: authorises the actor, decides against the company's state inside the log's single
/// writer, and appends all events of a command atomically. Many commands share one durable commit.
///
/// ```swift
/// let processor = try CommandProcessor(log: log)
/// let reply = try await processor.execute(CommandRequest(
///     type: "ClaimLead", data: ["leadId": "L-1"], actorId: "E-7", commandId: "c-1"))
/// ```
/// Rejections are thrown as ``DomainError`` with the contract's code.
public final class CommandProcessor: Sendable {
    public let log: EventLog
    /// The per-subject keys sealing personal fields.
    public let keys: SubjectKeyStore
    let box: StateBox
    /// Destroys the keys of forgotten subjects after their commit, one at a time, off the writer.
    let forgetQueue = DispatchQueue(label: "chronicle.forget")

    /// Loads the company's state by replaying the log. Personal fields are sealed with keys in
    /// `keysDirectory` (default: `keys/` beside the log's directory).
    public convenience init(log: EventLog, keysDirectory: String? = nil) throws {
        let keysPath = keysDirectory ?? (URL(fileURLWithPath: log.directory).deletingLastPathComponent().path + "/keys")
        try self.init(log: log, keys: try SubjectKeyStore(path: keysPath))
    }

    /// Loads the company's state by replaying the log, sealing personal fields with keys from `keys`
    /// (a store another processor may share: bench-views decides commands on a copy of the log with
    /// the real store's keys).
    public init(log: EventLog, keys: SubjectKeyStore) throws {
        self.log = log
        self.keys = keys
        self.box = StateBox(keys: keys)
        // Every command's payload closure uses the key store unretained (see `StateBox.run`).
        log.keepAliveForPayloads(keys)
        try box.reload(from: log)
        let box = self.box
        // The handler runs on the writer with no batch in flight, so the store holds every event the
        // log's state does: the one moment a rebuild from the store is sure to be complete.
        log.setReloadHandler {
            box.needsReload = true
            try? box.reload(from: log)
        }
        // A crash between a durable SubjectForgotten and the key's destruction is finished here.
        for subject in box.state.forgottenSubjects where keys.hasKey(subject) { try keys.forget(subject) }
    }

    /// The actor for an employee id as of the last committed command: its current roles, or nil when
    /// it is unknown or deactivated. `admin` and `system` resolve to themselves. Never waits for the
    /// writer (reads a copy of the org chart published after each change).
    public func resolveActor(_ id: String) -> Actor? {
        switch id {
        case "admin": return .admin
        case "system": return .system
        default: return box.org.withLock { $0.actor(for: id) }
        }
    }

    /// The organisation as of the last committed command (employees, policies).
    public var organisation: OrgState { box.org.withLock { $0 } }

    /// Runs one command and returns once its events are durable (a batch of one: see
    /// ``executeBatch(_:)``).
    public func execute(_ request: CommandRequest) async throws -> CommandReply {
        try await executeBatch([request])[0].get()
    }

    /// The event each command that carries personal fields makes from its data, under the same
    /// field names (the decider may still refuse or change a value: then the writer seals it).
    /// (A `switch`, not a shared table: see ``PersonalFields/rule(for:)``.)
    static func personalEvent(ofCommand type: String) -> String? {
        switch type {
        case "CaptureLead": "LeadCaptured"
        case "RegisterEmployee": "EmployeeRegistered"
        case "UpdateEmployee": "EmployeeUpdated"
        default: nil
        }
    }

    /// The command's personal fields sealed ahead (see ``SubjectKeyStore/preseal(type:data:)``) —
    /// only for a command its actor's roles allow, naming a well-formed subject id, so a refused or
    /// malformed request does not take a key number for an arbitrary string.
    /// (`actor` resolves an actor id: ``resolveActor(_:)``, or a cache of it for a batch.)
    func presealing(
        type: String, data: JSONValue, actorId: String, actor resolve: (String) -> Actor?
    ) -> PresealedFields? {
        guard let eventType = Self.personalEvent(ofCommand: type), case .object(let data) = data,
              let rule = PersonalFields.rule(for: eventType), let id = data[rule.idField]?.stringValue,
              Identifier.isValid(id), let actor = resolve(actorId),
              Authorization.mayIssue(CommandType(rawValue: type), actor: actor)
        else { return nil }
        return keys.preseal(type: eventType, data: data)
    }

    /// After a durable `ForgetSubject`, destroys the subject's key (idempotent).
    func forgetIfNeeded(_ request: CommandRequest) throws {
        guard request.type == "ForgetSubject", let subject = request.data["subject"]?.stringValue,
            keys.hasKey(subject)
        else { return }
        try keys.forget(subject)
    }

    /// A copy of the current state (for tests and diagnostics); waits for the writer.
    public func snapshot() async throws -> CompanyState {
        let box = self.box
        let log = self.log
        return try await log.write { w in
            try box.reloadIfNeeded(from: log, w)
            return box.state
        }
    }

    static func precheck(commandId: String?, correlationId: String?, causationId: String?) throws {
        func check(_ field: String, _ value: String?) throws {
            if let value, value.isEmpty || value.utf8.count > 256 {
                throw DomainError(.badRequest, "\(field) must be 1–256 bytes", details: ["field": .string(field)])
            }
        }
        try check("commandId", commandId)
        try check("correlationId", correlationId)
        try check("causationId", causationId)
    }

    /// Whether a command failed because the store could not commit (disk full, I/O error): nothing
    /// of it was written, and it may be retried once the store can write again.
    public static func isStorageFailure(_ error: DomainError) -> Bool {
        error.code == .unavailable && error.details["cause"] == "storage"
    }

    static func domainError(_ e: EventLogError) -> DomainError {
        switch e {
        case .wrongExpectedVersion(let stream, let expected, let actual):
            let expectedValue: JSONValue
            switch expected {
            case .any: expectedValue = .null
            case .noStream: expectedValue = .number(JSONNumber(0))
            case .exact(let v): expectedValue = .number(JSONNumber(v))
            }
            return DomainError(
                .wrongExpectedVersion, "stream \(stream) is at version \(actual), expected \(expected)",
                details: ["stream": .string(stream), "expected": expectedValue, "actual": .number(JSONNumber(actual))])
        case .commandIdConflict(let id):
            return DomainError(
                .alreadyExists, "command id \(id) was already used for a different command",
                details: ["commandId": .string(id)])
        case .overloaded:
            return DomainError(.overloaded, "the writer queue is full; retry later")
        case .unavailable(let why):
            return DomainError(
                .unavailable, "the store cannot write now (\(why)); reads still work", details: ["cause": "storage"])
        case .closed:
            return DomainError(.unavailable, "the server is shutting down")
        case .invalidTime(let why):
            return DomainError(.invalidArgument, why, details: ["field": "at"])
        case .invalidRequest(let why):
            return DomainError(.invalidArgument, why)
        case .tagConditionFailed, .corrupt:
            return DomainError(.internal, e.description)
        }
    }
}

/// The company's state, owned by the log's writer thread: read and changed only inside `log.write`
/// closures, which the writer runs one at a time.
final class StateBox: @unchecked Sendable {  // `state` is confined to the single writer thread (see above)
    /// Confined to one thread, so it skips the run-time exclusivity checks.
    @exclusivity(unchecked) var state = CompanyState()
    var needsReload = false
    /// A copy of `state.org` for readers outside the writer; replaced whenever the org changes.
    let org = Lock(OrgState())
    let keys: SubjectKeyStore

    init(keys: SubjectKeyStore) { self.keys = keys }

    func reload(from log: EventLog) throws {
        var s = CompanyState()
        let keys = self.keys
        try log.scan(from: 1) { envelope, payload in
            var event = try EventJSON.domainEvent(envelope, payload: payload)
            if PersonalFields.hasPersonalFields(envelope.type) { event.data = keys.recover(type: envelope.type, data: event.data) }
            s.apply(event)
            return true
        }
        // Saving only spares the next start this recovery; it fails when the disk is full (a
        // reload follows every failed commit), and then the assignments stay in memory.
        try? keys.saveRecovered()
        state = s
        needsReload = false
        org.withLock { $0 = s.org }
    }

    /// Retries a reload that failed in the log's reload handler, once the store holds every event
    /// before this batch (a batch still committing would otherwise be missing from the state).
    func reloadIfNeeded(from log: EventLog, _ w: borrowing LogWriter) throws {
        guard needsReload else { return }
        w.waitUntilStoreHoldsEverythingBefore()
        try reload(from: log)
    }

    /// Appends the stored payload of a command's event: personal fields sealed, then encoded.
    /// (`e` points into the decided events: an element passed by value is a copy, a retain of its
    /// tags and data.)
    static func appendPayload(
        of e: UnsafePointer<NewEvent>, keys: SubjectKeyStore, presealed: PresealedFields?, into out: inout [UInt8]
    ) throws {
        guard PersonalFields.hasPersonalFields(e.pointee.type.rawValue) else {
            return PayloadCodec.encode(e.pointee.data, into: &out)
        }
        do {
            try keys.appendSealedPayload(type: e.pointee.type.rawValue, data: e.pointee.data, presealed: presealed, into: &out)
        } catch {
            throw EventLogError.unavailable("personal fields could not be sealed: \(error)")
        }
    }

    /// (An array: five names compared beat hashing every event's type.)
    static let orgEventTypes: [String] = [
        "EmployeeRegistered", "EmployeeUpdated", "EmployeeDeactivated", "LeadPoolRulesSet", "ApprovalPolicySet",
    ]

    /// Runs one command of a batch; `request`, `presealed` and `prepared` point into the batch's
    /// arrays and are valid only during the call (inside `withUnsafeBufferPointer` in
    /// ``CommandProcessor/submit(_:answer:)``): nothing may keep them.
    func run(
        _ request: UnsafePointer<CommandRequest>, fingerprint: UInt64, commandHash: Int,
        presealed: UnsafePointer<PresealedFields?>, prepared: UnsafePointer<PreparedCommand?>, log: EventLog,
        _ w: inout LogWriter
    ) throws -> CommandReply {
        try reloadIfNeeded(from: log, w)
        return try Self.run(
            request, fingerprint: fingerprint, commandHash: commandHash, presealed: presealed, prepared: prepared,
            state: &state, box: self, &w)
    }

    /// Runs a command against `state`, handed over in place: reading the stored state to call a
    /// method on it (`decide`, `org.actor(for:)`) copied it first — a retain and a release of every
    /// table of the company, for every command — where an `inout` state is borrowed as it is.
    ///
    /// The request is read in place, a field at a time (see ``CommandProcessor/submit(_:answer:)``).
    private static func run(
        _ r: UnsafePointer<CommandRequest>, fingerprint: UInt64, commandHash: Int,
        presealed p: UnsafePointer<PresealedFields?>, prepared: UnsafePointer<PreparedCommand?>, state: inout CompanyState,
        box: StateBox, _ w: inout LogWriter
    ) throws -> CommandReply {
        let presealed = p.pointee  // (the payloads' closure keeps it)
        if let id = r.pointee.commandId, let (previous, previousFingerprint) = try w.previousResult(commandId: id, hash: commandHash) {
            guard previousFingerprint == fingerprint else {
                throw CommandProcessor.domainError(.commandIdConflict(commandId: id))
            }
            return CommandReply(
                position: previous.position, events: previous.events, duplicate: true,
                at: Timestamp(milliseconds: previous.at))
        }
        let actor: Actor
        switch r.pointee.actorId {
        case "admin": actor = .admin
        case "system": actor = .system
        default:
            guard let a = state.org.actor(for: r.pointee.actorId) else {
                throw DomainError(.unauthenticated, "\(r.pointee.actorId) is not an active employee")
            }
            actor = a
        }
        let now: Timestamp
        if let at = r.pointee.at {
            guard at.milliseconds <= w.batchAt else {
                throw DomainError(.invalidArgument, "at is in the future", details: ["field": "at"])
            }
            guard at.milliseconds >= w.lastAt else {
                throw DomainError(.invalidArgument, "at is earlier than the log's last event", details: ["field": "at"])
            }
            now = at
        } else {
            now = Timestamp(milliseconds: w.batchAt)
        }
        let context = CommandContext(actor: actor, now: now, nextPosition: w.lastPosition + 1)
        let type = CommandType(rawValue: r.pointee.type)
        var events: [NewEvent]
        // Read in place: a copy of the request's data (or of what was prepared) is a retain and a
        // release of an object another thread made, and then frees.
        if prepared.pointee?.type == type {
            events = try state.decide(prepared.pointee.unsafelyUnwrapped, context: context)
        } else {
            events = try state.decide(Command(type: type, data: r.pointee.data), context: context)
        }
        if let expected = r.pointee.expectedVersion, let primary = events.first?.stream {
            let actual = w.streamVersion(primary)
            if actual != expected {
                throw CommandProcessor.domainError(
                    .wrongExpectedVersion(stream: primary, expected: .exact(expected), actual: actual))
            }
        }
        for i in events.indices {
            let current = Upcasters.currentSchema(of: events[i].type.rawValue)
            if events[i].schema < current {
                let (schema, data) = Upcasters.upcast(
                    type: events[i].type.rawValue, schema: events[i].schema, data: events[i].data)
                events[i].schema = schema
                events[i].data = data
            }
        }
        var toAppend: [EventToAppend] = []
        toAppend.reserveCapacity(events.count)
        // The events are read in place here and below: iterating copied each (a retain and a
        // release of its tags and its data) per loop. Their tags move to the log's request (nothing
        // after this reads them: copied, they were a retain here and a release on the encoder).
        try events.withUnsafeMutableBufferPointer { decided in
            for i in decided.indices {
                let e = decided.baseAddress.unsafelyUnwrapped + i
                if PersonalFields.hasPersonalFields(e.pointee.type.rawValue) {
                    do {
                        try box.keys.prepareKey(type: e.pointee.type.rawValue, data: e.pointee.data, presealed: presealed)
                    } catch {
                        // Making a batch of keys is a durable write to keys/: when it fails (a full
                        // disk), the command fails as any write does — retryable, nothing of it written.
                        throw CommandProcessor.domainError(.unavailable("the key store could not write: \(error)"))
                    }
                }
                var tags: [String] = []
                swap(&tags, &e.pointee.tags)
                toAppend.append(EventToAppend(
                    stream: e.pointee.stream, type: e.pointee.type.rawValue, schema: e.pointee.schema, tags: tags,
                    data: []))
            }
        }
        // Sealing personal fields and encoding the payloads is a fifth of deciding a command's time:
        // the log does it on its encoder thread, while the rest of the batch is decided. The keys
        // are ready (above), so sealing writes nothing and does not fail short of a broken store.
        // (Their tags are in `toAppend` now: `decided` holds the events without them.)
        let decided = events
        // Unretained: the log keeps the store alive wherever it runs the closure (the processor's
        // init asked it to). Retained here and released on the encoder thread, the store's reference
        // count moved between the cores twice per command: +3.7% commands/s, six pairs.
        let keys = Unmanaged.passUnretained(box.keys)
        let append = AppendRequest(
            events: toAppend,
            actor: actor.id, commandId: r.pointee.commandId, fingerprint: fingerprint,
            correlationId: r.pointee.correlationId, causationId: r.pointee.causationId, at: r.pointee.at?.milliseconds,
            payloads: { i, out in
                try decided.withUnsafeBufferPointer { events in
                    try keys._withUnsafeGuaranteedRef { keys in
                        try Self.appendPayload(of: events.baseAddress.unsafelyUnwrapped + i, keys: keys, presealed: presealed, into: &out)
                    }
                }
            })
        let result: AppendResult
        do {
            result = try w.append(consume append)
        } catch let e as EventLogError {
            throw CommandProcessor.domainError(e)
        }
        var orgChanged = false
        let at = Timestamp(milliseconds: result.at)
        // The closures capture the actor's id, not the actor: a captured `Actor` is a copy, whose
        // roles (a set the org's employee record shares, or the static `Actor.admin`'s) had their
        // reference count written for every command. Positions are read in place (`result.events[i]`
        // copied the appended event, its stream and type).
        let actorId = actor.id
        result.events.withUnsafeBufferPointer { appended in
            events.withUnsafeBufferPointer { decided in
                for i in 0..<min(decided.count, appended.count) {
                    let event = decided.baseAddress.unsafelyUnwrapped + i
                    state.apply(DomainEvent(
                        position: appended[i].position, at: at, actor: actorId,
                        stream: event.pointee.stream, type: event.pointee.type, data: event.pointee.data))
                    if StateBox.orgEventTypes.contains(event.pointee.type.rawValue) { orgChanged = true }
                }
            }
        }
        // Published before the commit is durable, which is harmless: a token that authenticates a
        // moment early can only issue commands that queue behind this one.
        if orgChanged {
            let org = state.org
            box.org.withLock { $0 = org }
        }
        return CommandReply(
            position: result.position, events: result.events, duplicate: result.duplicate,
            at: Timestamp(milliseconds: result.at))
    }
}
