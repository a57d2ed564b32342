internal import CLMDB

/// An error from LMDB, keeping its return code and message.
///
/// Supports pattern matching on well-known codes: `catch LMDBError.mapFull { … }`.
public struct LMDBError: Error, Sendable, Hashable, CustomStringConvertible {
    /// LMDB's return code (`MDB_*`) or an `errno` value such as `ENOSPC`.
    public let code: Int32
    public let message: String
    /// What Chronicle was doing when LMDB failed (for example `mdb_txn_commit`).
    public let operation: String

    public init(code: Int32, operation: String) {
        self.code = code
        self.operation = operation
        self.message = String(cString: mdb_strerror(code))
    }

    public var description: String { "LMDB \(operation) failed (\(code)): \(message)" }

    public static let notFound = LMDBError(code: MDB_NOTFOUND, operation: "")
    public static let keyExists = LMDBError(code: MDB_KEYEXIST, operation: "")
    public static let mapFull = LMDBError(code: MDB_MAP_FULL, operation: "")
    public static let panic = LMDBError(code: MDB_PANIC, operation: "")
    public static let readersFull = LMDBError(code: MDB_READERS_FULL, operation: "")

    /// True when the disk (not the map) is full or failing: the write should be retried later.
    public var isStorageFailure: Bool { code == 28 /* ENOSPC */ || code == 5 /* EIO */ || code == 122 /* EDQUOT */ }
    public var isMapFull: Bool { code == MDB_MAP_FULL }
    public var isPanic: Bool { code == MDB_PANIC }

    /// Matches on the code alone, so `catch LMDBError.mapFull` works whatever the operation.
    public static func ~= (pattern: LMDBError, value: any Error) -> Bool {
        (value as? LMDBError)?.code == pattern.code
    }
}

@inline(__always)
func check(_ rc: Int32, _ operation: @autoclosure () -> String) throws(LMDBError) {
    if rc != 0 { throw LMDBError(code: rc, operation: operation()) }
}
