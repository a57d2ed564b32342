import Domain
import Locking
import Metrics

/// The server's metrics through swift-metrics (exported in Prometheus text by `serve --metrics`).
///
/// Labels come from closed sets only (known command types, views, ops and error codes), so a
/// client cannot grow the number of series by sending made-up names.
final class ServerMetrics: Sendable {
    let tcpConnections = Meter(label: "chronicle_connections", dimensions: [("transport", "tcp")])
    let unixConnections = Meter(label: "chronicle_connections", dimensions: [("transport", "unix")])
    /// Connections of the reads-only listener (`serve --query-listen`).
    let readsOnlyConnections = Meter(label: "chronicle_connections", dimensions: [("transport", "tcp-reads")])
    let subscriptions = Meter(label: "chronicle_subscriptions")
    let logPosition = Gauge(label: "chronicle_log_position")
    let writerQueue = Gauge(label: "chronicle_writer_queue_items")
    let queuedCommands = Gauge(label: "chronicle_queued_commands")
    let logCommits = Counter(label: "chronicle_log_commits_total")
    let logCommittedItems = Counter(label: "chronicle_log_committed_items_total")
    let logCommittedEvents = Counter(label: "chronicle_log_committed_events_total")
    /// Commands per batch the server hands to the processor (one connection's read burst).
    let commitBatchCommands = Recorder(label: "chronicle_commit_batch_commands", aggregate: true)
    /// From handing a batch to the processor until it is durable.
    let commitLatency = Timer(label: "chronicle_commit_seconds")
    /// From reading a command until its reply is written.
    let commandLatency = Timer(label: "chronicle_command_seconds")
    let queryLatency = Timer(label: "chronicle_query_seconds")

    private let handles = Lock<[String: Counter]>([:])
    private let commandCounters = Lock<[CommandKey: Counter]>([:])
    private let requestCounters: [String: Counter]
    private let unknownRequests = Counter(label: "chronicle_requests_total", dimensions: [("op", "unknown")])

    private struct CommandKey: Hashable {
        var type: String
        var outcome: String
    }
    private let viewLag = Lock<[String: Gauge]>([:])
    private let knownCommandTypes = Set(CompanyState.commandTypes.map(\.rawValue))
    static let knownViews: Set<String> = [
        "customer360", "salesFunnel", "approvalQueue", "myExpenses", "inventory", "stockLedger", "auditTrail",
    ]
    static let knownOps: Set<String> = ["hello", "ping", "command", "query", "read", "subscribe", "unsubscribe"]

    init() {
        var requests: [String: Counter] = [:]
        for op in Self.knownOps { requests[op] = Counter(label: "chronicle_requests_total", dimensions: [("op", op)]) }
        requestCounters = requests
    }

    private func counter(_ label: String, _ dimensions: [(String, String)]) -> Counter {
        let key = label + dimensions.map { "|" + $0.0 + "=" + $0.1 }.joined()
        return handles.withLock { h in
            if let c = h[key] { return c }
            let c = Counter(label: label, dimensions: dimensions)
            h[key] = c
            return c
        }
    }

    func request(op: String) {
        (requestCounters[op] ?? unknownRequests).increment()
    }

    /// Outcome is `ok`, `duplicate`, or the error code.
    func command(type: String, outcome: String, count: Int = 1) {
        let key = CommandKey(type: knownCommandTypes.contains(type) ? type : "unknown", outcome: outcome)
        let counter = commandCounters.withLock { c in
            if let existing = c[key] { return existing }
            let made = Counter(label: "chronicle_commands_total", dimensions: [("type", key.type), ("outcome", key.outcome)])
            c[key] = made
            return made
        }
        counter.increment(by: count)
    }

    func query(view: String, outcome: String) {
        let v = Self.knownViews.contains(view) ? view : "unknown"
        counter("chronicle_queries_total", [("view", v), ("outcome", outcome)]).increment()
    }

    /// `unauthenticated` and `forbidden` replies, by op.
    func authFailure(code: ErrorCode, op: String) {
        guard code == .unauthenticated || code == .forbidden else { return }
        let o = Self.knownOps.contains(op) ? op : "unknown"
        counter("chronicle_auth_failures_total", [("code", code.rawValue), ("op", o)]).increment()
    }

    /// Connections the server closed itself, by reason (`frame_too_large`, `hello_timeout`,
    /// `max_connections`, `shutdown`).
    func connectionDropped(reason: String) {
        counter("chronicle_connections_dropped_total", [("reason", reason)]).increment()
    }

    func subscriptionClosed(reason: String) {
        counter("chronicle_subscriptions_closed_total", [("reason", reason)]).increment()
    }

    func viewLag(view: String, lag: UInt64) {
        let gauge = viewLag.withLock { g in
            if let existing = g[view] { return existing }
            let made = Gauge(label: "chronicle_view_lag_events", dimensions: [("view", view)])
            g[view] = made
            return made
        }
        gauge.record(Int64(clamping: lag))
    }
}
