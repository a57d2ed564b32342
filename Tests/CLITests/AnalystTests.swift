import Foundation
import JSON
import Testing

/// The README's walk-through for analysts on a small demo company: the funnel's stage counts computed
/// from `chronicle export` match the `salesFunnel` view of `chronicle replay`, now and as of the end of
/// Q2 — in Swift always, and with the README's own DuckDB query when `duckdb` is importable
/// (`CHRONICLE_REQUIRE_DUCKDB=1`, as `make duckdb-check` sets, makes a missing DuckDB a failure).
@Suite struct AnalystTests {
    static let stages = ["discovery", "qualification", "proposal", "negotiation", "won", "lost"]
    static let endOfQ2 = "2025-07-01T00:00:00Z"
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures/duckdb_funnel.py").path

    @Test func theExportsStageCountsMatchTheSalesFunnelViewNowAndAsOfTheEndOfQ2() throws {
        let dir = TemporaryDirectory()
        let data = dir.path + "/data"
        let demo = try CLI.run(["demo", "--data", data, "--scale", "0.03"])
        try #require(demo.status == 0, "\(demo.stdout)\(demo.stderr)")
        let duckdb = try Self.duckDBAvailable()

        for until in [nil, Self.endOfQ2] {
            let file = dir.path + "/export-\(until == nil ? "now" : "q2").ndjson"
            let export = try CLI.run(
                ["export", "--data", data, "--out", file] + (until.map { ["--until", $0] } ?? []))
            try #require(export.status == 0, "\(export.stderr)")
            let ndjson = try String(contentsOfFile: file, encoding: .utf8)
            let last = try #require(ndjson.split(separator: "\n").last.map { try JSONValue.parse(String($0)) })
            let position = try #require(last["position"]?.intValue)

            let view = try viewCounts(data: data, through: position, out: dir.path + "/views-\(position)")
            #expect(view["won", default: 0] > 0 && view["lost", default: 0] > 0, "the demo closes deals: \(view)")
            #expect(view["discovery", default: 0] > 0, "\(view)")
            let exported = try Self.stageCounts(ndjson: ndjson)
            #expect(exported == view, "as of \(until ?? "now") (position \(position))")
            if duckdb {
                let sql = try CLI.run(program: "python3", [Self.script, file])
                try #require(sql.status == 0, "\(sql.stderr)")
                let object = try JSONValue.parse(sql.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
                #expect(object.objectValue?.keys == Self.stages, "every stage, in order: \(sql.stdout)")
                let counts = Self.stages.reduce(into: [String: Int]()) { $0[$1] = object[$1]?.intValue }
                #expect(counts == view, "DuckDB as of \(until ?? "now") (position \(position))")
            }
        }
    }

    /// `chronicle replay --until POSITION --views salesFunnel`, then `chronicle query salesFunnel`.
    func viewCounts(data: String, through position: Int, out: String) throws -> [String: Int] {
        let replay = try CLI.run([
            "replay", "--data", data, "--until", String(position), "--views", "salesFunnel", "--out", out,
        ])
        try #require(replay.status == 0, "\(replay.stderr)")
        #expect(replay.stderr.isEmpty, "progress only on a terminal: \(replay.stderr)")
        let query = try CLI.run(["query", "salesFunnel", "--views-dir", out, "--data", data])
        try #require(query.status == 0, "\(query.stdout)\(query.stderr)")
        let reply = try JSONValue.parse(query.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(reply["position"]?.intValue == position)
        return Self.stages.reduce(into: [String: Int]()) {
            $0[$1] = reply["result"]?["stages"]?[$1]?["count"]?.intValue
        }
    }

    /// The README's SQL in Swift: every opened opportunity in the stage of its latest stage event
    /// (opened, advanced, won, lost), counted per stage.
    static func stageCounts(ndjson: String) throws -> [String: Int] {
        var stage: [String: String] = [:]
        for line in ndjson.split(separator: "\n") {
            let event = try JSONValue.parse(String(line))
            guard let type = event["type"]?.stringValue, let data = event["data"],
                let id = data["opportunityId"]?.stringValue
            else { continue }
            switch type {
            case "OpportunityOpened": stage[id] = data["stage"]?.stringValue ?? "discovery"
            case "OpportunityStageAdvanced" where stage[id] != nil:
                if let to = data["to"]?.stringValue, stages.contains(to) { stage[id] = to }
            case "OpportunityWon" where stage[id] != nil: stage[id] = "won"
            case "OpportunityLost" where stage[id] != nil: stage[id] = "lost"
            default: continue
            }
        }
        var counts = stages.reduce(into: [String: Int]()) { $0[$1] = 0 }
        for s in stage.values { counts[s, default: 0] += 1 }
        return counts
    }

    /// Whether `python3 -c "import duckdb"` works; a failure when it does not and
    /// `CHRONICLE_REQUIRE_DUCKDB=1`.
    static func duckDBAvailable() throws -> Bool {
        let probe = try? CLI.run(program: "python3", ["-c", "import duckdb"])
        if probe?.status == 0 { return true }
        if ProcessInfo.processInfo.environment["CHRONICLE_REQUIRE_DUCKDB"] == "1" {
            Issue.record(
                "CHRONICLE_REQUIRE_DUCKDB=1 but python3 cannot import duckdb: \(probe?.stderr ?? "no python3")")
        }
        return false
    }
}
