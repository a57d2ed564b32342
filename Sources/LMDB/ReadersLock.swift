import Glibc

/// A readers–writer lock over `pthread_rwlock_t`, preferring the writer.
///
/// LMDB may only change its map size while no transaction of this process is open, so every
/// transaction holds the lock shared and a resize takes it exclusively.
final class ReadersLock: @unchecked Sendable {  // the pthread lock itself provides the synchronisation
    private let lock: UnsafeMutablePointer<pthread_rwlock_t>
    /// How deep the calling thread is in ``withShared(_:)``: a nested shared section does not take the
    /// lock again. (The lock prefers writers: a second read-lock by a thread that holds one would wait
    /// behind a waiting writer, which waits for that same thread — a deadlock.)
    private var depth = pthread_key_t()
    /// False when the process ran out of thread-specific keys (1,024): nesting is then not re-entrant.
    private let reentrant: Bool

    init() {
        reentrant = pthread_key_create(&depth, nil) == 0
        lock = .allocate(capacity: 1)
        var attr = pthread_rwlockattr_t()
        pthread_rwlockattr_init(&attr)
        pthread_rwlockattr_setkind_np(&attr, Int32(PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP))
        pthread_rwlock_init(lock, &attr)
        pthread_rwlockattr_destroy(&attr)
    }

    deinit {
        if reentrant { pthread_key_delete(depth) }
        pthread_rwlock_destroy(lock)
        lock.deallocate()
    }

    /// Runs `body` holding the lock shared; re-entrant on the same thread.
    func withShared<R>(_ body: () throws -> R) rethrows -> R {
        guard reentrant else {
            pthread_rwlock_rdlock(lock)
            defer { pthread_rwlock_unlock(lock) }
            return try body()
        }
        let outer = Int(bitPattern: pthread_getspecific(depth))
        if outer == 0 { pthread_rwlock_rdlock(lock) }
        pthread_setspecific(depth, UnsafeRawPointer(bitPattern: outer + 1))
        defer {
            pthread_setspecific(depth, UnsafeRawPointer(bitPattern: outer))
            if outer == 0 { pthread_rwlock_unlock(lock) }
        }
        return try body()
    }

    func withExclusive<R>(_ body: () throws -> R) rethrows -> R {
        pthread_rwlock_wrlock(lock)
        defer { pthread_rwlock_unlock(lock) }
        return try body()
    }
}
