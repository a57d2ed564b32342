internal import CLMDB

// CPU and memory hints for the log's in-memory indexes. (Here because this module owns the
// package's C shim.)

/// Asks the CPU to start loading the cache line at `p`: a hint that never faults and changes
/// nothing.
@inline(__always)
public func prefetchCacheLine(_ p: UnsafeRawPointer) {
    clmdb_prefetch(p)
}

/// Makes the kernel back the page holding `p` (8-byte aligned) with memory, as a write would,
/// without changing it: a locked OR of zero, so the owner may write the same word meanwhile.
@inline(__always)
public func faultInForWrite(_ p: UnsafeMutableRawPointer) {
    clmdb_fault_in_for_write(p)
}
