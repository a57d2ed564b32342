import LMDB

/// The named databases of the log environment (`<data>/log/`). The README documents each layout.
///
/// | name | key | value |
/// |---|---|---|
/// | `events` | position, u64 big-endian | the event record (see ``EventRecord``) |
/// | `keys` | key id, u32 big-endian | kind byte (0 stream, 1 tag, 2 type) ‖ UTF-8 name |
/// | `heads` | key id, u32 big-endian | count u64 BE ‖ last position u64 BE (as of the last index flush) |
/// | `keyRuns` | run u32 BE ‖ key id u32 BE | the positions of that key in that run, packed (see ``KeyRun``) |
/// | `commands` | sequence, u64 BE | command record (see ``CommandRecord``) |
/// | `meta` | ASCII name | value (see ``LogMeta``) |
struct LogDatabases: Sendable {
    let events: Database
    let keys: Database
    let heads: Database
    /// The flushed runs of the key index. Nil only in a read-only process on a store of layout 1 that
    /// no writer has opened since (it has no `keyRuns` yet: every run is read from the events).
    let keyRuns: Database?
    let commands: Database
    let meta: Database

    init(_ env: Environment, readOnly: Bool) throws {
        events = try env.openDatabase("events")
        keys = try env.openDatabase("keys")
        heads = try env.openDatabase("heads")
        keyRuns = readOnly ? try env.openExistingDatabase("keyRuns") : try env.openDatabase("keyRuns")
        commands = try env.openDatabase("commands")
        meta = try env.openDatabase("meta")
    }
}

/// Names in the `meta` database.
enum LogMeta {
    /// u8: the storage layout version: 2 (1: stores written before the key index moved to `keyRuns`,
    /// which had the dup-sorted `typeIndex` and `keyIndex`; a writable open converts them).
    static let layoutVersion = "layoutVersion"
    /// u32 BE: the highest index run whose entries are all in `keyRuns` (absent: none). A name of its
    /// own, not layout 1's `index.flushedRun`: a process that finds no such entry — on a layout-1
    /// store, or one whose upgrade has not committed — reads every run from the events, and a binary
    /// of layout 1 opened on a layout-2 store finds no flushed run and rebuilds from the events too.
    static let keyRunsFlushed = "index.keyRuns.flushedRun"
    /// Layout 1's flushed run (of `keyIndex`); deleted by the upgrade.
    static let layout1FlushedRun = "index.flushedRun"
    /// u8: log2 of the positions per index run (20 unless the log was created otherwise).
    static let runShift = "index.runShift"
}

/// The kinds of key in the `keys` registry.
enum KeyKind: UInt8, Sendable {
    case stream = 0
    case tag = 1
    case type = 2
}
