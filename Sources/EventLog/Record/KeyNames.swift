import Synchronization

/// Key id → kind and name bytes, for reading records of format 2, which name streams, types and tags
/// by key id (``EventRecord``).
///
/// Reads are lock-free: entries live in fixed chunks that never move, and an entry is written before
/// the count that makes it visible is published (release/acquire). Name bytes live in an arena whose
/// chunks never move either, so the buffers handed out stay valid while the log is open — the same
/// lifetime as the memory map that records read in place point into.
///
/// The writer appends a key when it assigns its id (before the commit that makes records using it
/// visible); a failed batch truncates back to what the store holds. A process that did not load the
/// registry (``EventLog/Options/scanOnly``, or keys added by another process) loads missing ids from
/// the `keys` database on first use, in blocks.
final class KeyNames: @unchecked Sendable {  // entries are published through `published`; mutation is behind `lock`
    struct Entry {
        var bytes: UnsafeRawPointer?
        var count: UInt32
        var kind: UInt8
    }

    /// Loads `keys` entries with ids from `first` up to at least `needed` (when they exist), in id order.
    typealias Loader = @Sendable (_ first: UInt32, _ needed: UInt32) throws -> [(id: UInt32, kind: UInt8, name: [UInt8])]

    private static let chunkShift = 16
    private static let chunkSize = 1 << chunkShift
    private static let maxChunks = 1 << 16  // 2^32 ids

    private let directory: UnsafeMutablePointer<UnsafeMutablePointer<Entry>?>
    private let published = Atomic<Int>(0)
    private let lock = Mutex(())
    private var arenas: [UnsafeMutableRawPointer] = []
    private var arenaFree: UnsafeMutableRawPointer?
    private var arenaLeft = 0
    private let loader: Loader?

    init(loader: Loader?) {
        self.loader = loader
        directory = .allocate(capacity: Self.maxChunks)
        directory.initialize(repeating: nil, count: Self.maxChunks)
    }

    deinit {
        for i in 0..<Self.maxChunks {
            guard let chunk = directory[i] else { break }
            chunk.deallocate()
        }
        directory.deallocate()
        for a in arenas { a.deallocate() }
    }

    /// How many ids are known (ids are dense: 0..<count).
    var count: Int { published.load(ordering: .acquiring) }

    /// The kind and name of `id`, when known to this process.
    @inline(__always)
    func entry(_ id: UInt32) -> Entry? {
        let i = Int(id)
        guard i < published.load(ordering: .acquiring) else { return nil }
        return directory[i >> Self.chunkShift].unsafelyUnwrapped[i & (Self.chunkSize - 1)]
    }

    /// The kind and name of `id`, loading it from the store when this process has not seen it yet.
    /// - Throws: ``RecordError/malformed(_:)`` when the store has no such key.
    @inline(__always)
    func resolve(_ id: UInt32) throws(RecordError) -> Entry {
        if let e = entry(id) { return e }
        return try load(id)
    }

    @inline(never)
    private func load(_ id: UInt32) throws(RecordError) -> Entry {
        if let loader {
            let first = UInt32(truncatingIfNeeded: count)
            let loaded: [(id: UInt32, kind: UInt8, name: [UInt8])]
            do {
                loaded = try loader(first, id)
            } catch {
                throw RecordError.malformed("key id \(id) could not be read from the keys database: \(error)")
            }
            lock.withLock { _ in
                for k in loaded where k.id == UInt32(truncatingIfNeeded: published.load(ordering: .relaxed)) {
                    appendLocked(kind: k.kind, name: k.name)
                }
            }
        }
        guard let e = entry(id) else { throw RecordError.malformed("unknown key id \(id)") }
        return e
    }

    /// Adds the next id's name. Ids are dense: `id` must be `count` (a repeat of a known id is ignored).
    func append(id: UInt32, kind: UInt8, name: some Collection<UInt8>) {
        lock.withLock { _ in
            let n = published.load(ordering: .relaxed)
            guard Int(id) == n else { return }
            appendLocked(kind: kind, name: name)
        }
    }

    /// Forgets the ids from `n` on (a failed batch's new keys). No reader holds them: no committed
    /// record names them.
    func truncate(to n: Int) {
        lock.withLock { _ in
            if n < published.load(ordering: .relaxed) { published.store(n, ordering: .releasing) }
        }
    }

    private func appendLocked(kind: UInt8, name: some Collection<UInt8>) {
        let i = published.load(ordering: .relaxed)
        precondition(i >> Self.chunkShift < Self.maxChunks, "more than 2^32 keys")
        if directory[i >> Self.chunkShift] == nil {
            let chunk = UnsafeMutablePointer<Entry>.allocate(capacity: Self.chunkSize)
            directory[i >> Self.chunkShift] = chunk
        }
        let length = name.count
        if length > arenaLeft {
            let size = max(length, 64 << 10)
            let arena = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 8)
            arenas.append(arena)
            arenaFree = arena
            arenaLeft = size
        }
        let start = arenaFree.unsafelyUnwrapped
        var p = start
        for b in name {
            p.storeBytes(of: b, as: UInt8.self)
            p += 1
        }
        arenaFree = p
        arenaLeft -= length
        (directory[i >> Self.chunkShift].unsafelyUnwrapped + (i & (Self.chunkSize - 1))).initialize(
            to: Entry(bytes: UnsafeRawPointer(start), count: UInt32(length), kind: kind))
        published.store(i + 1, ordering: .releasing)
    }
}

extension KeyNames.Entry {
    var name: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: bytes, count: Int(count)) }
}
