import Dispatch
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import LMDB
import Locking
import Synchronization

/// Zeroed 64-bit words from an anonymous mapping that the kernel is asked to back with 2 MiB pages
/// (`MADV_HUGEPAGE`; this machine's transparent huge pages are in `madvise` mode). A lookup into a
/// table of hundreds of thousands of keys is a random access: with 4 KiB pages most of them also
/// miss the TLB, and under virtualisation a TLB miss is a two-level page walk.
///
/// The pages are backed ahead by ``PagePopulator``, in time a core would otherwise idle: the first
/// write to each 2 MiB page otherwise zeroes it on the writer's thread — 6–9% of the stager's time
/// while the key table and the command index grow. The tables switch to a larger buffer once it is
/// populated (``isPopulated``). Populating never changes the contents, so it may overlap the
/// owner's use.
final class HugePageBuffer: @unchecked Sendable {  // the populator only makes the kernel back the pages
    let base: UnsafeMutablePointer<UInt64>
    let count: Int
    private let bytes: Int
    private let mapped: Bool
    private let populated = Atomic<Bool>(false)

    /// - Parameter populate: queue the buffer for the populator (tests pass false to control when
    ///   it is populated: ``populateNow()``).
    init(count: Int, populate: Bool = true) {
        self.count = count
        let huge = Self.hugePage
        bytes = max(huge, (count * 8 + huge - 1) / huge * huge)
        // Mapped 2 MiB larger, then trimmed to a 2 MiB-aligned range: only aligned ranges can be huge pages.
        if let p = mmap(nil, bytes + huge, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), p != MAP_FAILED {
            let start = Int(bitPattern: p)
            let aligned = (start + huge - 1) / huge * huge
            if aligned > start { munmap(p, aligned - start) }
            if aligned + bytes < start + bytes + huge {
                munmap(UnsafeMutableRawPointer(bitPattern: aligned + bytes), start + huge - aligned)
            }
            let a = UnsafeMutableRawPointer(bitPattern: aligned)!
            _ = madvise(a, bytes, MADV_HUGEPAGE)  // advice only: without it the table works the same, slower
            base = a.bindMemory(to: UInt64.self, capacity: count)
            mapped = true
            if populate { PagePopulator.shared.populate(self) }
        } else {
            base = .allocate(capacity: count)
            base.initialize(repeating: 0, count: count)
            mapped = false
            populated.store(true, ordering: .releasing)
        }
    }

    deinit {
        if mapped { munmap(UnsafeMutableRawPointer(base), bytes) } else { base.deallocate() }
    }

    /// Whether every page is backed, so that writes to it fault no more.
    var isPopulated: Bool { populated.load(ordering: .acquiring) }

    /// Backs every page at once, on the calling thread.
    func populateNow() {
        var page: Int? = 0
        while let from = page { page = populate(from: from, pages: 512) }
    }

    /// Backs the pages from `page` (a count of 4 KiB pages) on, one write fault each that changes
    /// nothing; returns the next page to do, or nil when all are done.
    fileprivate func populate(from page: Int, pages n: Int) -> Int? {
        let total = bytes / Self.smallPage
        let end = min(total, page + n)
        let raw = UnsafeMutableRawPointer(base)
        for p in page..<end { faultInForWrite(raw + p * Self.smallPage) }
        if end < total { return end }
        populated.store(true, ordering: .releasing)
        return nil
    }

    /// The growth policy of the tables built on these buffers (``KeyTable``, ``CommandIndex``), after
    /// an insert into a table of `slots` slots holding `count`: once half full, it maps a table twice
    /// as large into `next`, which the populator backs with memory while a core idles; it returns
    /// that table to grow into once it is populated — at three quarters full at the latest (linear
    /// probing stays short below that). Nil: keep the current table.
    static func tableToGrowInto(next: inout HugePageBuffer?, count: Int, slots: Int, wordsPerSlot: Int) -> HugePageBuffer? {
        assert(count * 4 <= slots * 3 + 4, "a table grew past three quarters full")
        guard let larger = next else {
            if count * 2 > slots { next = HugePageBuffer(count: slots * 2 * wordsPerSlot) }
            return nil
        }
        guard larger.isPopulated || count * 4 > slots * 3 else { return nil }
        next = nil
        return larger
    }

    private static let hugePage = 2 << 20
    private static let smallPage = 4096
}

/// One thread at the kernel's idle priority (`SCHED_IDLE`: it runs only on a core nothing else
/// wants) that backs the pages of new ``HugePageBuffer``s, so that zeroing them fills the moments a
/// core waits — for a commit's sync, for the stager's batch — instead of stalling the writer.
///
/// It touches each page with a write fault (``faultInForWrite(_:)``) rather than asking the kernel
/// to populate a range (`MADV_POPULATE_WRITE`): that holds the process's memory-map lock for the
/// whole call, and a thread at idle priority preempted while holding it would leave every `mmap` of
/// the allocator waiting for a core to go idle. A fault holds only its own mapping's lock (on
/// kernels with per-mapping locks, 6.4 and later; before, it shares the memory-map lock too).
///
/// A buffer waits in the queue weakly: one dropped before its turn is skipped; one dropped while it
/// is being populated is given up after its current 2 MiB, and released on a thread of normal
/// priority (releasing the last reference unmaps it, which takes the memory-map lock).
final class PagePopulator: Sendable {
    static let shared = PagePopulator()

    private struct Queued: @unchecked Sendable {  // only the populator's thread holds the buffer strongly
        weak var buffer: HugePageBuffer?
    }

    private let queue = Lock<[Queued]>([])
    private let wake = DispatchSemaphore(value: 0)

    private init() {
        NamedThread.start("log-populate", priority: .background) { [self] in
            while true {
                wake.wait()
                while let next = queue.withLock({ $0.isEmpty ? nil : $0.removeFirst() }) {
                    guard var buffer = next.buffer else { continue }
                    var page: Int? = 0
                    while let from = page {
                        page = buffer.populate(from: from, pages: 512)
                        // Its owner let go of it: no one will write it.
                        if page != nil && isKnownUniquelyReferenced(&buffer) { break }
                    }
                    // The owner may drop it any moment now: the populator's reference is released
                    // at normal priority, so that an unmap never runs at idle priority. (Not through
                    // `DispatchQueue.global().async`: a pool thread Dispatch started for it here
                    // would inherit this thread's idle priority, and it did.)
                    let held = Unmanaged.passRetained(buffer)
                    _ = consume buffer
                    NamedThread.outsideBackground { held.release() }
                }
            }
        }
    }

    func populate(_ buffer: HugePageBuffer) {
        queue.withLock { $0.append(Queued(buffer: buffer)) }
        wake.signal()
    }
}
