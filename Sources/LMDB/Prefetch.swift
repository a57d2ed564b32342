internal import CLMDB

/// Asks the CPU to start loading the cache line at `p`: a hint that never faults and changes
/// nothing. (Here because this module owns the package's C shim; the log's in-memory indexes use it
/// to look a batch's next keys up ahead.)
@inline(__always)
public func prefetchCacheLine(_ p: UnsafeRawPointer) {
    clmdb_prefetch(p)
}
