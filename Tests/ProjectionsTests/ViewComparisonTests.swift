import EventLog
import Foundation
import LMDB
import ProjectionRuntime
import Testing
import Views

/// `ViewStore.compare(with:projections:)`, what `chronicle views-check` reports: views caught up in
/// live batches hold exactly the bytes of a rebuild, and a changed entry is named.
@Suite struct ViewComparisonTests {
    @Test func liveBatchesHoldTheBytesOfARebuild() async throws {
        let dir = TemporaryDirectory()
        _ = try await CrashTests.populate(dir.path, seed: 17, commands: 600)
        let log = try EventLog.open(directory: dir.path + "/log", options: .init(readOnly: true))
        defer { log.close() }
        let projections = ViewService.projections
        try ProjectionEngine.replay(log: log, projections: projections, into: dir.path + "/rebuilt")
        let rebuilt = try ViewStore.open(directory: dir.path + "/rebuilt", projections: projections, readOnly: true)
        defer { rebuilt.close() }

        for size in [1, 7, 1000] {
            let path = dir.path + "/batches-\(size)"
            try ProjectionEngine.createEmpty(directory: path, projections: projections)
            let engine = ProjectionEngine(
                log: log, directory: path, projections: projections, options: .init(rebuildWhenBehind: .max))
            while try engine.applyPending(maxEvents: size) > 0 {}
            engine.close()
            let live = try ViewStore.open(directory: path, projections: projections, readOnly: true)
            defer { live.close() }
            let comparison = try live.compare(with: rebuilt, projections: projections)
            guard case .equal(let databases, let entries) = comparison else {
                Issue.record("batches of \(size): \(comparison)")
                continue
            }
            #expect(databases > 0 && entries > 100, "batches of \(size): \(databases) databases, \(entries) entries")
        }
    }

    @Test func aChangedOrMissingEntryIsNamedWithItsDatabaseAndKey() async throws {
        let dir = TemporaryDirectory()
        _ = try await CrashTests.populate(dir.path, seed: 4, commands: 100)
        let log = try EventLog.open(directory: dir.path + "/log", options: .init(readOnly: true))
        defer { log.close() }
        let projections = ViewService.projections
        try ProjectionEngine.replay(log: log, projections: projections, into: dir.path + "/a")
        try ProjectionEngine.replay(log: log, projections: projections, into: dir.path + "/b")
        let a = try ViewStore.open(directory: dir.path + "/a", projections: projections, readOnly: true)
        defer { a.close() }
        let b = try ViewStore.open(directory: dir.path + "/b", projections: projections)
        defer { b.close() }
        guard case .equal = try a.compare(with: b, projections: projections) else {
            Issue.record("two rebuilds of one log differ")
            return
        }

        let spec = try #require(
            projections.flatMap(\.databases).first { spec in
                !spec.flags.contains(.dupSort) && b.hasDatabase(spec.name)
                    && ((try? b.env.stat(b.database(spec.name)).entries) ?? 0) > 1
            })
        let db = try b.database(spec.name)
        let key = try #require(try b.read { txn in try txn.withCursor(db) { c in try c.last().map { Array($0.key) } } })
        try b.env.write { txn in try txn.put(db, key: key, value: [0x01, 0x02]) }
        guard case .different(let changed) = try a.compare(with: b, projections: projections) else {
            Issue.record("a changed value went unnoticed")
            return
        }
        #expect(changed.database == spec.name && changed.key == key && changed.other == [0x01, 0x02])

        try b.env.write { txn in _ = try txn.delete(db, key: key) }
        guard case .different(let missing) = try a.compare(with: b, projections: projections) else {
            Issue.record("a missing entry went unnoticed")
            return
        }
        #expect(missing.database == spec.name && missing.key == key && missing.other == nil && missing.this != nil)
        #expect(missing.description.hasPrefix(spec.name + " key "))
    }
}
