import Foundation
import NIOCore
import Synchronization

/// What every connection of a run shares: whether to keep sending, whether replies count, and
/// where finished connections leave their numbers.
final class RunControl: Sendable {
    let running = Atomic<Bool>(true)
    let measuring = Atomic<Bool>(false)
    let completed = Atomic<Int>(0)
    let helloFailures = Atomic<Int>(0)
    let results = Mutex<[ConnectionResult]>([])
}

/// One connection's numbers: latencies (ns) of replies inside the measured window, and outcomes.
struct ConnectionResult: Sendable {
    var kind: WorkerHandler.Kind
    var latencies: [UInt64] = []
    var ok = 0
    var errors: [String: Int] = [:]
}

/// Drives one connection: `hello`, then keeps `depth` requests in flight — one per independent
/// flow, so pipelined commands never depend on each other — until the run stops.
final class WorkerHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    enum Kind: Sendable, Equatable {
        case commands(connection: Int)
        case queries(connection: Int)
        /// Subscribes from the start, then never reads again.
        case stalledSubscriber
    }

    let kind: Kind
    let depth: Int
    let token: String
    let workload: Workload
    let control: RunControl
    // The handler's state is touched only on its channel's event loop, one call at a time, so
    // the run-time exclusivity checks are skipped: they were a fifth of the generator's CPU
    // (`swift_beginAccess` and its thread-local access set for every field read), CPU it takes
    // from the server it measures on the same two cores.
    @exclusivity(unchecked) private var input: ByteBuffer?
    /// Requests not yet written.
    @exclusivity(unchecked) private var output: ByteBuffer?
    /// The request being written, reused.
    @exclusivity(unchecked) private var line: [UInt8] = []
    @exclusivity(unchecked) private var flows: [(step: Int, iteration: Int, sentAt: UInt64)]
    @exclusivity(unchecked) private var inFlight = 0
    @exclusivity(unchecked) private var result: ConnectionResult
    @exclusivity(unchecked) private var queryCounter = 0
    @exclusivity(unchecked) private var stopped = false
    /// How long a query flow waits after a reply before its next query.
    private let queryPause: TimeAmount
    /// The least time from one query of a flow to its next (paced queries; zero: none).
    private let queryInterval: TimeAmount

    init(
        kind: Kind, depth: Int, token: String, workload: Workload, control: RunControl, queryPause: TimeAmount = .zero,
        queryInterval: TimeAmount = .zero
    ) {
        self.queryPause = queryPause
        self.queryInterval = queryInterval
        self.kind = kind
        self.depth = depth
        self.token = token
        self.workload = workload
        self.control = control
        self.flows = Array(repeating: (0, 0, 0), count: depth)
        self.result = ConnectionResult(kind: kind)
    }

    func channelActive(context: ChannelHandlerContext) {
        var b = context.channel.allocator.buffer(capacity: 128)
        b.writeString(#"{"id":"hello","op":"hello","token":"#)
        b.writeString(jsonString(token))
        b.writeString("}\n")
        context.writeAndFlush(wrapOutboundOut(b), promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        finish()
        context.fireChannelInactive()
    }

    private func finish() {
        guard !stopped else { return }
        stopped = true
        let r = result
        control.results.withLock { $0.append(r) }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var incoming = unwrapInboundIn(data)
        if input == nil { input = incoming } else { input!.writeBuffer(&incoming) }
        // Lines are read in place (no array per line); the next requests gather in `output`,
        // written at once when the read ends.
        let consumed = input!.withUnsafeReadableBytes { raw -> Int in
            guard let base = raw.baseAddress else { return 0 }
            var start = 0
            // `memchr`, not `firstIndex(of:)`: a reply is a few hundred bytes, which a generic
            // search over a slice walked a byte at a time.
            while start < raw.count, let found = memchr(base + start, 0x0A, raw.count - start) {
                let newline = base.distance(to: UnsafeRawPointer(found))
                handle(UnsafeRawBufferPointer(rebasing: raw[start..<newline]), context: context)
                start = newline + 1
            }
            return start
        }
        input!.moveReaderIndex(forwardBy: consumed)
        if input!.readableBytes == 0 { input = nil } else { input!.discardReadBytes() }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        flushOutput(context)
        if !control.running.load(ordering: .relaxed) && inFlight == 0 && kind != .stalledSubscriber {
            context.close(promise: nil)
        }
    }

    private func flushOutput(_ context: ChannelHandlerContext) {
        if let out = output {
            output = nil
            context.write(wrapOutboundOut(out), promise: nil)
        }
        context.flush()
    }

    private func handle(_ line: UnsafeRawBufferPointer, context: ChannelHandlerContext) {
        guard let flow = Reply.numericId(line) else {
            // `hello`'s reply, pushes and id:null lines.
            let reply = Reply(line)
            guard reply.id == "hello" else { return }
            guard reply.ok else {
                control.helloFailures.add(1, ordering: .relaxed)
                context.close(promise: nil)
                return
            }
            start(context)
            return
        }
        guard flow < flows.count else { return }
        let ok = Reply.isOk(line)
        inFlight -= 1
        let now = NIODeadline.now().uptimeNanoseconds
        if control.measuring.load(ordering: .relaxed) {
            result.latencies.append(now - flows[flow].sentAt)
            control.completed.add(1, ordering: .relaxed)
            if ok { result.ok += 1 } else { result.errors[Reply(line).code, default: 0] += 1 }
        }
        if case .commands = kind {
            flows[flow].step += 1
            if flows[flow].step == Workload.steps || !ok {
                flows[flow].step = 0
                flows[flow].iteration += 1
            }
        }
        guard control.running.load(ordering: .relaxed) else { return }
        if case .queries = kind, queryPause > .zero || queryInterval > .zero {
            let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            // Paced: the next query is due one interval after the last was sent (at once when the
            // reply took longer); otherwise it follows the reply after the pause.
            let due = queryInterval > .zero
                ? NIODeadline.uptimeNanoseconds(flows[flow].sentAt) + queryInterval
                : NIODeadline.now() + queryPause
            if due <= NIODeadline.now() {
                send(flow, context)
                return
            }
            context.eventLoop.scheduleTask(deadline: due) {
                let (handler, context) = bound.value
                guard handler.control.running.load(ordering: .relaxed) else {
                    // The run ended during the pause: nothing more will arrive to close on.
                    if handler.inFlight == 0 { context.close(promise: nil) }
                    return
                }
                handler.send(flow, context)
                handler.flushOutput(context)
            }
        } else {
            send(flow, context)
        }
    }

    private func start(_ context: ChannelHandlerContext) {
        if kind == .stalledSubscriber {
            var b = context.channel.allocator.buffer(capacity: 64)
            b.writeString(#"{"id":0,"op":"subscribe","fromPosition":0}"# + "\n")
            context.writeAndFlush(wrapOutboundOut(b), promise: nil)
            context.channel.setOption(ChannelOptions.autoRead, value: false).whenComplete { _ in }
            return
        }
        for flow in 0..<depth { send(flow, context) }
        flushOutput(context)
    }

    /// Adds flow `flow`'s next request to `output` (written by ``flushOutput(_:)``).
    private func send(_ flow: Int, _ context: ChannelHandlerContext) {
        if output == nil { output = context.channel.allocator.buffer(capacity: 64 * 256) }
        line.removeAll(keepingCapacity: true)
        line.writeStaticString(#"{"id":"#)
        line.writeDecimal(flow)
        line.writeStaticString(",")
        switch kind {
        case .commands(let connection):
            let f = flows[flow]
            workload.writeStep(f.step, connection: connection, flow: flow, iteration: f.iteration, depth: depth, into: &line)
        case .queries(let connection):
            queryCounter += 1
            line.writeString(workload.query(connection &* 7919 &+ queryCounter))
        case .stalledSubscriber:
            return
        }
        line.writeStaticString("}\n")
        output!.writeBytes(line)
        flows[flow].sentAt = NIODeadline.now().uptimeNanoseconds
        inFlight += 1
    }
}

/// The two things a reply line tells the generator: its id and its outcome.
struct Reply {
    var id = ""
    var ok = false
    var code = ""

    init(_ line: [UInt8]) {
        self = line.withUnsafeBytes { Reply($0) }
    }

    init(_ line: UnsafeRawBufferPointer) {
        // Replies start {"id":<id>,"ok":… (the server writes them that way).
        guard line.starts(with: Self.idPrefix) else { return }
        var i = Self.idPrefix.count
        var idBytes: [UInt8] = []
        while i < line.count, line[i] != UInt8(ascii: ",") {
            if line[i] != UInt8(ascii: "\"") { idBytes.append(line[i]) }
            i += 1
        }
        id = String(decoding: idBytes, as: UTF8.self)
        ok = Self.starts(line, at: i, with: Self.okTrue)
        if !ok, let r = Self.range(of: Array(#""code":""#.utf8), in: line) {
            var j = r
            var codeBytes: [UInt8] = []
            while j < line.count, line[j] != UInt8(ascii: "\"") {
                codeBytes.append(line[j])
                j += 1
            }
            code = String(decoding: codeBytes, as: UTF8.self)
        }
    }

    private static let idPrefix = Array(#"{"id":"#.utf8)
    private static let okTrue = Array(#","ok":true"#.utf8)

    /// The id of a reply whose id is a plain number (the generator's requests), without building
    /// a `Reply`; nil for any other line.
    static func numericId(_ line: UnsafeRawBufferPointer) -> Int? {
        guard line.starts(with: idPrefix) else { return nil }
        var i = idPrefix.count
        var value = 0
        let first = i
        while i < line.count, line[i] >= UInt8(ascii: "0"), line[i] <= UInt8(ascii: "9"), i - first < 18 {
            value = value * 10 + Int(line[i] &- UInt8(ascii: "0"))
            i += 1
        }
        guard i > first, i < line.count, line[i] == UInt8(ascii: ",") else { return nil }
        return value
    }

    /// Whether a reply with a numeric id says `"ok":true` (it follows the id).
    static func isOk(_ line: UnsafeRawBufferPointer) -> Bool {
        guard let comma = line.dropFirst(idPrefix.count).firstIndex(of: UInt8(ascii: ",")) else { return false }
        return starts(line, at: comma, with: okTrue)
    }

    private static func starts(_ line: UnsafeRawBufferPointer, at i: Int, with bytes: [UInt8]) -> Bool {
        line.count >= i + bytes.count && line[i..<(i + bytes.count)].elementsEqual(bytes)
    }

    /// The index just after the first occurrence of `needle`.
    static func range(of needle: [UInt8], in haystack: UnsafeRawBufferPointer) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for start in 0...(haystack.count - needle.count) where haystack[start] == needle[0] {
            if haystack[start..<(start + needle.count)].elementsEqual(needle) { return start + needle.count }
        }
        return nil
    }
}

/// A JSON string literal for simple text (tokens): escapes `"` and `\`.
func jsonString(_ s: String) -> String {
    "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
}
