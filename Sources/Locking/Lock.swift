import Synchronization

#if CHRONICLE_TSAN
    import CTSan
#endif

/// A value behind a lock: `Synchronization.Mutex`, with the same `withLock` and
/// `withLockIfAvailable`, in place of every `Mutex` in Chronicle's modules. Like a `Mutex`, it is held
/// in a `let` (a stored property or a local), never moved or copied once shared.
///
/// It exists for ThreadSanitizer. On Linux `Mutex` locks through the futex system call, which the
/// sanitizer does not see: it reports every pair of accesses made under one `Mutex` from two threads
/// as a race (a ten-line program that appends to a `Mutex<[Int]>` from two threads draws one). Built
/// with `-DCHRONICLE_TSAN` (`make tsan`), a `Lock` tells the sanitizer what the lock orders — an
/// acquire after taking it, a release before giving it back — so that what it still reports is a real
/// race. (The modules' other locks — `NSLock`, `NSCondition`, `pthread_rwlock` — are pthread-based,
/// and the sanitizer sees them.) Other builds compile to the bare `Mutex`.
///
/// ```swift
/// let hits = Lock([String: Int]())
/// hits.withLock { $0["claim", default: 0] += 1 }
/// ```
public struct Lock<Value: ~Copyable>: ~Copyable {
    @usableFromInline let mutex: Mutex<Value>
    #if CHRONICLE_TSAN
        /// The address the sanitizer knows this lock by (a `Lock` itself may move).
        @usableFromInline let token: UnsafeMutableRawPointer
    #endif

    @inlinable
    public init(_ value: consuming sending Value) {
        mutex = Mutex(value)
        #if CHRONICLE_TSAN
            token = .allocate(byteCount: 1, alignment: 1)
        #endif
    }

    #if CHRONICLE_TSAN
        deinit { token.deallocate() }
    #endif

    // The two methods below repeat their annotated closure on purpose: with a shared helper taking
    // `&value`, the access to the value began before `__tsan_acquire`, and the sanitizer reported
    // it (an access race, 7 reports in the two-thread program).

    /// Runs `body` with the value while holding the lock.
    @inlinable @inline(__always)
    public borrowing func withLock<Result: ~Copyable, E: Error>(
        _ body: (inout sending Value) throws(E) -> sending Result
    ) throws(E) -> sending Result {
        #if CHRONICLE_TSAN
            return try mutex.withLock { (value: inout sending Value) throws(E) -> sending Result in
                __tsan_acquire(token)
                defer { __tsan_release(token) }
                return try body(&value)
            }
        #else
            return try mutex.withLock(body)
        #endif
    }

    /// Runs `body` with the value if the lock is free now; nil, without running it, if it is held.
    @inlinable @inline(__always)
    public borrowing func withLockIfAvailable<Result: ~Copyable, E: Error>(
        _ body: (inout sending Value) throws(E) -> sending Result
    ) throws(E) -> sending Result? {
        #if CHRONICLE_TSAN
            return try mutex.withLockIfAvailable { (value: inout sending Value) throws(E) -> sending Result in
                __tsan_acquire(token)
                defer { __tsan_release(token) }
                return try body(&value)
            }
        #else
            return try mutex.withLockIfAvailable(body)
        #endif
    }
}

extension Lock: @unchecked Sendable where Value: ~Copyable {}  // as Mutex: the lock guards the value
