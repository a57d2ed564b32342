import Dispatch
import EventLog

/// The in-place export on several threads: rounds of consecutive position chunks, one chunk per thread, each
/// formatted into its own buffer and written in position order when the round is done.
struct ExportChunks {
    /// Positions per chunk: enough that a chunk's read transaction is noise, few enough to bound its buffer.
    static let defaultPositions: UInt64 = 1 << 15

    let log: EventLog
    let untilMs: Int64?
    let stream: String?
    let filter: EventFilter
    /// Positions per chunk (``defaultPositions`` unless a test asks for small ones).
    var positions: UInt64 = Self.defaultPositions

    /// One thread's chunk: its lines and what came of formatting them.
    private final class Slot: @unchecked Sendable {  // written only by the iteration that owns it, read after the round
        var lines: ExportLines
        var buffer: [UInt8] = []
        var result: Result<(count: Int, stopped: Bool), any Error> = .success((0, false))

        init(lines: ExportLines) { self.lines = lines }
    }

    /// Formats `start...last` on `threads` threads, handing each chunk's bytes to `write` in order.
    /// - Returns: the number of events written.
    func run(
        from start: UInt64, through last: UInt64, threads: Int, lines: ExportLines,
        write: ([UInt8], _ through: UInt64) throws -> Void
    ) throws -> Int {
        let slots = (0..<threads).map { _ in Slot(lines: lines) }
        var first = start
        var count = 0
        while first <= last {
            let roundStart = first
            DispatchQueue.concurrentPerform(iterations: threads) { i in
                let slot = slots[i]
                slot.buffer.removeAll(keepingCapacity: true)
                let low = roundStart + UInt64(i) * positions
                guard low <= last else {
                    slot.result = .success((0, false))
                    return
                }
                let high = min(low + positions - 1, last)
                slot.result = Result { try format(low...high, slot) }
            }
            first = roundStart + UInt64(threads) * positions
            for (i, slot) in slots.enumerated() {
                let (n, stopped) = try slot.result.get()
                count += n
                try write(slot.buffer, min(roundStart + UInt64(i + 1) * positions - 1, last))
                if stopped { return count }
            }
        }
        return count
    }

    private func format(_ range: ClosedRange<UInt64>, _ slot: Slot) throws -> (count: Int, stopped: Bool) {
        var count = 0
        var stopped = false
        try log.scanInPlace(from: range.lowerBound, through: range.upperBound) { record in
            if let untilMs, record.at >= untilMs {
                stopped = true
                return false
            }
            if let stream, !stream.utf8.elementsEqual(record.stream) { return true }
            guard filter.matches(record) else { return true }
            try slot.lines.append(record, into: &slot.buffer)
            count += 1
            return true
        }
        return (count, stopped)
    }
}
