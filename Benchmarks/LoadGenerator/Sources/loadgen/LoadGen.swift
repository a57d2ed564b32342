import ArgumentParser
import Foundation
import NIOCore
import NIOPosix

@main
struct LoadGen: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "loadgen",
        abstract: "Load generator for Chronicle's socket API.",
        subcommands: [RunLoad.self, IdleConnections.self], defaultSubcommand: RunLoad.self)
}

struct Common: ParsableArguments {
    @Option(help: "The server: HOST:PORT or a Unix socket path.")
    var connect = "127.0.0.1:7420"

    @Option(help: "An admin token (or CHRONICLE_TOKEN).")
    var token: String?

    @Option(help: "Event loop threads of the generator (`run` gives its query connections one more of their own).")
    var threads = 1

    @Option(help: "Print the server's resident memory (from /proc) for this process id.")
    var serverPid: Int32?

    var address: Address {
        get throws {
            guard let a = Address(connect) else { throw ValidationError("--connect must be HOST:PORT or a path") }
            return a
        }
    }

    var resolvedToken: String {
        get throws {
            guard let t = token ?? ProcessInfo.processInfo.environment["CHRONICLE_TOKEN"] else {
                throw ValidationError("--token (or CHRONICLE_TOKEN) is required")
            }
            return t
        }
    }

    func rss() -> String {
        guard let pid = serverPid, let mib = residentMiB(pid: pid) else { return "" }
        return String(format: " server RSS %.1f MiB (anonymous %.1f MiB)", mib, anonymousMiB(pid: pid) ?? 0)
    }
}

