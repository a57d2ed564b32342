import ArgumentParser
import CommandProcessing
import EventLog
import Foundation
import Logging
import NIOCore
import NIOPosix
import ProjectionRuntime
import ServiceLifecycle
import SocketAPI
import Views

/// `chronicle serve`: the socket API over TCP and a Unix domain socket (CONTRACT §2, §5).
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the NDJSON socket API (TCP and a Unix domain socket).",
        discussion: """
            Takes the data directory's lock (a second writer exits at once) and exits 0 after a clean \
            shutdown on SIGTERM or SIGINT: it stops accepting, finishes in-flight commands, and closes \
            every connection. SIGHUP reloads --tokens without dropping connections.
            """)

    @OptionGroup var data: DataOptions

    @Option(help: "TCP address to listen on, HOST:PORT (port 0 picks a free one), or 'none'.")
    var listen = "127.0.0.1:7420"

    @Option(help: """
        A second TCP address, HOST:PORT, that serves only reads (hello, ping, query, read, unsubscribe) on an event-loop \
        thread of its own at a raised priority, so queries do not wait behind command traffic for a core.
        """)
    var queryListen: String?

    @Option(help: "Unix domain socket path (default: <data>/chronicle.sock), or 'none'.")
    var socket: String?

    @Option(help: "A JSON file {\"<token>\": \"<employeeId>\", …}; SIGHUP reloads it.")
    var tokens: String?

    @Option(help: "A token whose actor is admin (or the CHRONICLE_ADMIN_TOKEN environment variable).")
    var adminToken: String?

    @Option(help: "Serve /metrics (Prometheus text) and /health over HTTP on HOST:PORT.")
    var metrics: String?

    @Flag(help: "Do not issue RecycleStaleLeads at 00:05 in the lead pool's time zone.")
    var noAutoRecycle = false

    @Flag(help: "Load the demo company into an empty store and print its tokens.")
    var demo = false

    @OptionGroup(title: "Limits") var limitOptions: LimitOptions

    @Option(help: "Event loop threads (default: one per core).")
    var threads: Int?

    @Option(help: """
        While commands wait for the log's writer, how many milliseconds a commit of the views may \
        wait after the previous one (at most three times what that one took): fewer, larger commits \
        rewrite fewer pages and leave the CPU to the writer, and the views lag the log by up to about \
        a second under such load. 0: commit as soon as the previous commit ends.
        """)
    var viewsCommitSpacingMs = Int(ProjectionEngine.Options.defaultCommitSpacing / .milliseconds(1))

    @Option(help: ArgumentHelp(stringLiteral: ViewsPriority.help))
    var viewsPriority: ViewsPriority = .yield

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String = "info"

    func validate() throws {
        if listen != "none" && SocketServer.HostPort(listen) == nil {
            throw ValidationError("--listen must be HOST:PORT or 'none'")
        }
        if let queryListen, SocketServer.HostPort(queryListen) == nil {
            throw ValidationError("--query-listen must be HOST:PORT")
        }
        if let metrics, SocketServer.HostPort(metrics) == nil { throw ValidationError("--metrics must be HOST:PORT") }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
        if !(0...60_000).contains(viewsCommitSpacingMs) {
            throw ValidationError("--views-commit-spacing-ms must be 0–60000")
        }
        if Logger.Level(rawValue: logLevel) == nil { throw ValidationError("--log-level: unknown level \(logLevel)") }
        try limitOptions.validate()
    }

    func run() async throws {
        let dir = data.directory
        let lock = try dir.lockForWriting()
        defer { lock.release() }
        let logger = ServeLogging.bootstrap(level: Logger.Level(rawValue: logLevel) ?? .info)
        let registry = ServeMetrics.bootstrap()
        raiseOpenFileLimit(logger: logger)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: threads ?? System.coreCount)
        // A taken port stops the server before it loads the demo or commits anything.
        if listen != "none", let tcp = SocketServer.HostPort(listen), tcp.port != 0 {
            try await SocketServer.probe(tcp, group: group)
        }
        if let tcp = queryListen.flatMap(SocketServer.HostPort.init), tcp.port != 0 {
            try await SocketServer.probe(tcp, group: group)
        }

        let log = try EventLog.open(directory: dir.log, options: .init(maxQueuedItems: 100_000))
        defer { log.close() }
        let processor = try CommandProcessor(log: log)

        let tokenSource = try TokenSource(
            file: tokens, adminToken: adminToken ?? ProcessInfo.processInfo.environment["CHRONICLE_ADMIN_TOKEN"])
        let demoTokens = try await loadDemoIfRequested(demo, processor: processor, logger: logger)
        let table = try tokenSource.makeTable(extra: demoTokens)
        if table.isEmpty {
            logger.warning("no tokens configured: nobody can authenticate (pass --admin-token or --tokens)")
        }

        var viewOptions = ProjectionEngine.Options()
        viewOptions.commitSpacing = .milliseconds(viewsCommitSpacingMs)
        viewOptions.followerPriority = viewsPriority.priority
        let engine = ViewService.engine(log: log, dataDirectory: dir.path, options: viewOptions)
        try engine.start()
        defer { engine.close() }
        let queries = ViewQueries(views: ViewService(source: engine), engine: engine, keys: processor.keys)
        announce([
            "views ready at position \(engine.status().map(\.checkpoint).min() ?? 0) (\(engine.howStarted)); "
                + "they follow the log at \(engine.followerRunsAt)",
        ])

        let socketPath = socket == "none" ? nil : (socket ?? dir.socket)
        var configuration = SocketServer.Configuration(
            tcp: listen == "none" ? nil : SocketServer.HostPort(listen), unixSocketPath: socketPath,
            limits: limitOptions.limits, version: chronicleVersion)
        configuration.queryTCP = queryListen.flatMap(SocketServer.HostPort.init)
        // One thread: the queries' CPU is small, and a second prioritized thread would only take
        // cores from the writer.
        let queryGroup = configuration.queryTCP == nil ? nil : MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let server = SocketServer(
            configuration: configuration,
            processor: processor, queries: queries, tokens: table, group: group,
            queryGroup: queryGroup, logger: logger,
            onListening: { addresses in announce(addresses.map { "listening on \($0)" }) })

        var services: [any Service] = []
        if let metrics, let address = SocketServer.HostPort(metrics) {
            services.append(MetricsHTTPServer(
                address: address, group: group, logger: logger,
                onListening: { announce(["metrics on \($0)/metrics"]) },
                route: ServeMetrics.route(registry: registry, server: server)))
        }
        if !noAutoRecycle { services.append(DailyRecycle(processor: processor, logger: logger)) }
        if let file = tokens {
            services.append(TokenReloader(file: file, source: tokenSource, extra: demoTokens, table: table, logger: logger))
        }
        services.append(server)  // last, so graceful shutdown stops it first
        let serviceGroup = ServiceGroup(configuration: .init(
            services: services.map { .init(service: $0) }, gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger))
        try await serviceGroup.run()

        engine.close()
        log.close()
        processor.finishPendingForgets()  // a forgotten subject's key destroyed after its commit
        processor.keys.close()  // saves which subject holds which numbered key
        try? await group.shutdownGracefully()
        try? await queryGroup?.shutdownGracefully()
        if let socketPath { unlink(socketPath) }
        logger.info("stopped cleanly", metadata: ["chronicle.position": "\(log.lastPosition)"])
    }
}

/// The version `hello` reports.
let chronicleVersion = "0.1.0"

/// Prints lines on standard output at once (tests and scripts wait for them).
func announce(_ lines: [String]) {
    FileHandle.standardOutput.write(Data(lines.map { $0 + "\n" }.joined().utf8))
}

/// 10,000 connections need more descriptors than the usual soft limit: raise it to the hard limit.
func raiseOpenFileLimit(logger: Logger) {
    var limit = rlimit()
    guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur < limit.rlim_max else { return }
    limit.rlim_cur = limit.rlim_max
    if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) != 0 {
        logger.warning("could not raise the open-file limit", metadata: ["chronicle.errno": "\(errno)"])
    }
}
