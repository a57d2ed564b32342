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
    private var input: ByteBuffer?
    private var flows: [(step: Int, iteration: Int, sentAt: UInt64)]
    private var inFlight = 0
    private var result: ConnectionResult
    private var queryCounter = 0
    private var stopped = false
    /// How long a query flow waits after a reply before its next query.
    private let queryPause: TimeAmount

    init(kind: Kind, depth: Int, token: String, workload: Workload, control: RunControl, queryPause: TimeAmount = .zero) {
        self.queryPause = queryPause
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
        while let line = input!.readableBytesView.firstIndex(of: 0x0A).map({ $0 - input!.readerIndex }) {
            let bytes = input!.readBytes(length: line + 1)!
            handle(bytes, context: context)
        }
        if input!.readableBytes == 0 { input = nil } else { input!.discardReadBytes() }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        context.flush()
        if !control.running.load(ordering: .relaxed) && inFlight == 0 && kind != .stalledSubscriber {
            context.close(promise: nil)
        }
    }

    private func handle(_ line: [UInt8], context: ChannelHandlerContext) {
        let reply = Reply(line)
        if reply.id == "hello" {
            guard reply.ok else {
                control.helloFailures.add(1, ordering: .relaxed)
                context.close(promise: nil)
                return
            }
            start(context)
            return
        }
        guard let flow = Int(reply.id) else { return }  // pushes and id:null lines
        inFlight -= 1
        let now = NIODeadline.now().uptimeNanoseconds
        if control.measuring.load(ordering: .relaxed) {
            result.latencies.append(now - flows[flow].sentAt)
            control.completed.add(1, ordering: .relaxed)
            if reply.ok { result.ok += 1 } else { result.errors[reply.code, default: 0] += 1 }
        }
        if case .commands = kind {
            flows[flow].step += 1
            if flows[flow].step == Workload.steps || !reply.ok {
                flows[flow].step = 0
                flows[flow].iteration += 1
            }
        }
        guard control.running.load(ordering: .relaxed) else { return }
        if case .queries = kind, queryPause > .zero {
            let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            context.eventLoop.scheduleTask(in: queryPause) {
                let (handler, context) = bound.value
                guard handler.control.running.load(ordering: .relaxed) else {
                    // The run ended during the pause: nothing more will arrive to close on.
                    if handler.inFlight == 0 { context.close(promise: nil) }
                    return
                }
                handler.send(flow, context)
                context.flush()
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
    }

    private func send(_ flow: Int, _ context: ChannelHandlerContext) {
        let body: String
        switch kind {
        case .commands(let connection):
            let f = flows[flow]
            body = workload.step(f.step, connection: connection, flow: flow, iteration: f.iteration, depth: depth)
        case .queries(let connection):
            queryCounter += 1
            body = workload.query(connection &* 7919 &+ queryCounter)
        case .stalledSubscriber:
            return
        }
        var b = context.channel.allocator.buffer(capacity: body.utf8.count + 16)
        b.writeString("{\"id\":\(flow),")
        b.writeString(body)
        b.writeString("}\n")
        flows[flow].sentAt = NIODeadline.now().uptimeNanoseconds
        inFlight += 1
        context.write(wrapOutboundOut(b), promise: nil)
    }
}

/// The two things a reply line tells the generator: its id and its outcome.
struct Reply {
    var id = ""
    var ok = false
    var code = ""

    init(_ line: [UInt8]) {
        // Replies start {"id":<id>,"ok":… (the server writes them that way).
        guard line.starts(with: Array(#"{"id":"#.utf8)) else { return }
        var i = 6
        var idBytes: [UInt8] = []
        while i < line.count, line[i] != UInt8(ascii: ",") {
            if line[i] != UInt8(ascii: "\"") { idBytes.append(line[i]) }
            i += 1
        }
        id = String(decoding: idBytes, as: UTF8.self)
        let okTrue = Array(#","ok":true"#.utf8)
        ok = line.count >= i + okTrue.count && Array(line[i..<(i + okTrue.count)]) == okTrue
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

    /// The index just after the first occurrence of `needle`.
    static func range(of needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for start in 0...(haystack.count - needle.count) where haystack[start] == needle[0] {
            if Array(haystack[start..<(start + needle.count)]) == needle { return start + needle.count }
        }
        return nil
    }
}

/// A JSON string literal for simple text (tokens): escapes `"` and `\`.
func jsonString(_ s: String) -> String {
    "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
}
