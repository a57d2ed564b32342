import CommandProcessing
import Dispatch
import Domain
import EventLog
import Logging
import Synchronization

/// What every connection shares: the processor and the log, the views, the tokens, the limits,
/// the metrics, and the count of commands waiting for the writer.
final class ServerState: Sendable {
    let processor: CommandProcessor
    let log: EventLog
    let queries: (any QueryService)?
    let tokens: TokenTable
    let limits: ServerLimits
    let logger: Logger
    let metrics: ServerMetrics
    let name: String
    let version: String
    let connections: ConnectionRegistry
    /// Commands handed to the processor (or about to be) and not yet answered, over all connections.
    let queuedCommands = Atomic<Int>(0)
    /// Serial queues that prepare large batches of commands off the event loops and hand them to the
    /// writer; each connection always uses the same one, so its batches keep their order.
    let commandQueues = (0..<4).map { DispatchQueue(label: "chronicle.commands.\($0)", qos: .userInitiated) }

    init(processor: CommandProcessor, queries: (any QueryService)?, tokens: TokenTable, limits: ServerLimits,
         logger: Logger, name: String, version: String) {
        self.processor = processor
        self.log = processor.log
        self.queries = queries
        self.tokens = tokens
        self.limits = limits
        self.logger = logger
        self.metrics = ServerMetrics()
        self.name = name
        self.version = version
        self.connections = ConnectionRegistry(maxConnections: limits.maxConnections)
    }

    /// Reserves room for `n` commands in the writer queue; false when it is full (`overloaded`).
    func reserveCommands(_ n: Int) -> Bool {
        let after = queuedCommands.add(n, ordering: .relaxed).newValue
        if after > limits.maxQueuedCommands {
            queuedCommands.subtract(n, ordering: .relaxed)
            return false
        }
        return true
    }

    func releaseCommands(_ n: Int) { queuedCommands.subtract(n, ordering: .relaxed) }

    /// When the last "writes are failing" line was logged (uptime nanoseconds; 0 = never), and
    /// how many failed commands went unlogged since.
    private let writeFailureLoggedAt = Atomic<UInt64>(0)
    private let unloggedWriteFailures = Atomic<Int>(0)
    /// Commits are failing: the next success is logged once.
    private let writesFailing = Atomic<Bool>(false)

    /// Logs that commands could not be committed (disk full, I/O error): an operator must see it,
    /// but a full disk under load fails thousands of batches, so at most one line a second, which
    /// counts the failures since the previous line.
    func reportWriteFailure(_ error: DomainError, commands: Int) {
        writesFailing.store(true, ordering: .relaxed)
        let failed = unloggedWriteFailures.add(commands, ordering: .relaxed).newValue
        let now = DispatchTime.now().uptimeNanoseconds
        let last = writeFailureLoggedAt.load(ordering: .relaxed)
        guard last == 0 || now &- last >= 1_000_000_000,
            writeFailureLoggedAt.compareExchange(expected: last, desired: now, ordering: .relaxed).exchanged
        else { return }
        unloggedWriteFailures.subtract(failed, ordering: .relaxed)
        logger.error("commands could not be committed; nothing of them was written", metadata: [
            "chronicle.reason": "\(error.message)", "chronicle.commands": "\(failed)",
        ])
    }

    /// Logs once that commits succeed again after failures.
    func reportWritesSucceed() {
        guard writesFailing.load(ordering: .relaxed),
            writesFailing.compareExchange(expected: true, desired: false, ordering: .relaxed).exchanged
        else { return }
        logger.notice("commits succeed again")
    }
}
