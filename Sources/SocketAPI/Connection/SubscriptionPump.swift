import CommandProcessing
import Domain
import EventLog
import Locking
import NIOCore
import PersonalData

/// A running subscription as its connection sees it: stop it, wait for its last write.
struct SubscriptionHandle: Sendable {
    let task: Task<Void, Never>
    let stopReason: StopReason

    /// Stops the pump; with a reason it first pushes `closed` with that reason. Called on the
    /// connection's event loop, it is final there: no page is written after it.
    func stop(reason: String?) {
        stopReason.set(reason)
        task.cancel()
    }

    func finished() async { await task.value }
}

/// Why a pump was stopped (`shutdown`, `unauthenticated`), or nil when the client unsubscribed or
/// left; and the first position of a page it held back because the stop came first.
final class StopReason: Sendable {
    private struct State {
        var stopped = false
        var reason: String?
        var heldBackFrom: UInt64?
    }

    private let state = Lock(State())

    /// The first stop's reason stands (a session that ends during shutdown closes as `shutdown`).
    func set(_ reason: String?) {
        state.withLock { s in
            guard !s.stopped else { return }
            s.stopped = true
            s.reason = reason
        }
    }

    var reason: String? { state.withLock { $0.reason } }

    /// Whether a write examining the log from `first` may go out; asked on the event loop, where the
    /// connection stops its pumps, so a write queued before a stop but run after it is held back.
    func admits(from first: UInt64) -> Bool {
        state.withLock { s in
            guard s.stopped else { return true }
            if s.heldBackFrom == nil { s.heldBackFrom = first }
            return false
        }
    }

    /// The position through which everything was sent, given what the pump examined.
    func sentThrough(examined: UInt64) -> UInt64 {
        state.withLock { s in s.heldBackFrom.map { min($0 - 1, examined) } ?? examined }
    }
}

/// Pushes a subscription's events to its connection, reading the log one page at a time.
///
/// It never buffers more than one page: it reads the next page only after the previous one was
/// written to the socket, so a client that stops reading stops the pump, not the server's memory.
/// After the backlog (`caughtUp`), a subscription more than `maxLag` positions behind the log is
/// closed with `slow_consumer` and the position through which everything was sent.
///
/// Before it writes what it read, the pump checks that its subscriber may still read it — the token
/// still in the table, the employee still active and allowed to subscribe — once per page, which
/// after `caughtUp` is once per commit: a deactivation or a token gone from the tokens file closes
/// the subscription (`unauthenticated`) before it pushes anything committed after it.
struct SubscriptionPump: Sendable {
    let id: String
    let log: EventLog
    /// The subject keys: personal fields go out in plaintext, or `"[erased]"` once forgotten (CONTRACT §8).
    let keys: SubjectKeyStore
    let channel: any Channel
    let start: UInt64
    let filter: EventFilter
    let pageSize: Int
    let maxLag: UInt64
    let metrics: ServerMetrics
    /// Who subscribed, and where their token and employee are looked up again.
    let session: ConnectionHandler.Session
    let tokens: TokenTable
    let processor: CommandProcessor

    /// How often a pump blocked on a full socket looks at its lag.
    static let lagCheckInterval = TimeAmount.milliseconds(250)

    /// Starts the pump; `onEnd` gets the reason it closed with (nil when unsubscribed or gone).
    func start(onEnd: @escaping @Sendable (String?) -> Void) -> SubscriptionHandle {
        let reason = StopReason()
        let task = Task {
            let ended = await run(reason)
            let why = reason.reason ?? ended.reason
            if let why {
                write(closed: why, examined: ended.sentThrough, reason)
                metrics.subscriptionClosed(reason: why)
            } else {
                metrics.subscriptionClosed(reason: "ended")
            }
            metrics.subscriptions.decrement()
            onEnd(why)
        }
        return SubscriptionHandle(task: task, stopReason: reason)
    }

