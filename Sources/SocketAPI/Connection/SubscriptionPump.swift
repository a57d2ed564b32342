import EventLog
import NIOCore
import PersonalData
import Synchronization

/// A running subscription as its connection sees it: stop it, wait for its last write.
struct SubscriptionHandle: Sendable {
    let task: Task<Void, Never>
    let stopReason: StopReason

    /// Stops the pump; with a reason it first pushes `closed` with that reason.
    func stop(reason: String?) {
        stopReason.set(reason)
        task.cancel()
    }

    func finished() async { await task.value }
}

/// Why a pump was stopped (`shutdown`), or nil when the client unsubscribed or left.
final class StopReason: Sendable {
    private let value = Mutex<String?>(nil)
    func set(_ reason: String?) { value.withLock { $0 = reason } }
    var reason: String? { value.withLock { $0 } }
}

/// Pushes a subscription's events to its connection, reading the log one page at a time.
///
/// It never buffers more than one page: it reads the next page only after the previous one was
/// written to the socket, so a client that stops reading stops the pump, not the server's memory.
/// After the backlog (`caughtUp`), a subscription more than `maxLag` positions behind the log is
/// closed with `slow_consumer` and the position through which everything was sent.
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

    /// How often a pump blocked on a full socket looks at its lag.
    static let lagCheckInterval = TimeAmount.milliseconds(250)

    func start(onEnd: @escaping @Sendable () -> Void) -> SubscriptionHandle {
        let reason = StopReason()
        let task = Task {
            let ended = await run()
            if let why = reason.reason ?? ended.reason {
                write(closed: why, position: ended.sentThrough)
                metrics.subscriptionClosed(reason: why)
            } else {
                metrics.subscriptionClosed(reason: "ended")
            }
            metrics.subscriptions.decrement()
            onEnd()
        }
        return SubscriptionHandle(task: task, stopReason: reason)
    }

    /// Runs until cancelled, the channel closes, or the subscriber falls too far behind.
    private func run() async -> (reason: String?, sentThrough: UInt64) {
        var next = start
        var caughtUp = false
        var pending: EventLoopFuture<Void>?
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
                next = examined
                if out.readableBytes > 0 { pending = channel.writeAndFlush(out) }
                continue
            }
            if !caughtUp {
                caughtUp = true
                var out = allocator.buffer(capacity: 96)
                out.writeStaticString("{\"subscription\":")
                out.writeJSONString(id)
                out.writeStaticString(",\"caughtUp\":true,\"position\":")
                out.writeDecimal(next - 1)
                out.writeStaticString("}\n")
                pending = channel.writeAndFlush(out)
                continue
            }
            await log.waitForCommit(after: committed)
            // The notifier only returns early when the task is cancelled or the log is closing.
            if !Task.isCancelled && log.lastPosition == committed { return ("shutdown", next - 1) }
        }
        return (nil, next - 1)
    }

    private func write(closed reason: String, position: UInt64) {
        var out = channel.allocator.buffer(capacity: 128)
        out.writeStaticString("{\"subscription\":")
        out.writeJSONString(id)
        out.writeStaticString(",\"closed\":true,\"reason\":")
        out.writeJSONString(reason)
        out.writeStaticString(",\"position\":")
        out.writeDecimal(position)
        out.writeStaticString("}\n")
        channel.writeAndFlush(out, promise: nil)
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
        private let state = Mutex<(continuation: CheckedContinuation<WriteWait, Never>?, early: WriteWait?)>((nil, nil))

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