/// `loadgen run`: N connections × depth D of the demo-shaped command mix, plus queries.
struct RunLoad: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run", abstract: "Pipelined commands (and queries); reports throughput and latency.")

    @OptionGroup var common: Common

    @Option(help: "Command connections.") var connections = 64
    @Option(help: "Requests in flight per connection (independent flows).") var depth = 32
    @Option(help: "Seconds measured.") var duration = 20.0
    @Option(help: "Seconds before measuring starts.") var warmup = 3.0
    @Option(help: "Connections sending customer360 queries, on an event-loop thread of their own.") var queryConnections = 0
    @Option(help: "Queries in flight per query connection.") var queryDepth = 1
    @Option(help: "Where the query connections connect (default: --connect).") var queryConnect: String?
    @Option(help: "Milliseconds a query connection waits after each reply before its next query (0: none), so the query rate stays the same whatever the server's speed.")
    var queryPauseMs = 0.0
    @Option(help: "Milliseconds from one query of a query connection to its next (paced: a fixed rate of about 1/interval per connection while replies come back sooner; 0: as fast as replies come).")
    var queryIntervalMs = 0.0
    @Option(help: "Connections that subscribe from the start and then read nothing.") var stalledSubscribers = 0
    @Option(help: "Id prefix (default: unique per run, four base-36 characters of the time).") var prefix: String?
    @Flag(help: "Send the earlier, longer ids (PREFIX-CONNECTION-FLOW-ITERATION, 22 bytes and more) instead of ids of the demo company's length.")
    var longIds = false
    @Flag(help: "Send commands without commandId.") var noCommandIds = false

    /// The default id prefix, unique to the run: four base-36 characters of the time in seconds
    /// (a cycle of 19 days; `--prefix` for runs that must never meet an earlier one's ids), or, for
    /// `--long-ids`, `lg` and eight decimal digits of it.
    static func runTag(long: Bool) -> String {
        let seconds = Int(Date().timeIntervalSince1970)
        if long { return "lg\(seconds % 100_000_000)" }
        var tag: [UInt8] = []
        tag.writeBase36(seconds % (36 * 36 * 36 * 36))
        while tag.count < 4 { tag.insert(UInt8(ascii: "0"), at: 0) }
        return String(decoding: tag, as: UTF8.self)
    }

    func run() async throws {
        raiseOpenFileLimit()
        let address = try common.address
        let token = try common.resolvedToken
        let workload = Workload(
            prefix: prefix ?? Self.runTag(long: longIds), longIds: longIds, connections: connections,
            reps: max(1, (connections * depth + 15) / 16), commandIds: !noCommandIds)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: common.threads)
        // The query connections have an event loop thread of their own: on the command
        // connections' thread, a query's reply waited unread while that thread read a commit's
        // worth of replies and wrote the next commands (hundreds at once), and that wait was
        // counted as the server's latency.
        let queryGroup = queryConnections > 0 ? MultiThreadedEventLoopGroup(numberOfThreads: 1) : nil
        // The generator shares the server's cores: its query thread, woken by each reply, would
        // otherwise wait for a core behind the command connections' work and count that wait as
        // the server's latency. Raised as the server raises its reads-only loop (root only).
        if let queryGroup {
            let got = try await queryGroup.next().submit { raiseQueryThreadPriority() }.get()
            print("query thread priority: \(got)")
        }

        let setup = try await runPipelined(address, token: token, bodies: workload.setup(), group: group)
        let failed = setup.filter { !$0.ok }
        print("setup: \(setup.count - failed.count) ok, \(failed.count) failed\(failed.first.map { " (first: \($0.code))" } ?? "")")

        let control = RunControl()
        var channels: [any Channel] = []
        var stalled: [any Channel] = []
        func open(_ kind: WorkerHandler.Kind, depth: Int, on group: MultiThreadedEventLoopGroup, to target: Address? = nil) async throws {
            let bootstrap = ClientBootstrap(group: group)
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(WorkerHandler(
                            kind: kind, depth: depth, token: token, workload: workload, control: control,
                            queryPause: .nanoseconds(Int64(queryPauseMs * 1_000_000)),
                            queryInterval: .nanoseconds(Int64(queryIntervalMs * 1_000_000))))
                    }
                }
            let channel = try await (target ?? address).connect(bootstrap).get()
            if kind == .stalledSubscriber { stalled.append(channel) } else { channels.append(channel) }
        }
        for s in 0..<stalledSubscribers { _ = s; try await open(.stalledSubscriber, depth: 1, on: group) }
        for c in 0..<connections { try await open(.commands(connection: c), depth: depth, on: group) }
        let queryAddress = try queryConnect.map { text -> Address in
            guard let a = Address(text) else { throw LoadError("--query-connect: HOST:PORT or a socket path") }
            return a
        }
        for q in 0..<queryConnections { try await open(.queries(connection: q), depth: queryDepth, on: queryGroup ?? group, to: queryAddress) }
        print("\(channels.count + stalled.count) connections to \(address)\(common.rss())")

        try await Task.sleep(for: .seconds(warmup))
        control.measuring.store(true, ordering: .relaxed)
        let started = NIODeadline.now()
        var last = 0
        var peak = 0.0
        var peakAnonymous = 0.0
        while NIODeadline.now() - started < .nanoseconds(Int64(duration * 1e9)) {
            try await Task.sleep(for: .seconds(1))
            let done = control.completed.load(ordering: .relaxed)
            if let pid = common.serverPid, let mib = residentMiB(pid: pid) {
                peak = max(peak, mib)
                peakAnonymous = max(peakAnonymous, anonymousMiB(pid: pid) ?? 0)
            }
            print("  \(done - last) replies/s\(common.rss())")
            last = done
        }
        control.measuring.store(false, ordering: .relaxed)
        let elapsed = Double((NIODeadline.now() - started).nanoseconds) / 1e9
        control.running.store(false, ordering: .relaxed)
        for c in channels {
            _ = try? await c.closeFuture.timeout(after: .seconds(10), on: c.eventLoop).get()
        }
        for c in channels + stalled { try? await c.close() }
        Report(results: control.results.withLock { $0 }, seconds: elapsed).print()
        if common.serverPid != nil {
            print(String(format: "server peak RSS during the run: %.1f MiB (anonymous %.1f MiB)", peak, peakAnonymous))
        }
        if control.helloFailures.load(ordering: .relaxed) > 0 { throw LoadError("hello failed on some connections") }
    }
}

extension EventLoopFuture where Value == Void {
    /// Succeeds when this does or when `after` has passed, whichever is first.
    func timeout(after: TimeAmount, on loop: any EventLoop) -> EventLoopFuture<Void> {
        let p = loop.makePromise(of: Void.self)
        let t = loop.scheduleTask(in: after) { p.succeed(()) }
        whenComplete { _ in
            t.cancel()
            p.succeed(())
        }
        return p.futureResult
    }
}

/// Nice −10 for the calling thread (a nice value is a thread's on Linux); what it got, for the report.
func raiseQueryThreadPriority() -> String {
    #if os(Linux)
    if setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, -10) == 0 { return "nice -10" }
    #endif
    return "normal (nice -10 needs root or CAP_SYS_NICE)"
}
