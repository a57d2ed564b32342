import ArgumentParser
import Foundation
import NIOCore
import NIOPosix
import Synchronization

/// `loadgen idle`: opens many connections that say hello and then stay idle, holds them, and
/// checks they all still answer a ping.
struct IdleConnections: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "idle", abstract: "Hold many authenticated, idle connections; report server memory.")

    @OptionGroup var common: Common

    @Option(help: "Connections to open.") var connections = 10_000
    @Option(help: "Seconds to hold them.") var hold = 30.0
    @Option(help: "Connects in flight at once.") var parallel = 200

    func run() async throws {
        raiseOpenFileLimit()
        let address = try common.address
        let token = try common.resolvedToken
        let group = MultiThreadedEventLoopGroup(numberOfThreads: common.threads)

        print("before:\(common.rss())")
        let started = Date()
        let counts = IdleCounts()
        var channels: [any Channel] = []
        var next = 0
        try await withThrowingTaskGroup(of: (any Channel)?.self) { tasks in
            func add() {
                let bootstrap = ClientBootstrap(group: group).channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(IdleHandler(token: token, counts: counts))
                    }
                }
                tasks.addTask { try? await address.connect(bootstrap).get() }
                next += 1
            }
            while next < min(parallel, connections) { add() }
            while let c = try await tasks.next() {
                if let c { channels.append(c) }
                if next < connections { add() }
            }
        }
        while counts.hellos.load(ordering: .relaxed) + counts.failures.load(ordering: .relaxed) < channels.count,
            Date().timeIntervalSince(started) < 120
        {
            try await Task.sleep(for: .milliseconds(100))
        }
        print(String(format: "%d connected, %d said hello (%d failed) in %.1f s;%@", channels.count,
                     counts.hellos.load(ordering: .relaxed), counts.failures.load(ordering: .relaxed),
                     Date().timeIntervalSince(started), common.rss()))
        let holdStart = Date()
        while Date().timeIntervalSince(holdStart) < hold {
            try await Task.sleep(for: .seconds(min(5, hold)))
            print("holding \(channels.filter(\.isActive).count) connections\(common.rss())")
        }
        for c in channels { c.writeAndFlush(ByteBuffer(string: "{\"id\":\"ping\",\"op\":\"ping\"}\n"), promise: nil) }
        let pingStart = Date()
        while counts.pongs.load(ordering: .relaxed) < channels.count, Date().timeIntervalSince(pingStart) < 30 {
            try await Task.sleep(for: .milliseconds(100))
        }
        print("\(counts.pongs.load(ordering: .relaxed)) of \(channels.count) answered a ping after the hold\(common.rss())")
        for c in channels { c.close(promise: nil) }
    }
}

final class IdleCounts: Sendable {
    let hellos = Atomic<Int>(0)
    let failures = Atomic<Int>(0)
    let pongs = Atomic<Int>(0)
}

final class IdleHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    let token: String
    let counts: IdleCounts

    init(token: String, counts: IdleCounts) {
        self.token = token
        self.counts = counts
    }

    func channelActive(context: ChannelHandlerContext) {
        let line = #"{"id":"hello","op":"hello","token":\#(jsonString(token))}"# + "\n"
        context.writeAndFlush(NIOAny(ByteBuffer(string: line)), promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        guard let bytes = buffer.readBytes(length: buffer.readableBytes) else { return }
        for line in bytes.split(separator: 0x0A) {
            let reply = Reply(Array(line))
            switch (reply.id, reply.ok) {
            case ("hello", true): counts.hellos.add(1, ordering: .relaxed)
            case ("hello", false): counts.failures.add(1, ordering: .relaxed)
            case ("ping", true): counts.pongs.add(1, ordering: .relaxed)
            default: break
            }
        }
    }
}
