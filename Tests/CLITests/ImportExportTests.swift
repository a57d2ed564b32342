import Foundation
import JSON
import Testing

@Suite struct ImportExportTests {
    let history = """
        {"type":"RegisterEmployee","data":{"employeeId":"W-1","name":"Wanda Stock","roles":["warehouse"]},"actor":"admin","at":"2025-01-02T08:00:00Z","commandId":"c1"}
        {"type":"RegisterWarehouse","data":{"warehouseId":"WH-1","name":"Main"},"actor":"W-1","at":"2025-01-02T08:01:00Z"}
        {"type":"RegisterProduct","data":{"sku":"S-1","name":"Widget, large","unit":"pcs","reorderPoint":2},"actor":"W-1","at":"2025-01-02T08:02:00Z"}
        {"type":"ReceiveStock","data":{"receiptId":"R-1","sku":"S-1","warehouseId":"WH-1","quantity":8,"unitCost":"10"},"actor":"W-1","at":"2025-01-03T09:00:00Z"}
        {"type":"ReceiveStock","data":{"receiptId":"R-2","sku":"S-1","warehouseId":"WH-1","quantity":4,"unitCost":16},"actor":"W-1","at":"2025-01-04T09:00:00Z"}
        not json
        {"type":"ReceiveStock","data":{"receiptId":"R-3","sku":"NOPE","warehouseId":"WH-1","quantity":1,"unitCost":"1"},"actor":"W-1","at":"2025-01-05T09:00:00Z"}
        {"type":"ReceiveStock","data":{"receiptId":"R-4","sku":"S-1","warehouseId":"WH-1","quantity":1,"unitCost":"1"},"actor":"W-1","at":"2024-01-01T00:00:00Z"}

        """

    func imported() throws -> TemporaryDirectory {
        let dir = TemporaryDirectory()
        let file = dir.path + "/history.ndjson"
        try history.write(toFile: file, atomically: true, encoding: .utf8)
        let r = try CLI.run(["import", file, "--data", dir.path + "/data"])
        #expect(r.status == 1, "rejected lines make import exit 1")
        #expect(r.stdout.contains("accepted 5, rejected 3"), "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.contains("line 6: bad_request"))
        #expect(r.stdout.contains("line 7: unknown_product"))
        #expect(r.stdout.contains("line 8: invalid_argument"))
        return dir
    }

    @Test func importReportsEachRejectionWithItsLineAndKeepsTheAcceptedLines() throws {
        let dir = try imported()
        let verify = try CLI.run(["verify", "--data", dir.path + "/data"])
        #expect(verify.status == 0)
        #expect(verify.stdout.contains("intact: 5 events"))
    }

    /// A line with a bad commandId is refused alone, under its own number; the lines around it in
    /// the same batch are appended.
    @Test func aBadCommandIdRejectsOnlyItsOwnLine() throws {
        let dir = TemporaryDirectory()
        let file = dir.path + "/ids.ndjson"
        let long = String(repeating: "x", count: 257)
        try """
            {"type":"RegisterEmployee","data":{"employeeId":"W-1","name":"Wanda","roles":["warehouse"]},"actor":"admin","commandId":"c1"}
            {"type":"RegisterWarehouse","data":{"warehouseId":"WH-1","name":"Main"},"actor":"W-1","commandId":""}
            {"type":"RegisterWarehouse","data":{"warehouseId":"WH-2","name":"Second"},"actor":"W-1","commandId":"\(long)"}
            {"type":"RegisterWarehouse","data":{"warehouseId":"WH-3","name":"Third"},"actor":"W-1","commandId":"c4"}

            """.write(toFile: file, atomically: true, encoding: .utf8)
        let r = try CLI.run(["import", file, "--data", dir.path + "/data"])
        #expect(r.status == 1)
        #expect(r.stdout.contains("accepted 2, rejected 2"), "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.contains("line 2: bad_request: commandId must be 1–256 bytes"))
        #expect(r.stdout.contains("line 3: bad_request: commandId must be 1–256 bytes"))
        let export = try CLI.run(["export", "--data", dir.path + "/data"])
        #expect(export.stdout.contains("WH-3") && !export.stdout.contains("WH-2"))
        // Run again: the lines with a commandId are found, not appended twice, and the report says so.
        let again = try CLI.run(["import", file, "--data", dir.path + "/data"])
        #expect(again.stdout.contains("accepted 2 (2 of them already in the log by commandId), rejected 2"), "\(again.stdout)")
    }

