import LMDB

/// The named databases of the log environment (`<data>/log/`). The README documents each layout.
///
/// | name | key | value |
/// |---|---|---|
/// | `events` | position, u64 big-endian | the event record (see ``EventRecord``) |
/// | `keys` | key id, u32 big-endian | kind byte (0 stream, 1 tag, 2 type) ‖ UTF-8 name |
/// | `heads` | key id, u32 big-endian | count u64 BE ‖ last position u64 BE (as of the last index flush) |
/// | `typeIndex` | type key id, u32 BE (dup-sorted) | position u64 BE, one duplicate per event |
/// | `keyIndex` | run u32 BE ‖ key id u32 BE (dup-sorted) | position u64 BE, one duplicate per event |
/// | `commands` | sequence, u64 BE | command record (see ``CommandRecord``) |
/// | `meta` | ASCII name | value (see ``LogMeta``) |
struct LogDatabases: Sendable {
    let events: Database
    let keys: Database
    let heads: Database
    let typeIndex: Database
    let keyIndex: Database
    let commands: Database
    let meta: Database

    init(_ env: Environment) throws {
        events = try env.openDatabase("events")
        keys = try env.openDatabase("keys")
        heads = try env.openDatabase("heads")
        typeIndex = try env.openDatabase("typeIndex", flags: [.dupSort, .dupFixed])
        keyIndex = try env.openDatabase("keyIndex", flags: [.dupSort, .dupFixed])
        commands = try env.openDatabase("commands")
        meta = try env.openDatabase("meta")
    }
}

/// Names in the `meta` database.
enum LogMeta {
    /// u8: the storage layout version (1).
    static let layoutVersion = "layoutVersion"
    /// u32 BE: the highest index run whose entries are all in `keyIndex` (absent: none).
    static let flushedRun = "index.flushedRun"
    /// u8: log2 of the positions per index run (20 unless the log was created otherwise).
    static let runShift = "index.runShift"
}

/// The kinds of key in the `keys` registry.
enum KeyKind: UInt8, Sendable {
    case stream = 0
    case tag = 1
    case type = 2
}
