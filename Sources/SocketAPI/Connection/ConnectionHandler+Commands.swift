import Dispatch
import CommandProcessing
import Domain
import EventLog
import JSON
import NIOCore
import StringBytes

/// A command read from a connection and waiting for its reply: what the reply and the metrics need
/// of it. (Its request waits beside it, in ``ConnectionHandler/pendingRequests``, and goes to the
/// processor as it is: a batch of pending commands mapped to their requests copied every request,
/// a retain of each of its strings and of its data, released again on the log's committer.)
struct PendingCommand: Sendable {
    let id: RequestID
    let type: String
    let received: NIODeadline
}

extension ConnectionHandler {
    /// `command`: checks the request's own fields, then queues it. All commands read in one burst
    /// go to the processor together (``submitPendingCommands()``: one work item for the writer, one
    /// hop back to the loop); the processor decides each against the state including the ones
    /// before it and answers after the durable commit.
    func command(_ request: Request, actor: Actor) throws(DomainError) {
        let body = request.body
        let type = try body.requiredString("type")
        let data: JSONValue
        switch body["data"] {
        case nil, .null?: data = .object(JSONObject())
        case .object(let o)?: data = .object(o)
        default: throw .field("data", "data must be a JSON object")
        }
        let commandId = try Self.checkedIdentifier(body.optionalString("commandId"), "commandId")
        let correlationId = try Self.checkedIdentifier(body.optionalIdentifier("correlationId"), "correlationId")
        let causationId = try Self.checkedIdentifier(body.optionalIdentifier("causationId"), "causationId")
        let expectedVersion = try body.optionalUInt64("expectedVersion")
        guard server.reserveCommands(1) else {
            server.metrics.command(type: type, outcome: ErrorCode.overloaded.rawValue)
            throw DomainError(.overloaded, "too many commands are waiting for the writer; retry later")
        }
        inFlight += 1
        pendingCommands.append(PendingCommand(id: request.id, type: type, received: .now()))
        pendingRequests.append(CommandRequest(
            type: type, data: data, actorId: actor.id, commandId: commandId, correlationId: correlationId,
            causationId: causationId, expectedVersion: expectedVersion))
    }

    /// Idempotency and tracing ids: 1–256 bytes (as the processor requires).
    private static func checkedIdentifier(_ value: String?, _ field: String) throws(DomainError) -> String? {
        guard let value else { return nil }
        guard !value.isEmpty, value.utf8.count <= 256 else { throw .field(field, "\(field) must be 1–256 bytes") }
        return value
    }

    /// Hands the commands read so far to the processor as one batch.
    ///
    /// The batches of one connection reach the writer in the order they were read, so pipelined
    /// commands run in the order sent. A small batch is prepared (checked, fingerprinted, its personal
    /// fields sealed) and handed to the writer from the loop, as a lone command should be; a larger
    /// one on the connection's command queue, so that the loop goes back to reading — a query on
    /// another connection of the loop no longer waits behind a burst of commands being sealed. A
    /// small batch read while a larger one of the same connection is still queued goes the same way,
    /// behind it. Replies are written by the loop: a small batch's encoded there too, a large
    /// batch's encoded on a global queue first.
    func submitPendingCommands() {
        guard !pendingCommands.isEmpty, let context else { return }
        assert(pendingCommands.count == pendingRequests.count, "a pending command's request waits beside it")
        let batch = pendingCommands
        let requests = pendingRequests
        pendingCommands = []
        pendingRequests = []
        let loop = context.eventLoop
        let bound = NIOLoopBound(self, eventLoop: loop)
        let processor = server.processor
        let server = self.server
        let allocator = context.channel.allocator
        server.metrics.commitBatchCommands.record(batch.count)
        let submitted = NIODeadline.now()
        let answer: @Sendable (Result<[Result<CommandReply, DomainError>], DomainError>) -> Void = { outcome in
            let results: [Result<CommandReply, DomainError>]
            switch outcome {
            case .success(let r): results = r
            case .failure(let e): results = Array(repeating: .failure(e), count: batch.count)
            }
            server.metrics.commitLatency.recordNanoseconds((NIODeadline.now() - submitted).nanoseconds)
            ConnectionHandler.answer(batch, results, server: server, allocator: allocator, loop: loop, handler: bound)
        }
        if batch.count <= Self.preparedOnTheLoop && queuedBatches == 0 {
            processor.submit(processor.prepare(requests), answer: answer)
            return
        }
        queuedBatches += 1
        server.commandQueues[Int(UInt(bitPattern: ObjectIdentifier(self).hashValue) % UInt(server.commandQueues.count))]
            .async {
                processor.submit(processor.prepare(requests), answer: answer)
                loop.execute { bound.value.queuedBatches -= 1 }
            }
    }

    /// Batches of at most this many commands are prepared and submitted on the loop (see
    /// ``submitPendingCommands()``).
    static let preparedOnTheLoop = 8

    /// Encodes a committed batch's replies and has the loop write them: a small batch's on the loop,
    /// a larger one's on a global queue first. Called on one of the log's writer threads (or on the
    /// submitting one, when the writer refuses the batch at once): never blocks, never re-enters.
    private static func answer(
        _ batch: [PendingCommand], _ results: [Result<CommandReply, DomainError>], server: ServerState,
        allocator: ByteBufferAllocator, loop: any EventLoop, handler: NIOLoopBound<ConnectionHandler>
    ) {
        if batch.count <= repliesOnTheLoop {
            loop.execute {
                handler.value.deliverReplies(replies(batch, results, server: server, allocator: allocator), count: batch.count)
            }
            return
        }
        DispatchQueue.global().async {
            let out = replies(batch, results, server: server, allocator: allocator)
            loop.execute { handler.value.deliverReplies(out, count: batch.count) }
        }
    }

