import CommandProcessing
import Domain
import JSON
import NIOCore

/// Sent to every connection when the server shuts down: finish what is in flight, then close.
struct ShutdownRequested: Sendable {}

extension ConnectionHandler {
    /// One request line, checked in the order of CONTRACT §2: a JSON object with a usable id →
    /// a known op → authenticated (except `hello` and `ping`) → the op's own fields.
    func handleLine(_ line: UnsafeRawBufferPointer) {
        if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { return }  // blank lines are ignored
        let request: Request
        do {
            request = try Request.parse(line, maxDepth: limits.maxJSONDepth)
        } catch {
            server.metrics.request(op: "")
            withOutput { $0.writeErrorReply(error.id, error.error) }
            return
        }
        server.metrics.request(op: request.op)
        if draining {
            reply(request, DomainError(.unavailable, "the server is shutting down"))
            return
        }
        do throws(DomainError) {
            switch request.op {
            case "hello": try hello(request)
            case "ping": ping(request)
            case "command", "query", "read", "subscribe", "unsubscribe":
                let actor = try authenticatedActor()
                if readsOnly && (request.op == "command" || request.op == "subscribe") {
                    throw DomainError(
                        .forbidden,
                        "this listener (--query-listen) serves only reads: hello, ping, query, read, unsubscribe; send command and subscribe to the main listener",
                        details: ["op": .string(request.op)])
                }
                switch request.op {
                case "command": try command(request, actor: actor)
                case "query": try query(request, actor: actor)
                case "read": try read(request, actor: actor)
                case "subscribe": try subscribe(request, actor: actor)
                default: try unsubscribe(request)
                }
            default:
                throw DomainError(
                    .unknownOp, "unknown op; known: hello, ping, command, query, read, subscribe, unsubscribe",
                    details: ["op": .string(request.op)])
            }
        } catch {
            reply(request, error)
        }
    }

    /// Writes an error reply on the loop, counting authentication failures.
    func reply(_ request: Request, _ error: DomainError) {
        server.metrics.authFailure(code: error.code, op: request.op)
        withOutput { $0.writeErrorReply(request.id, error) }
    }

    // MARK: Authentication

    /// The actor of this connection, rechecked on every request: a deactivated employee, or a
    /// token removed from the tokens file, ends the session and its subscriptions.
    func authenticatedActor() throws(DomainError) -> Actor {
        guard var s = session else {
            throw DomainError(.unauthenticated, "say hello with a token first")
        }
        do {
            let actor = try s.currentActor(tokens: server.tokens, processor: server.processor)
            session = s
            return actor
        } catch {
            endSession()
            throw error
        }
    }

    /// Ends the session, if any, and every subscription it opened: each pushes `closed` with
    /// `unauthenticated` and nothing after it. A subscription belongs to the session that opened it,
    /// and a connection's subscriptions all belong to its current session (ending one removes them).
    func endSession() {
        session = nil
        logger[metadataKey: "chronicle.actor"] = nil
        let ended = subscriptions
        subscriptions = [:]
        for (_, s) in ended { s.stop(reason: ErrorCode.unauthenticated.rawValue) }
    }

    /// `hello` starts a new session, whatever it answers: the session before it ends, with its
    /// subscriptions (a request without a `token` string is `bad_request` and changes nothing).
    func hello(_ request: Request) throws(DomainError) {
        let token = try request.body.requiredString("token")
        endSession()
        let generation = server.tokens.generation
        guard let (principal, digest) = server.tokens.principal(for: token),
            let actor = server.processor.resolveActor(principal)
        else {
            throw DomainError(.unauthenticated, "unknown token, or its employee is not active")
        }
        session = Session(principal: principal, digest: digest, generation: generation)
        helloTimer?.cancel()
        helloTimer = nil
        logger[metadataKey: "chronicle.actor"] = "\(principal)"
        let position = server.log.lastPosition
        withOutput { out in
            out.writeReplyStart(request.id)
            out.writeStaticString(",\"actor\":")
            out.writeJSONString(actor.id)
            out.writeStaticString(",\"roles\":[")
            for (i, role) in actor.roles.map(\.rawValue).sorted().enumerated() {
                if i > 0 { out.writeStaticString(",") }
                out.writeJSONString(role)
            }
            out.writeStaticString("],\"server\":{\"name\":")
            out.writeJSONString(server.name)
            out.writeStaticString(",\"version\":")
            out.writeJSONString(server.version)
            out.writeStaticString("},\"position\":")
            out.writeDecimal(position)
            out.endReply()
        }
    }

