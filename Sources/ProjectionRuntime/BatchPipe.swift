import EventLog
import Foundation

/// Hands batches of records read in place from one scanning thread to the other threads of a
/// rebuild, so that the log is read and parsed once however many threads apply it.
///
/// The scanner ``publish(_:)``es each batch — waiting while `depth` batches are not yet applied by
/// every consumer — and ends with ``close(failed:)``, which returns only when every consumer has
/// stopped: the records point into the scanner's read transaction, so it must stay open until then.
/// A consumer takes batches in order with ``next(_:)``, reports each applied one with ``done(_:)``,
/// and ends with ``exit(_:failed:)``. A failure on either side stops the others at their next batch.
final class BatchPipe: @unchecked Sendable {  // every field below is guarded by `condition`
    private let condition = NSCondition()
    private var ring: [[EventRecordView]]
    private var published = 0
    private var consumed: [Int]
    private var active: Int
    private var closed = false
    private var failed = false
    private let depth: Int

    /// Thrown by the scanner when a consumer failed: the consumer's error is the one to report.
    struct Stopped: Error {}

    init(consumers: Int, depth: Int = 8) {
        self.depth = max(1, depth)
        ring = Array(repeating: [], count: self.depth)
        consumed = Array(repeating: 0, count: consumers)
        active = consumers
    }

    /// Makes `batch` the next one; false when a consumer failed (the scanner should stop).
    func publish(_ batch: [EventRecordView]) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while !failed && published - (consumed.min() ?? published) >= depth { condition.wait() }
        if failed { return false }
        ring[published % depth] = batch
        published += 1
        condition.broadcast()
        return true
    }

    /// No more batches. Waits until every consumer has exited.
    func close(failed: Bool) {
        condition.lock()
        defer { condition.unlock() }
        closed = true
        if failed { self.failed = true }
        condition.broadcast()
        while active > 0 { condition.wait() }
    }

    /// Consumer `c`'s next batch, or nil when there are no more (or something failed).
    func next(_ c: Int) -> [EventRecordView]? {
        condition.lock()
        defer { condition.unlock() }
        while !closed && !failed && consumed[c] == published { condition.wait() }
        if failed || consumed[c] == published { return nil }
        return ring[consumed[c] % depth]
    }

    /// Consumer `c` has applied the batch `next` gave it.
    func done(_ c: Int) {
        condition.lock()
        consumed[c] += 1
        condition.broadcast()
        condition.unlock()
    }

    /// Consumer `c` stops, after its last batch or because it failed.
    func exit(_ c: Int, failed: Bool) {
        condition.lock()
        active -= 1
        if failed { self.failed = true }
        condition.broadcast()
        condition.unlock()
    }
}
