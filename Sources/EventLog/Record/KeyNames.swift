import LMDB
import Locking
import Synchronization

/// Key id → kind and name bytes, for reading records of format 2, which name types and tags by key id (``EventRecord``).
///
/// Reads are lock-free: entries live in fixed chunks that never move, and an entry is written before
/// the count that makes it visible is published (release/acquire). Names live in their entries (or,
/// past 31 bytes, in an arena that never moves either), so the buffers handed out stay valid while the
/// log is open — the same lifetime as the memory map that records read in place point into.
///
/// The writer appends a key when it assigns its id (before the commit that makes records using it
/// visible); a failed batch truncates back to what the store holds. A process that did not load the
/// registry (``EventLog/Options/scanOnly``, or keys added by another process) loads missing ids from
/// the `keys` database on first use, in blocks.
final class KeyNames: @unchecked Sendable {  // entries are published through `published`; mutation is behind `lock`
    /// Hands `add` the `keys` entries with ids from `first` up to at least `needed` (when they
    /// exist), in id order; each name is valid during its call.
    typealias Loader = @Sendable (
        _ first: UInt32, _ needed: UInt32, _ add: (_ id: UInt32, _ kind: UInt8, _ name: UnsafeRawBufferPointer) -> Void
    ) throws -> Void

    /// An entry is 32 bytes, half a cache line: byte 0 the name's length when it is at most 31 bytes
    /// (the name then follows in bytes 1–31, so one cache miss reads the whole name), else 0xFF with
    /// a pointer to the name at byte 8 and its length at byte 16. Kinds live in `kinds`.
    private static let entrySize = 32
    private static let inlineLimit = 31
    /// A chunk is 2^16 entries, 2 MiB: one huge page (a lookup among hundreds of thousands of keys is
    /// a random access, and a TLB miss under virtualisation is a two-level page walk).
    private static let chunkShift = 16
    private static let chunkSize = 1 << chunkShift
    private static let maxChunks = 1 << 12  // 2^28 ids

    private let directory: UnsafeMutablePointer<UnsafeMutableRawPointer?>
    private var chunks: [HugePageBuffer] = []
    /// Every id's kind, a byte each (64 KiB per chunk): checking a reference's kind, as `verify` does
    /// for every one, stays in the cache where the entries would not.
    private let kinds: UnsafeMutablePointer<UnsafeMutablePointer<UInt8>?>
    private let published = Atomic<Int>(0)
    private let lock = Lock(())
    private var arenas: [UnsafeMutableRawPointer] = []
    private var arenaFree: UnsafeMutableRawPointer?
    private var arenaLeft = 0
    private let loader: Loader?

    init(loader: Loader?) {
        self.loader = loader
        directory = .allocate(capacity: Self.maxChunks)
        directory.initialize(repeating: nil, count: Self.maxChunks)
        kinds = .allocate(capacity: Self.maxChunks)
        kinds.initialize(repeating: nil, count: Self.maxChunks)
    }

    deinit {
        directory.deallocate()
        for i in 0..<Self.maxChunks {
            guard let chunk = kinds[i] else { break }
            chunk.deallocate()
        }
        kinds.deallocate()
        for a in arenas { a.deallocate() }
    }

    /// How many ids are known (ids are dense: 0..<count).
    var count: Int { published.load(ordering: .acquiring) }

    @inline(__always)
    private func address(_ id: UInt32) -> UnsafeRawPointer {
        let i = Int(id)
        return UnsafeRawPointer(directory[i >> Self.chunkShift].unsafelyUnwrapped + (i & (Self.chunkSize - 1)) * Self.entrySize)
    }

    /// The name of a known id (`id < count`, see ``ensure(_:)``).
    @inline(__always)
    func name(_ id: UInt32) -> UnsafeRawBufferPointer {
        let e = address(id)
        let length = e.load(as: UInt8.self)
        if length != 0xFF { return UnsafeRawBufferPointer(start: e + 1, count: Int(length)) }
        return UnsafeRawBufferPointer(
            start: e.load(fromByteOffset: 8, as: UnsafeRawPointer.self),
            count: Int(e.load(fromByteOffset: 16, as: UInt32.self)))
    }

    /// Asks the CPU to load the entry of a known id (`id < count`) ahead of a ``name(_:)``.
    @inline(__always)
    func prefetch(_ id: UInt32) {
        prefetchCacheLine(address(id))
    }

    /// The kind byte of a known id (`id < count`).
    @inline(__always)
    func kind(_ id: UInt32) -> UInt8 {
        let i = Int(id)
        return kinds[i >> Self.chunkShift].unsafelyUnwrapped[i & (Self.chunkSize - 1)]
    }