    /// Runs until cancelled, the channel closes, the subscriber falls too far behind, or may no
    /// longer read the log.
    private func run(_ stop: StopReason) async -> (reason: String?, sentThrough: UInt64) {
        var next = start
        var caughtUp = false
        var pending: EventLoopFuture<Void>?
        var session = self.session
        let allocator = channel.allocator
        while !Task.isCancelled {
            let committed = log.lastPosition
            if caughtUp && committed > next && committed - (next - 1) > maxLag {
                return ("slow_consumer", next - 1)
            }
            if let write = pending {
                switch await Self.wait(for: write, timeout: Self.lagCheckInterval) {
                case .timedOut: continue
                case .failed: return (nil, next - 1)
                case .done: pending = nil
                }
            }
            if next <= committed {
                let page: ReadPage
                do {
                    page = try log.read(from: next, limit: pageSize, filter: filter)
                } catch {
                    return ("internal", next - 1)
                }
                // After the read: a deactivation is published before its commit, so a page that
                // holds anything from the deactivation on is refused here.
                if let refused = refusal(&session) { return (refused, next - 1) }
                var out = allocator.buffer(capacity: page.events.count * 512)
                for event in page.events {
                    out.writeStaticString("{\"subscription\":")
                    out.writeJSONString(id)
                    out.writeStaticString(",\"event\":")
                    do { try out.writeEvent(event, keys: keys) } catch { return ("internal", event.position - 1) }
                    out.writeStaticString("}\n")
                }
                var examined = page.next ?? (committed + 1)
                if let last = page.events.last { examined = max(examined, last.position + 1) }
                if out.readableBytes > 0 { pending = write(out, from: next, stop) }
                next = examined
                continue
            }
            if !caughtUp {
                if let refused = refusal(&session) { return (refused, next - 1) }
                caughtUp = true
                var out = allocator.buffer(capacity: 96)
                out.writeStaticString("{\"subscription\":")
                out.writeJSONString(id)
                out.writeStaticString(",\"caughtUp\":true,\"position\":")
                out.writeDecimal(next - 1)
                out.writeStaticString("}\n")
                pending = write(out, from: next, stop)
                continue
            }
            await log.waitForCommit(after: committed)
            // The notifier only returns early when the task is cancelled or the log is closing.
            if !Task.isCancelled && log.lastPosition == committed { return ("shutdown", next - 1) }
        }
        return (nil, next - 1)
    }

    /// Why the subscriber may no longer receive events (`unauthenticated`: the token left the table
    /// or the employee is not active; `forbidden`: their roles no longer allow `subscribe`), or nil.
    private func refusal(_ session: inout ConnectionHandler.Session) -> String? {
        do {
            let actor = try session.currentActor(tokens: tokens, processor: processor)
            return Authorization.mayReadLog(actor: actor) ? nil : ErrorCode.forbidden.rawValue
        } catch {
            return error.code.rawValue
        }
    }

    /// Writes what the pump read from `first` on, on the channel's event loop, unless the connection
    /// stopped the pump before: then nothing of it goes out.
    private func write(_ bytes: ByteBuffer, from first: UInt64, _ stop: StopReason) -> EventLoopFuture<Void> {
        let channel = self.channel
        return channel.eventLoop.flatSubmit {
            guard stop.admits(from: first) else { return channel.eventLoop.makeSucceededVoidFuture() }
            return channel.writeAndFlush(bytes)
        }
    }

    /// The last line of a subscription, after every write it queued: its position leaves out a page
    /// the stop held back, so resubscribing from `position + 1` misses nothing.
    private func write(closed reason: String, examined: UInt64, _ stop: StopReason) {
        let channel = self.channel
        let id = self.id
        channel.eventLoop.execute {
            var out = channel.allocator.buffer(capacity: 128)
            out.writeStaticString("{\"subscription\":")
            out.writeJSONString(id)
            out.writeStaticString(",\"closed\":true,\"reason\":")
            out.writeJSONString(reason)
            out.writeStaticString(",\"position\":")
            out.writeDecimal(stop.sentThrough(examined: examined))
            out.writeStaticString("}\n")
            channel.writeAndFlush(out, promise: nil)
        }
    }

    enum WriteWait { case done, failed, timedOut }

    /// Waits for a write to reach the socket, at most `timeout`, or until the task is cancelled.
    static func wait(for write: EventLoopFuture<Void>, timeout: TimeAmount) async -> WriteWait {
        let once = Once()
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (c: CheckedContinuation<WriteWait, Never>) in
                once.arm(c)
                let timer = write.eventLoop.scheduleTask(in: timeout) { once.resume(.timedOut) }
                write.whenComplete { result in
                    timer.cancel()
                    switch result {
                    case .success: once.resume(.done)
                    case .failure: once.resume(.failed)
                    }
                }
            }
        } onCancel: {
            once.resume(.timedOut)
        }
    }

    /// Resumes a continuation exactly once, whoever comes first.
    final class Once: Sendable {
        private let state = Lock<(continuation: CheckedContinuation<WriteWait, Never>?, early: WriteWait?)>((nil, nil))

        func arm(_ c: CheckedContinuation<WriteWait, Never>) {
            let early = state.withLock { s -> WriteWait? in
                if let e = s.early { return e }
                s.continuation = c
                return nil
            }
            if let early { c.resume(returning: early) }
        }

        func resume(_ value: WriteWait) {
            let c = state.withLock { s -> CheckedContinuation<WriteWait, Never>? in
                guard let c = s.continuation else {
                    if s.early == nil { s.early = value }
                    return nil
                }
                s.continuation = nil
                s.early = value  // later calls find no continuation and change nothing
                return c
            }
            c?.resume(returning: value)
        }
    }
}
