/// Every bound the socket server enforces, so one bad client cannot harm the others.
///
/// The defaults are what `chronicle serve` uses unless a flag says otherwise (see the README's
/// "Limits and backpressure").
public struct ServerLimits: Sendable, Hashable {
    /// The longest request line in bytes, without its `\n`. A longer line is answered with
    /// `frame_too_large` and the connection is closed (the rest of the line cannot be framed).
    public var maxLineBytes: Int = 1 << 20
    /// Requests read from one connection and not yet answered. At the limit the server stops
    /// reading that connection until replies drain; it never rejects for this.
    public var maxInFlightPerConnection: Int = 128
    /// Open connections over both transports. One more is told `overloaded` and closed.
    public var maxConnections: Int = 16_384
    /// How long a connection may stay open without a successful `hello` before it is told why and closed.
    public var helloTimeout: Duration = .seconds(10)
    /// Commands accepted from all connections and not yet committed. More are `overloaded`.
    public var maxQueuedCommands: Int = 65_536
    /// Live subscriptions on one connection. More are `overloaded`.
    public var maxSubscriptionsPerConnection: Int = 16
    /// Events a subscription reads from the log at a time (its only buffer).
    public var subscriptionPageSize: Int = 256
    /// After its backlog, a subscription whose last sent position is more than this many positions
    /// behind the log is closed with `slow_consumer` (memory never depends on it: a slow
    /// subscriber is always served from the log, one page at a time).
    public var subscriptionMaxLag: UInt64 = 1_000_000
    /// Outbound bytes queued on one connection above which the server stops reading its requests
    /// (and below `writeBufferLowWater` resumes).
    public var writeBufferHighWater: Int = 1 << 20
    public var writeBufferLowWater: Int = 256 << 10
    /// `read` requests of one connection that run at once (more wait, and none starts while the
    /// client is not reading its replies): a page can be megabytes.
    public var maxConcurrentReadsPerConnection: Int = 2
    /// `read`: events per page when `limit` is absent, and the most a page returns.
    public var readDefaultLimit: Int = 1_000
    public var readMaxLimit: Int = 10_000
    /// `query`: `timeoutMs` when absent, and the most accepted.
    public var queryDefaultTimeout: Duration = .milliseconds(5_000)
    public var queryMaxTimeout: Duration = .milliseconds(60_000)
    /// Deepest JSON nesting accepted in a request.
    public var maxJSONDepth: Int = 64
    /// On shutdown, how long in-flight requests may take before connections are closed anyway.
    public var shutdownGracePeriod: Duration = .seconds(10)

    public init() {}
}

extension Duration {
    /// The duration in whole milliseconds (rounded down).
    var wholeMilliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000 + attoseconds / 1_000_000_000_000_000
    }
}
