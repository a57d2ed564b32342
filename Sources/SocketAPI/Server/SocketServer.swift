import CommandProcessing
import JSON
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle

/// The NDJSON socket server (CONTRACT §2) as a swift-service-lifecycle `Service`: listens on TCP
/// and a Unix domain socket until graceful shutdown, then stops accepting, lets in-flight requests
/// finish (at most `ServerLimits.shutdownGracePeriod`), and closes every connection.
///
/// ```swift
/// let server = SocketServer(configuration: .init(tcp: .init(host: "127.0.0.1", port: 7420)),
///                           processor: processor, queries: nil, tokens: tokens, group: group, logger: logger)
/// let group = ServiceGroup(services: [server], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
/// try await group.run()
/// ```
public final class SocketServer: Service {
    public struct HostPort: Sendable, Hashable, CustomStringConvertible {
        public var host: String
        public var port: Int
        public init(host: String, port: Int) {
            self.host = host
            self.port = port
        }

        /// Parses `HOST:PORT` (`[::1]:7420` for IPv6).
        public init?(_ text: String) {
            guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
                (0...65535).contains(port)
            else { return nil }
            var host = String(text[..<colon])
            if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
            guard !host.isEmpty else { return nil }
            self.init(host: host, port: port)
        }

        public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
    }

    public struct Configuration: Sendable {
        public var tcp: HostPort?
        /// A second TCP listener that serves only reads (`hello`, `ping`, `query`, `read`,
        /// `unsubscribe`), on `queryGroup`'s event loop (see ``QueryLoopPriority``).
        public var queryTCP: HostPort?
        public var unixSocketPath: String?
        public var limits: ServerLimits
        /// Reported by `hello` as `server.name` / `server.version`.
        public var name: String
        public var version: String

        public init(tcp: HostPort? = HostPort(host: "127.0.0.1", port: 7420), unixSocketPath: String? = nil,
                    limits: ServerLimits = ServerLimits(), name: String = "chronicle", version: String = "0.1.0") {
            self.tcp = tcp
            self.unixSocketPath = unixSocketPath
            self.limits = limits
            self.name = name
            self.version = version
        }
    }

    let configuration: Configuration
    let state: ServerState
    let group: any EventLoopGroup
    let queryGroup: (any EventLoopGroup)?
    let onListening: @Sendable ([String]) -> Void

    /// - Parameters:
    ///   - queryGroup: the event loops of the reads-only listener (`configuration.queryTCP`), whose
    ///     threads the server raises in priority (``QueryLoopPriority``); nil: `group`'s, as they are.
    ///   - onListening: called with the bound addresses (`tcp://127.0.0.1:7420`,
    ///     `unix:///…/chronicle.sock`) once the server accepts connections.
    public init(configuration: Configuration, processor: CommandProcessor, queries: (any QueryService)?,
                tokens: TokenTable, group: any EventLoopGroup, queryGroup: (any EventLoopGroup)? = nil, logger: Logger,
                onListening: @escaping @Sendable ([String]) -> Void = { _ in }) {
        self.configuration = configuration
        self.group = group
        self.queryGroup = queryGroup
        self.onListening = onListening
        self.state = ServerState(
            processor: processor, queries: queries, tokens: tokens, limits: configuration.limits, logger: logger,
            name: configuration.name, version: configuration.version)
    }

    /// Open connections, the log's position and the writer queue, for `/health`.
    public func health() -> JSONObject {
        [
            "status": "ok",
            "position": .number(JSONNumber(state.log.lastPosition)),
            "connections": .number(JSONNumber(state.connections.count)),
            "queuedCommands": .number(JSONNumber(state.queuedCommands.load(ordering: .relaxed))),
            "writerQueue": .number(JSONNumber(state.log.queuedWork)),
        ]
    }