    func ping(_ request: Request) {
        let position = server.log.lastPosition
        withOutput { out in
            out.writeReplyStart(request.id)
            out.writeStaticString(",\"position\":")
            out.writeDecimal(position)
            out.endReply()
        }
    }

    // MARK: Async replies

    /// Runs `body` and writes its reply when done. `body` appends the reply's members after
    /// `"ok":true`; a thrown ``DomainError`` becomes the error reply (anything else is `internal`).
    /// Light requests (view queries: one read transaction, a fraction of a millisecond) run on the
    /// connection's event loop, as its commands' tasks do: no hop to the shared pool and back —
    /// under a full write load that halved their p99 (README, the socket server) — and a wait for
    /// `minPosition` suspends without holding the loop. `heavy` replies (log reads, up to megabytes)
    /// run off the loop and wait their turn: see ``startQueuedReads()``.
    func respondAsync(
        _ request: Request, heavy: Bool = false, _ body: @escaping @Sendable (inout ByteBuffer) async throws -> Void
    ) {
        inFlight += 1
        if heavy {
            queuedReads.append((request, body))
            startQueuedReads()
        } else {
            start(request, heavy: false, body)
        }
    }

    /// Starts queued reads while fewer than `maxConcurrentReadsPerConnection` run and the client
    /// keeps up with its replies, so a client that pipelines large reads without reading them
    /// holds a few pages in memory, not one per request.
    func startQueuedReads() {
        guard let context else { return }
        while activeReads < limits.maxConcurrentReadsPerConnection, context.channel.isWritable, !queuedReads.isEmpty {
            let (request, body) = queuedReads.removeFirst()
            activeReads += 1
            start(request, heavy: true, body)
        }
    }

    private func start(
        _ request: Request, heavy: Bool, _ body: @escaping @Sendable (inout ByteBuffer) async throws -> Void
    ) {
        guard let context else { return }
        let allocator = context.channel.allocator
        let loop = context.eventLoop
        let bound = NIOLoopBound(self, eventLoop: loop)
        let id = request.id
        let op = request.op
        let metrics = server.metrics
        if loopExecutor == nil { loopExecutor = EventLoopTaskExecutor(loop) }
        Task(executorPreference: heavy ? nil : loopExecutor) {
            var out = allocator.buffer(capacity: 256)
            out.writeReplyStart(id)
            do {
                try await body(&out)
                out.endReply()
            } catch {
                let e = ConnectionHandler.domainError(error)
                metrics.authFailure(code: e.code, op: op)
                out.clear()
                out.writeErrorReply(id, e)
            }
            let reply = out
            let finish: @Sendable () -> Void = {
                let handler = bound.value
                if heavy { handler.activeReads -= 1 }
                handler.finishAsync(reply)
                if heavy { handler.startQueuedReads() }
            }
            if loop.inEventLoop { finish() } else { loop.execute(finish) }
        }
    }

    static func domainError(_ error: any Error) -> DomainError {
        if let e = error as? DomainError { return e }
        if error is CancellationError { return DomainError(.unavailable, "the request was cancelled") }
        return DomainError(.internal, "internal error: \(error)")
    }

    // MARK: Shutdown

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard event is ShutdownRequested else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        guard !draining, !closing else { return }
        draining = true
        for (_, s) in subscriptions { s.stop(reason: "shutdown") }
        processInput()  // lines already received are answered `unavailable`
        submitPendingCommands()
        writeOutput(flush: true)
        finishDrainIfDone()
    }

    /// Closes once nothing is in flight and every subscription has said goodbye.
    func finishDrainIfDone() {
        guard draining, !closing, !yielded, inFlight == 0, subscriptions.isEmpty, let context else { return }
        // Every complete line received has been answered; a trailing partial line never will be.
        if let buffered = input, buffered.readableBytesView.contains(0x0A) { return }
        closing = true
        writeOutput(flush: true)
        context.close(promise: nil)
    }
}