    /// Batches of at most this many commands are answered on the loop (see ``submitPendingCommands()``).
    static let repliesOnTheLoop = 8

    /// The replies of a committed batch, in one buffer, with their metrics recorded.
    static func replies(
        _ batch: [PendingCommand], _ results: [Result<CommandReply, DomainError>], server: ServerState,
        allocator: ByteBufferAllocator
    ) -> ByteBuffer {
        let now = NIODeadline.now()
        var out = allocator.buffer(capacity: batch.count * 200)
        var outcomes = OutcomeTally()
        var storageFailures = 0
        var storageFailure: DomainError?
        // Successes go to one scratch array, copied into the buffer once (before each error reply,
        // and at the end). The batch is read in place: iterating it copied each pending command
        // (retaining its request's strings and arrays), and each reply's events, one by one.
        var scratch: [UInt8] = []
        scratch.reserveCapacity(batch.count * 200)
        batch.withUnsafeBufferPointer { pendings in
            for i in 0..<min(pendings.count, results.count) {
                let pending = pendings.baseAddress.unsafelyUnwrapped + i
                server.metrics.commandLatency.recordNanoseconds((now - pending.pointee.received).nanoseconds)
                switch results[i] {
                case .success(let reply):
                    outcomes.add(pending.pointee.type, reply.duplicate ? "duplicate" : "ok")
                    ByteBuffer.appendCommandReply(pending.pointee.id, reply, to: &scratch)
                case .failure(let error):
                    if CommandProcessor.isStorageFailure(error) {
                        storageFailures += 1
                        storageFailure = error
                    }
                    outcomes.add(pending.pointee.type, error.code.rawValue)
                    server.metrics.authFailure(code: error.code, op: "command")
                    out.writeBytes(scratch)
                    scratch.removeAll(keepingCapacity: true)
                    out.writeErrorReply(pending.pointee.id, error)
                }
            }
        }
        out.writeBytes(scratch)
        outcomes.report(to: server.metrics)
        if let storageFailure {
            server.reportWriteFailure(storageFailure, commands: storageFailures)
        } else if storageFailures < batch.count {
            server.reportWritesSucceed()
        }
        return out
    }

    /// Writes a committed batch's replies (on the loop) and reads on.
    func deliverReplies(_ replies: ByteBuffer, count: Int) {
        server.releaseCommands(count)
        inFlight -= count
        if let context, active {
            context.writeAndFlush(wrapOutboundOut(replies), promise: nil)
        }
        resume()
    }
}

/// Outcomes of one batch by command type, so metrics are touched once per kind, not per command.
struct OutcomeTally {
    private var counts: [(type: String, outcome: String, count: Int)] = []

    mutating func add(_ type: String, _ outcome: String) {
        if let i = counts.firstIndex(where: { $0.type == type && $0.outcome == outcome }) {
            counts[i].count += 1
        } else {
            counts.append((type, outcome, 1))
        }
    }

    func report(to metrics: ServerMetrics) {
        for c in counts { metrics.command(type: c.type, outcome: c.outcome, count: c.count) }
    }
}

extension ByteBuffer {
    /// `{"id":…,"ok":true,"position":N,"events":[{position,stream,version,type}…],"duplicate":B}`.
    ///
    /// The hot reply: built in one contiguous scratch array and copied into the buffer once.
    mutating func writeCommandReply(_ id: RequestID, _ reply: CommandReply) {
        var out: [UInt8] = []
        out.reserveCapacity(96 + reply.events.count * 96)
        Self.appendCommandReply(id, reply, to: &out)
        writeBytes(out)
    }

    /// Appends the reply's line (see ``writeCommandReply(_:_:)``) to `out`. The events are read in
    /// place: iterating them copied each one, retaining and releasing its stream and type; and so
    /// are their names (``Swift/String/withUTF8(at:_:)``): handing `e.pointee.stream` on copied
    /// it, a string the log's writer made on another core.
    static func appendCommandReply(_ id: RequestID, _ reply: CommandReply, to out: inout [UInt8]) {
        out.append(literal: #"{"id":"#)
        switch id {
        case .string(let s): JSONWriter.appendString(s, into: &out)
        case .number(let text): out.append(contentsOf: text.utf8)
        }
        out.append(literal: #","ok":true,"position":"#)
        Self.appendDecimal(reply.position, to: &out)
        out.append(literal: #","events":["#)
        reply.events.withUnsafeBufferPointer { events in
            for i in events.indices {
                let e = events.baseAddress.unsafelyUnwrapped + i
                out.append(literal: i == 0 ? #"{"position":"# : #",{"position":"#)
                Self.appendDecimal(e.pointee.position, to: &out)
                out.append(literal: #","stream":"#)
                String.withUTF8(at: e.pointer(to: \.stream)!) {
                    JSONWriter.appendString(utf8: UnsafeRawBufferPointer($0), into: &out)
                }
                out.append(literal: #","version":"#)
                Self.appendDecimal(e.pointee.version, to: &out)
                out.append(literal: #","type":"#)
                String.withUTF8(at: e.pointer(to: \.type)!) {
                    JSONWriter.appendString(utf8: UnsafeRawBufferPointer($0), into: &out)
                }
                out.append(UInt8(ascii: "}"))
            }
        }
        out.append(literal: reply.duplicate ? #"],"duplicate":true}"# : #"],"duplicate":false}"#)
        out.append(0x0A)
    }

    static func appendDecimal(_ value: UInt64, to out: inout [UInt8]) {
        if value < 10 {
            out.append(UInt8(ascii: "0") &+ UInt8(value))
            return
        }
        withDecimalDigits(value) { out.append(contentsOf: $0) }
    }
}
