import CommandProcessing
import EventLog
import Dispatch
import Domain
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

    /// When the last "writes are failing" line was logged (uptime nanoseconds; 0 = never).
    private let writeFailureLoggedAt = Atomic<UInt64>(0)

    /// Logs that a batch of commands could not be committed (disk full, I/O error): an operator must
    /// see it, but a full disk under load fails thousands of batches, so at most one line a second.
    func reportWriteFailure(_ error: DomainError, commands: Int) {
        let now = DispatchTime.now().uptimeNanoseconds
        let last = writeFailureLoggedAt.load(ordering: .relaxed)
        guard last == 0 || now &- last >= 1_000_000_000,
            writeFailureLoggedAt.compareExchange(expected: last, desired: now, ordering: .relaxed).exchanged
        else { return }
        logger.error("commands could not be committed; nothing of them was written", metadata: [
            "chronicle.code": "\(error.code.rawValue)", "chronicle.reason": "\(error.message)",
            "chronicle.commands": "\(commands)",
        ])
    }
}