    /// A line longer than a socket request may be is refused under its number, without being held
    /// in memory; the lines around it go in.
    @Test func anOverlongLineIsRejectedAloneAsTooLarge() throws {
        let dir = TemporaryDirectory()
        let file = dir.path + "/long.ndjson"
        let huge = String(repeating: "x", count: 3 << 20)
        try """
            {"type":"RegisterEmployee","data":{"employeeId":"W-1","name":"Wanda","roles":["warehouse"]},"actor":"admin"}
            {"type":"RegisterWarehouse","data":{"warehouseId":"WH-1","name":"\(huge)"},"actor":"W-1"}
            {"type":"RegisterWarehouse","data":{"warehouseId":"WH-3","name":"Third"},"actor":"W-1"}
            """.write(toFile: file, atomically: true, encoding: .utf8)
        let r = try CLI.run(["import", file, "--data", dir.path + "/data"])
        #expect(r.status == 1)
        #expect(r.stdout.contains("accepted 2, rejected 1"), "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.contains("line 2: frame_too_large"))
    }

    @Test func importOfADirectoryOrAMissingFileIsAClearError() throws {
        let dir = TemporaryDirectory()
        try FileManager.default.createDirectory(atPath: dir.path + "/adir", withIntermediateDirectories: true)
        let directory = try CLI.run(["import", dir.path + "/adir", "--data", dir.path + "/data"])
        #expect(directory.status == 1)
        #expect(directory.stderr.contains("is a directory"), "\(directory.stderr)")
        let missing = try CLI.run(["import", dir.path + "/nothing.ndjson", "--data", dir.path + "/data"])
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("cannot open"))
    }

    /// Output paths inside the store's own directories are refused: nothing of the store is touched.
    @Test func exportAndReplayNeverWriteIntoTheStore() throws {
        let dir = try imported()
        let data = dir.path + "/data"
        let before = try CLI.run(["digest", "--data", data]).stdout
        let export = try CLI.run(["export", "--data", data, "--out", data + "/log/data.mdb"])
        #expect(export.status == 1)
        #expect(export.stderr.contains("inside the store's own directories"), "\(export.stderr)")
        for out in [data + "/log", data + "/keys", data + "/views"] {
            let replay = try CLI.run(["replay", "--data", data, "--out", out])
            #expect(replay.status == 1, "\(out)")
            #expect(replay.stderr.contains("inside the store's own directories"), "\(replay.stderr)")
        }
        try "x".write(toFile: dir.path + "/file", atomically: true, encoding: .utf8)
        let file = try CLI.run(["replay", "--data", data, "--out", dir.path + "/file"])
        #expect(file.status == 1 && file.stderr.contains("is a file"))
        let full = try CLI.run(["replay", "--data", data, "--out", dir.path])
        #expect(full.status == 1 && full.stderr.contains("is not empty"))
        // Views replayed from one store are not queried against another.
        let other = try imported()
        #expect(try CLI.run(["replay", "--data", other.path + "/data", "--until", "4", "--out", dir.path + "/theirs"]).status == 0)
        // (The same commands, but each store sealed its personal fields with its own keys: the chains differ.)
        let mismatch = try CLI.run(["query", "inventory", "sku=S-1", "--views-dir", dir.path + "/theirs", "--data", data])
        #expect(mismatch.status == 1, "\(mismatch.stdout)\(mismatch.stderr)")
        #expect(mismatch.stderr.contains("was not built from the log in \(data)"), "\(mismatch.stderr)")
        let theirs = try CLI.run(["query", "inventory", "sku=S-1", "--views-dir", dir.path + "/theirs", "--data", other.path + "/data"])
        #expect(theirs.status == 0, "\(theirs.stdout)\(theirs.stderr)")
        let none = try CLI.run(["replay", "--data", data, "--views", ",,", "--out", dir.path + "/r"])
        #expect(none.status == 2, "\(none.stderr)")
        #expect(try CLI.run(["digest", "--data", data]).stdout == before)
        #expect(try CLI.run(["verify", "--data", data]).status == 0)
    }

    @Test func aMalformedConnectAddressIsAUsageError() throws {
        for address in ["garbage", "127.0.0.1:99999", ":7420", "127.0.0.1:0"] {
            let query = try CLI.run(["query", "inventory", "sku=S-1", "--connect", address])
            #expect(query.status == 2, "\(address): \(query.stderr)")
            #expect(query.stderr.contains("--connect must be HOST:PORT"))
            let send = try CLI.run(["send", #"{"op":"ping"}"#, "--connect", address])
            #expect(send.status == 2, "\(address): \(send.stderr)")
            let audit = try CLI.run(["audit", "stream", "s-1", "--connect", address])
            #expect(audit.status == 2, "\(address): \(audit.stderr)")
        }
    }

    @Test func aViewsCommitSpacingOutOfRangeIsAUsageError() throws {
        let dir = TemporaryDirectory()
        for value in ["-1", "60001", "soon"] {
            let serve = try CLI.run(["serve", "--data", dir.path + "/data", "--listen", "none", "--socket", "none", "--views-commit-spacing-ms", value])
            #expect(serve.status == 2, "\(value): \(serve.stderr)")
            #expect(serve.stderr.contains("views-commit-spacing-ms"), "\(value): \(serve.stderr)")
        }
    }

    @Test func ndjsonExportWritesOneContractEventPerLineWithFilters() throws {
        let dir = try imported()
        let all = try CLI.run(["export", "--data", dir.path + "/data"])
        #expect(all.status == 0)
        let lines = all.stdout.split(separator: "\n")
        #expect(lines.count == 5)
        let first = try JSONValue.parse(String(lines[0]))
        #expect(first["position"] == 1)
        #expect(first["type"] == "EmployeeRegistered")
        #expect(first["data"]?["name"] == "Wanda Stock")  // personal, revealed with the keys
        #expect(first["at"] == "2025-01-02T08:00:00.000Z")
        #expect(first["commandId"] == "c1")
        #expect(first["hash"]?.stringValue?.count == 64)
        let typed = try CLI.run(["export", "--data", dir.path + "/data", "--type", "StockReceived"])
        #expect(typed.stdout.split(separator: "\n").count == 2)
        let tagged = try CLI.run(["export", "--data", dir.path + "/data", "--tag", "sku:S-1", "--from", "2025-01-04T00:00:00Z"])
        #expect(tagged.stdout.split(separator: "\n").count == 1)
        let stream = try CLI.run(["export", "--data", dir.path + "/data", "--stream", "stock-S-1@WH-1", "--until", "2025-01-04T00:00:00Z"])
        let received = try JSONValue.parse(String(stream.stdout.split(separator: "\n")[0]))
        #expect(received["data"]?["averageCostAfter"] == "10.0000")
    }

    @Test func anUnknownEventTypeIsNotedNotRefused() throws {
        let dir = try imported()
        let r = try CLI.run(["export", "--data", dir.path + "/data", "--type", "StockRecieved"])
        #expect(r.status == 0 && r.stdout.isEmpty)
        #expect(r.stderr.contains("this build knows no event type StockRecieved"))
        #expect(!(try CLI.run(["export", "--data", dir.path + "/data", "--type", "StockReceived"])).stderr.contains("knows no"))
    }

    @Test func csvExportQuotesJSONColumnsPerRFC4180() throws {
        let dir = try imported()
        let r = try CLI.run(["export", "--data", dir.path + "/data", "--format", "csv"])
        let rows = r.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(rows[0] == "position,stream,version,type,schema,at,actor,commandId,correlationId,causationId,tags,data,hash")
        #expect(rows[3].hasPrefix("3,product-S-1,1,ProductRegistered,1,2025-01-02T08:02:00.000Z,W-1,,,,\"[\"\"sku:S-1\"\"]\",\"{\"\"sku\"\":\"\"S-1\"\",\"\"name\"\":\"\"Widget, large\"\""))
        #expect(rows.count == 7)  // header, 5 rows, trailing newline
    }

    @Test func backupIsAConsistentCopyAndRestoreRefusesALiveOrFullStore() throws {
        let dir = try imported()
        // Views to copy along (built offline, then put where the server keeps them).
        #expect(try CLI.run(["replay", "--data", dir.path + "/data", "--out", dir.path + "/built"]).status == 0)
        try FileManager.default.moveItem(atPath: dir.path + "/built", toPath: dir.path + "/data/views")
        let backup = try CLI.run(["backup", dir.path + "/backup", "--data", dir.path + "/data", "--views"])
        #expect(backup.status == 0, "\(backup.stderr)")
        let copied = try FileManager.default.contentsOfDirectory(atPath: dir.path + "/backup/views")
        #expect(copied == ["data.mdb"], "an LMDB copy: no lock file, no unsynced marker")
        let refused = try CLI.run(["restore", dir.path + "/backup", "--data", dir.path + "/data"])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("already holds a log"))
        let restored = try CLI.run(["restore", dir.path + "/backup", "--data", dir.path + "/restored"])
        #expect(restored.status == 0, "\(restored.stderr)")
        #expect(restored.stdout.contains("restored 5 events"))
        let export = try CLI.run(["export", "--data", dir.path + "/restored"])
        #expect(export.stdout.contains("Wanda Stock"), "the keys came along")
        let stock = try CLI.run(["query", "inventory", "sku=S-1", "--views-dir", dir.path + "/restored/views", "--data", dir.path + "/restored"])
        #expect(stock.status == 0, "\(stock.stdout)\(stock.stderr)")
        #expect(stock.stdout.contains("S-1"), "the views came along")

        // A backup whose log was edited is refused, and the failed restore leaves nothing behind.
        try FileManager.default.copyItem(atPath: dir.path + "/backup", toPath: dir.path + "/tampered")
        let file = dir.path + "/tampered/log/data.mdb"
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: file)))
        let needle = Array("Widget".utf8)
        let at = try #require((0...(bytes.count - needle.count)).first { Array(bytes[$0..<$0 + needle.count]) == needle })
        bytes[at] = UInt8(ascii: "M")
        try Data(bytes).write(to: URL(fileURLWithPath: file))
        let broken = try CLI.run(["restore", dir.path + "/tampered", "--data", dir.path + "/restored2"])
        #expect(broken.status == 1)
        #expect(broken.stderr.contains("broken at position 3") && broken.stderr.contains("nothing was restored"), "\(broken.stderr)")
        for part in ["log", "keys", "views"] {
            #expect(!FileManager.default.fileExists(atPath: dir.path + "/restored2/" + part), "\(part) left behind")
        }
    }

    @Test func digestAndVerifyWithAKeptDigest() throws {
        let dir = try imported()
        let digest = try CLI.run(["digest", "--data", dir.path + "/data"])
        #expect(digest.status == 0)
        try digest.stdout.write(toFile: dir.path + "/digest.txt", atomically: true, encoding: .utf8)
        #expect(try CLI.run(["verify", "--data", dir.path + "/data", "--digest", dir.path + "/digest.txt"]).status == 0)
        // The JSON form too; and anything that is not exactly one digest is refused, not half-read.
        let json = try CLI.run(["digest", "--data", dir.path + "/data", "--json"])
        try json.stdout.write(toFile: dir.path + "/digest.json", atomically: true, encoding: .utf8)
        #expect(try CLI.run(["verify", "--data", dir.path + "/data", "--digest", dir.path + "/digest.json"]).status == 0)
        let hash = String(digest.stdout.split(separator: " ")[1].prefix(64))
        for malformed in [
            "junk 5 \(hash)", "5 \(hash) trailing", "5 \(hash)\n6 \(hash)", #"{"position":"5","hash":"\#(hash)"}"#,
            #"{"position":5,"hash":"\#(hash)","extra":1}"#, "5 \(hash.dropLast())",
        ] {
            try malformed.write(toFile: dir.path + "/malformed.txt", atomically: true, encoding: .utf8)
            let r = try CLI.run(["verify", "--data", dir.path + "/data", "--digest", dir.path + "/malformed.txt"])
            #expect(r.status == 1 && r.stderr.contains("must hold one digest"), "\(malformed): \(r.stderr)")
        }
        try "3 \(String(repeating: "0", count: 64))".write(toFile: dir.path + "/bad.txt", atomically: true, encoding: .utf8)
        let bad = try CLI.run(["verify", "--data", dir.path + "/data", "--digest", dir.path + "/bad.txt"])
        #expect(bad.status == 1)
        #expect(bad.stdout.contains("BROKEN at position 3"))
        #expect(try CLI.run(["verify", "--data", dir.path + "/nowhere"]).status != 0)
        let one = try CLI.run(["verify", "--data", dir.path + "/data", "--threads", "1"])
        #expect(one.status == 0)
        #expect(one.stdout.contains(digest.stdout.split(separator: " ").last.map { String($0.prefix(64)) } ?? "-"))
        #expect(try CLI.run(["verify", "--data", dir.path + "/data", "--threads", "0"]).status == 2, "usage errors exit 2")
    }
}

