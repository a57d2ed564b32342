internal import CLMDB

/// A named database inside an ``Environment``.
public struct Database: Sendable, Hashable {
    let dbi: MDB_dbi
    public let name: String

    init(dbi: MDB_dbi, name: String) {
        self.dbi = dbi
        self.name = name
    }

    public struct Flags: OptionSet, Sendable {
        public let rawValue: UInt32
        public init(rawValue: UInt32) { self.rawValue = rawValue }
        /// Keys are native-endian unsigned integers of equal size (LMDB's MDB_INTEGERKEY).
        public static let integerKey = Flags(rawValue: UInt32(MDB_INTEGERKEY))
        /// Several sorted values per key (LMDB's MDB_DUPSORT).
        public static let dupSort = Flags(rawValue: UInt32(MDB_DUPSORT))
        /// With `dupSort`: all values of a key have the same size and are packed (MDB_DUPFIXED).
        public static let dupFixed = Flags(rawValue: UInt32(MDB_DUPFIXED))
    }

    /// Entry and page counts, as `mdb_stat -a` shows them.
    public struct Stat: Sendable {
        public var entries: Int
        public var depth: Int
        public var branchPages: Int
        public var leafPages: Int
        public var overflowPages: Int
        public var pageSize: Int

        public var totalPages: Int { branchPages + leafPages + overflowPages }
        public var bytes: Int { totalPages * pageSize }
    }
}

/// Options for ``Transaction/put(_:key:value:flags:)``.
public struct PutFlags: OptionSet, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    /// The key is greater than every key in the database: LMDB appends without searching.
    public static let append = PutFlags(rawValue: UInt32(MDB_APPEND))
    /// Fail with `MDB_KEYEXIST` rather than overwrite.
    public static let noOverwrite = PutFlags(rawValue: UInt32(MDB_NOOVERWRITE))
    /// In a dup-sorted database: the value is greater than every value of its key.
    public static let appendDuplicate = PutFlags(rawValue: UInt32(MDB_APPENDDUP))
    /// In a dup-sorted database: fail with `MDB_KEYEXIST` when this key/value pair exists.
    public static let noDuplicateData = PutFlags(rawValue: UInt32(MDB_NODUPDATA))
}
