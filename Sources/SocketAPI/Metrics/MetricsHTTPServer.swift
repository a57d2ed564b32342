import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import ServiceLifecycle

/// A tiny HTTP/1.1 server for operators: `GET /metrics` (Prometheus text) and `GET /health` (JSON),
/// or whatever `route` answers. One request per connection is plenty for a scraper.
public final class MetricsHTTPServer: Service {
    /// A response: status code, content type and body.
    public struct Response: Sendable {
        public var status: Int
        public var contentType: String
        public var body: [UInt8]

        public init(status: Int = 200, contentType: String, body: [UInt8]) {
            self.status = status
            self.contentType = contentType
            self.body = body
        }
    }

    let address: SocketServer.HostPort
    let group: any EventLoopGroup
    let logger: Logger
    let route: @Sendable (String) -> Response?
    let onListening: @Sendable (String) -> Void

    public init(address: SocketServer.HostPort, group: any EventLoopGroup, logger: Logger,
                onListening: @escaping @Sendable (String) -> Void = { _ in },
                route: @escaping @Sendable (_ path: String) -> Response?) {
        self.address = address
        self.group = group
        self.logger = logger
        self.route = route
        self.onListening = onListening
    }

    public func run() async throws {
        let route = self.route
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(HTTPHandler(route: route))
                }
            }
            .bind(host: address.host, port: address.port).get()
        let bound = "http://\(SocketServer.HostPort(host: address.host, port: channel.localAddress?.port ?? address.port))"
        logger.info("metrics listening", metadata: ["chronicle.address": "\(bound)"])
        onListening(bound)
        try? await gracefulShutdown()
        try? await channel.close()
    }

    final class HTTPHandler: ChannelInboundHandler {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart

        let route: @Sendable (String) -> Response?
        var path: String?
        var method: HTTPMethod = .GET

        init(route: @escaping @Sendable (String) -> Response?) { self.route = route }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let head):
                path = String(head.uri.split(separator: "?", maxSplits: 1).first ?? "")
                method = head.method
            case .body:
                break
            case .end:
                let response: Response
                if method != .GET && method != .HEAD {
                    response = Response(status: 405, contentType: "text/plain", body: Array("GET only\n".utf8))
                } else if let r = path.flatMap(route) {
                    response = r
                } else {
                    response = Response(status: 404, contentType: "text/plain", body: Array("not found\n".utf8))
                }
                var headers = HTTPHeaders()
                headers.add(name: "Content-Type", value: response.contentType)
                headers.add(name: "Content-Length", value: String(response.body.count))
                headers.add(name: "Connection", value: "close")
                let head = HTTPResponseHead(
                    version: .http1_1, status: HTTPResponseStatus(statusCode: response.status), headers: headers)
                context.write(wrapOutboundOut(.head(head)), promise: nil)
                if method != .HEAD {
                    var buffer = context.channel.allocator.buffer(capacity: response.body.count)
                    buffer.writeBytes(response.body)
                    context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
                }
                let channel = context.channel
                context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in channel.close(promise: nil) }
            }
        }
    }
}