@Suite struct ReplayTests {
    @Test func replayAsOfAPositionAndQueryTheReplayedViewsOffline() throws {
        let dir = try ImportExportTests().imported()
        let data = dir.path + "/data"
        // Position 4 is the first receipt (8 @ 10); position 5 the second (4 @ 16).
        let asOf = try CLI.run(["replay", "--data", data, "--until", "4", "--views", "inventory", "--out", dir.path + "/asof"])
        #expect(asOf.status == 0, "\(asOf.stderr)")
        #expect(asOf.stdout.contains("through position 4"))
        let then = try CLI.run(["query", "inventory", "sku=S-1", "--views-dir", dir.path + "/asof", "--data", data])
        #expect(then.status == 0, "\(then.stdout)\(then.stderr)")
        let thenRow = try JSONValue.parse(then.stdout.trimmingCharacters(in: .whitespacesAndNewlines))["result"]?["rows"]?.arrayValue?.first
        #expect(thenRow?["onHand"] == 8)
        #expect(thenRow?["averageCost"] == "10.0000")
        let now = try CLI.run(["replay", "--data", data, "--out", dir.path + "/now"])
        #expect(now.status == 0, "\(now.stderr)")
        let current = try CLI.run(["query", "inventory", "sku=S-1", "--views-dir", dir.path + "/now", "--data", data])
        let row = try JSONValue.parse(current.stdout.trimmingCharacters(in: .whitespacesAndNewlines))["result"]?["rows"]?.arrayValue?.first
        #expect(row?["onHand"] == 12)
        #expect(row?["averageCost"] == "12.0000")
        #expect(try CLI.run(["replay", "--data", data, "--views", "nope"]).status == 2, "usage errors exit 2")
        #expect(try CLI.run(["export", "--format", "xml", "--data", data]).status == 2)
        let bad = try CLI.run(["query", "nosuchview", "--views-dir", dir.path + "/now", "--data", data])
        #expect(bad.status == 1)
        #expect(bad.stdout.contains("invalid_argument"))
    }
}