    public func run() async throws {
        var listeners: [any Channel] = []
        var addresses: [String] = []
        do {
            if let tcp = configuration.tcp {
                let channel: any Channel
                do {
                    channel = try await bootstrap(.tcp).bind(host: tcp.host, port: tcp.port).get()
                } catch {
                    throw ListenError(address: "tcp://\(tcp)", underlying: error)
                }
                listeners.append(channel)
                let port = channel.localAddress?.port ?? tcp.port
                addresses.append("tcp://\(HostPort(host: tcp.host, port: port))")
            }
            if let tcp = configuration.queryTCP {
                let group = queryGroup ?? self.group
                let channel: any Channel
                do {
                    channel = try await bootstrap(.tcp, group: group, readsOnly: true).bind(host: tcp.host, port: tcp.port).get()
                } catch {
                    throw ListenError(address: "tcp://\(tcp)", underlying: error)
                }
                listeners.append(channel)
                let port = channel.localAddress?.port ?? tcp.port
                let priority = queryGroup == nil ? "normal" : await QueryLoopPriority.raise(group)
                addresses.append("tcp://\(HostPort(host: tcp.host, port: port)) (reads only, priority: \(priority))")
            }
            if let path = configuration.unixSocketPath {
                let channel: any Channel
                do {
                    channel = try await bootstrap(.unix)
                        .bind(unixDomainSocketPath: path, cleanupExistingSocketFile: true).get()
                } catch {
                    throw ListenError(address: "unix://\(path)", underlying: error)
                }
                listeners.append(channel)
                addresses.append("unix://\(path)")
            }
        } catch {
            for l in listeners { try? await l.close() }
            throw error
        }
        state.logger.info("listening", metadata: ["chronicle.addresses": "\(addresses.joined(separator: " "))"])
        onListening(addresses)
        let sampler = Task { [state] in await MetricsSampler(state: state).run() }
        try? await gracefulShutdown()
        await shutdown(listeners)
        sampler.cancel()
    }

    /// A listening address that could not be bound.
    public struct ListenError: Error, CustomStringConvertible {
        public var address: String
        public var underlying: any Error
        public var description: String { "cannot listen on \(address): \(underlying)" }
    }

    /// Binds `tcp` and closes it again, so that a server can refuse to start — before it loads or
    /// writes anything — when its port is taken. (The real bind follows at once; `SO_REUSEADDR`
    /// lets it take the port the probe just left.)
    public static func probe(_ tcp: HostPort, group: any EventLoopGroup) async throws {
        do {
            let channel = try await ServerBootstrap(group: group)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelInitializer { $0.close() }
                .bind(host: tcp.host, port: tcp.port).get()
            try await channel.close()
        } catch {
            throw ListenError(address: "tcp://\(tcp)", underlying: error)
        }
    }

    private func shutdown(_ listeners: [any Channel]) async {
        let logger = state.logger
        for l in listeners { try? await l.close() }
        let open = state.connections.beginShutdown()
        logger.info("shutting down", metadata: ["chronicle.connections": "\(open.count)"])
        for channel in open {
            channel.pipeline.fireUserInboundEventTriggered(ShutdownRequested())
        }
        let grace = configuration.limits.shutdownGracePeriod
        let connections = state.connections
        let metrics = state.metrics
        await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                await connections.waitUntilEmpty()
                return true
            }
            group.addTask {
                try? await Task.sleep(for: grace)
                return false
            }
            if await group.next() == false {
                let left = connections.beginShutdown()
                logger.warning("closing connections that did not finish in time",
                               metadata: ["chronicle.connections": "\(left.count)"])
                for channel in left {
                    metrics.connectionDropped(reason: "shutdown")
                    channel.close(promise: nil)
                }
            }
            group.cancelAll()
        }
        logger.info("all connections closed")
    }

    private func bootstrap(
        _ transport: ConnectionHandler.Transport, group: (any EventLoopGroup)? = nil, readsOnly: Bool = false
    ) -> ServerBootstrap {
        let state = self.state
        let limits = configuration.limits
        let meter = readsOnly ? state.metrics.readsOnlyConnections
            : transport == .tcp ? state.metrics.tcpConnections : state.metrics.unixConnections
        var b = ServerBootstrap(group: group ?? self.group)
            .serverChannelOption(.backlog, value: 4096)
            .childChannelOption(.writeBufferWaterMark, value: .init(
                low: limits.writeBufferLowWater, high: limits.writeBufferHighWater))
            .childChannelOption(.maxMessagesPerRead, value: 16)
            .childChannelOption(.recvAllocator, value: AdaptiveRecvByteBufferAllocator(
                minimum: 64, initial: 2048, maximum: 256 << 10))
        if transport == .tcp {
            b = b.serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
        }
        return b.childChannelInitializer { channel in
            guard state.connections.admit(channel) else {
                state.metrics.connectionDropped(reason: "max_connections")
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(RejectConnectionHandler())
                }
            }
            meter.increment()
            channel.closeFuture.whenComplete { _ in
                state.connections.remove(channel)
                meter.decrement()
            }
            return channel.eventLoop.makeCompletedFuture {
                try channel.pipeline.syncOperations.addHandler(
                    ConnectionHandler(server: state, transport: transport, readsOnly: readsOnly))
            }
        }
    }
}

/// Tells a connection over the limit why, then closes it.
final class RejectConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    func channelActive(context: ChannelHandlerContext) {
        var buffer = context.channel.allocator.buffer(capacity: 128)
        buffer.writeErrorReply(nil, .init(.overloaded, "too many connections; try again later"))
        let channel = context.channel
        context.writeAndFlush(NIOAny(buffer)).whenComplete { _ in channel.close(promise: nil) }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {}
}
