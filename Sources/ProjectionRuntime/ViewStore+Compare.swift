import LMDB

/// The first place where two views environments differ, in database order then key order.
public struct ViewDifference: Sendable, Hashable, CustomStringConvertible {
    /// The named database (`<projection>.<table>`), or `checkpoint:<projection>`.
    public var database: String
    /// The key (nil when a whole database is missing on one side, or for a checkpoint).
    public var key: [UInt8]?
    /// What this side holds there (nil: nothing).
    public var this: [UInt8]?
    /// What the other side holds there (nil: nothing).
    public var other: [UInt8]?

    public var description: String { description(this: "this", other: "other") }

    /// The difference with both sides named, e.g. `served` and `rebuilt`.
    public func description(this thisName: String, other otherName: String) -> String {
        var text = database
        if let key { text += " key " + Self.show(key) }
        return text + ": \(thisName) " + (this.map(Self.show) ?? "missing") + ", \(otherName) "
            + (other.map(Self.show) ?? "missing")
    }

    /// Hex, with the printable ASCII alongside (keys are mostly ids); long values are cut.
    static func show(_ bytes: [UInt8]) -> String {
        let cut = bytes.prefix(48)
        let hex = cut.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }
        let text = String(cut.map { (0x20..<0x7f).contains($0) ? Character(UnicodeScalar($0)) : "." })
        return hex.joined() + (bytes.count > cut.count ? "… (\(bytes.count) bytes)" : "") + " \"\(text)\""
    }
}

/// The outcome of ``ViewStore/compare(with:projections:)``.
public enum ViewComparison: Sendable, Hashable {
    /// Every checkpoint, database and entry is the same.
    case equal(databases: Int, entries: Int)
    case different(ViewDifference)
}

extension ViewStore {
    /// Compares every database of `projections` and their checkpoints with `other`, byte for byte:
    /// the first difference, or how much was compared when there is none.
    public func compare(with other: ViewStore, projections: [Projection]) throws -> ViewComparison {
        let names = projections.map(\.name)
        let mine = try checkpoints(names)
        let theirs = try other.checkpoints(names)
        for name in names where mine[name] != theirs[name] {
            return .different(
                ViewDifference(
                    database: "checkpoint:\(name)", key: nil, this: mine[name]?.encoded(),
                    other: theirs[name]?.encoded()))
        }
        var databases = 0
        var entries = 0
        for spec in projections.flatMap(\.databases) {
            switch (hasDatabase(spec.name), other.hasDatabase(spec.name)) {
            case (false, false): continue
            case (true, false), (false, true):
                if try entryCount(spec.name) == 0 && other.entryCount(spec.name) == 0 { continue }
                return .different(ViewDifference(database: spec.name, key: nil, this: nil, other: nil))
            case (true, true): break
            }
            let db = try database(spec.name)
            let otherDB = try other.database(spec.name)
            let difference = try read { txn in
                try other.read { otherTxn in
                    try txn.withCursor(db) { a in
                        try otherTxn.withCursor(otherDB) { b in
                            try Self.firstDifference(spec.name, &a, &b, counting: &entries)
                        }
                    }
                }
            }
            if let difference { return .different(difference) }
            databases += 1
        }
        return .equal(databases: databases, entries: entries)
    }

    /// Entries in the named database (0 when this store does not have it).
    private func entryCount(_ name: String) throws -> Int {
        guard hasDatabase(name) else { return 0 }
        return try env.stat(database(name)).entries
    }

    /// Walks both cursors in step (duplicates included: `MDB_NEXT` visits each of them).
    private static func firstDifference(
        _ name: String, _ a: inout Cursor, _ b: inout Cursor, counting entries: inout Int
    ) throws -> ViewDifference? {
        var x = try a.first()
        var y = try b.first()
        while true {
            switch (x, y) {
            case (nil, nil):
                return nil
            case (let x?, nil):
                return ViewDifference(database: name, key: Array(x.key), this: Array(x.value), other: nil)
            case (nil, let y?):
                return ViewDifference(database: name, key: Array(y.key), this: nil, other: Array(y.value))
            case (let x?, let y?):
                if !x.key.elementsEqual(y.key) {
                    return ViewKeys.less(x.key, y.key)
                        ? ViewDifference(database: name, key: Array(x.key), this: Array(x.value), other: nil)
                        : ViewDifference(database: name, key: Array(y.key), this: nil, other: Array(y.value))
                }
                if !x.value.elementsEqual(y.value) {
                    return ViewDifference(
                        database: name, key: Array(x.key), this: Array(x.value), other: Array(y.value))
                }
            }
            entries += 1
            x = try a.next()
            y = try b.next()
        }
    }
}
