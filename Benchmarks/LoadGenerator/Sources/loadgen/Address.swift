import Foundation
import NIOCore
import NIOPosix

#if canImport(Glibc)
import Glibc
#endif

/// `HOST:PORT` or a Unix socket path (anything with a `/`).
enum Address: Sendable, CustomStringConvertible {
    case tcp(host: String, port: Int)
    case unix(path: String)

    init?(_ text: String) {
        if text.contains("/") {
            self = .unix(path: text)
            return
        }
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]) else { return nil }
        self = .tcp(host: String(text[..<colon]), port: port)
    }

    var description: String {
        switch self {
        case .tcp(let host, let port): "\(host):\(port)"
        case .unix(let path): path
        }
    }

    func connect(_ bootstrap: ClientBootstrap) -> EventLoopFuture<any Channel> {
        switch self {
        case .tcp(let host, let port): bootstrap.connect(host: host, port: port)
        case .unix(let path): bootstrap.connect(unixDomainSocketPath: path)
        }
    }
}

/// Sends request bodies pipelined on one connection and returns each reply's outcome (for setup).
func runPipelined(_ address: Address, token: String, bodies: [String], group: any EventLoopGroup) async throws
    -> [Reply]
{
    let collector = ReplyCollector(expected: bodies.count + 1)
    let channel = try await address.connect(ClientBootstrap(group: group).channelInitializer { channel in
        channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(collector) }
    }).get()
    var lines = #"{"id":"hello","op":"hello","token":\#(jsonString(token))}"# + "\n"
    for (i, body) in bodies.enumerated() { lines += "{\"id\":\(i),\(body)}\n" }
    try await channel.writeAndFlush(ByteBuffer(string: lines)).get()
    let replies = try await collector.done.futureResult.get()
    try? await channel.close()
    guard replies.first(where: { $0.id == "hello" })?.ok == true else {
        throw LoadError("hello failed: the token is not accepted")
    }
    return replies.filter { $0.id != "hello" }.sorted { (Int($0.id) ?? 0) < (Int($1.id) ?? 0) }
}

final class ReplyCollector: ChannelInboundHandler, @unchecked Sendable {  // used on its channel's loop only
    typealias InboundIn = ByteBuffer
    let expected: Int
    var replies: [Reply] = []
    var buffer = ByteBuffer()
    var done: EventLoopPromise<[Reply]>!

    init(expected: Int) { self.expected = expected }

    func handlerAdded(context: ChannelHandlerContext) { done = context.eventLoop.makePromise() }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var incoming = unwrapInboundIn(data)
        buffer.writeBuffer(&incoming)
        while let nl = buffer.readableBytesView.firstIndex(of: 0x0A) {
            let line = buffer.readBytes(length: nl - buffer.readerIndex + 1)!
            replies.append(Reply(line))
            if replies.count == expected { done.succeed(replies) }
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        done.fail(LoadError("the server closed the connection after \(replies.count) replies"))
    }
}

struct LoadError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

/// The resident set of a process in MiB, from /proc (nil when it cannot be read).
func residentMiB(pid: Int32) -> Double? { procStatus(pid: pid, "VmRSS") }

/// The anonymous part of the resident set (heap and stacks, not the log's mapped file pages).
func anonymousMiB(pid: Int32) -> Double? { procStatus(pid: pid, "RssAnon") }

private func procStatus(pid: Int32, _ field: String) -> Double? {
    guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
    for line in status.split(separator: "\n") where line.hasPrefix(field + ":") {
        let kb = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).compactMap { Double($0) }.first ?? 0
        return kb / 1024
    }
    return nil
}

/// 10,000 sockets need more descriptors than the usual soft limit.
func raiseOpenFileLimit() {
    var limit = rlimit()
    guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return }
    limit.rlim_cur = limit.rlim_max
    setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
}
