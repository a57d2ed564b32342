import Foundation
import LMDB
import Testing

final class TemporaryDirectory: Sendable {
    let path: String
    init() {
        path = NSTemporaryDirectory() + "chronicle-lmdb-" + UUID().uuidString
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }
}

@Suite struct EnvironmentTests {
    @Test func theMapGrowsInsteadOfReportingMapFull() throws {
        let dir = TemporaryDirectory()
        // 1 MiB map, and 3 MiB of values in separate commits.
        let env = try Environment(path: dir.path, options: .init(mapSize: 1 << 20, maxDatabases: 2))
        defer { env.close() }
        let db = try env.openDatabase("big")
        let value = [UInt8](repeating: 7, count: 16_384)
        for i in 0..<200 {
            try env.write { txn in try txn.put(db, key: Array(String(format: "%08d", i).utf8), value: value) }
        }
        #expect(env.currentMapSize() > 1 << 20)
        #expect(try env.stat(db).entries == 200)
    }

    @Test func aSingleTransactionLargerThanTheMapIsRetriedAfterGrowing() throws {
        let dir = TemporaryDirectory()
        let env = try Environment(path: dir.path, options: .init(mapSize: 1 << 20, maxDatabases: 2))
        defer { env.close() }
        let db = try env.openDatabase("big")
        var runs = 0
        try env.write { txn in
            runs += 1
            for i in 0..<1024 {
                try txn.put(db, key: Array(String(format: "%08d", i).utf8), value: [UInt8](repeating: 1, count: 4096))
            }
        }
        #expect(runs >= 2, "the body ran again after MDB_MAP_FULL")
        #expect(try env.stat(db).entries == 1024)
    }

    @Test func errorsKeepLMDBsCodeAndMessage() throws {
        let dir = TemporaryDirectory()
        let env = try Environment(path: dir.path, options: .init(maxDatabases: 2))
        defer { env.close() }
        let db = try env.openDatabase("d")
        try env.write { txn in try txn.put(db, key: [1], value: [1]) }
        do {
            try env.write { txn in try txn.put(db, key: [1], value: [2], flags: .noOverwrite) }
            Issue.record("expected MDB_KEYEXIST")
        } catch LMDBError.keyExists {
            // matched by code
        }
        #expect(LMDBError.keyExists.message.contains("exist"))
        #expect(throws: LMDBError.self) { try Environment(path: "/proc/definitely/not/here", options: .init(readOnly: true)) }
    }

    @Test func readersSeeAConsistentSnapshotWhileTheWriterCommits() throws {
        let dir = TemporaryDirectory()
        let env = try Environment(path: dir.path, options: .init(maxDatabases: 2))
        defer { env.close() }
        let db = try env.openDatabase("d")
        try env.write { txn in try txn.put(db, key: [0], value: [0]) }
        try env.read { snapshot in
            try env.write { txn in try txn.put(db, key: [1], value: [1]) }
            #expect(try snapshot.get(db, key: [1]) == nil)  // opened before the commit
        }
        #expect(try env.read { try $0.get(db, key: [1]) } == [1])
    }

    @Test func cursorsWalkSeekAndWalkBack() throws {
        let dir = TemporaryDirectory()
        let env = try Environment(path: dir.path, options: .init(maxDatabases: 2))
        defer { env.close() }
        let db = try env.openDatabase("d")
        try env.write { txn in for k in [UInt8(10), 20, 30] { try txn.put(db, key: [k], value: [k]) } }
        try env.read { txn in
            let seen: [UInt8?] = try txn.withCursor(db) { c in
                [
                    try c.seek(atLeast: [15])?.key.first, try c.next()?.key.first, try c.next()?.key.first,
                    try c.seek(atMost: [25])?.key.first, try c.previous()?.key.first, try c.last()?.key.first,
                ]
            }
            #expect(seen == [20, 30, nil, 20, 10, 30])
        }
    }
}
