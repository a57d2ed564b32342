import CommandProcessing
import Domain
import Logging
import NIOCore

#if canImport(Glibc)
import Glibc
#endif

/// One client connection: NDJSON framing, authentication, dispatch, and backpressure.
///
/// Everything here runs on the channel's event loop. Work that may block or wait runs elsewhere and
/// comes back to the loop to write its reply: commands on the log's writer (large batches prepared
/// on a command queue first), reads, subscriptions and waiting queries in tasks.
///
/// Backpressure: the handler stops asking the channel to read while `maxInFlightPerConnection`
/// requests are unanswered or the channel's outbound buffer is above its high-water mark, so a
/// client that pipelines without reading its replies only fills its own socket buffers.
final class ConnectionHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = Never
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    enum Transport: String, Sendable {
        case tcp
        case unix
    }

    /// Who said `hello`: the principal (`admin` or an employee id) and the token's digest, rechecked
    /// after a tokens-file reload.
    struct Session: Sendable {
        var principal: String
        var digest: TokenTable.Digest
        var generation: Int

        /// The session's actor now, as each request and each subscription page asks: `unauthenticated`
        /// once the token has left the tokens file or the employee is not active. Looks the token up
        /// again only when the table was reloaded since the last check.
        mutating func currentActor(tokens: TokenTable, processor: CommandProcessor) throws(DomainError) -> Actor {
            let generation = tokens.generation
            if self.generation != generation {
                guard tokens.principal(for: digest) == principal else {
                    throw DomainError(.unauthenticated, "the token is no longer valid; say hello again")
                }
                self.generation = generation
            }
            guard let actor = processor.resolveActor(principal) else {
                throw DomainError(.unauthenticated, "\(principal) is not an active employee")
            }
            return actor
        }
    }

    let server: ServerState
    let transport: Transport
    /// A connection of the reads-only listener (`serve --query-listen`): `command` and `subscribe`
    /// are refused, so that its prioritized loop serves nothing but short reads.
    let readsOnly: Bool
    var context: ChannelHandlerContext?
    var logger: Logger
    var session: Session?
    var helloTimer: Scheduled<Void>?

    /// Bytes received and not yet framed (nil when empty, so idle connections hold no buffer).
    var input: ByteBuffer?
    /// Where the search for `\n` resumes in `input` (bytes before it hold none).
    var scanned = 0
    /// Replies produced while handling a read, written together.
    var output: ByteBuffer?
    /// Requests read and not yet answered.
    var inFlight = 0
    /// The channel asked to read while we held back.
    var readHeld = false
    /// Lines handled since the event loop last let other connections run (see ``linesPerTurn``).
    var linesThisTurn = 0
    /// A continuation of this connection's buffered lines is queued on the loop.
    var yielded = false
    /// While ``yielded``: buffered bytes after the last newline (an unfinished line).
    var pendingTail = 0
    /// Shutting down or closing: no new requests are started.
    var closing = false
    var draining = false
    /// Closing for a reason: input is read and thrown away until the connection goes.
    var discarding = false
    var active = false

    var pendingCommands: [PendingCommand] = []
    /// The requests of ``pendingCommands``, in the same order.
    var pendingRequests: [CommandRequest] = []
    /// Batches of this connection queued on its command queue and not yet handed to the writer: while
    /// there are any, a small batch queues behind them instead of going to the writer from the loop.
    var queuedBatches = 0
    /// Runs read tasks on this connection's event loop.
    var loopExecutor: EventLoopTaskExecutor?
    var subscriptions: [String: SubscriptionHandle] = [:]
    /// Log reads waiting for their turn, and how many run.
    var queuedReads: [(Request, @Sendable (inout ByteBuffer) async throws -> Void)] = []
    var activeReads = 0
    var nextSubscription = 0

    init(server: ServerState, transport: Transport, readsOnly: Bool = false) {
        self.server = server
        self.transport = transport
        self.readsOnly = readsOnly
        self.logger = server.logger
    }

    var limits: ServerLimits { server.limits }

    // MARK: Lifecycle

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        if let remote = context.channel.remoteAddress {
            logger[metadataKey: "chronicle.peer"] = "\(remote)"
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        stopEverything()
        self.context = nil
    }

    func channelActive(context: ChannelHandlerContext) {
        active = true
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        helloTimer = context.eventLoop.scheduleTask(in: TimeAmount(limits.helloTimeout)) {
            bound.value.helloTimedOut()
        }
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        active = false
        stopEverything()
        context.fireChannelInactive()
    }

    private func stopEverything() {
        closing = true
        helloTimer?.cancel()
        helloTimer = nil
        // Commands read but never handed to the processor (a read that failed right after them):
        // their reserved places in the writer queue are given back, or `overloaded` would follow.
        if !pendingCommands.isEmpty {
            server.releaseCommands(pendingCommands.count)
            inFlight -= pendingCommands.count
            pendingCommands = []
            pendingRequests = []
        }
        for (_, s) in subscriptions { s.stop(reason: nil) }
        subscriptions = [:]
        queuedReads = []
        input = nil
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        logger.debug("connection error", metadata: ["chronicle.error": "\(error)"])
        context.close(promise: nil)
    }

    private func helloTimedOut() {
        guard session == nil, !closing else { return }
        server.metrics.connectionDropped(reason: "hello_timeout")
        closeWithError(DomainError(.timeout, "no successful hello within \(limits.helloTimeout); closing"))
    }

    /// Sends one `"id":null` error line, then closes. The write side is shut first and input is
    /// discarded for a moment, so the client reads the line instead of a reset.
    func closeWithError(_ error: DomainError) {
        guard let context, !closing else { return }
        closing = true
        discarding = true
        input = nil
        var buffer = context.channel.allocator.buffer(capacity: 160)
        buffer.writeErrorReply(nil, error)
        writeOutput(flush: false)
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(buffer)).whenComplete { _ in
            channel.close(mode: .output).whenFailure { _ in channel.close(promise: nil) }
        }
        context.eventLoop.scheduleTask(in: Self.lingerAfterError) { channel.close(promise: nil) }
        if readHeld {
            readHeld = false
            context.read()
        }
    }

    /// How long a connection closed for a reason keeps draining its input.
    static let lingerAfterError = TimeAmount.seconds(2)

    // MARK: Reading and framing

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var incoming = unwrapInboundIn(data)
        guard !closing else { return }
        if yielded {
            // The scheduled continuation frames it, after the other connections' turn; meanwhile
            // only the line limit is enforced, on the bytes after the last newline.
            pendingTail = Self.bytesAfterLastNewline(incoming) ?? (pendingTail + incoming.readableBytes)
            if pendingTail > limits.maxLineBytes {
                frameTooLarge()
                return
            }
        }
        if input == nil {
            input = incoming
        } else {
            if input!.readerIndex > 0 && input!.readerIndex >= input!.readableBytes {
                input!.discardReadBytes()
            }
            input!.writeBuffer(&incoming)
        }
        if yielded { return }
        processInput()
        writeOutput(flush: false)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        submitPendingCommands()
        context.flush()
        if !yielded { linesThisTurn = 0 }
    }

    /// Lines one connection may handle before the event loop serves its other connections: a client
    /// that pipelines thousands of cheap requests (`ping`, bad lines) would otherwise hold the loop
    /// for as long as it takes to answer them all, and every other connection on it would wait.
    static let linesPerTurn = 128

    /// Frames and handles buffered lines while fewer than `maxInFlightPerConnection` are unanswered
    /// (when draining, every line is answered `unavailable` at once, using no slot), at most
    /// ``linesPerTurn`` of them before yielding the loop.
    func processInput() {
        while !closing, draining || inFlight < limits.maxInFlightPerConnection, var buffer = input {
            if linesThisTurn >= Self.linesPerTurn {
                yieldTurn()
                return
            }
            input = nil  // let `buffer` be the only reference while we consume it
            let readable = buffer.readableBytes
            let newline = buffer.withUnsafeReadableBytes { raw -> Int? in
                guard scanned < raw.count, let base = raw.baseAddress else { return nil }
                guard let hit = memchr(base + scanned, 0x0A, raw.count - scanned) else { return nil }
                return base.distance(to: UnsafeRawPointer(hit))
            }
            guard let lineLength = newline else {
                scanned = readable
                if readable > limits.maxLineBytes {
                    frameTooLarge()
                } else {
                    input = buffer
                }
                return
            }
            if lineLength > limits.maxLineBytes {
                frameTooLarge()
                return
            }
            buffer.withUnsafeReadableBytes { raw in
                handleLine(UnsafeRawBufferPointer(rebasing: raw[0..<lineLength]))
            }
            linesThisTurn += 1
            buffer.moveReaderIndex(forwardBy: lineLength + 1)
            scanned = 0
            if buffer.readableBytes > 0 && !closing { input = buffer }
        }
    }

    /// Hands what was produced so far to the writer and the channel, and continues with the buffered
    /// lines in a task scheduled a little later: no more is read from this connection until its
    /// buffer is handled (``read(context:)`` holds while ``yielded``).
    ///
    /// Scheduled, not `execute`d: NIO runs tasks queued from a task in the same loop tick, before it
    /// polls sockets again, so only a deadline in the future lets the other connections' reads in.
    private func yieldTurn() {
        guard !yielded, let context else { return }
        yielded = true
        pendingTail = input.map { Self.bytesAfterLastNewline($0) ?? $0.readableBytes } ?? 0
        submitPendingCommands()
        writeOutput(flush: true)
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        context.eventLoop.scheduleTask(in: Self.turnPause) {
            let handler = bound.value
            handler.yielded = false
            handler.linesThisTurn = 0
            handler.resume()
        }
    }

    /// How many bytes follow the last `\n` in `buffer`, nil when it holds none.
    static func bytesAfterLastNewline(_ buffer: ByteBuffer) -> Int? {
        buffer.withUnsafeReadableBytes { raw -> Int? in
            guard let last = raw.lastIndex(of: 0x0A) else { return nil }
            return raw.count - last - 1
        }
    }

    /// How long a connection that used its turn waits before the next one.
    static let turnPause = TimeAmount.microseconds(50)

    private func frameTooLarge() {
        server.metrics.connectionDropped(reason: "frame_too_large")
        closeWithError(DomainError(
            .frameTooLarge, "a request line is longer than \(limits.maxLineBytes) bytes; closing",
            details: ["maxBytes": .number(.init(limits.maxLineBytes))]))
    }

    // MARK: Output and backpressure

    /// A buffer for replies produced on the loop; written by ``writeOutput(flush:)``.
    func withOutput(_ body: (inout ByteBuffer) -> Void) {
        guard let context else { return }
        if output == nil { output = context.channel.allocator.buffer(capacity: 256) }
        body(&output!)
    }

    func writeOutput(flush: Bool) {
        guard let context else { return }
        if let buffer = output, buffer.readableBytes > 0 {
            output = nil
            context.write(wrapOutboundOut(buffer), promise: nil)
        }
        if flush { context.flush() }
    }

    /// Writes a finished reply from an async request and lets the connection go on.
    func finishAsync(_ reply: ByteBuffer, requests: Int = 1) {
        inFlight -= requests
        guard let context, active else { return }
        context.writeAndFlush(wrapOutboundOut(reply), promise: nil)
        resume()
    }

    func read(context: ChannelHandlerContext) {
        if discarding {
            context.read()
            return
        }
        if closing || yielded || inFlight >= limits.maxInFlightPerConnection || !context.channel.isWritable {
            readHeld = true
            return
        }
        context.read()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable {
            startQueuedReads()
            resume()
        }
        context.fireChannelWritabilityChanged()
    }

    /// After replies drained: handle lines already buffered, then read again if we held back.
    func resume() {
        guard let context else { return }
        if draining {
            if input != nil && !yielded && !closing {
                processInput()
                writeOutput(flush: true)
            }
            finishDrainIfDone()
            return
        }
        guard !closing, !yielded, inFlight < limits.maxInFlightPerConnection, context.channel.isWritable else {
            return
        }
        if input != nil {
            processInput()
            submitPendingCommands()
            writeOutput(flush: true)
        }
        if readHeld && inFlight < limits.maxInFlightPerConnection && !closing && !yielded {
            readHeld = false
            context.read()
        }
    }
}
