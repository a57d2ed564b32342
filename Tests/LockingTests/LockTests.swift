import Dispatch
import Foundation
import Locking
import Testing

@Suite struct LockTests {
    /// Increments from eight threads at once all land: the lock excludes them from each other.
    @Test func concurrentUpdatesAreNotLost() {
        let counts = Lock([String: Int]())
        DispatchQueue.concurrentPerform(iterations: 8) { worker in
            for i in 0..<10_000 {
                counts.withLock { $0[i.isMultiple(of: 2) ? "even" : "odd", default: 0] += 1 }
            }
            counts.withLock { $0["worker \(worker)"] = worker }
        }
        let (even, odd, keys) = counts.withLock { ($0["even"], $0["odd"], $0.count) }
        #expect(even == 40_000)
        #expect(odd == 40_000)
        #expect(keys == 10)
    }

    struct Refused: Error, Equatable { let reason: String }

    /// A body's error reaches the caller with its type, the change made before it stays, and the
    /// lock is free again afterwards.
    @Test func aThrowingBodyReleasesTheLock() throws {
        let value = Lock(1)
        do {
            try value.withLock { (v: inout Int) throws(Refused) in
                v = 2
                throw Refused(reason: "no")
            }
            Issue.record("the error was lost")
        } catch {
            #expect(error == Refused(reason: "no"))  // typed: `error` is a `Refused`
        }
        // Asked from another thread, which gets nil if the lock were still held (from this thread,
        // a held lock would stop the process instead of failing the test).
        let seen = Lock<Int?>(nil)
        let answered = DispatchSemaphore(value: 0)
        Thread {
            seen.withLock { $0 = value.withLockIfAvailable { $0 } }
            answered.signal()
        }.start()
        try #require(answered.wait(timeout: .now() + 30) == .success, "the other thread never answered")
        #expect(seen.withLock { $0 } == 2)  // free again, and the change made before the throw stays
    }

    struct Handle: ~Copyable { var uses = 0 }

    /// A value that cannot be copied is kept and handed out in place.
    @Test func holdsANoncopyableValue() {
        let handle = Lock(Handle())
        for _ in 0..<3 { handle.withLock { $0.uses += 1 } }
        #expect(handle.withLock { $0.uses } == 3)
    }

    /// `withLockIfAvailable` runs its body when the lock is free and returns nil, without running
    /// it, while another thread holds the lock.
    @Test func ifAvailableSkipsAHeldLock() throws {
        let value = Lock(0)
        let free = value.withLockIfAvailable { v -> Int in
            v += 1
            return v
        }
        #expect(free == 1)
        let taken = DispatchSemaphore(value: 0)
        let done = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            value.withLock { _ in
                taken.signal()
                done.wait()
            }
        }
        try #require(taken.wait(timeout: .now() + 30) == .success, "the other thread never took the lock")
        let held = value.withLockIfAvailable { v -> Int in
            v += 1
            return v
        }
        #expect(held == nil)
        done.signal()
        #expect(value.withLock { $0 } == 1)
    }
}
