#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Encoded keys packed in one buffer, so that thousands of them sort in byte order without an
/// allocation each — the order in which a flush writes them (MDB_APPEND wants ascending keys).
struct KeyArena {
    private(set) var bytes: [UInt8] = []
    private var starts: [Int] = []

    var count: Int { starts.count }

    init(capacity: Int = 0) {
        starts.reserveCapacity(capacity)
        bytes.reserveCapacity(capacity * 16)
    }

    /// Adds a key; returns its index.
    @discardableResult
    mutating func add(_ key: some TableKey) -> Int {
        starts.append(bytes.count)
        key.encode(into: &bytes)
        return starts.count - 1
    }

    /// Adds raw key bytes; returns the index.
    @discardableResult
    mutating func add(bytes key: [UInt8]) -> Int {
        starts.append(bytes.count)
        bytes.append(contentsOf: key)
        return starts.count - 1
    }

    func range(_ i: Int) -> Range<Int> { starts[i]..<(i + 1 < starts.count ? starts[i + 1] : bytes.count) }

    /// Calls `body` with the bytes of key `i`.
    func withKey<R>(_ i: Int, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        let r = range(i)
        return try bytes.withUnsafeBytes { all in try body(UnsafeRawBufferPointer(rebasing: all[r])) }
    }

    /// Indices of the keys in ascending byte order (ties keep insertion order).
    func sortedOrder() -> [Int] {
        var order = Array(0..<starts.count)
        bytes.withUnsafeBytes { all in
            let base = all.baseAddress
            let total = all.count
            let starts = self.starts
            order.sort { a, b in
                let ra = starts[a]
                let la = (a + 1 < starts.count ? starts[a + 1] : total) - ra
                let rb = starts[b]
                let lb = (b + 1 < starts.count ? starts[b + 1] : total) - rb
                let n = min(la, lb)
                if n > 0, let base {
                    let c = memcmp(base + ra, base + rb, n)
                    if c != 0 { return c < 0 }
                }
                if la != lb { return la < lb }
                return a < b
            }
        }
        return order
    }
}
