import ArgumentParser
import SocketAPI

/// The server's limits as flags; every default is `ServerLimits()`'s.
struct LimitOptions: ParsableArguments {
    @Option(help: "Longest request line in bytes (frame_too_large, then close).")
    var maxLineBytes = ServerLimits().maxLineBytes

    @Option(help: "Unanswered requests per connection before the server stops reading it.")
    var maxInFlight = ServerLimits().maxInFlightPerConnection

    @Option(help: "Open connections; one more is told overloaded and closed.")
    var maxConnections = ServerLimits().maxConnections

    @Option(help: "Seconds a connection may stay without a successful hello.")
    var helloTimeout = 10.0

    @Option(help: "Commands waiting for the writer over all connections; more are overloaded.")
    var maxQueuedCommands = ServerLimits().maxQueuedCommands

    @Option(help: "Subscriptions per connection.")
    var maxSubscriptions = ServerLimits().maxSubscriptionsPerConnection

    @Option(help: "After its backlog, a subscription this many positions behind is closed (slow_consumer).")
    var subscriptionMaxLag = ServerLimits().subscriptionMaxLag

    @Option(help: "Seconds in-flight requests may take on shutdown before connections are closed anyway.")
    var shutdownGrace = 10.0

    func validate() throws {
        if maxLineBytes < 64 { throw ValidationError("--max-line-bytes must be at least 64") }
        if maxInFlight < 1 { throw ValidationError("--max-in-flight must be at least 1") }
        if maxConnections < 1 { throw ValidationError("--max-connections must be at least 1") }
        if !(helloTimeout > 0) { throw ValidationError("--hello-timeout must be positive") }
        if maxQueuedCommands < 1 { throw ValidationError("--max-queued-commands must be at least 1") }
        if maxSubscriptions < 0 { throw ValidationError("--max-subscriptions must not be negative") }
        if !(shutdownGrace >= 0) { throw ValidationError("--shutdown-grace must not be negative") }
    }

    var limits: ServerLimits {
        var l = ServerLimits()
        l.maxLineBytes = maxLineBytes
        l.maxInFlightPerConnection = maxInFlight
        l.maxConnections = maxConnections
        l.helloTimeout = .milliseconds(Int64(helloTimeout * 1000))
        l.maxQueuedCommands = maxQueuedCommands
        l.maxSubscriptionsPerConnection = maxSubscriptions
        l.subscriptionMaxLag = subscriptionMaxLag
        l.shutdownGracePeriod = .milliseconds(Int64(shutdownGrace * 1000))
        return l
    }
}