    /// Makes sure `id` is known to this process, loading it from the store when it is not yet: a
    /// comparison, without touching the entry, when it is.
    /// - Throws: ``RecordError/malformed(_:)`` when the store has no such key.
    @inline(__always)
    func ensure(_ id: UInt32) throws(RecordError) {
        if Int(id) < published.load(ordering: .acquiring) { return }
        try load(id)
    }

    /// The name of `id`, checked to be a key of `kind`, loading it when needed.
    @inline(__always)
    func resolve(_ id: UInt32, as kind: KeyKind) throws(RecordError) -> UnsafeRawBufferPointer {
        try ensure(id)
        guard self.kind(id) == kind.rawValue else { throw RecordError.malformed("key id \(id) is not a \(kind)") }
        return name(id)
    }

    @inline(never)
    private func load(_ id: UInt32) throws(RecordError) {
        if let loader {
            let first = UInt32(truncatingIfNeeded: count)
            // Straight from the store into the entries, under the lock (no array of names between:
            // a scan of a 10 M log loads millions of them).
            let failure: (any Error)? = lock.withLock { _ in
                do {
                    try loader(first, id) { keyId, kind, name in
                        if keyId == UInt32(truncatingIfNeeded: published.load(ordering: .relaxed)) {
                            appendLocked(kind: kind, name: name)
                        }
                    }
                    return nil
                } catch {
                    return error
                }
            }
            if let failure {
                throw RecordError.malformed("key id \(id) could not be read from the keys database: \(failure)")
            }
        }
        guard Int(id) < count else { throw RecordError.malformed("unknown key id \(id)") }
    }

    /// Runs `body` with no entry being written: a thread other than the writer's that compares
    /// names of ids a failed batch may have left (see ``truncate(to:)``) does so in `body`.
    func withEntriesLocked<T>(_ body: () -> T) -> T {
        lock.withLock { _ in body() }
    }

    /// Adds the next id's name. Ids are dense: `id` must be `count` (a repeat of a known id is ignored).
    func append(id: UInt32, kind: UInt8, name: some Collection<UInt8>) {
        lock.withLock { _ in
            let n = published.load(ordering: .relaxed)
            guard Int(id) == n else { return }
            appendLocked(kind: kind, name: name)
        }
    }

    /// Forgets the ids from `n` on (a failed batch's new keys), whose entries the next ids reuse. No
    /// record reader holds them: no committed record names them. A ``KeyTable`` of before the
    /// failure may still compare a name with one of them, under ``withEntriesLocked(_:)``.
    func truncate(to n: Int) {
        lock.withLock { _ in
            if n < published.load(ordering: .relaxed) { published.store(n, ordering: .releasing) }
        }
    }

    private func appendLocked(kind: UInt8, name: some Collection<UInt8>) {
        let i = published.load(ordering: .relaxed)
        precondition(i >> Self.chunkShift < Self.maxChunks, "more than 2^28 keys")
        if directory[i >> Self.chunkShift] == nil {
            let chunk = HugePageBuffer(count: Self.chunkSize * Self.entrySize / 8)
            chunks.append(chunk)
            directory[i >> Self.chunkShift] = UnsafeMutableRawPointer(chunk.base)
            kinds[i >> Self.chunkShift] = .allocate(capacity: Self.chunkSize)
        }
        kinds[i >> Self.chunkShift].unsafelyUnwrapped[i & (Self.chunkSize - 1)] = kind
        let e = directory[i >> Self.chunkShift].unsafelyUnwrapped + (i & (Self.chunkSize - 1)) * Self.entrySize
        let length = name.count
        if length <= Self.inlineLimit {
            e.storeBytes(of: UInt8(length), as: UInt8.self)
            copy(name, to: e + 1)
        } else {
            if length > arenaLeft {
                let size = max(length, 64 << 10)
                let arena = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 8)
                arenas.append(arena)
                arenaFree = arena
                arenaLeft = size
            }
            let start = arenaFree.unsafelyUnwrapped
            copy(name, to: start)
            arenaFree = start + length
            arenaLeft -= length
            e.storeBytes(of: 0xFF, as: UInt8.self)
            e.storeBytes(of: UnsafeRawPointer(start), toByteOffset: 8, as: UnsafeRawPointer.self)
            e.storeBytes(of: UInt32(length), toByteOffset: 16, as: UInt32.self)
        }
        published.store(i + 1, ordering: .releasing)
    }

    private func copy(_ name: some Collection<UInt8>, to destination: UnsafeMutableRawPointer) {
        var p = destination
        for b in name {
            p.storeBytes(of: b, as: UInt8.self)
            p += 1
        }
    }
}
